// .llmz container: round trips through both readers, the byte layout of the
// spec, a table of hand-made bad files, and every bit flip and truncation of a
// small valid file (all must be rejected with a Status, never accepted).
#include <gtest/gtest.h>

#include <cstring>
#include <unistd.h>
#include <random>
#include <string>
#include <vector>

#include "common/le_io.h"
#include "common/testutil.h"
#include "container/checksum.h"
#include "container/reader.h"
#include "container/writer.h"

namespace llmzip::container {
namespace {

FileHeader test_header() {
  FileHeader h;
  h.flags = kFlagHasStartToken;
  h.method = Method::kArithmetic;
  h.numerics_version = 0x01020304;
  h.n_vocab = 512;
  h.n_ctx = 512;
  h.start_token = 1;
  h.frame_bytes = 4096;
  for (int i = 0; i < 32; ++i) h.model_sha256[i] = uint8_t(0xA0 + i);
  h.model_name = "stories260K";
  return h;
}

struct TestFrame {
  bool stored;
  std::string original;
  uint64_t tokens;
  std::string payload;
};

std::vector<TestFrame> test_frames() {
  return {
      {false, "Once upon a time\n", 6, std::string("\x12\x34\x56\x00\x9a", 5)},
      {true, std::string("\xff\xfe bytes the tokenizer can't express", 36), 0, ""},
      {false, "x", 1, ""},  // a coded frame can have an empty payload
      {false, "The end.\n", 3, "\x01\x02"},
  };
}

std::string build(const FileHeader& h, const std::vector<TestFrame>& frames) {
  std::string out;
  auto w = Writer::create(h, Writer::string_sink(&out));
  EXPECT_TRUE(w.is_ok()) << w.status().to_string();
  for (const auto& f : frames) {
    Status st = f.stored ? w->add_stored_frame(f.original) : w->add_coded_frame(f.original, f.tokens, f.payload);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
  }
  EXPECT_TRUE(w->finish().is_ok());
  EXPECT_EQ(w->bytes_written(), out.size());
  return out;
}

const uint8_t* u8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Reads a whole file through the archive reader, all payloads included.
Status read_archive(const std::string& file) {
  auto r = ArchiveReader::open(u8(file), file.size(), "t.llmz");
  if (!r) return r.status();
  return r->verify_payloads();
}

// Reads a whole file through the stream reader; `chunk` bytes per source call.
Status read_stream(const std::string& file, size_t chunk = 1 << 16) {
  auto inner = StreamReader::memory_source(file);
  auto src = [inner, chunk](void* dst, size_t n) mutable { return inner(dst, std::min(n, chunk)); };
  auto r = StreamReader::open(src, "t.llmz");
  if (!r) return r.status();
  StreamReader::Frame f;
  while (true) {
    auto more = r->next(&f);
    if (!more) return more.status();
    if (!*more) return Status::ok();
  }
}

TEST(Container, RoundTripBothReaders) {
  const FileHeader h = test_header();
  const auto frames = test_frames();
  const std::string file = build(h, frames);
  std::string all;
  for (const auto& f : frames) all += f.original;

  auto r = ArchiveReader::open(u8(file), file.size(), "t.llmz");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->header().model_name, "stories260K");
  EXPECT_EQ(r->header().model_sha256, h.model_sha256);
  EXPECT_EQ(r->header().numerics_version, 0x01020304u);
  EXPECT_EQ(r->header().start_token, 1u);
  EXPECT_TRUE(r->header().has_start_token());
  EXPECT_EQ(r->header().n_ctx, 512u);
  EXPECT_EQ(r->header().frame_bytes, 4096u);
  ASSERT_EQ(r->frame_count(), frames.size());
  EXPECT_EQ(r->footer().total_original_size, all.size());
  EXPECT_EQ(r->footer().content_checksum, xxh64(all));
  uint64_t off = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    auto f = r->frame(i);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    EXPECT_EQ(f->header.kind, frames[i].stored ? FrameKind::kStored : FrameKind::kCoded);
    EXPECT_EQ(std::string(f->payload), frames[i].stored ? frames[i].original : frames[i].payload);
    EXPECT_EQ(f->header.original_size, frames[i].original.size());
    EXPECT_EQ(f->header.token_count, frames[i].tokens);
    EXPECT_EQ(f->header.original_checksum, xxh64(frames[i].original));
    EXPECT_EQ(f->original_offset, off);
    EXPECT_EQ(r->frame_at_original_offset(off), i);
    EXPECT_EQ(r->frame_at_original_offset(off + frames[i].original.size() - 1), i);
    off += frames[i].original.size();
  }

