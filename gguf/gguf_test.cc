#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/le_io.h"
#include "testing/testutil.h"
#include "gguf/gguf.h"
#include "testing/gguf_writer.h"

namespace llmzip::gguf {
namespace {

Result<std::unique_ptr<GgufFile>> parse(const std::string& bytes) {
  return GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "t.gguf");
}

// A small valid file: metadata of several types and two F32 tensors whose data
// ends exactly at the end of the file (so every proper prefix is invalid).
std::string sample_file() {
  GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.block_count", 2);
  w.add_f32("llama.rope.freq_base", 10000.0f);
  w.add_bool("flag", true);
  w.add_string_array("tokenizer.ggml.tokens", {"a", "bc", ""});
  w.add_f32_array("tokenizer.ggml.scores", {0.5f, -1.0f, 2.0f});
  w.add_tensor("w1", TensorType::kF32, {8, 2}, std::string(64, '\1'));
  w.add_tensor("w2", TensorType::kF32, {8}, std::string(32, '\2'));
  return w.finish();
}

// Offsets in sample_file(), computed from the layout: header 24 bytes, then kv.
size_t find(const std::string& hay, const std::string& needle) {
  size_t p = hay.find(needle);
  EXPECT_NE(p, std::string::npos) << needle;
  return p;
}

TEST(Gguf, ParsesWriterOutput) {
  std::string bytes = sample_file();
  auto f = parse(bytes);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  const GgufFile& g = **f;
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(*g.get_string("general.architecture"), "llama");
  EXPECT_EQ(*g.get_uint("llama.block_count"), 2u);
  EXPECT_EQ(*g.get_float("llama.rope.freq_base"), 10000.0);
  EXPECT_EQ(*g.get_bool("flag"), true);
  EXPECT_EQ(*g.get_uint_or("absent", 7), 7u);
  EXPECT_EQ(g.get_uint("absent").status().code(), ErrorCode::kMissing);
  EXPECT_EQ(g.get_uint("general.architecture").status().code(), ErrorCode::kCorrupt);
  const Value* toks = g.find("tokenizer.ggml.tokens");
  ASSERT_TRUE(toks && toks->is_array());
  ASSERT_EQ(toks->strings.size(), 3u);
  EXPECT_EQ(toks->strings[1], "bc");
  EXPECT_EQ(toks->strings[2], "");
  const Value* scores = g.find("tokenizer.ggml.scores");
  ASSERT_TRUE(scores);
  EXPECT_EQ(scores->float_at(2), 2.0);
  ASSERT_EQ(g.tensors().size(), 2u);
  const TensorInfo* w1 = g.find_tensor("w1");
  ASSERT_TRUE(w1);
  EXPECT_EQ(w1->ne[0], 8u);
  EXPECT_EQ(w1->ne[1], 2u);
  EXPECT_EQ(w1->nbytes, 64u);
  EXPECT_EQ(w1->offset % 32, 0u);
  EXPECT_EQ(w1->data[0], 1);
  const TensorInfo* w2 = g.find_tensor("w2");
  EXPECT_EQ(w2->offset + w2->nbytes, bytes.size());
  EXPECT_EQ(w2->data[31], 2);
}

TEST(Gguf, EveryTruncationIsRejected) {
  std::string bytes = sample_file();
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto f = parse(bytes.substr(0, len));
    EXPECT_FALSE(f.is_ok()) << "prefix of length " << len << " was accepted";
  }
}

TEST(Gguf, NestedArraysAndAllScalarTypes) {
  // Hand-built: one key holding an array of two arrays of u16.
  std::string s;
  put_le32(s, 0x46554747); put_le32(s, 2); put_le64(s, 0); put_le64(s, 1);
  put_le64(s, 3); s += "arr"; put_le32(s, 9);
  put_le32(s, 9); put_le64(s, 2);
  for (int k = 0; k < 2; ++k) { put_le32(s, 2); put_le64(s, 2); put_le16(s, 10 + k); put_le16(s, 20 + k); }
  auto f = parse(s);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  const Value* v = (*f)->find("arr");
  ASSERT_EQ(v->items.size(), 2u);
  EXPECT_EQ(v->items[1].int_at(1), 21);
  EXPECT_EQ((*f)->version(), 2u);
}

