#include "codec/framing.h"

#include <gtest/gtest.h>

#include "codec/binary_detect.h"

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

// --- inputs whose start is not text (BinaryInputCutter) ------------------------

constexpr uint64_t kSeg = BinaryInputCutter::kSegmentBytes;

std::string binary_bytes_of(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = char(rng());
  return s;
}

std::string text_of(size_t n) {
  std::string s;
  for (int i = 0; s.size() < n; ++i) s += "line " + std::to_string(i) + " of some text that is not binary\n";
  s.resize(n);
  return s;
}

// The frames compress.cc cuts: its buffer holds lookahead() bytes from the
// next frame's start (or the rest of the input), and a group ends when the
// cutter asks for more.
std::vector<size_t> cut_binary_input(const std::string& in, uint64_t max_bytes, uint64_t text_target) {
  BinaryInputCutter cutter(max_bytes, text_target);
  std::vector<size_t> lens;
  size_t at = 0;
  while (at < in.size()) {
    const size_t buffered = std::min<size_t>(in.size() - at, BinaryInputCutter::lookahead(max_bytes));
    std::string_view rest(in.data() + at, buffered);
    const bool at_end = at + buffered == in.size();
    size_t n = cutter.next(rest, at_end);
    EXPECT_GT(n, 0u) << "a full buffer must give a frame (at " << at << ")";
    if (n == 0) break;
    for (; n > 0; n = cutter.next(rest, at_end)) {
      EXPECT_LE(n, rest.size());
      lens.push_back(n);
      at += n;
      rest.remove_prefix(n);
    }
  }
  EXPECT_EQ(at, in.size());
  return lens;
}

// Which frame (index into lens) holds byte `offset`.
size_t frame_at(const std::vector<size_t>& lens, uint64_t offset) {
  uint64_t end = 0;
  for (size_t k = 0; k < lens.size(); ++k)
    if (offset < (end += lens[k])) return k;
  return lens.size();
}

// Binary runs become classic frames, a text run of four segments or more
// becomes text frames, and a shorter text run between binaries joins them.
TEST(BinaryInputCutter, LongTextRunsAreTextFramesShortOnesJoinTheBinary) {
  const uint64_t K = 1024, T = 64 * K;
  const std::string a = binary_bytes_of(600 * K, 1), text = text_of(2 * 1024 * K), b = binary_bytes_of(300 * K, 2),
                    short_text = text_of(500 * K), c = binary_bytes_of(100 * K, 3);
  const std::string in = a + text + b + short_text + c;
  const auto lens = cut_binary_input(in, 64 << 20, T);
  // The classic frame covers a and the segment that straddles a and the text
  // (34 % binary), then stops where four text segments follow.
  EXPECT_EQ(lens[0], 3 * kSeg);
  EXPECT_TRUE(looks_binary(std::string_view(in).substr(0, lens[0])));
  // The text from there to the segment that reaches b is in text frames.
  const uint64_t text_end = a.size() + text.size();
  for (uint64_t off = lens[0]; off + kSeg <= text_end; off += 4096) {
    const size_t k = frame_at(lens, off);
    ASSERT_LT(k, lens.size());
    EXPECT_LE(lens[k], T) << "byte " << off;
  }
  // b, the short text run and c: one classic frame to the end.
  EXPECT_EQ(frame_at(lens, text_end), lens.size() - 1);
  // (The text run ends with the last whole text segment: here the grid is the
  // input's, as every frame so far ended on a segment boundary.)
  EXPECT_EQ(lens.back(), in.size() - text_end / kSeg * kSeg);
  EXPECT_GT(lens.back(), short_text.size() + c.size());
  // Every frame longer than the text target is binary as a whole.
  uint64_t off = 0;
  for (size_t len : lens) {
    if (len > T) {
      EXPECT_TRUE(looks_binary(std::string_view(in).substr(off, len))) << "frame at " << off;
    }
    off += len;
  }
}

// Classic frames are at most max_bytes long.
TEST(BinaryInputCutter, ClassicFramesStopAtTheLimit) {
  const std::string in = binary_bytes_of(3 * 1024 * 1024 + 5, 4);
  const auto lens = cut_binary_input(in, 1 << 20, 65536);
  ASSERT_EQ(lens.size(), 4u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(lens[k], 1u << 20);
  EXPECT_EQ(lens[3], 5u);
}

// A binary file: one frame; before the end of its input is buffered the
// cutter waits rather than cut a run short.
TEST(BinaryInputCutter, OneFrameForABinaryAndWaitsForMore) {
  const std::string in = binary_bytes_of(700 * 1024, 5);
  EXPECT_EQ(cut_binary_input(in, 64 << 20, 65536), std::vector<size_t>{in.size()});
  BinaryInputCutter cutter(64 << 20, 65536);
  EXPECT_EQ(cutter.next(in, false), 0u);
  EXPECT_EQ(cutter.next(std::string_view(in).substr(0, 100), false), 0u);
  EXPECT_EQ(cutter.next(in, true), in.size());
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
