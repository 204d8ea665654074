// Pre-tokenizer splits on hand-picked strings whose words follow from the
// split regexes (and llama.cpp's handling of them).
#include "tokenizer/pretokenizer.h"

#include <gtest/gtest.h>

#include "tokenizer/unicode.h"

namespace llmzip::tokenizer {
namespace {

std::vector<std::string> words(const char* pre, std::string_view text) {
  auto p = PreTokenizer::from_name(pre);
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  std::vector<uint32_t> cpts, offs;
  std::vector<uint8_t> flags;
  for (size_t i = 0; i < text.size();) {
    uint32_t c = 0;
    const size_t n = decode_utf8(text, i, &c);
    EXPECT_GT(n, 0u);
    if (n == 0) return {};
    cpts.push_back(c);
    flags.push_back(codepoint_flags(c));
    offs.push_back(static_cast<uint32_t>(i));
    i += n;
  }
  offs.push_back(static_cast<uint32_t>(text.size()));
  std::vector<uint32_t> ends, scratch;
  p->split(cpts.data(), flags.data(), cpts.size(), &ends, &scratch);
  std::vector<std::string> out;
  uint32_t b = 0;
  for (uint32_t e : ends) {
    out.emplace_back(text.substr(offs[b], offs[e] - offs[b]));
    b = e;
  }
  return out;
}

using W = std::vector<std::string>;

TEST(PreTokenizerTest, Gpt2) {
  EXPECT_EQ(words("gpt-2", "Hello world's  end!!\n\n  x 123"),
            (W{"Hello", " world", "'s", " ", " end", "!!", "\n\n ", " x", " 123"}));
  EXPECT_EQ(words("gpt-2", "I'M"), (W{"I", "'", "M"}));  // contractions are case-sensitive
  EXPECT_EQ(words("gpt-2", "a   "), (W{"a", "   "}));
}

TEST(PreTokenizerTest, Llama3) {
  EXPECT_EQ(words("llama-bpe", "I'M 1234567 ok\r\n\r\n  !?\n"),
            (W{"I", "'M", " ", "123", "456", "7", " ok", "\r\n\r\n", " ", " !?\n"}));
  EXPECT_EQ(words("llama-bpe", "$hello"), (W{"$hello"}));
}

TEST(PreTokenizerTest, Qwen2AndQwen35) {
  EXPECT_EQ(words("qwen2", "x 123"), (W{"x", " ", "1", "2", "3"}));
  // U+0301 (combining acute) is a mark: qwen35 keeps it in the word.
  EXPECT_EQ(words("qwen2", "e\xcc\x81t"), (W{"e", "\xcc\x81t"}));
  EXPECT_EQ(words("qwen35", "e\xcc\x81t"), (W{"e\xcc\x81t"}));
}

TEST(PreTokenizerTest, StarcoderSplitsEveryDigit) {
  EXPECT_EQ(words("starcoder", "ab 12"), (W{"ab", " ", "1", "2"}));
}

TEST(PreTokenizerTest, FalconPunctuationAndDigitTriples) {
  EXPECT_EQ(words("falcon", "a+=b 1234567"), (W{"a", "+=", "b", " ", "123", "456", "7"}));
  EXPECT_EQ(words("falcon", "x1234567"), (W{"x", "123", "456", "7"}));
}

TEST(PreTokenizerTest, DeepseekLlm) {
  EXPECT_EQ(words("deepseek-llm", "Hi there\n\xe4\xb8\xad\xe6\x96\x87 42  "),
            (W{"Hi", " there", "\n", "\xe4\xb8\xad\xe6\x96\x87", " ", "42", "  "}));
}

TEST(PreTokenizerTest, UnknownNameListsSupported) {
  auto p = PreTokenizer::from_name("nope");
  ASSERT_FALSE(p.is_ok());
  EXPECT_EQ(p.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(p.status().message().find("llama-bpe"), std::string::npos);
  EXPECT_NE(p.status().message().find("smollm"), std::string::npos);
}

}  // namespace
}  // namespace llmzip::tokenizer
