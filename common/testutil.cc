#include "common/testutil.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace llmzip::testutil {

std::optional<std::string> testdata_dir() {
  for (const char* var : {"LLMZIP_TESTDATA", "LLMZIP_TESTDATA_DEFAULT"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    struct stat st;
    std::string p(v);
    if (stat((p + "/README.md").c_str(), &st) == 0) return p;
  }
#ifdef LLMZIP_TESTDATA_BUILTIN
  struct stat st;
  std::string p(LLMZIP_TESTDATA_BUILTIN);
  if (stat((p + "/README.md").c_str(), &st) == 0) return p;
#endif
  return std::nullopt;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "test helper: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace llmzip::testutil
