// fuzz-libs: llmzip_gguf llmzip_common
// Parses arbitrary bytes as GGUF and touches everything the parser returns: any
// crash, sanitizer report or out-of-bounds view is a bug.
#include <cstddef>
#include <cstdint>

#include "gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = llmzip::gguf::GgufFile::parse(data, size, "fuzz.gguf");
  if (!f.is_ok()) return 0;
  volatile uint64_t sink = 0;
  for (const auto& [key, v] : (*f)->metadata()) {
    sink += key.size() + v.count + v.str.size();
    for (auto s : v.strings) sink += s.size() ? uint8_t(s[0]) : 0;
    if (v.raw && v.count && v.elem_type != llmzip::gguf::ValueType::kBool) sink += uint64_t(v.int_at(v.count - 1));
  }
  for (const auto& t : (*f)->tensors()) {
    if (t.nbytes) sink += t.data[0] + t.data[t.nbytes - 1];
  }
  (void)sink;
  return 0;
}
