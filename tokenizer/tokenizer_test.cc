// Tokenizer tests: exact ids against llama.cpp for every reference vocabulary,
// the lossless round trip on tricky and random bytes, the stories260K golden
// tokens, and clean errors for bad metadata.
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "testing/testutil.h"
#include "testing/gguf_writer.h"
#include "tokenizer/bpe.h"
#include "tokenizer/unicode.h"

namespace llmzip::tokenizer {
namespace {

const char* kVocabs[] = {"llama-spm", "phi-3",   "llama-bpe", "qwen2",          "qwen35",         "gpt-2",
                         "falcon",    "starcoder", "deepseek-llm", "deepseek-coder", "mpt", "refact"};

std::unique_ptr<Tokenizer> load(const std::string& path) {
  auto f = gguf::GgufFile::open(path);
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  if (!f) return nullptr;
  auto t = Tokenizer::from_gguf(**f);
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  if (!t) return nullptr;
  return std::move(t).value();
}

std::vector<int32_t> parse_ids(const std::string& line) {
  std::vector<int32_t> ids;
  std::istringstream in(line);
  int32_t v;
  while (in >> v) ids.push_back(v);
  return ids;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

// Texts whose ids llama.cpp cannot give losslessly: falcon has no token for \v
// (llama.cpp drops it; we refuse).
bool needs_missing_byte(const Tokenizer& t, const std::string& text) {
  for (unsigned char c : text) {
    if (c == 0x0B && t.byte_token(c) < 0) return true;
  }
  return false;
}

// Only a byte the vocabulary cannot express may make encode fail, and the
// message names it.
void expect_missing_byte_error(const Tokenizer& t, const Status& st) {
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported) << st.to_string();
  const size_t at = st.message().find("no token for byte 0x");
  ASSERT_NE(at, std::string::npos) << st.message();
  const int b = std::stoi(st.message().substr(at + 20, 2), nullptr, 16);
  EXPECT_LT(t.byte_token(static_cast<uint8_t>(b)), 0) << st.message();
}

void check_case(const Tokenizer& t, const std::string& name, const std::string& text,
                const std::vector<int32_t>& want, int* failures) {
  EncodeStats stats;
  auto got = t.encode(text, &stats);
  if (needs_missing_byte(t, text)) {
    EXPECT_FALSE(got.is_ok()) << name << ": expected kUnsupported for " << text;
    if (!got.is_ok()) {
      EXPECT_EQ(got.status().code(), ErrorCode::kUnsupported);
    }
    return;
  }
  ASSERT_TRUE(got.is_ok()) << name << ": " << got.status().to_string();
  if (*got != want && ++*failures <= 8) {
    ADD_FAILURE() << name << ": text " << nlohmann::json(text).dump() << "\n  want " << show(want)
                  << "\n  got  " << show(*got);
  }
  EXPECT_EQ(t.decode(*got), text) << name;
  // Valid UTF-8 through byte-level BPE: the canonical ids, no byte fallback.
  if (t.kind() == ModelKind::kBpe) {
    EXPECT_EQ(stats.byte_fallback_bytes, 0u) << name << ": " << testing::PrintToString(text);
  }
}

class VocabTest : public ::testing::TestWithParam<const char*> {};

TEST_P(VocabTest, MatchesLlamaCppInpOut) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::string base = dir + "/vocab/ggml-vocab-" + GetParam();
  auto t = load(base + ".gguf");
  ASSERT_TRUE(t);
  const std::string inp = testutil::read_file(base + ".gguf.inp");
  const std::string out = testutil::read_file(base + ".gguf.out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0;;) {
    const size_t hit = inp.find(sep, pos);
    if (hit == std::string::npos) break;
    texts.push_back(inp.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(texts.size(), lines.size());
  ASSERT_GE(texts.size(), 40u);
  int failures = 0;
  for (size_t i = 0; i < texts.size(); ++i) check_case(*t, GetParam(), texts[i], parse_ids(lines[i]), &failures);
  EXPECT_EQ(failures, 0);
}

TEST_P(VocabTest, MatchesLlamaCppJsonl) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::string base = dir + "/vocab/ggml-vocab-" + GetParam();
  auto t = load(base + ".gguf");
  ASSERT_TRUE(t);
  std::istringstream in(testutil::read_file(base + ".tokens.jsonl"));
  int failures = 0, n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    check_case(*t, GetParam(), j.at("text").get<std::string>(), j.at("ids").get<std::vector<int32_t>>(), &failures);
    ++n;
  }
  EXPECT_GE(n, 75);
  EXPECT_EQ(failures, 0);
}

// Bytes that llama.cpp's byte-level path would turn into U+FFFD, spellings of
// special tokens, NULs, CRLF, and the like: all must round-trip.
const std::vector<std::string>& tricky_inputs() {
  static const std::vector<std::string> k = {
      "",
      std::string("\0", 1),
      std::string("a\0b\0\0", 5),
      "\xff",
      "a\xff" "b",
      "abc\xe2\x82",
      "x\xf0\x9f\xa6y",
      "\xc0\xaf",
      "\xed\xa0\x80",
      "\x80\x80\x80 lone continuation",
      "\xf8\x88\x80\x80\x80 five-byte form",
      "\xf4\x90\x80\x80 above U+10FFFF",
      "line\r\nline\r\n\r\n",
      "\r\r\n\n\r",
      "<|endoftext|><s></s><unk>[INST]<0x0A><|im_start|>",
      "\xe2\x96\x81 literal space marker \xe2\x96\x81\xe2\x96\x81",
      " leading space",
      "  two leading spaces",
      "trailing   ",
      "\t\v\f \u00a0\u2028\u2029\u0085",
      "caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",
      "\xc3\xb5\xc3\xb7\xc3\x81 \xc3\xbd",  // deepseek's user-defined pieces as text
      "[PAD151646] [PAD100015]",
      "                        twenty-four spaces",
      "12345678901234567890 3.14159",
      "I'M THEY'LL 'VE don't",
  };
  return k;
}

TEST_P(VocabTest, TrickyRoundTrip) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/vocab/ggml-vocab-" + GetParam() + ".gguf");
  ASSERT_TRUE(t);
  for (const std::string& text : tricky_inputs()) {
    EncodeStats stats;
    auto ids = t->encode(text, &stats);
    if (!ids.is_ok()) {
      expect_missing_byte_error(*t, ids.status());
      continue;
    }
    EXPECT_EQ(t->decode(*ids), text) << GetParam() << " " << testing::PrintToString(text);
  }
}