  for (size_t chunk : {size_t(1), size_t(7), size_t(1) << 16}) {
    auto s = StreamReader::open(StreamReader::memory_source(file), "t.llmz");
    ASSERT_TRUE(s.is_ok());
    EXPECT_EQ(s->header().model_name, "stories260K");
    StreamReader::Frame f;
    size_t i = 0;
    while (true) {
      auto more = s->next(&f);
      ASSERT_TRUE(more.is_ok()) << more.status().to_string();
      if (!*more) break;
      ASSERT_LT(i, frames.size());
      EXPECT_EQ(f.payload, frames[i].stored ? frames[i].original : frames[i].payload);
      EXPECT_EQ(f.header.original_checksum, xxh64(frames[i].original));
      ++i;
    }
    EXPECT_EQ(i, frames.size());
    EXPECT_EQ(s->footer().content_checksum, xxh64(all));
    EXPECT_EQ(s->bytes_read(), file.size());
    EXPECT_TRUE(read_stream(file, chunk).is_ok());
  }
}

TEST(Container, EmptyInputIsHeaderIndexFooter) {
  FileHeader h = test_header();
  h.flags = 0;
  h.start_token = 0;
  h.model_name = "";
  const std::string file = build(h, {});
  EXPECT_EQ(file.size(), kFileHeaderFixedSize + kIndexFixedSize + kFooterSize);
  auto r = ArchiveReader::open(u8(file), file.size(), "t.llmz");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->frame_count(), 0u);
  EXPECT_EQ(r->footer().content_checksum, xxh64("", 0));
  EXPECT_FALSE(r->header().has_start_token());
  EXPECT_TRUE(read_stream(file).is_ok());
}

TEST(Container, ByteLayoutFollowsTheSpec) {
  const FileHeader h = test_header();
  const auto frames = test_frames();
  const std::string f = build(h, frames);
  const uint8_t* p = u8(f);
  EXPECT_EQ(std::memcmp(p, "\x89LLMZ\r\n\x1a", 8), 0);
  EXPECT_EQ(load_le16(p + 8), 1);
  EXPECT_EQ(load_le16(p + 10), 76 + 11);
  EXPECT_EQ(load_le32(p + 12), 1u);
  EXPECT_EQ(p[16], 0);
  EXPECT_EQ(p[17], 1);
  EXPECT_EQ(p[18], 11);
  EXPECT_EQ(load_le32(p + 20), 0x01020304u);
  EXPECT_EQ(load_le32(p + 24), 512u);
  EXPECT_EQ(load_le32(p + 28), 512u);
  EXPECT_EQ(load_le32(p + 32), 1u);
  EXPECT_EQ(load_le32(p + 36), 4096u);
  EXPECT_EQ(p[40], 0xA0);
  EXPECT_EQ(std::string(f, 72, 11), "stories260K");
  EXPECT_EQ(load_le32(p + 83), xxh64_32(p, 83));
  const uint8_t* fr = p + 87;  // first frame
  EXPECT_EQ(std::memcmp(fr, "LZFR", 4), 0);
  EXPECT_EQ(fr[4], 0);
  EXPECT_EQ(load_le64(fr + 8), 17u);
  EXPECT_EQ(load_le64(fr + 16), 6u);
  EXPECT_EQ(load_le64(fr + 24), 5u);
  EXPECT_EQ(load_le64(fr + 32), xxh64("Once upon a time\n", 17));
  EXPECT_EQ(load_le64(fr + 40), xxh64("\x12\x34\x56\x00\x9a", 5));
  EXPECT_EQ(load_le32(fr + 48), xxh64_32(fr, 48));
  const uint8_t* ft = p + f.size() - 40;
  EXPECT_EQ(std::memcmp(ft + 36, "LZEN", 4), 0);
  const uint64_t index_offset = load_le64(ft);
  EXPECT_EQ(index_offset + 24 + 32 * frames.size() + 40, f.size());
  EXPECT_EQ(load_le64(ft + 8), frames.size());
  const uint8_t* ix = p + index_offset;
  EXPECT_EQ(std::memcmp(ix, "LZIX", 4), 0);
  EXPECT_EQ(load_le64(ix + 8), frames.size());
  EXPECT_EQ(load_le64(ix + 16), 87u);                 // entry 0: frame offset
  EXPECT_EQ(load_le64(ix + 48), 87u + 52 + 5);        // entry 1
  EXPECT_EQ(load_le64(ix + 16 + 32 * 4), xxh64(ix, 16 + 32 * 4));
}