TEST(Gguf, NestedArraysCannotCostTenTimesTheFile) {
  // Issue 10 item 8: 49 MB of nested empty arrays took 558 MB. One key holding
  // 2^20 empty u8 arrays (12 MB) would decode to about 120 MB of Values.
  const uint64_t n = uint64_t(1) << 20;
  std::string s;
  put_le32(s, 0x46554747); put_le32(s, 3); put_le64(s, 0); put_le64(s, 1);
  put_le64(s, 3); s += "arr"; put_le32(s, 9);
  put_le32(s, 9); put_le64(s, n);
  for (uint64_t k = 0; k < n; ++k) { put_le32(s, 0); put_le64(s, 0); }
  auto f = parse(s);
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), ErrorCode::kOutOfBounds);
  EXPECT_NE(f.status().message().find("arrays of arrays in key 'arr'"), std::string::npos) << f.status().message();
  // The same budget spread over nested levels counts every level.
  std::string d;
  put_le32(d, 0x46554747); put_le32(d, 3); put_le64(d, 0); put_le64(d, 1);
  put_le64(d, 3); d += "arr"; put_le32(d, 9);
  put_le32(d, 9); put_le64(d, 1024);
  for (int k = 0; k < 1024; ++k) {
    put_le32(d, 9); put_le64(d, 1024);
    for (int j = 0; j < 1024; ++j) { put_le32(d, 0); put_le64(d, 0); }
  }
  auto g = parse(d);
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), ErrorCode::kOutOfBounds);
}

TEST(Gguf, TensorOffsetNearTwoToTheSixtyFourIsShownAsWritten) {
  // Issue 10 item 11: an offset of 2^64-32 was shown as wrapped numbers.
  gguf::GgufWriter w;
  w.add_tensor("t", TensorType::kF32, {8}, std::string(32, '\0'));
  std::string s = w.finish();
  const size_t at = s.find(std::string("t\x01\0\0\0", 5));
  ASSERT_NE(at, std::string::npos);
  const size_t off = at + 1 + 4 + 8 + 4;  // name, n_dims, ne[0], type
  for (int k = 0; k < 8; ++k) s[off + k] = char(k == 0 ? 0xE0 : 0xFF);
  auto f = parse(s);
  ASSERT_FALSE(f.is_ok());
  EXPECT_NE(f.status().message().find("data offset 18446744073709551584 (32 bytes"), std::string::npos)
      << f.status().message();
}

struct BadCase {
  const char* name;
  std::function<std::string()> make;
  ErrorCode code;
};

std::string header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
  std::string s;
  put_le32(s, 0x46554747); put_le32(s, version); put_le64(s, n_tensors); put_le64(s, n_kv);
  return s;
}

TEST(Gguf, BadFilesAreRejectedCleanly) {
  std::vector<BadCase> cases = {
      {"empty", [] { return std::string(); }, ErrorCode::kBadMagic},
      {"bad magic", [] { std::string s = sample_file(); s[0] = 'X'; return s; }, ErrorCode::kBadMagic},
      {"version 1", [] { return header(1, 0, 0); }, ErrorCode::kUnsupportedVersion},
      {"version 4", [] { return header(4, 0, 0); }, ErrorCode::kUnsupportedVersion},
      {"big endian", [] { return header(0x03000000, 0, 0); }, ErrorCode::kUnsupportedVersion},
      {"absurd kv count", [] { return header(3, 0, uint64_t(1) << 60); }, ErrorCode::kOutOfBounds},
      {"absurd tensor count", [] { return header(3, uint64_t(1) << 60, 0); }, ErrorCode::kOutOfBounds},
      {"absurd key length", [] { std::string s = header(3, 0, 1); put_le64(s, uint64_t(1) << 62); s.append(64, '\0'); return s; },
       ErrorCode::kCorrupt},
      {"absurd string length", [] {
         std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 8); put_le64(s, uint64_t(1) << 62);
         return s; }, ErrorCode::kTruncated},
      {"absurd array length", [] {
         std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 9); put_le32(s, 4);
         put_le64(s, uint64_t(1) << 61); return s; }, ErrorCode::kOutOfBounds},
      {"absurd string array length", [] {
         std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 9); put_le32(s, 8);
         put_le64(s, 1000); return s; }, ErrorCode::kOutOfBounds},
      {"unknown value type", [] { std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 13);
         put_le32(s, 0); return s; }, ErrorCode::kCorrupt},
      {"unknown array element type", [] { std::string s = header(3, 0, 1); put_le64(s, 1); s += "k";
         put_le32(s, 9); put_le32(s, 77); put_le64(s, 0); return s; }, ErrorCode::kCorrupt},
      {"bool not 0/1", [] { std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 7);
         s.push_back(2); return s; }, ErrorCode::kCorrupt},
      {"empty key", [] { std::string s = header(3, 0, 1); put_le64(s, 0); put_le32(s, 4); put_le32(s, 1);
         return s; }, ErrorCode::kCorrupt},
      {"duplicate key", [] { GgufWriter w; w.add_u32("a", 1); w.add_u32("a", 2); return w.finish(); },
       ErrorCode::kDuplicate},
      {"arrays nested too deep", [] {
         std::string s = header(3, 0, 1); put_le64(s, 1); s += "k"; put_le32(s, 9);
         for (int i = 0; i < 20; ++i) { put_le32(s, 9); put_le64(s, 1); }
         put_le32(s, 4); put_le64(s, 0); return s; }, ErrorCode::kCorrupt},
      {"bad alignment", [] { GgufWriter w; w.add_u32("general.alignment", 24); return w.finish(); },
       ErrorCode::kCorrupt},
      {"duplicate tensor", [] { GgufWriter w; w.add_tensor("t", TensorType::kF32, {8}, std::string(32, 0));
         w.add_tensor("t", TensorType::kF32, {8}, std::string(32, 0)); return w.finish(); }, ErrorCode::kDuplicate},
      {"too many dims", [] { std::string s = sample_file(); size_t p = find(s, "w1") + 2; store_le32((uint8_t*)&s[p], 5);
         return s; }, ErrorCode::kCorrupt},
      {"zero dim", [] { std::string s = sample_file(); size_t p = find(s, "w1") + 2 + 4; store_le64((uint8_t*)&s[p], 0);
         return s; }, ErrorCode::kCorrupt},
      {"huge dims overflow", [] { std::string s = sample_file(); size_t p = find(s, "w1") + 2 + 4;
         store_le64((uint8_t*)&s[p], uint64_t(1) << 39); store_le64((uint8_t*)&s[p + 8], uint64_t(1) << 39);
         return s; }, ErrorCode::kCorrupt},
      {"unknown tensor type", [] { std::string s = sample_file(); size_t p = find(s, "w1") + 2 + 4 + 16;
         store_le32((uint8_t*)&s[p], 99); return s; }, ErrorCode::kUnsupported},
      {"row not multiple of block", [] { std::string s = sample_file(); size_t p = find(s, "w1") + 2 + 4 + 16;
         store_le32((uint8_t*)&s[p], 8 /* Q8_0, block 32 > 8 */); return s; }, ErrorCode::kCorrupt},
      {"misaligned offset", [] { std::string s = sample_file(); size_t p = find(s, "w2") + 2 + 4 + 8 + 4;
         store_le64((uint8_t*)&s[p], 8); return s; }, ErrorCode::kCorrupt},
      {"data out of bounds", [] { std::string s = sample_file(); size_t p = find(s, "w2") + 2 + 4 + 8 + 4;
         store_le64((uint8_t*)&s[p], 1 << 20); return s; }, ErrorCode::kOutOfBounds},
      {"data offset overflow", [] { std::string s = sample_file(); size_t p = find(s, "w2") + 2 + 4 + 8 + 4;
         store_le64((uint8_t*)&s[p], ~uint64_t(31)); return s; }, ErrorCode::kOutOfBounds},
      {"overlapping tensors", [] { std::string s = sample_file(); size_t p = find(s, "w2") + 2 + 4 + 8 + 4;
         store_le64((uint8_t*)&s[p], 32); return s; }, ErrorCode::kCorrupt},
  };
  for (const auto& c : cases) {
    std::string bytes = c.make();
    auto f = parse(bytes);
    ASSERT_FALSE(f.is_ok()) << c.name << " was accepted";
    EXPECT_EQ(f.status().code(), c.code) << c.name << ": " << f.status().to_string();
    EXPECT_NE(f.status().message().find("t.gguf"), std::string::npos) << c.name << ": message lacks the file name";
  }
}