TEST_P(VocabTest, RandomAndMutatedRoundTrip) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::string base = dir + "/vocab/ggml-vocab-" + GetParam();
  auto t = load(base + ".gguf");
  ASSERT_TRUE(t);
  const std::string seed_text = testutil::read_file(base + ".gguf.inp");
  std::mt19937_64 rng(12345);
  int checked = 0;
  size_t mutated_bytes = 0, mutated_fallback = 0, baseline_fallback = 0, mutations = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::string s;
    if (iter % 3 == 0) {
      // Random bytes, biased towards ASCII and UTF-8 lead/continuation bytes.
      const size_t n = rng() % 64;
      for (size_t i = 0; i < n; ++i) {
        const uint64_t r = rng();
        s.push_back(static_cast<char>(r % 4 == 0 ? (0x80 | (r >> 8) % 0x80) : (r % 4 == 1 ? 0x20 : (r >> 8) % 256)));
      }
    } else {
      // A slice of real test text with a few bytes flipped, inserted or deleted.
      const size_t at = rng() % seed_text.size();
      s = seed_text.substr(at, rng() % 200);
      EncodeStats before;
      if (t->encode(s, &before).is_ok()) {
        baseline_fallback += before.byte_fallback_bytes;
      } else {
        baseline_fallback += s.size();
      }
      for (int m = rng() % 4; m > 0 && !s.empty(); --m) {
        ++mutations;
        const size_t p = rng() % s.size();
        switch (rng() % 3) {
          case 0: s[p] = static_cast<char>(rng()); break;
          case 1: s.insert(s.begin() + p, static_cast<char>(rng())); break;
          default: s.erase(p, 1); break;
        }
      }
    }
    EncodeStats stats;
    auto ids = t->encode(s, &stats);
    if (!ids.is_ok()) {
      expect_missing_byte_error(*t, ids.status());
      continue;
    }
    ASSERT_EQ(t->decode(*ids), s) << GetParam() << " iteration " << iter;
    ++checked;
    if (iter % 3 != 0) {
      mutated_bytes += s.size();
      mutated_fallback += stats.byte_fallback_bytes;
    }
  }
  EXPECT_GT(checked, 200);
  // A damaged byte must cost a few byte tokens (at most the bytes of the
  // characters it breaks), not the whole text.
  EXPECT_LE(mutated_fallback, baseline_fallback + 8 * mutations)
      << mutated_fallback << " fallback bytes of " << mutated_bytes << ", " << baseline_fallback
      << " before " << mutations << " mutations";
}

