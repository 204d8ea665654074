#include "codec/framing.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace llmzip::codec {
namespace {

std::vector<size_t> cut(const std::string& s, uint64_t t) {
  std::vector<size_t> lens;
  std::string_view rest(s);
  while (!rest.empty()) {
    size_t n = next_frame_length(rest, t, true);
    EXPECT_GT(n, 0u);
    lens.push_back(n);
    rest.remove_prefix(n);
  }
  return lens;
}

TEST(Framing, CutsAtLastNewlineInSecondHalf) {
  // T = 10: lo = 5, newline search in [4, 9].
  std::string s = "abc\ndefgh\nijklmnopqrstuvwxyz";
  auto lens = cut(s, 10);
  ASSERT_GE(lens.size(), 2u);
  EXPECT_EQ(lens[0], 10u);  // "abc\ndefgh\n": newline at index 9
  std::string s2 = "ab\ncdefghijklmnop";  // newline at 2 < lo-1: not used
  EXPECT_EQ(next_frame_length(s2, 10, true), 10u);
  std::string s3 = "abcd\nefghijklmnop";  // newline at index 4 == lo-1: used
  EXPECT_EQ(next_frame_length(s3, 10, true), 5u);
}

TEST(Framing, DoesNotSplitUtf8WhenAvoidable) {
  // 'é' = C3 A9 repeated: sequence starts at even offsets.
  std::string s;
  for (int i = 0; i < 20; ++i) s += "\xC3\xA9";
  // T = 9: q in [5, 9], largest non-continuation = 8.
  EXPECT_EQ(next_frame_length(s, 9, true), 8u);
  // All continuation bytes: falls back to T.
  std::string c(30, '\x80');
  EXPECT_EQ(next_frame_length(c, 9, true), 9u);
}

TEST(Framing, NeedsMoreInputBeforeCuttingShortRest) {
  EXPECT_EQ(next_frame_length("abc", 10, false), 0u);
  EXPECT_EQ(next_frame_length("abc", 10, true), 3u);
  EXPECT_EQ(next_frame_length("", 10, true), 0u);
}

TEST(Framing, FrameSizesWithinBoundsAndCoverInput) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::string s(rng() % 3000, '\0');
    for (auto& c : s) c = char("ab\n\xC3\xA9 x"[rng() % 7]);
    uint64_t t = 1 + rng() % 200;
    auto lens = cut(s, t);
    size_t total = 0;
    for (size_t k = 0; k < lens.size(); ++k) {
      total += lens[k];
      EXPECT_LE(lens[k], t);
      if (k + 1 < lens.size()) EXPECT_GE(lens[k], (t + 1) / 2);
    }
    EXPECT_EQ(total, s.size());
  }
}

TEST(Framing, ContextWindowsMatchClosedForm) {
  for (bool has_start : {true, false}) {
    for (uint32_t C : {2u, 3u, 8u, 31u, 512u}) {
      const uint64_t P = has_start, R = C / 4, D = C + 1 - P - R;
      for (uint64_t n : {0ull, 1ull, 5ull, 600ull, 2000ull}) {
        auto ws = context_windows(n, C, has_start);
        uint64_t covered = 0;
        for (const auto& w : ws) {
          EXPECT_EQ(w.first, covered);
          for (uint64_t i = w.first; i < w.end; ++i) {
            uint64_t b = i < C + 1 - P ? 0 : D * ((i - (C + 1 - P)) / D + 1);
            ASSERT_EQ(w.begin, b) << "C=" << C << " i=" << i;
            ASSERT_EQ(window_begin(i, C, has_start), b) << "C=" << C << " i=" << i;
            ASSERT_LE(P + (i - w.begin), C);  // the window fits the context
          }
          covered = w.end;
        }
        EXPECT_EQ(covered, n);
      }
    }
  }
  // Documented example: C = 512, P = 1: restarts before t_512, t_896.
  auto ws = context_windows(1000, 512, true);
  ASSERT_EQ(ws.size(), 3u);
  EXPECT_EQ(ws[1].first, 512u);
  EXPECT_EQ(ws[1].begin, 384u);
  EXPECT_EQ(ws[2].first, 896u);
}

}  // namespace
}  // namespace llmzip::codec
