// Frames that the model does not code: binary detection, the classic frame
// kinds, the CR LF transform (coded-lf) and the per-frame choice between them
// (docs/format.md sections 3.1-3.2, 4), with the built-in model so that a fresh
// clone runs them. Forged classic and coded-lf frames are rejected with
// kCorrupt and never decode to more than their recorded size.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "codec/binary_detect.h"
#include "codec/codec.h"
#include "codec/line_endings.h"
#include "coder/classic.h"
#include "common/testutil.h"
#include "container/reader.h"
#include "container/writer.h"

namespace llmzip::codec {
namespace {

using container::FrameKind;

// --- line endings -----------------------------------------------------------

TEST(LineEndings, EveryByteStringRoundTrips) {
  const std::string cases[] = {"a\r\nb\r\n",        "a\r\nb\nc\r\n\r\n", "lone\rCR\r\n",   "\r\r\n\r",
                               "\n\r\n\n",          "\r\n",             "CR at the end\r\n\r", "x\r\ny",
                               "\r\n\r\n\r\nz\n\n"};
  for (const std::string& s : cases) {
    auto lf = to_lf(s);
    ASSERT_TRUE(lf.has_value()) << s;
    auto crs = lf_record_crs(lf->record);
    ASSERT_TRUE(crs.is_ok());
    EXPECT_EQ(lf->text.size() + *crs, s.size());
    auto back = from_lf(lf->text, lf->record);
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(*back, s);
  }
  EXPECT_FALSE(to_lf("no cr lf here\n\r").has_value());
}

TEST(LineEndings, RecordIsOneRunPerChange) {
  std::string crlf;
  for (int i = 0; i < 1000; ++i) crlf += "line " + std::to_string(i) + "\r\n";
  auto lf = to_lf(crlf);
  ASSERT_TRUE(lf.has_value());
  EXPECT_EQ(lf->record, std::string("\xe8\x07", 2));  // one run: 1000 LFs with CR
  EXPECT_EQ(to_lf("a\nb\r\nc\n")->record, std::string("\x00\x01\x01\x01", 4));
  EXPECT_EQ(join_lf_payload("\x02", "pay"), std::string("\x01\x02pay", 5));
}

TEST(LineEndings, RejectsRecordsThatDoNotFitTheText) {
  struct Case {
    const char* what;
    std::string text, record;
  } cases[] = {{"more LFs than the text", "a\nb\n", "\x03"},
               {"fewer LFs than the text", "a\nb\nc\n", "\x02"},
               {"empty run after the first", "a\nb\n", std::string("\x01\x00\x01", 3)},
               {"non-canonical varint", "a\n", std::string("\x81\x00", 2)},
               {"truncated varint", "a\n", "\x81"},
               {"empty record", "a\n", ""}};
  for (const Case& c : cases) {
    auto r = from_lf(c.text, c.record);
    EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << c.what;
  }
  EXPECT_EQ(split_lf_payload("\x05" "abc").status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(split_lf_payload("").status().code(), ErrorCode::kCorrupt);
}

// --- binary detection ---------------------------------------------------------

TEST(BinaryDetect, TextIsTextAndBinariesAreNot) {
  EXPECT_FALSE(looks_binary("Plain ASCII text,\twith tabs\r\nand CR LF.\f\x1b[0m\n"));
  EXPECT_FALSE(looks_binary("UTF-8: \xc3\xa9t\xc3\xa9, \xe6\x97\xa5\xe6\x9c\xac, \xf0\x9f\x98\x80 emoji"));
  // Latin-1 prose: one accented letter in 30 is 3 % binary bytes.
  std::string latin1;
  for (int i = 0; i < 100; ++i) latin1 += "Le caf\xe9 est tr\xe8s bon ici, oui.";
  EXPECT_FALSE(looks_binary(latin1));
  std::mt19937 rng(3);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(rng());
  EXPECT_TRUE(looks_binary(noise));
  std::string elf = std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(57, '\0') + "text section names";
  EXPECT_TRUE(looks_binary(elf));
  std::string utf16;
  for (char c : std::string("UTF-16 text is not UTF-8 text")) utf16 += std::string(1, c) + '\0';
  EXPECT_TRUE(looks_binary(utf16));
  // Overlong, surrogate and beyond-U+10FFFF forms count as binary bytes.
  EXPECT_EQ(binary_bytes("\xc0\xaf"), 2u);
  EXPECT_EQ(binary_bytes("\xed\xa0\x80"), 3u);
  EXPECT_EQ(binary_bytes("\xf4\x90\x80\x80"), 4u);
  EXPECT_EQ(binary_bytes("\xe2\x82"), 2u);  // truncated sequence
}

// --- the codec with the built-in model -----------------------------------------

class Fallback : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = load_model("");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value().release();
    text_ = testutil::read_file(std::string(LLMZIP_SOURCE_DIR) + "/samples/sample.txt");
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static std::string compress_str(std::string_view in, Params p = {}, Stats* st = nullptr) {
    MemorySource src(in, "in");
    MemorySink sink;
    Status s = compress(*model_, src, sink, p, nullptr, st);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return sink.data;
  }
  static Result<std::string> decompress_str(std::string_view in, Stats* st = nullptr) {
    MemorySource src(in, "x.llmz");
    MemorySink sink;
    Status s = decompress(*model_, src, sink, {}, nullptr, st);
    if (!s) return s;
    return sink.data;
  }
  // A file of the built-in model's header with the given frames.
  static std::string forge(const std::vector<std::tuple<FrameKind, std::string, uint64_t, std::string>>& frames,
                           uint32_t frame_bytes = 4096) {
    Params p;
    p.frame_bytes = frame_bytes;
    auto h = make_header(*model_, p);
    EXPECT_TRUE(h.is_ok());
    MemorySink sink;
    auto w = container::Writer::create(*h, sink);
    EXPECT_TRUE(w.is_ok());
    for (const auto& [kind, original, tokens, payload] : frames)
      EXPECT_TRUE(w->add_frame(kind, original, tokens, payload).is_ok());
    EXPECT_TRUE(w->finish().is_ok());
    return sink.data;
  }
  static LoadedModel* model_;
  static std::string text_;
};
LoadedModel* Fallback::model_ = nullptr;
std::string Fallback::text_;

std::string with_crlf(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return o;
}

// The target: a CR LF copy of a text costs at most 1.01 x its LF copy.
TEST_F(Fallback, CrLfCopyCostsAtMostOnePercentMore) {
  const std::string lf = text_, crlf = with_crlf(text_);
  Stats a, b;
  const std::string za = compress_str(lf, {}, &a), zb = compress_str(crlf, {}, &b);
  EXPECT_LE(double(zb.size()), 1.01 * double(za.size())) << "LF " << za.size() << ", CR LF " << zb.size();
  EXPECT_EQ(b.kind_frames[size_t(FrameKind::kCodedLf)], b.frames);
  Stats d;
  auto back = decompress_str(zb, &d);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == crlf);
  EXPECT_EQ(d.kind_frames, b.kind_frames);
}

TEST_F(Fallback, MixedLineEndingsAndLoneCrRoundTrip) {
  std::string s;
  for (int i = 0; i < 40; ++i)
    s += i % 3 == 0 ? "a line with CR LF\r\n" : i % 3 == 1 ? "a line with LF\n" : "old Mac\r\r\n";
  s += "no newline at the end\r";
  Params p;
  p.frame_bytes = 300;
  Stats st;
  const std::string z = compress_str(s, p, &st);
  EXPECT_GT(st.kind_frames[size_t(FrameKind::kCodedLf)], 0u);
  auto back = decompress_str(z);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == s);
}