// Re-seals the file header's checksum after an edit, so that the field checks
// (not the checksum) are what rejects the file.
std::string edit_header(std::string f, size_t at, const std::string& bytes) {
  f.replace(at, bytes.size(), bytes);
  const size_t hs = load_le16(u8(f) + 10);
  uint8_t c[4];
  store_le32(c, xxh64_32(f.data(), hs - 4));
  f.replace(hs - 4, 4, reinterpret_cast<char*>(c), 4);
  return f;
}

TEST(Container, BadFileTable) {
  const std::string good = build(test_header(), test_frames());
  const size_t hs = 87;
  std::string frame_kind = good;
  frame_kind[hs + 4] = 2;  // unknown kind, reseal frame header
  {
    uint8_t c[4];
    store_le32(c, xxh64_32(frame_kind.data() + hs, 48));
    frame_kind.replace(hs + 48, 4, reinterpret_cast<char*>(c), 4);
  }
  std::string tokens_gt_bytes = good;
  {
    uint8_t v[8];
    store_le64(v, 18);
    tokens_gt_bytes.replace(hs + 16, 8, reinterpret_cast<char*>(v), 8);
    uint8_t c[4];
    store_le32(c, xxh64_32(tokens_gt_bytes.data() + hs, 48));
    tokens_gt_bytes.replace(hs + 48, 4, reinterpret_cast<char*>(c), 4);
  }
  struct Case {
    const char* what;
    std::string file;
    ErrorCode code;
  } cases[] = {
      {"empty file", "", ErrorCode::kTruncated},
      {"not llmz", std::string(200, 'a'), ErrorCode::kBadMagic},
      {"version 2", edit_header(good, 8, std::string("\x02\x00", 2)), ErrorCode::kUnsupportedVersion},
      {"coder version 2", edit_header(good, 17, "\x02"), ErrorCode::kUnsupportedVersion},
      {"reserved flag", edit_header(good, 12, std::string("\x05\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"reserved byte", edit_header(good, 19, "\x01"), ErrorCode::kCorrupt},
      {"unknown method", edit_header(good, 16, "\x03"), ErrorCode::kCorrupt},
      {"n_ctx too small", edit_header(good, 28, std::string("\x07\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"start token >= n_vocab", edit_header(good, 32, std::string("\x00\x02\x00\x00", 4)), ErrorCode::kCorrupt},
      {"vocab 0", edit_header(good, 24, std::string("\x00\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"header checksum", [&] { std::string f = good; f[40] ^= 1; return f; }(), ErrorCode::kChecksumMismatch},
      {"unknown frame kind", frame_kind, ErrorCode::kCorrupt},
      {"more tokens than bytes", tokens_gt_bytes, ErrorCode::kCorrupt},
      {"payload flip", [&] { std::string f = good; f[hs + 52] ^= 0x10; return f; }(), ErrorCode::kChecksumMismatch},
      {"trailing byte", good + "x", ErrorCode::kTruncated},  // footer no longer at the end
      {"footer only", good.substr(good.size() - 40), ErrorCode::kBadMagic},
  };
  for (const auto& c : cases) {
    Status a = read_archive(c.file);
    EXPECT_EQ(a.code(), c.code) << c.what << ": " << a.to_string();
    EXPECT_NE(a.message().find("t.llmz: at byte "), std::string::npos) << c.what << ": " << a.message();
    Status s = read_stream(c.file);
    EXPECT_FALSE(s.is_ok()) << c.what;
    EXPECT_NE(s.message().find("t.llmz: at byte "), std::string::npos) << c.what << ": " << s.message();
  }
  // The stream reader sees trailing bytes as such.
  EXPECT_EQ(read_stream(good + "x").code(), ErrorCode::kCorrupt);
}

TEST(Container, EveryBitFlipIsRejected) {
  const std::string good = build(test_header(), test_frames());
  ASSERT_TRUE(read_archive(good).is_ok());
  ASSERT_TRUE(read_stream(good).is_ok());
  for (size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string f = good;
      f[byte] ^= char(1 << bit);
      Status a = read_archive(f);
      ASSERT_FALSE(a.is_ok()) << "archive reader accepted a flip of byte " << byte << " bit " << bit;
      Status s = read_stream(f);
      ASSERT_FALSE(s.is_ok()) << "stream reader accepted a flip of byte " << byte << " bit " << bit;
    }
  }
}

TEST(Container, EveryTruncationIsRejected) {
  const std::string good = build(test_header(), test_frames());
  for (size_t len = 0; len < good.size(); ++len) {
    const std::string f = good.substr(0, len);
    Status a = read_archive(f);
    ASSERT_FALSE(a.is_ok()) << "archive reader accepted a truncation to " << len;
    Status s = read_stream(f, 5);
    ASSERT_FALSE(s.is_ok()) << "stream reader accepted a truncation to " << len;
    EXPECT_EQ(s.code(), ErrorCode::kTruncated) << len << ": " << s.to_string();
  }
}

TEST(Container, RandomDamageIsRejected) {
  // Multi-byte damage: random byte overwrites and spliced ranges.
  const std::string good = build(test_header(), test_frames());
  std::mt19937_64 rng(3);
  for (int t = 0; t < 3000; ++t) {
    std::string f = good;
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) f[rng() % f.size()] = char(rng());
    if (f == good) continue;
    ASSERT_FALSE(read_archive(f).is_ok()) << t;
    ASSERT_FALSE(read_stream(f).is_ok()) << t;
  }
}

TEST(Container, WriterRejectsBadArguments) {
  std::string out;
  FileHeader h = test_header();
  h.start_token = 600;
  EXPECT_EQ(Writer::create(h, Writer::string_sink(&out)).status().code(), ErrorCode::kInvalidArgument);
  h = test_header();
  h.model_name = std::string(256, 'm');
  EXPECT_EQ(Writer::create(h, Writer::string_sink(&out)).status().code(), ErrorCode::kInvalidArgument);
  h = test_header();
  h.n_ctx = 4;
  EXPECT_EQ(Writer::create(h, Writer::string_sink(&out)).status().code(), ErrorCode::kInvalidArgument);
  auto w = Writer::create(test_header(), Writer::string_sink(&out));
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(w->add_coded_frame("", 0, "").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(w->add_coded_frame("ab", 4, "").code(), ErrorCode::kInvalidArgument);  // > bytes + 1
  EXPECT_EQ(w->add_stored_frame("").code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(w->add_stored_frame("ok").is_ok());
  EXPECT_TRUE(w->finish().is_ok());
  EXPECT_TRUE(read_archive(out).is_ok());
}

TEST(Container, FileDescriptorsThroughAPipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string direct = build(test_header(), test_frames());
  ASSERT_LT(direct.size(), 4096u);  // fits the pipe buffer: write all, then read
  {
    auto w = Writer::create(test_header(), Writer::fd_sink(fds[1], "<pipe>"));
    ASSERT_TRUE(w.is_ok());
    for (const auto& f : test_frames()) {
      ASSERT_TRUE((f.stored ? w->add_stored_frame(f.original) : w->add_coded_frame(f.original, f.tokens, f.payload)).is_ok());
    }
    ASSERT_TRUE(w->finish().is_ok());
    close(fds[1]);
  }
  auto r = StreamReader::open(StreamReader::fd_source(fds[0], "<pipe>"), "<pipe>");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  StreamReader::Frame f;
  size_t frames = 0;
  while (true) {
    auto more = r->next(&f);
    ASSERT_TRUE(more.is_ok()) << more.status().to_string();
    if (!*more) break;
    ++frames;
  }
  close(fds[0]);
  EXPECT_EQ(frames, test_frames().size());
  EXPECT_EQ(r->bytes_read(), direct.size());
  EXPECT_EQ(Writer::fd_sink(-1, "bad")("x", 1).code(), ErrorCode::kIo);
}

TEST(Container, SinkErrorsPropagate) {
  auto failing = [](const void*, size_t) { return Status(ErrorCode::kIo, "disk full"); };
  auto w = Writer::create(test_header(), failing);
  EXPECT_EQ(w.status().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace llmzip::container

namespace llmzip::container {
namespace {

// A version-1 file committed with the sources (container/testdata/golden_v1.llmz):
// every future reader must read it, and the writer must still produce it byte
// for byte. Changing either means a format change (docs/format.md section 11).
TEST(Container, GoldenVersion1File) {
  const std::string golden = testutil::read_file(std::string(LLMZIP_CONTAINER_TESTDATA) + "/golden_v1.llmz");
  ASSERT_EQ(golden.size(), 408u);
  auto r = ArchiveReader::open(reinterpret_cast<const uint8_t*>(golden.data()), golden.size(), "golden_v1.llmz");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const FileHeader& h = r->header();
  EXPECT_EQ(h.flags, kFlagHasStartToken | kFlagSpacePrefix);
  EXPECT_EQ(h.method, Method::kArithmetic);
  EXPECT_EQ(h.numerics_version, 1u);
  EXPECT_EQ(h.n_vocab, 512u);
  EXPECT_EQ(h.n_ctx, 512u);
  EXPECT_EQ(h.start_token, 1u);
  EXPECT_EQ(h.frame_bytes, 2048u);
  EXPECT_EQ(h.model_name, "golden-v1");
  for (int i = 0; i < 32; ++i) EXPECT_EQ(h.model_sha256[i], uint8_t(i * 7 + 1));
  ASSERT_EQ(r->frame_count(), 3u);
  EXPECT_EQ(r->footer().total_original_size, 18u);
  EXPECT_EQ(r->footer().content_checksum, xxh64(std::string("Hello, world.\n\xff\x00\xfex", 18)));
  auto f0 = r->frame(0);
  auto f1 = r->frame(1);
  auto f2 = r->frame(2);
  ASSERT_TRUE(f0.is_ok() && f1.is_ok() && f2.is_ok());
  EXPECT_EQ(f0->header.kind, FrameKind::kCoded);
  EXPECT_EQ(f0->header.token_count, 5u);
  EXPECT_EQ(std::string(f0->payload), std::string("\x5a\x01\xc3\x7f", 4));
  EXPECT_EQ(f1->header.kind, FrameKind::kStored);
  EXPECT_EQ(std::string(f1->payload), std::string("\xff\x00\xfe", 3));
  EXPECT_EQ(f2->header.token_count, 2u);  // SPACE_PREFIX: one more token than bytes
  EXPECT_EQ(f2->payload.size(), 0u);
  EXPECT_EQ(f2->original_offset, 17u);

  FileHeader w = h;
  std::string out;
  auto writer = Writer::create(w, Writer::string_sink(&out));
  ASSERT_TRUE(writer.is_ok());
  ASSERT_TRUE(writer->add_coded_frame("Hello, world.\n", 5, std::string("\x5a\x01\xc3\x7f", 4)).is_ok());
  ASSERT_TRUE(writer->add_stored_frame(std::string("\xff\x00\xfe", 3)).is_ok());
  ASSERT_TRUE(writer->add_coded_frame("x", 2, "").is_ok());
  ASSERT_TRUE(writer->finish().is_ok());
  EXPECT_EQ(out, golden);
}

}  // namespace
}  // namespace llmzip::container
