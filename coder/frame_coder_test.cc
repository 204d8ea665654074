// FrameEncoder/FrameDecoder: every method round-trips frames of tokens under
// changing tables; damaged payloads give errors or other tokens, never crashes;
// extra bytes after the last token are reported.
#include "coder/frame_coder.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace llmzip::coder {
namespace {

struct Frame {
  std::vector<std::vector<float>> logits;
  std::vector<uint32_t> tokens;
};

Frame random_frame(std::mt19937_64& rng, size_t n_vocab, size_t count) {
  Frame f;
  std::normal_distribution<float> nd(0.0f, 4.0f);
  FrequencyTable t;
  for (size_t i = 0; i < count; ++i) {
    std::vector<float> l(n_vocab);
    for (auto& x : l) x = nd(rng);
    t.build_from_logits(l.data(), n_vocab);
    // Mostly likely tokens, sometimes any token.
    uint32_t tok = rng() % 5 ? uint32_t(t.find(rng() % kTotal)) : uint32_t(rng() % n_vocab);
    f.logits.push_back(std::move(l));
    f.tokens.push_back(tok);
  }
  return f;
}

const Method kMethods[] = {Method::kArithmetic, Method::kRankZlib, Method::kTokenByToken};

TEST(FrameCoder, MethodNames) {
  for (Method m : kMethods) EXPECT_EQ(*parse_method(method_name(m)), m);
  auto bad = parse_method("zip");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("rank-zlib"), std::string::npos);
  EXPECT_EQ(int(Method::kArithmetic), 0);
  EXPECT_EQ(int(Method::kRankZlib), 1);
  EXPECT_EQ(int(Method::kTokenByToken), 2);
}

TEST(FrameCoder, RoundTripEveryMethod) {
  std::mt19937_64 rng(31);
  FrequencyTable t;
  for (size_t count : {size_t(0), size_t(1), size_t(2), size_t(300)}) {
    Frame f = random_frame(rng, 700, count);
    for (Method m : kMethods) {
      FrameEncoder enc(m);
      for (size_t i = 0; i < count; ++i) {
        t.build_from_logits(f.logits[i].data(), 700);
        enc.encode(t, f.tokens[i]);
      }
      auto payload = enc.finish();
      ASSERT_TRUE(payload.is_ok());
      auto dec = FrameDecoder::open(m, *payload, count);
      ASSERT_TRUE(dec.is_ok()) << method_name(m) << ": " << dec.status().to_string();
      for (size_t i = 0; i < count; ++i) {
        t.build_from_logits(f.logits[i].data(), 700);
        auto tok = dec->decode(t);
        ASSERT_TRUE(tok.is_ok()) << method_name(m);
        ASSERT_EQ(*tok, f.tokens[i]) << method_name(m) << " token " << i;
      }
      EXPECT_TRUE(dec->finish().is_ok()) << method_name(m);
    }
  }
}

TEST(FrameCoder, DamageIsAnErrorOrDifferentTokensNeverACrash) {
  std::mt19937_64 rng(32);
  FrequencyTable t;
  Frame f = random_frame(rng, 300, 200);
  for (Method m : kMethods) {
    FrameEncoder enc(m);
    for (size_t i = 0; i < f.tokens.size(); ++i) {
      t.build_from_logits(f.logits[i].data(), 300);
      enc.encode(t, f.tokens[i]);
    }
    const std::string good = *enc.finish();
    int detected = 0, trials = 0;
    for (size_t byte = 0; byte < good.size(); ++byte) {
      for (int bit = 0; bit < 8; bit += 3) {
        std::string bad = good;
        bad[byte] ^= char(1 << bit);
        ++trials;
        auto dec = FrameDecoder::open(m, bad, f.tokens.size());
        if (!dec) {
          ++detected;
          continue;
        }
        bool same = true, failed = false;
        for (size_t i = 0; i < f.tokens.size(); ++i) {
          t.build_from_logits(f.logits[i].data(), 300);
          auto tok = dec->decode(t);
          if (!tok) {
            failed = true;
            break;
          }
          ASSERT_LT(*tok, 300u);
          same &= *tok == f.tokens[i];
        }
        if (failed || !same || !dec->finish().is_ok()) ++detected;
      }
    }
    // The frame's payload checksum is the real guard; the coders alone already
    // notice nearly every flip (a flip in the last bits of an ac flush byte or in
    // zlib's header level hint can leave the tokens unchanged).
    EXPECT_GE(detected, trials * 99 / 100) << method_name(m);
  }
}

TEST(FrameCoder, TrailingBytesAreReported) {
  std::mt19937_64 rng(33);
  FrequencyTable t;
  Frame f = random_frame(rng, 100, 50);
  for (Method m : {Method::kArithmetic, Method::kTokenByToken}) {
    FrameEncoder enc(m);
    for (size_t i = 0; i < 50; ++i) {
      t.build_from_logits(f.logits[i].data(), 100);
      enc.encode(t, f.tokens[i]);
    }
    std::string payload = *enc.finish() + std::string(9, '\x01');
    auto dec = FrameDecoder::open(m, payload, 50);
    ASSERT_TRUE(dec.is_ok());
    for (size_t i = 0; i < 50; ++i) {
      t.build_from_logits(f.logits[i].data(), 100);
      ASSERT_TRUE(dec->decode(t).is_ok());
    }
    EXPECT_EQ(dec->finish().code(), ErrorCode::kCorrupt) << method_name(m);
  }
}

}  // namespace
}  // namespace llmzip::coder
