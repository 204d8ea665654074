// fuzz-libs: llmzip_tokenizer llmzip_testing llmzip_gguf llmzip_common
// Fuzzes the tokenizers. The first input byte picks a mode:
//   0..N-1  encode the rest with tokenizer N: decode(encode(text)) must give
//           back exactly the text, and a failure may only be kUnsupported for
//           a byte that has no single-byte token;
//   0xFF    parse the rest as a GGUF file and build a tokenizer from its
//           metadata: any result is fine except a crash; a tokenizer that
//           loads must then round-trip a fixed text.
// Tokenizers: two hand-made vocabularies (byte-level BPE with user-defined
// pieces, SentencePiece with byte fallback), plus real ones from the testdata
// directory ($LLMZIP_TESTDATA or ../shared/testdata) when it is there.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "testing/gguf_writer.h"
#include "tokenizer/bpe.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

using llmzip::tokenizer::Tokenizer;

namespace {

std::string tiny_bpe() {
  llmzip::gguf::GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "llama-bpe");
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    llmzip::tokenizer::append_utf8(llmzip::tokenizer::byte_to_unicode(static_cast<uint8_t>(b)), &s);
    tokens.push_back(s);
    types.push_back(1);
  }
  for (const char* t : {"he", "ll", "hell", "hello", "\xc4\xa0h", "\xc4\xa0hello"}) {
    tokens.push_back(t);
    types.push_back(1);
  }
  for (const char* t : {"  ", "   ", "[PAD1]", "\xc3\xb5"}) {  // user-defined, matched in raw text
    tokens.push_back(t);
    types.push_back(4);
  }
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_i32_array("tokenizer.ggml.token_type", types);
  w.add_string_array("tokenizer.ggml.merges", {"h e", "l l", "he ll", "hell o", "\xc4\xa0 h", "\xc4\xa0h ello"});
  return w.finish();
}

std::string tiny_spm() {
  llmzip::gguf::GgufWriter w;
  w.add_string("tokenizer.ggml.model", "llama");
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    tokens.push_back(buf);
    types.push_back(6);
  }
  for (const char* t : {"\xe2\x96\x81", "\xe2\x96\x81\xe2\x96\x81", "a", "b", "ab", "\xe2\x96\x81" "ab", "ba", "c",
                        "\xc3\xa9"}) {
    tokens.push_back(t);
    types.push_back(1);
  }
  std::vector<float> scores;
  for (size_t i = 0; i < tokens.size(); ++i) scores.push_back(-static_cast<float>(i % 7));
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_f32_array("tokenizer.ggml.scores", scores);
  w.add_i32_array("tokenizer.ggml.token_type", types);
  return w.finish();
}

struct Loaded {
  std::string bytes;  // backing store for in-memory files
  std::unique_ptr<llmzip::gguf::GgufFile> file;
  std::unique_ptr<Tokenizer> tok;
};

std::vector<std::unique_ptr<Loaded>>& tokenizers() {
  static std::vector<std::unique_ptr<Loaded>> all = [] {
    std::vector<std::unique_ptr<Loaded>> v;
    for (std::string bytes : {tiny_bpe(), tiny_spm()}) {
      auto l = std::make_unique<Loaded>();
      l->bytes = std::move(bytes);
      auto f = llmzip::gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(l->bytes.data()), l->bytes.size(), "tiny");
      if (!f) std::abort();
      l->file = std::move(f).value();
      auto t = Tokenizer::from_gguf(*l->file);
      if (!t) std::abort();
      l->tok = std::move(t).value();
      v.push_back(std::move(l));
    }
    std::string dir = "../shared/testdata";
    if (const char* e = std::getenv("LLMZIP_TESTDATA")) dir = e;
    for (const char* name : {"gpt-2", "llama-spm", "qwen35", "deepseek-llm", "falcon", "mpt"}) {
      const std::string path = dir + "/vocab/ggml-vocab-" + name + ".gguf";
      if (!std::filesystem::exists(path)) continue;
      auto f = llmzip::gguf::GgufFile::open(path);
      if (!f) continue;
      auto l = std::make_unique<Loaded>();
      l->file = std::move(f).value();
      auto t = Tokenizer::from_gguf(*l->file);
      if (!t) std::abort();
      l->tok = std::move(t).value();
      v.push_back(std::move(l));
    }
    return v;
  }();
  return all;
}

void check_round_trip(const Tokenizer& tok, std::string_view text) {
  auto ids = tok.encode(text);
  if (!ids) {
    const std::string& m = ids.status().message();
    const size_t at = m.find("no token for byte 0x");
    if (ids.status().code() != llmzip::ErrorCode::kUnsupported || at == std::string::npos) __builtin_trap();
    const int b = static_cast<int>(std::strtol(m.substr(at + 20, 2).c_str(), nullptr, 16));
    if (tok.byte_token(static_cast<uint8_t>(b)) >= 0) __builtin_trap();
    return;
  }
  for (int32_t id : *ids) {
    if (id < 0 || id >= tok.n_vocab()) __builtin_trap();
  }
  if (tok.decode(*ids) != text) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& all = tokenizers();
  const uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode == 0xFF) {
    auto f = llmzip::gguf::GgufFile::parse(data + 1, size - 1, "fuzz.gguf");
    if (!f) return 0;
    auto t = Tokenizer::from_gguf(**f);
    if (!t) return 0;
    check_round_trip(**t, "Hello, world! \xff\xfe 123  caf\xc3\xa9\n");
    return 0;
  }
  check_round_trip(*all[mode % all.size()]->tok, rest);
  return 0;
}
