// write_test_model OUT.gguf: the tiny model of api/test_model.h, for the
// Python tests (which must not need a C++ compiler of their own).
#include <cstdio>

#include "api/test_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.gguf\n", argv[0]);
    return 2;
  }
  auto st = llmzip::api::write_tiny_test_model(argv[1]);
  if (!st) {
    std::fprintf(stderr, "write_test_model: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