INSTANTIATE_TEST_SUITE_P(AllVocabs, VocabTest, ::testing::ValuesIn(kVocabs),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) if (c == '-') c = '_';
                           return n;
                         });

TEST(TokenizerTest, ByteFallbackIsCountedAndCanonicalTextHasNone) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/vocab/ggml-vocab-gpt-2.gguf");
  ASSERT_TRUE(t);
  EncodeStats stats;
  auto ids = t->encode("Hello world, this is plain text.", &stats);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(stats.byte_fallback_bytes, 0u);
  ids = t->encode("a\xff" "b\xfe", &stats);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(stats.byte_fallback_bytes, 2u);
  // gpt-2's byte alphabet: 'a'=64, 0xFF -> 'ÿ'=187, 'b'=65, 0xFE -> 'þ'=186.
  EXPECT_EQ(*ids, (std::vector<int32_t>{64, 187, 65, 186}));
}

TEST(TokenizerTest, FalconVerticalTabIsUnsupported) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/vocab/ggml-vocab-falcon.gguf");
  ASSERT_TRUE(t);
  auto ids = t->encode("a\x0b" "b");
  ASSERT_FALSE(ids.is_ok());
  EXPECT_EQ(ids.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(ids.status().message().find("0x0B"), std::string::npos) << ids.status().message();
  EXPECT_NE(ids.status().message().find("offset 1"), std::string::npos) << ids.status().message();
}

TEST(TokenizerTest, SpmInvalidBytesMatchLlamaCpp) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_TRUE(t);
  auto ids = t->encode("\xff");
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{29871, 258}));  // ▁, <0xFF> (testdata README)
  EXPECT_EQ(t->decode(*ids), "\xff");
}

// An invalid byte before a space must not push the escaped space into its
// byte fallback (llama.cpp would decode that space as "▁"), and must cost only
// its own byte: the rest of the text keeps its normal tokens.
TEST(TokenizerTest, SpmInvalidByteBeforeSpaceStaysLocal) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/models/stories260K.gguf");
  ASSERT_TRUE(t);
  const std::string text = "Hello world!\xff caf\xc3\xa9 \xe0 x";
  EncodeStats stats;
  auto ids = t->encode(text, &stats);
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(t->decode(*ids), text);
  // The invalid bytes 0xFF and 0xE0 cost one byte token each on top of what
  // the same text without them needs.
  EncodeStats plain_stats;
  ASSERT_TRUE(t->encode("Hello world! caf\xc3\xa9  x", &plain_stats).is_ok());
  EXPECT_EQ(stats.byte_fallback_bytes, plain_stats.byte_fallback_bytes + 2);
}