// A binary input never reaches the model: every frame is detected, coded by a
// classic codec at most as large as xz would make it, in long frames.
TEST_F(Fallback, BinariesSkipTheModel) {
  std::string bin = testutil::read_file("/proc/self/exe").substr(0, 300000);
  Stats st;
  const std::string z = compress_str(bin, {}, &st);
  EXPECT_EQ(st.tokens, 0u);
  EXPECT_EQ(st.binary_frames, st.frames);
  EXPECT_EQ(st.frames, 1u);  // one frame: the whole 300 KB
  const std::string lzma = *coder::classic_encode(coder::Classic::kLzma, bin);
  EXPECT_LE(z.size(), lzma.size() + 200);
  auto back = decompress_str(z);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == bin);
}

// Text followed by binary data: the text frames go to the model, the binary
// ones do not; each frame is its smallest kind and no frame exceeds stored.
TEST_F(Fallback, EachFrameTakesItsSmallestKind) {
  std::mt19937 rng(4);
  std::string noise(3000, '\0');
  for (char& c : noise) c = char(rng());
  std::string zeros(3000, '\0');
  const std::string in = text_ + noise + zeros + std::string(4000, 'a') + "\n";
  Params p;
  p.frame_bytes = 2500;
  Stats st;
  const std::string z = compress_str(in, p, &st);
  EXPECT_GT(st.kind_frames[size_t(FrameKind::kCoded)], 0u);
  EXPECT_GT(st.kind_frames[size_t(FrameKind::kStored)], 0u);  // the noise
  const uint64_t classic = st.kind_frames[size_t(FrameKind::kLzma)] + st.kind_frames[size_t(FrameKind::kBrotli)] +
                           st.kind_frames[size_t(FrameKind::kZstd)];
  EXPECT_GE(classic, 2u);  // the zeros, the run of 'a'
  EXPECT_GE(st.binary_frames, 2u);
  EXPECT_GE(st.model_lost, 1u);  // 'aaaa...' is text, but a classic codec wins
  Stats d;
  auto back = decompress_str(z, &d);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_TRUE(*back == in);
  EXPECT_EQ(d.kind_frames, st.kind_frames);
}

