// .llmz container: round trips through both readers, the byte layout of the
// spec, a table of hand-made bad files, and every bit flip and truncation of a
// small valid file (all must be rejected with a Status, never accepted).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <random>
#include <optional>
#include <string>
#include <vector>

#include "common/le_io.h"
#include "testing/testutil.h"
#include "container/checksum.h"
#include "container/reader.h"
#include "container/writer.h"

namespace llmzip::container {
namespace {

FileHeader test_header() {
  FileHeader h;
  h.flags = kFlagHasStartToken;
  h.method = coder::Method::kArithmetic;
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

// A memory source that hands out at most `chunk` bytes a call (a pipe's short reads).
class ChunkedSource : public ByteSource {
 public:
  ChunkedSource(std::string_view data, size_t chunk) : inner_(data, "t.llmz"), chunk_(chunk) {}
  Result<size_t> read(void* buf, size_t n) override { return inner_.read(buf, std::min(n, chunk_)); }
  const std::string& name() const override { return inner_.name(); }

 private:
  MemorySource inner_;
  size_t chunk_;
};

std::string build(const FileHeader& h, const std::vector<TestFrame>& frames) {
  std::string out;
  StringSink sink(&out);
  auto w = Writer::create(h, sink);
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

// Reads a whole input through the stream reader, every member of a
// concatenation; `chunk` bytes per source call.
Status read_stream(const std::string& file, size_t chunk = 1 << 16) {
  ChunkedSource src(file, chunk);
  return StreamReader::for_each_member(src, "t.llmz", [](StreamReader& r) -> Status {
    StreamReader::Frame f;
    while (true) {
      auto more = r.next(&f);
      if (!more) return more.status();
      if (!*more) return Status::ok();
    }
  });
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
    EXPECT_EQ(f->header.original_checksum, uint32_t(xxh64(frames[i].original)));
    EXPECT_EQ(f->original_offset, off);
    EXPECT_EQ(r->frame_at_original_offset(off), i);
    EXPECT_EQ(r->frame_at_original_offset(off + frames[i].original.size() - 1), i);
    off += frames[i].original.size();
  }

  for (size_t chunk : {size_t(1), size_t(7), size_t(1) << 16}) {
    ChunkedSource src(file, chunk);
    auto s = StreamReader::open(src, "t.llmz");
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
      EXPECT_EQ(f.header.original_checksum, uint32_t(xxh64(frames[i].original)));
      EXPECT_EQ(f.header.original_checksum, original_checksum(frames[i].original));
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
  EXPECT_EQ(file.size(), kFileHeaderFixedSize + kMinIndexSize + kFooterSize);
  EXPECT_EQ(file.size(), 76u + 9 + 32);
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
  EXPECT_EQ(load_le16(p + 8), 3);
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
  // Frame 0 (coded): kind, varints 17, 6, 5, original checksum, frame checksum.
  const uint8_t* fr = p + 87;
  EXPECT_EQ(fr[0], 0);
  EXPECT_EQ(fr[1], 17);
  EXPECT_EQ(fr[2], 6);
  EXPECT_EQ(fr[3], 5);
  EXPECT_EQ(load_le32(fr + 4), uint32_t(xxh64("Once upon a time\n", 17)));
  {
    Xxh64 fc;
    fc.update(fr, 8);
    fc.update("\x12\x34\x56\x00\x9a", 5);
    EXPECT_EQ(load_le32(fr + 8), uint32_t(fc.digest()));
  }
  EXPECT_EQ(std::string(f, 87 + 12, 5), std::string("\x12\x34\x56\x00\x9a", 5));
  // Frame 1 (stored, 36 bytes): kind, varint 36, checksums, the bytes.
  const uint8_t* fr1 = fr + 12 + 5;
  EXPECT_EQ(fr1[0], 1);
  EXPECT_EQ(fr1[1], 36);
  EXPECT_EQ(load_le32(fr1 + 2), uint32_t(xxh64(frames[1].original)));
  {
    Xxh64 fc;
    fc.update(fr1, 6);
    fc.update(frames[1].original);
    EXPECT_EQ(load_le32(fr1 + 6), uint32_t(fc.digest()));
  }
  EXPECT_EQ(std::string(f, 87 + 17 + 10, 36), frames[1].original);
  // Frames 2 and 3: 12 + 0 and 12 + 2 bytes.
  const uint64_t frames_end = 87 + 17 + 46 + 12 + 14;
  const uint8_t* ft = p + f.size() - 32;
  EXPECT_EQ(std::memcmp(ft + 28, "LZEN", 4), 0);
  const uint64_t index_offset = load_le64(ft);
  EXPECT_EQ(index_offset, frames_end);
  EXPECT_EQ(load_le64(ft + 8), 17u + 36 + 1 + 9);
  EXPECT_EQ(load_le64(ft + 16), xxh64(std::string("Once upon a time\n") + frames[1].original + "xThe end.\n"));
  EXPECT_EQ(load_le32(ft + 24), xxh64_32(ft, 24));
  // Index: magic, count 4, then (frame_size, original_size, token_count) x 4, checksum.
  const uint8_t* ix = p + index_offset;
  EXPECT_EQ(std::memcmp(ix, "LZIX", 4), 0);
  const uint8_t entries[] = {4, 17, 17, 6, 46, 36, 0, 12, 1, 1, 14, 9, 3};
  EXPECT_EQ(std::memcmp(ix + 4, entries, sizeof entries), 0);
  EXPECT_EQ(load_le32(ix + 17), xxh64_32(ix, 17));
  EXPECT_EQ(index_offset + 21 + 32, f.size());
  // The overhead helpers agree with the bytes.
  auto r = ArchiveReader::open(p, f.size(), "t.llmz");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->overhead(), f.size() - (5 + 36 + 0 + 2));
  std::vector<FrameHeader> headers;
  for (size_t i = 0; i < r->frame_count(); ++i) headers.push_back(r->frame_header(i));
  EXPECT_EQ(container_overhead(h, headers.data(), headers.size()), r->overhead());
  EXPECT_EQ(r->frame_header(0).encoded_size(), 12u);
  EXPECT_EQ(r->frame_header(1).encoded_size(), 10u);
}

TEST(Container, VarintsAreCanonicalLeb128) {
  struct Case {
    uint64_t v;
    std::string bytes;
  } cases[] = {
      {0, std::string(1, '\0')},
      {1, "\x01"},
      {127, "\x7f"},
      {128, "\x80\x01"},
      {300, "\xac\x02"},
      {uint64_t{1} << 30, "\x80\x80\x80\x80\x04"},
      {uint64_t{1} << 32, "\x80\x80\x80\x80\x10"},
      {~uint64_t{0}, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
  };
  for (const auto& c : cases) {
    std::string s;
    put_varint(s, c.v);
    EXPECT_EQ(s, c.bytes) << c.v;
    EXPECT_EQ(varint_size(c.v), c.bytes.size()) << c.v;
    const VarintResult r = decode_varint(u8(c.bytes), c.bytes.size());
    EXPECT_EQ(r.error, VarintError::kNone) << c.v;
    EXPECT_EQ(r.value, c.v);
    EXPECT_EQ(r.size, c.bytes.size());
    if (c.bytes.size() > 1) {
      EXPECT_EQ(decode_varint(u8(c.bytes), c.bytes.size() - 1).error, VarintError::kTruncated) << c.v;
    }
  }
  auto err = [](const std::string& b) { return decode_varint(u8(b), b.size()).error; };
  EXPECT_EQ(err(std::string("\x80\x00", 2)), VarintError::kNonCanonical);  // 0 in two bytes
  EXPECT_EQ(err(std::string("\x81\x80\x00", 3)), VarintError::kNonCanonical);
  EXPECT_EQ(err(""), VarintError::kTruncated);
  EXPECT_EQ(err("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"), VarintError::kTooLong);  // 2^64
  EXPECT_EQ(err("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01"), VarintError::kTooLong);
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

// Re-seals the index checksum and the footer (its checksum, and its index
// offset and total size when given), so that the consistency checks behind
// the checksums are what rejects an edited file.
std::string reseal_tail(std::string f, uint64_t index_offset, int64_t total = -1) {
  uint8_t* p = reinterpret_cast<uint8_t*>(f.data());
  uint8_t* ft = p + f.size() - 32;
  store_le64(ft, index_offset);
  if (total >= 0) store_le64(ft + 8, uint64_t(total));
  store_le32(ft + 24, xxh64_32(ft, 24));
  const size_t ix_len = f.size() - 32 - index_offset;
  store_le32(p + index_offset + ix_len - 4, xxh64_32(p + index_offset, ix_len - 4));
  return f;
}

TEST(Container, BadFileTable) {
  const std::string good = build(test_header(), test_frames());
  const size_t hs = 87;
  const uint64_t ix = load_le64(u8(good) + good.size() - 32);
  std::string frame_kind = good;
  frame_kind[hs] = 6;  // unknown kind: rejected before any checksum
  std::string tokens_gt_bytes = good;
  tokens_gt_bytes[hs + 2] = 19;  // 17 bytes: at most 18 tokens
  std::string index_tokens = good;
  index_tokens[ix + 7] = 7;  // entry 0's token count (frame says 6)
  index_tokens = reseal_tail(index_tokens, ix);
  std::string index_count = good;
  index_count[ix + 4] = 5;  // 4 frames
  index_count = reseal_tail(index_count, ix);
  std::string noncanonical_count = good;  // 4 as 84 00: one more byte
  noncanonical_count.replace(ix + 4, 1, std::string("\x84\x00", 2));
  noncanonical_count = reseal_tail(noncanonical_count, ix);
  std::string footer_total = reseal_tail(good, ix, 62);
  std::string footer_offset = reseal_tail(good, ix - 1);
    struct Case {
    const char* what;
    std::string file;
    ErrorCode code;
  } cases[] = {
      {"empty file", "", ErrorCode::kTruncated},
      {"not llmz", std::string(200, 'a'), ErrorCode::kBadMagic},
      {"version 4", edit_header(good, 8, std::string("\x04\x00", 2)), ErrorCode::kUnsupportedVersion},
      {"version 0", edit_header(good, 8, std::string("\x00\x00", 2)), ErrorCode::kUnsupportedVersion},
      {"coder version 2", edit_header(good, 17, "\x02"), ErrorCode::kUnsupportedVersion},
      {"reserved flag", edit_header(good, 12, std::string("\x09\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"reserved byte", edit_header(good, 19, "\x01"), ErrorCode::kCorrupt},
      {"unknown method", edit_header(good, 16, "\x03"), ErrorCode::kCorrupt},
      {"n_ctx too small", edit_header(good, 28, std::string("\x07\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"start token >= n_vocab", edit_header(good, 32, std::string("\x00\x02\x00\x00", 4)), ErrorCode::kCorrupt},
      {"vocab 0", edit_header(good, 24, std::string("\x00\x00\x00\x00", 4)), ErrorCode::kCorrupt},
      {"header checksum", [&] { std::string f = good; f[40] ^= 1; return f; }(), ErrorCode::kChecksumMismatch},
      {"unknown frame kind", frame_kind, ErrorCode::kCorrupt},
      {"more tokens than bytes", tokens_gt_bytes, ErrorCode::kCorrupt},
      {"payload flip", [&] { std::string f = good; f[hs + 12] ^= 0x10; return f; }(), ErrorCode::kChecksumMismatch},
      {"original checksum flip", [&] { std::string f = good; f[hs + 4] ^= 1; return f; }(),
       ErrorCode::kChecksumMismatch},
      {"index entry disagrees", index_tokens, ErrorCode::kCorrupt},
      {"index frame count", index_count, ErrorCode::kCorrupt},
      {"non-canonical varint", noncanonical_count, ErrorCode::kCorrupt},
      {"footer total size", footer_total, ErrorCode::kCorrupt},
      {"footer index offset", footer_offset, ErrorCode::kBadMagic},
      {"index checksum", [&] { std::string f = good; f[ix + 5] ^= 1; return f; }(), ErrorCode::kChecksumMismatch},
      {"footer checksum", [&] { std::string f = good; f[f.size() - 20] ^= 1; return f; }(),
       ErrorCode::kChecksumMismatch},
      {"trailing byte", good + "x", ErrorCode::kTruncated},  // footer no longer at the end
      {"footer only", good.substr(good.size() - 32), ErrorCode::kBadMagic},
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

// Files back to back (`cat a.llmz b.llmz`) are read member by member by the
// stream reader; bytes after a footer must be a whole further file.
// 32000 members (3.9 MB) took 60 s when each member wrapped the previous
// member's source (issue 10, item 7); every member now reads the one source.
TEST(Container, ManyMembersReadInLinearTime) {
  const std::string one = build(test_header(), {test_frames()[0]});
  std::string all;
  for (int i = 0; i < 32000; ++i) all += one;
  MemorySource src(all, "many.llmz");
  size_t members = 0;
  uint64_t last_end = 0;
  Status st = StreamReader::for_each_member(src, "many.llmz", [&](StreamReader& r) -> Status {
    EXPECT_EQ(r.member_offset(), members * one.size());
    StreamReader::Frame f;
    for (;;) {
      auto more = r.next(&f);
      if (!more) return more.status();
      if (!*more) break;
    }
    ++members;
    last_end = r.bytes_read();
    return Status::ok();
  });
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(members, 32000u);
  EXPECT_EQ(last_end, all.size());
}

TEST(Container, ConcatenatedFilesAreReadAsMembers) {
  FileHeader h2 = test_header();
  h2.model_name = "second";
  const std::string a = build(test_header(), test_frames());
  const std::string empty = build(test_header(), {});
  const std::string b = build(h2, {test_frames()[3]});
  const std::string all = a + empty + b;
  for (size_t chunk : {size_t(1), size_t(7), size_t(1) << 16}) {
    ChunkedSource src(all, chunk);
    std::vector<std::pair<uint64_t, size_t>> seen;  // (member offset, frames)
    std::vector<std::string> names, models;
    uint64_t end = 0;
    Status st = StreamReader::for_each_member(src, "t.llmz", [&](StreamReader& r) -> Status {
      StreamReader::Frame f;
      size_t n = 0;
      while (true) {
        auto more = r.next(&f);
        if (!more) return more.status();
        if (!*more) break;
        ++n;
      }
      seen.emplace_back(r.member_offset(), n);
      names.push_back(r.name());
      models.push_back(r.header().model_name);
      end = r.bytes_read();
      return Status::ok();
    });
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_EQ(end, all.size());
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], std::make_pair(uint64_t{0}, test_frames().size()));
    EXPECT_EQ(seen[1], std::make_pair(uint64_t(a.size()), size_t{0}));
    EXPECT_EQ(seen[2], std::make_pair(uint64_t(a.size() + empty.size()), size_t{1}));
    EXPECT_EQ(names[0], "t.llmz");
    EXPECT_EQ(names[2], "t.llmz (member 3 at byte " + std::to_string(a.size() + empty.size()) + ")");
    EXPECT_EQ(models[2], "second");
  }
  // A single file has no further member.
  MemorySource one_src(a);
  auto one = StreamReader::open(one_src, "t.llmz");
  ASSERT_TRUE(one.is_ok());
  StreamReader::Frame f;
  while (*one->next(&f)) {
  }
  EXPECT_FALSE(one->has_next_member());

  // Damage in a later member names it; trailing bytes that are no file are an error.
  std::string flipped = a + b;
  flipped[a.size() + 90] ^= 1;
  Status st = read_stream(flipped);
  EXPECT_EQ(st.code(), ErrorCode::kChecksumMismatch) << st.to_string();
  EXPECT_NE(st.message().find("(member 2 at byte " + std::to_string(a.size()) + ")"), std::string::npos)
      << st.message();
  st = read_stream(a + b.substr(0, 50));
  EXPECT_EQ(st.code(), ErrorCode::kTruncated) << st.to_string();
  EXPECT_NE(st.message().find("member 2"), std::string::npos) << st.message();
  st = read_stream(a + std::string(100, '\0'));
  EXPECT_EQ(st.code(), ErrorCode::kCorrupt) << st.to_string();
  EXPECT_NE(st.message().find("t.llmz: at byte " + std::to_string(a.size()) + ": bytes after the footer"),
            std::string::npos)
      << st.message();
  // The random-access reader takes single files only.
  EXPECT_FALSE(read_archive(a + b).is_ok());
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

// Frames whose sizes take multi-byte varints (so that continuation bits are
// flipped too): every bit flip and truncation is still rejected.
TEST(Container, FlipsAndTruncationsWithMultiByteVarintsAreRejected) {
  std::string big_original(300, 'a'), big_payload(150, '\0'), stored(20000, '\0');
  for (size_t i = 0; i < big_payload.size(); ++i) big_payload[i] = char(i * 37);
  for (size_t i = 0; i < stored.size(); ++i) stored[i] = char(i * 11 + (i >> 8));
  const std::vector<TestFrame> frames = {
      {false, big_original, 200, big_payload},
      {true, stored, 0, ""},
      {false, "y", 2, "\x07"},
  };
  FileHeader h = test_header();
  h.frame_bytes = 20000;  // no frame may be longer than the header says (format.md 2)
  const std::string good = build(h, frames);
  ASSERT_TRUE(read_archive(good).is_ok());
  ASSERT_TRUE(read_stream(good).is_ok());
  auto r = ArchiveReader::open(u8(good), good.size(), "t.llmz");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->frame_header(0).encoded_size(), 1u + 2 + 2 + 2 + 8);
  EXPECT_EQ(r->frame_header(1).encoded_size(), 1u + 3 + 8);
  EXPECT_EQ(r->entry(1).frame_size, 12u + 20000);
  // Flip every bit of the headers, the index and the footer, and a sample of
  // the payload bytes (all covered by the same checksum).
  const uint64_t f1 = r->entry(1).frame_offset;
  for (size_t byte = 0; byte < good.size(); ++byte) {
    if (byte > f1 + 12 + 64 && byte < f1 + 12 + 20000 - 64 && byte % 97 != 0) continue;
    for (int bit = 0; bit < 8; ++bit) {
      std::string f = good;
      f[byte] ^= char(1 << bit);
      ASSERT_FALSE(read_archive(f).is_ok()) << "archive reader accepted a flip of byte " << byte << " bit " << bit;
      ASSERT_FALSE(read_stream(f).is_ok()) << "stream reader accepted a flip of byte " << byte << " bit " << bit;
    }
  }
  for (size_t len = 0; len < good.size(); len += (len > f1 + 64 && len < f1 + 20000) ? 101 : 1) {
    const std::string f = good.substr(0, len);
    ASSERT_FALSE(read_archive(f).is_ok()) << "archive reader accepted a truncation to " << len;
    EXPECT_EQ(read_stream(f, 5).code(), ErrorCode::kTruncated) << len;
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
  StringSink sink(&out);
  FileHeader h = test_header();
  h.start_token = 600;
  EXPECT_EQ(Writer::create(h, sink).status().code(), ErrorCode::kInvalidArgument);
  h = test_header();
  h.model_name = std::string(256, 'm');
  EXPECT_EQ(Writer::create(h, sink).status().code(), ErrorCode::kInvalidArgument);
  h = test_header();
  h.n_ctx = 4;
  EXPECT_EQ(Writer::create(h, sink).status().code(), ErrorCode::kInvalidArgument);
  auto w = Writer::create(test_header(), sink);
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
    FdSink pipe_in(fds[1], "<pipe>");
    auto w = Writer::create(test_header(), pipe_in);
    ASSERT_TRUE(w.is_ok());
    for (const auto& f : test_frames()) {
      ASSERT_TRUE((f.stored ? w->add_stored_frame(f.original) : w->add_coded_frame(f.original, f.tokens, f.payload)).is_ok());
    }
    ASSERT_TRUE(w->finish().is_ok());
    close(fds[1]);
  }
  FdSource pipe_out(fds[0], "<pipe>");
  auto r = StreamReader::open(pipe_out, "<pipe>");
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
  FdSink bad(-1, "bad");
  EXPECT_EQ(bad.write("x", 1).code(), ErrorCode::kIo);
}

// The frame kinds of formats 2 and 3: both readers return each with its
// fields (token_count only for coded kinds, payload_size for all but stored).
TEST(Container, FrameKindsRoundTrip) {
  const FileHeader h = test_header();
  std::string out;
  StringSink sink(&out);
  auto w = Writer::create(h, sink);
  ASSERT_TRUE(w.is_ok());
  struct K {
    FrameKind kind;
    std::string original, payload;
    uint64_t tokens;
  } ks[] = {{FrameKind::kLzma, "lzma bytes\n", "L-payload", 0},
            {FrameKind::kBrotli, "brotli bytes\n", std::string(300, 'B'), 0},
            {FrameKind::kZstd, "z", "zstd payload longer than its bytes", 0},
            {FrameKind::kTransformed, "a\r\nb\r\n", std::string("\x01\x02\xaa", 3), 4},
            {FrameKind::kCoded, "plain", "", 2},
            {FrameKind::kStored, "raw", "raw", 0},
            {FrameKind::kLzmaX86, "\xe8\x01\x02\x03\x04", "X-payload", 0}};
  for (const K& k : ks) ASSERT_TRUE(w->add_frame(k.kind, k.original, k.tokens, k.payload).is_ok()) << int(k.kind);
  ASSERT_TRUE(w->finish().is_ok());
  EXPECT_EQ(load_le16(u8(out) + 8), 3);
  // A coded-kind header has 3 varints, lzma/brotli/zstd 2, stored 1.
  EXPECT_EQ(out[87], 2);
  FrameHeader zstd{FrameKind::kZstd, 100, 0, 200}, lf{FrameKind::kTransformed, 100, 30, 20};
  EXPECT_EQ(zstd.encoded_size(), 1u + 1 + 2 + 8);
  EXPECT_EQ(lf.encoded_size(), 1u + 1 + 1 + 1 + 8);

  auto r = ArchiveReader::open(u8(out), out.size(), "t.llmz");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->header().format_version, 3);
  ASSERT_EQ(r->frame_count(), std::size(ks));
  for (size_t i = 0; i < std::size(ks); ++i) {
    auto f = r->frame(i);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    EXPECT_EQ(f->header.kind, ks[i].kind);
    EXPECT_EQ(f->header.original_size, ks[i].original.size());
    EXPECT_EQ(f->header.token_count, ks[i].tokens);
    EXPECT_EQ(std::string(f->payload), ks[i].payload);
  }
  EXPECT_TRUE(read_stream(out).is_ok());
  EXPECT_TRUE(read_stream(out, 1).is_ok());
}

// A file of test_header() in format `version` whose frames `add` writes.
template <class AddFrames>
std::string file_of_version(uint16_t version, AddFrames add) {
  FileHeader h = test_header();
  h.format_version = version;
  std::string out;
  StringSink sink(&out);
  auto w = Writer::create(h, sink);
  EXPECT_TRUE(w.is_ok());
  add(*w);
  EXPECT_TRUE(w->finish().is_ok());
  return out;
}

// Kinds 2-5 do not exist in version 1: the writer refuses them for a version 1
// header and both readers reject them in a version 1 file.
TEST(Container, Version1FilesHaveOnlyCodedAndStoredFrames) {
  const std::string out = file_of_version(1, [](Writer& w) {
    EXPECT_EQ(w.add_frame(FrameKind::kZstd, "abc", 0, "p").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(w.add_frame(FrameKind::kTransformed, "abc", 1, "p").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(w.add_frame(FrameKind::kCoded, "abc", 0, "p").code(), ErrorCode::kOk);
    EXPECT_EQ(w.add_frame(FrameKind::kStored, "abc", 1, "abc").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(w.add_frame(FrameKind::kStored, "abc", 0, "abd").code(), ErrorCode::kInvalidArgument);
  });
  EXPECT_TRUE(read_archive(out).is_ok());
  // The same file with frame 0 relabelled lzma (2 varints where coded has 3):
  // rejected by kind, before any checksum.
  std::string bad = out;
  bad[87] = 2;
  for (Status s : {read_archive(bad), read_stream(bad)}) {
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << s.to_string();
    EXPECT_NE(s.message().find("at byte 87"), std::string::npos) << s.to_string();
  }
}

// Kind 6 (lzma-x86) is format 3's: a version 2 writer refuses it and both
// readers reject it in a version 2 file, by kind.
TEST(Container, Version2FilesHaveNoLzmaX86Frames) {
  const std::string out = file_of_version(2, [](Writer& w) {
    EXPECT_EQ(w.add_frame(FrameKind::kLzmaX86, "abc", 0, "p").code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(w.add_frame(FrameKind::kLzma, "abc", 0, "p").is_ok());
  });
  EXPECT_TRUE(read_archive(out).is_ok());
  EXPECT_EQ(out[87], 2);  // lzma and lzma-x86 headers have the same fields
  std::string bad = out;
  bad[87] = 6;
  for (Status s : {read_archive(bad), read_stream(bad)}) {
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt) << s.to_string();
    EXPECT_NE(s.message().find("0 ... 5"), std::string::npos) << s.to_string();
  }
  const std::string good = file_of_version(
      3, [](Writer& w) { EXPECT_TRUE(w.add_frame(FrameKind::kLzmaX86, "abc", 0, "p").is_ok()); });
  EXPECT_TRUE(read_archive(good).is_ok());
  EXPECT_TRUE(read_stream(good).is_ok());
}

TEST(Container, SinkErrorsPropagate) {
  struct Failing : ByteSink {
    Status write(const void*, size_t) override { return Status(ErrorCode::kIo, "disk full"); }
  } failing;
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
// The golden file's contents, from the writer.
std::string golden_writer_output() {
  FileHeader h;
  h.format_version = 1;
  h.flags = kFlagHasStartToken | kFlagSpacePrefix;
  h.method = coder::Method::kArithmetic;
  h.numerics_version = 1;
  h.n_vocab = 512;
  h.n_ctx = 512;
  h.start_token = 1;
  h.frame_bytes = 2048;
  for (int i = 0; i < 32; ++i) h.model_sha256[i] = uint8_t(i * 7 + 1);
  h.model_name = "golden-v1";
  std::string out;
  StringSink sink(&out);
  auto writer = Writer::create(h, sink);
  EXPECT_TRUE(writer.is_ok());
  EXPECT_TRUE(writer->add_coded_frame("Hello, world.\n", 5, std::string("\x5a\x01\xc3\x7f", 4)).is_ok());
  EXPECT_TRUE(writer->add_stored_frame(std::string("\xff\x00\xfe", 3)).is_ok());
  EXPECT_TRUE(writer->add_coded_frame("x", 2, "").is_ok());
  EXPECT_TRUE(writer->finish().is_ok());
  return out;
}

// Writes `bytes` to /tmp/<file> so that a deliberate format change can be
// reviewed and committed (a test never writes into the source tree).
void write_candidate(const std::string& file, const std::string& bytes) {
  const std::string path = "/tmp/" + file;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  ADD_FAILURE() << "committed " << file << " differs from the writer's output, written to " << path;
}

TEST(Container, GoldenVersion1File) {
  const std::string golden = testutil::read_file(std::string(LLMZIP_CONTAINER_TESTDATA) + "/golden_v1.llmz");
  if (golden != golden_writer_output()) write_candidate("golden_v1.llmz", golden_writer_output());
  ASSERT_EQ(golden.size(), 176u);
  auto r = ArchiveReader::open(reinterpret_cast<const uint8_t*>(golden.data()), golden.size(), "golden_v1.llmz");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const FileHeader& h = r->header();
  EXPECT_EQ(h.flags, kFlagHasStartToken | kFlagSpacePrefix);
  EXPECT_EQ(h.method, coder::Method::kArithmetic);
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

  EXPECT_EQ(golden_writer_output(), golden);
}

// The committed seeds of fuzz/container_fuzz.cc are valid files of the current
// format (a stale seed would start the fuzzer on garbage): a mode byte (0x00
// plain, 0x01 resealed) followed by a file the writer makes today.
TEST(Container, FuzzSeedsAreCurrent) {
  FileHeader empty = test_header();
  empty.flags = 0;
  empty.start_token = 0;
  empty.method = coder::Method::kRankZlib;
  empty.model_name = "e";
  const std::string a = build(test_header(), test_frames()), e = build(empty, {});
  // The last seed is a concatenation: the stream reader's member path.
  const std::string files[] = {a, e, golden_writer_output(), a + e};
  const std::string dir = LLMZIP_CONTAINER_FUZZ_SEEDS;
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(read_archive(files[i]).is_ok(), i < 3) << i;
    ASSERT_TRUE(read_stream(files[i]).is_ok()) << i;
    for (const char* mode : {"p", "r"}) {
      const std::string name = std::string(mode) + "-seed" + std::to_string(i) + ".llmz";
      const std::string want = std::string(1, mode[0] == 'p' ? '\0' : '\1') + files[i];
      if (testutil::read_file(dir + "/" + name) != want) write_candidate(name, want);
    }
  }
}

}  // namespace
}  // namespace llmzip::container