// stories260K (SentencePiece, 512 tokens): llama.cpp's ids for the two golden
// texts, BOS first.
TEST(TokenizerTest, Stories260kGoldenTokens) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto t = load(dir + "/models/stories260K.gguf");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->n_vocab(), 512);
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_TRUE(t->add_bos());
  for (const char* text_name : {"stories_sample", "plain_english"}) {
    const std::string text = testutil::read_file(dir + "/texts/" + text_name + ".txt");
    std::istringstream in(testutil::read_file(dir + "/golden/stories260K__" + text_name + ".jsonl"));
    std::vector<int32_t> want;
    std::string line;
    std::getline(in, line);  // header
    const auto header = nlohmann::json::parse(line);
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto j = nlohmann::json::parse(line);
      if (want.empty()) want.push_back(j.at("token").get<int32_t>());
      want.push_back(j.at("next").get<int32_t>());
    }
    ASSERT_EQ(static_cast<int>(want.size()), header.at("n_tokens").get<int>());
    EncodeStats stats;
    auto ids = t->encode(text, &stats);
    ASSERT_TRUE(ids.is_ok()) << ids.status().to_string();
    std::vector<int32_t> got = {t->bos_id()};
    got.insert(got.end(), ids->begin(), ids->end());
    EXPECT_EQ(got, want) << text_name;
    EXPECT_EQ(t->decode(*ids), text);
  }
}

// The per-thread word caches must never change a result: many threads
// encoding overlapping texts with two tokenizers in turn agree with a fresh
// single-threaded run.
TEST(TokenizerTest, ThreadsAndCachesGiveIdenticalIds) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto a = load(dir + "/vocab/ggml-vocab-gpt-2.gguf");
  auto b = load(dir + "/vocab/ggml-vocab-llama-spm.gguf");
  ASSERT_TRUE(a && b);
  const std::string text = testutil::read_file(dir + "/vocab/ggml-vocab-gpt-2.gguf.inp") +
                           testutil::read_file(dir + "/texts/plain_english.txt");
  std::vector<std::string> pieces;
  for (size_t i = 0; i < text.size(); i += 700) pieces.push_back(text.substr(i, 1500));
  std::vector<std::vector<int32_t>> want_a, want_b;
  for (const auto& p : pieces) {
    want_a.push_back(*a->encode(p));
    want_b.push_back(*b->encode(p));
  }
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = t % 2; i < pieces.size(); ++i) {
          const size_t k = (i * 7 + t) % pieces.size();
          auto ga = a->encode(pieces[k]);
          auto gb = b->encode(pieces[k]);
          if (!ga || !gb || *ga != want_a[k] || *gb != want_b[k]) ++bad[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(4, 0));
}

// Long runs (one huge word, a huge run of user-defined spaces) stay
// near-linear and lossless.
TEST(TokenizerTest, LongRunsRoundTrip) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::vector<std::string> inputs = {std::string(300000, ' '), std::string(200000, 'a'),
                                           std::string(100000, '='), std::string(50000, '\n') + "x"};
  for (const char* name : {"mpt", "llama-bpe", "llama-spm"}) {
    auto t = load(dir + "/vocab/ggml-vocab-" + name + ".gguf");
    ASSERT_TRUE(t);
    for (const std::string& in : inputs) {
      const auto start = std::chrono::steady_clock::now();
      auto ids = t->encode(in);
      ASSERT_TRUE(ids.is_ok()) << name;
      EXPECT_EQ(t->decode(*ids), in) << name;
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20)) << name;
    }
  }
}

// ---- Hand-made vocabularies: errors and the in-memory path ----

std::string tiny_bpe_gguf(const std::string& pre, bool with_merges = true) {
  gguf::GgufWriter w;
  w.add_string("general.architecture", "gpt2");
  w.add_string("tokenizer.ggml.model", "gpt2");
  if (!pre.empty()) w.add_string("tokenizer.ggml.pre", pre);
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    append_utf8(byte_to_unicode(static_cast<uint8_t>(b)), &s);
    tokens.push_back(s);
  }
  tokens.push_back("he");
  tokens.push_back("ll");
  tokens.push_back("hell");
  tokens.push_back("hello");
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  if (with_merges) w.add_string_array("tokenizer.ggml.merges", {"h e", "l l", "he ll", "hell o"});
  return w.finish();
}