TEST(Gguf, MissingFileIsAnIoError) {
  auto f = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), ErrorCode::kIo);
  EXPECT_NE(f.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(Gguf, ReadsEveryTestdataModelAndVocab) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  for (const char* m : {"stories260K", "rand-llama-gqa.F32", "rand-llama-gqa.F16", "rand-llama-gqa.BF16",
                        "rand-llama-gqa.Q8_0", "rand-llama-gqa.Q4_0", "rand-llama-gqa.Q4_K_M",
                        "rand-llama-gqa.Q6_K", "rand-llama-tied.F32", "rand-llama-tied.Q8_0", "rand-qwen2.F32",
                        "rand-qwen2.Q8_0"}) {
    auto f = GgufFile::open(dir + "/models/" + m + ".gguf");
    ASSERT_TRUE(f.is_ok()) << m << ": " << f.status().to_string();
    EXPECT_EQ(*(*f)->get_uint("tokenizer.ggml.bos_token_id"), 1u) << m;
    const Value* toks = (*f)->find("tokenizer.ggml.tokens");
    ASSERT_TRUE(toks) << m;
    EXPECT_EQ(toks->strings.size(), 512u) << m;
    EXPECT_TRUE((*f)->find_tensor("token_embd.weight")) << m;
  }
  auto gqa = GgufFile::open(dir + "/models/rand-llama-gqa.Q4_K_M.gguf");
  ASSERT_TRUE(gqa.is_ok());
  EXPECT_EQ(*(*gqa)->get_uint("llama.embedding_length"), 256u);
  EXPECT_EQ((*gqa)->find_tensor("output.weight")->ttype(), TensorType::kQ6_K);
  for (const char* v : {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "falcon", "phi-3"}) {
    auto f = GgufFile::open(dir + "/vocab/ggml-vocab-" + std::string(v) + ".gguf");
    ASSERT_TRUE(f.is_ok()) << v << ": " << f.status().to_string();
    EXPECT_TRUE((*f)->get_string("tokenizer.ggml.model").is_ok()) << v;
  }
}

}  // namespace
}  // namespace llmzip::gguf