TEST_F(Fallback, ForgedClassicFramesAreRejected) {
  const std::string small = "small frame\n", big(5000, 'x');
  const std::string zbig = *coder::classic_encode(coder::Classic::kZstd, big);
  const std::string lbig = *coder::classic_encode(coder::Classic::kLzma, big);
  const std::string bbig = *coder::classic_encode(coder::Classic::kBrotli, big);
  // Payloads of 5000 bytes under headers that record 12: rejected, never
  // decoded past the recorded size.
  for (auto [kind, payload] : {std::pair{FrameKind::kZstd, zbig}, {FrameKind::kLzma, lbig}, {FrameKind::kBrotli, bbig}}) {
    auto r = decompress_str(forge({{kind, small, 0, payload}}));
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().to_string();
    EXPECT_NE(r.status().message().find("frame 0"), std::string::npos) << r.status().to_string();
  }
  // A frame longer than the file's frame size is refused before decoding.
  auto r = decompress_str(forge({{FrameKind::kZstd, big, 0, zbig}}, 4096));
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().to_string();
  // The right payload under the wrong kind.
  r = decompress_str(forge({{FrameKind::kBrotli, big, 0, zbig}}, 8192));
  EXPECT_EQ(r.status().code(), ErrorCode::kCorrupt) << r.status().to_string();
  // A valid one decodes.
  r = decompress_str(forge({{FrameKind::kZstd, big, 0, zbig}}, 8192));
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(*r, big);
}

// A real coded-lf frame re-recorded with records that do not fit its text.
TEST_F(Fallback, ForgedLineEndingRecordsAreRejected) {
  const std::string in = with_crlf(text_.substr(0, text_.find('\n', 200) + 1));
  const uint64_t lines = std::count(in.begin(), in.end(), '\n');
  Stats st;
  const std::string good = compress_str(in, {}, &st);
  ASSERT_EQ(st.kind_frames[size_t(FrameKind::kCodedLf)], 1u);
  auto ok = decompress_str(good);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  auto ar = container::ArchiveReader::open(reinterpret_cast<const uint8_t*>(good.data()), good.size(), "good");
  ASSERT_TRUE(ar.is_ok());
  auto frame = ar->frame(0);
  ASSERT_TRUE(frame.is_ok());
  auto parts = split_lf_payload(frame->payload);
  ASSERT_TRUE(parts.is_ok());
  EXPECT_EQ(parts->record, std::string(1, char(lines)));  // one run: every LF had a CR
  const uint64_t tokens = st.tokens;
  for (const std::string& record : {std::string(1, char(lines + 1)), std::string(1, char(lines - 1)),
                                    std::string("\x00\x01\x01", 3), std::string("\x01") + char(lines - 1),
                                    std::string()}) {
    auto r = decompress_str(forge({{FrameKind::kCodedLf, in, tokens, join_lf_payload(record, parts->coded)}}));
    ASSERT_FALSE(r.is_ok()) << "record of " << record.size() << " bytes";
    EXPECT_TRUE(r.status().code() == ErrorCode::kCorrupt || r.status().code() == ErrorCode::kChecksumMismatch)
        << r.status().to_string();
  }
}

// Every bit flip of a file holding stored, classic, coded and coded-lf frames
// is detected (one flip per byte, the bit rotating).
TEST_F(Fallback, EveryCorruptionOfTheNewKindsIsDetected) {
  // Frames: the text (cut at its last newline), then the zeros and "x".
  const std::string in = with_crlf(text_.substr(0, text_.find('\n', 100) + 1)) + std::string(150, '\0') + "\nx\n";
  Params p;
  p.frame_bytes = 200;
  Stats st;
  const std::string z = compress_str(in, p, &st);
  ASSERT_GE(st.kind_frames[size_t(FrameKind::kCodedLf)] + st.kind_frames[size_t(FrameKind::kCoded)], 1u);
  ASSERT_GE(st.kind_frames[size_t(FrameKind::kLzma)] + st.kind_frames[size_t(FrameKind::kBrotli)] +
                st.kind_frames[size_t(FrameKind::kZstd)],
            1u);
  for (size_t i = 0; i < z.size(); ++i) {
    std::string bad = z;
    bad[i] ^= char(1u << (i % 8));
    EXPECT_FALSE(decompress_str(bad).is_ok()) << "flip at byte " << i;
  }
}

}  // namespace
}  // namespace llmzip::codec