TEST(TokenizerTest, InMemoryBpeMergesByRank) {
  const std::string bytes = tiny_bpe_gguf("gpt-2");
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "tiny.gguf");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  auto t = Tokenizer::from_gguf(**f);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  auto ids = (*t)->encode("hello hell");
  ASSERT_TRUE(ids.is_ok());
  // "hello" -> hello (259); " hell" -> the space's alphabet token (id 32) + hell (258).
  EXPECT_EQ(*ids, (std::vector<int32_t>{259, 32, 258}));
  EXPECT_EQ((*t)->decode(*ids), "hello hell");
}

// User-defined pieces are cut out longest first over the whole text (as
// llama.cpp), not leftmost first: "bcd" wins over "ab" in "abcd".
TEST(TokenizerTest, UserDefinedPiecesLongestFirst) {
  gguf::GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", "gpt-2");
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    append_utf8(byte_to_unicode(static_cast<uint8_t>(b)), &s);
    tokens.push_back(s);
    types.push_back(1);
  }
  tokens.push_back("ab");   // 256
  tokens.push_back("bcd");  // 257
  types.push_back(4);
  types.push_back(4);
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_i32_array("tokenizer.ggml.token_type", types);
  w.add_string_array("tokenizer.ggml.merges", {});
  const std::string bytes = w.finish();
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "ud.gguf");
  ASSERT_TRUE(f.is_ok());
  auto t = Tokenizer::from_gguf(**f);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  auto ids = (*t)->encode("abcd ab");
  ASSERT_TRUE(ids.is_ok());
  EXPECT_EQ(*ids, (std::vector<int32_t>{'a', 257, ' ', 256}));
  EXPECT_EQ((*t)->decode(*ids), "abcd ab");
}

TEST(TokenizerTest, EveryPreTokenizerNameLoads) {
  for (const char* pre : {"llama-bpe", "llama3", "qwen2", "qwen35", "gpt-2", "falcon", "starcoder", "refact",
                          "deepseek-llm", "deepseek-coder", "mpt", "smollm", "default", ""}) {
    const std::string bytes = tiny_bpe_gguf(pre);
    auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "tiny.gguf");
    ASSERT_TRUE(f.is_ok());
    auto t = Tokenizer::from_gguf(**f);
    ASSERT_TRUE(t.is_ok()) << pre << ": " << t.status().to_string();
    const std::string text = "hello world 12345 \xff caf\xc3\xa9\r\n";
    auto ids = (*t)->encode(text);
    ASSERT_TRUE(ids.is_ok()) << pre;
    EXPECT_EQ((*t)->decode(*ids), text) << pre;
  }
}

TEST(TokenizerTest, BadMetadataIsRejectedCleanly) {
  struct Case {
    std::string bytes;
    ErrorCode code;
    const char* needle;
  };
  std::vector<Case> cases;
  cases.push_back({tiny_bpe_gguf("no-such-pre"), ErrorCode::kUnsupported, "no-such-pre"});
  cases.push_back({tiny_bpe_gguf("gpt-2", false), ErrorCode::kMissing, "tokenizer.ggml.merges"});
  {
    gguf::GgufWriter w;
    w.add_string("tokenizer.ggml.model", "t5");
    w.add_string_array("tokenizer.ggml.tokens", {"a"});
    cases.push_back({w.finish(), ErrorCode::kUnsupported, "t5"});
  }
  {
    gguf::GgufWriter w;
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", {"a", "b"});
    w.add_f32_array("tokenizer.ggml.scores", {0.0f});
    cases.push_back({w.finish(), ErrorCode::kCorrupt, "tokenizer.ggml.scores"});
  }
  {
    gguf::GgufWriter w;
    w.add_string("tokenizer.ggml.model", "llama");
    cases.push_back({w.finish(), ErrorCode::kMissing, "tokenizer.ggml.tokens"});
  }
  {
    gguf::GgufWriter w;
    w.add_string("tokenizer.ggml.model", "llama");
    w.add_string_array("tokenizer.ggml.tokens", {"a", "b"});
    w.add_f32_array("tokenizer.ggml.scores", {0.0f, 1.0f});
    w.add_i32_array("tokenizer.ggml.token_type", {1, 9});
    cases.push_back({w.finish(), ErrorCode::kCorrupt, "token_type[1]"});
  }
  for (const Case& c : cases) {
    auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size(), "bad.gguf");
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    auto t = Tokenizer::from_gguf(**f);
    ASSERT_FALSE(t.is_ok()) << c.needle;
    EXPECT_EQ(t.status().code(), c.code) << t.status().to_string();
    EXPECT_NE(t.status().message().find(c.needle), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find("bad.gguf"), std::string::npos) << t.status().message();
  }
}

