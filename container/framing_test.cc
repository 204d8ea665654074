// Frame cutting and context windows (docs/format.md sections 4 and 5) against
// hand-worked examples and against the spec's step-by-step definitions.
#include "container/framing.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace llmzip::container {
namespace {

TEST(Framing, CutExamples) {
  EXPECT_EQ(next_frame_length("", 10), 0u);
  EXPECT_EQ(next_frame_length("short", 10), 5u);
  EXPECT_EQ(next_frame_length("exactly10!", 10), 10u);
  // Newline in the second half [4, 9]: cut after it.
  EXPECT_EQ(next_frame_length("abcde\nghijklmn", 10), 6u);
  EXPECT_EQ(next_frame_length("abcd\nfghi\nklmn", 10), 10u);  // the last one wins
  // Newline only in the first half: ignored; ASCII everywhere -> cut at T.
  EXPECT_EQ(next_frame_length("a\ncdefghijklmn", 10), 10u);
  // Newline at index lo-1 = 4 (frame of 5 = ceil(10/2)) counts.
  EXPECT_EQ(next_frame_length("abcd\nfghijklmn", 10), 5u);
  // No newline: do not split "é" (C3 A9) straddling the cut at 10.
  EXPECT_EQ(next_frame_length(std::string("abcdefghi\xc3\xa9xyz"), 10), 9u);
  // A 4-byte character at the cut: cut before its lead byte.
  EXPECT_EQ(next_frame_length(std::string("abcdefg\xf0\x9f\x98\x80z"), 10), 7u);
  // Only continuation bytes in the window: exactly T.
  EXPECT_EQ(next_frame_length(std::string("\xc3") + std::string(20, '\x80'), 10), 10u);
  // T = 1: every frame is one byte.
  EXPECT_EQ(next_frame_length("\n\n\n", 1), 1u);
  EXPECT_EQ(next_frame_length("abc", 1), 1u);
  // Odd T: ceil(7/2) = 4.
  EXPECT_EQ(next_frame_length("ab\ndefghijk", 7), 7u);
  EXPECT_EQ(next_frame_length("abc\nefghijk", 7), 4u);
}

// The spec's rule, written the long way.
size_t reference_cut(const std::string& b, size_t s, size_t t) {
  const size_t n = b.size();
  if (n - s <= t) return n - s;
  const size_t lo = s + (t + 1) / 2, hi = s + t;
  for (size_t p = hi - 1 + 1; p-- > lo - 1;) {
    if (b[p] == '\n') return p - s + 1;
  }
  for (size_t q = hi + 1; q-- > lo;) {
    if ((uint8_t(b[q]) & 0xC0) != 0x80) return q - s;
  }
  return t;
}

TEST(Framing, CutsCoverTheInputAndMatchTheSpec) {
  std::mt19937_64 rng(21);
  const char alphabet[] = {'a', 'b', ' ', '\n', '\xc3', '\xa9', '\xe2', '\x82', '\xac', '\xf0', '\x80'};
  for (int trial = 0; trial < 300; ++trial) {
    std::string in(rng() % 3000, '\0');
    const int mode = trial % 3;  // mostly text, mostly continuation bytes, no newlines
    for (auto& c : in) {
      c = alphabet[rng() % sizeof alphabet];
      if (mode == 1 && rng() % 4) c = '\x80';
      if (mode == 2 && c == '\n') c = 'x';
    }
    const size_t t = 1 + rng() % 200;
    size_t s = 0, frames = 0;
    while (s < in.size()) {
      const size_t len = next_frame_length(std::string_view(in).substr(s), t);
      ASSERT_EQ(len, reference_cut(in, s, t));
      // Only the first t + 1 bytes matter.
      ASSERT_EQ(next_frame_length(std::string_view(in).substr(s, t + 1), t), len);
      if (s + len < in.size()) {
        ASSERT_GE(len, (t + 1) / 2);
        ASSERT_LE(len, t);
      } else {
        ASSERT_GE(len, 1u);
      }
      s += len;
      ++frames;
    }
    EXPECT_EQ(s, in.size());
  }
}

// Section 5 step by step: restart when the window would not fit.
TEST(Framing, WindowStartMatchesTheIterativeRule) {
  for (uint32_t c : {8u, 9u, 16u, 31u, 127u, 512u}) {
    for (bool has_start : {false, true}) {
      const uint64_t p = has_start ? 1 : 0;
      uint64_t b = 0;
      for (uint64_t i = 0; i < 20 * c; ++i) {
        if (p + (i - b) > c) b = i - c / 2;
        ASSERT_EQ(window_start(i, c, has_start), b) << "C " << c << " P " << p << " i " << i;
        ASSERT_LE(p + (i - b), c);
      }
    }
  }
  // The spec's worked example: C = 512 with a start token restarts before
  // tokens 512, 768, 1024 and keeps 256 tokens.
  EXPECT_EQ(window_start(511, 512, true), 0u);
  EXPECT_EQ(window_start(512, 512, true), 256u);
  EXPECT_EQ(window_start(767, 512, true), 256u);
  EXPECT_EQ(window_start(768, 512, true), 512u);
  EXPECT_EQ(window_start(1024, 512, true), 768u);
  EXPECT_EQ(window_start(512, 512, false), 0u);
  EXPECT_EQ(window_start(513, 512, false), 257u);
}

}  // namespace
}  // namespace llmzip::container
