// fuzz-libs: llmzip_codec
// Decompresses arbitrary bytes with the built-in model: every input must end in
// success or a clean error, never a crash, a hang or a sanitizer report. Seeds
// are valid .llmz files (fuzz/seeds/codec/), so mutations reach the frame and
// payload decoding paths.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "codec/codec.h"

namespace {
const llmzip::codec::LoadedModel* model() {
  static std::unique_ptr<llmzip::codec::LoadedModel> m = [] {
    auto r = llmzip::codec::load_model("");
    return r.is_ok() ? std::move(r).value() : nullptr;
  }();
  return m.get();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* m = model();
  if (!m) return 0;
  llmzip::MemorySource src(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.llmz");
  llmzip::NullSink sink;
  llmzip::codec::Params p;
  p.threads = 1;
  (void)llmzip::codec::decompress(*m, src, sink, p);
  return 0;
}