TEST(UnicodeTest, CategoriesAndUtf8) {
  EXPECT_EQ(codepoint_flags('a'), kLetter);
  EXPECT_EQ(codepoint_flags('7'), kNumber);
  EXPECT_EQ(codepoint_flags(' '), kSeparator | kSpace);
  EXPECT_EQ(codepoint_flags('\n'), kControl | kSpace);
  EXPECT_EQ(codepoint_flags(0x85), kControl | kSpace);
  EXPECT_EQ(codepoint_flags(0x4E2D), kLetter);   // 中
  EXPECT_EQ(codepoint_flags(0x0301), kMark);     // combining acute
  EXPECT_EQ(codepoint_flags(0x00B2), kNumber);   // ²
  EXPECT_EQ(codepoint_flags(0x2014), kPunct);    // em dash
  EXPECT_EQ(codepoint_flags(0x20AC), kSymbol);   // €
  EXPECT_EQ(codepoint_flags(0x3000), kSeparator | kSpace);
  EXPECT_EQ(codepoint_flags(0x0378), 0);         // unassigned
  EXPECT_EQ(codepoint_flags(0x110000), 0);
  EXPECT_STREQ(unicode_version(), "15.0.0");
  uint32_t c = 0;
  EXPECT_EQ(decode_utf8("\xc3\xa9", 0, &c), 2u);
  EXPECT_EQ(c, 0xE9u);
  EXPECT_EQ(decode_utf8("\xf0\x9f\x98\x80", 0, &c), 4u);
  EXPECT_EQ(c, 0x1F600u);
  EXPECT_EQ(decode_utf8("\xc0\xaf", 0, &c), 0u);          // overlong
  EXPECT_EQ(decode_utf8("\xed\xa0\x80", 0, &c), 0u);      // surrogate
  EXPECT_EQ(decode_utf8("\xf4\x90\x80\x80", 0, &c), 0u);  // > U+10FFFF
  EXPECT_EQ(decode_utf8("\xe2\x82", 0, &c), 0u);          // truncated
  EXPECT_EQ(decode_utf8("\x80", 0, &c), 0u);
  EXPECT_EQ(decode_utf8("\xc0\x80", 0, &c), 0u);          // overlong NUL
  const std::string mixed = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // a é € 😀
  EXPECT_EQ(decode_utf8(mixed, 0, nullptr), 1u);  // length only
  EXPECT_EQ(decode_utf8(mixed, 1, nullptr), 2u);
  EXPECT_EQ(decode_utf8(mixed, 2, nullptr), 0u);  // continuation byte
  EXPECT_EQ(decode_utf8(mixed, 3, nullptr), 3u);
  EXPECT_EQ(decode_utf8(mixed, 6, nullptr), 4u);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(byte_from_unicode(byte_to_unicode(static_cast<uint8_t>(b))), b);
  EXPECT_EQ(byte_to_unicode(' '), 0x120u);  // Ġ
  EXPECT_EQ(byte_to_unicode('\n'), 0x10Au); // Ċ
}

}  // namespace
}  // namespace llmzip::tokenizer
