#include "container/reader.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "common/le_io.h"

namespace llmzip::container {

namespace {
std::string str(uint64_t v) { return std::to_string(v); }
}  // namespace

// ---------------------------------------------------------------- ArchiveReader

Result<ArchiveReader> ArchiveReader::open(const uint8_t* data, size_t size, std::string name) {
  ArchiveReader r;
  r.data_ = data;
  r.size_ = size;
  r.name_ = std::move(name);
  const std::string& nm = r.name_;
  auto hr = parse_file_header(data, size, nm);
  if (!hr) return hr.status();
  r.header_ = std::move(hr).value();
  const uint64_t hsize = r.header_.encoded_size();
  if (size < hsize + kIndexFixedSize + kFooterSize)
    return format_error(ErrorCode::kTruncated, nm, size, "file too short for an index and a footer");
  const uint64_t footer_off = size - kFooterSize;
  auto fr = parse_footer(data + footer_off, footer_off, nm);
  if (!fr) return fr.status();
  r.footer_ = *fr;
  const Footer& ft = r.footer_;

  // Index: between the frames and the footer, exactly.
  if (ft.index_offset < hsize || ft.index_offset > footer_off - kIndexFixedSize)
    return format_error(ErrorCode::kOutOfBounds, nm, footer_off,
                        "index offset " + str(ft.index_offset) + " outside " + str(hsize) + ".." +
                            str(footer_off - kIndexFixedSize));
  const uint64_t index_len = footer_off - ft.index_offset;
  if ((index_len - kIndexFixedSize) % kIndexEntrySize != 0)
    return format_error(ErrorCode::kCorrupt, nm, ft.index_offset,
                        "index length " + str(index_len) + " is not 24 + 32 * frames");
  const uint64_t count = (index_len - kIndexFixedSize) / kIndexEntrySize;
  const uint8_t* ix = data + ft.index_offset;
  if (std::memcmp(ix, kIndexMagic, 4) != 0)
    return format_error(ErrorCode::kBadMagic, nm, ft.index_offset, "expected the index (magic LZIX)");
  if (load_le64(ix + index_len - 8) != xxh64(ix, index_len - 8))
    return format_error(ErrorCode::kChecksumMismatch, nm, ft.index_offset + index_len - 8,
                        "index checksum mismatch");
  if (load_le32(ix + 4) != 0)
    return format_error(ErrorCode::kCorrupt, nm, ft.index_offset + 4, "reserved index field is not zero");
  if (load_le64(ix + 8) != count || ft.frame_count != count)
    return format_error(ErrorCode::kCorrupt, nm, ft.index_offset + 8,
                        "index holds " + str(count) + " entries but records " + str(load_le64(ix + 8)) +
                            " frames (footer: " + str(ft.frame_count) + ")");

  // Frames: contiguous from the header to the index, each header equal to its entry.
  r.entries_.reserve(count);
  r.frames_.reserve(count);
  r.original_offsets_.reserve(count);
  uint64_t expected = hsize, total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t entry_off = ft.index_offset + 16 + i * kIndexEntrySize;
    const IndexEntry e = parse_index_entry(data + entry_off);
    if (e.frame_offset != expected)
      return format_error(ErrorCode::kCorrupt, nm, entry_off,
                          "index entry " + str(i) + " places the frame at " + str(e.frame_offset) +
                              ", expected " + str(expected));
    if (ft.index_offset - expected < kFrameHeaderSize)
      return format_error(ErrorCode::kOutOfBounds, nm, expected, "frame header runs into the index");
    auto fh = parse_frame_header(data + expected, expected, nm);
    if (!fh) return fh.status();
    if (fh->payload_size > ft.index_offset - expected - kFrameHeaderSize)
      return format_error(ErrorCode::kOutOfBounds, nm, expected + 24,
                          "payload of " + str(fh->payload_size) + " bytes runs past the index");
    if (fh->original_size != e.original_size || fh->token_count != e.token_count ||
        fh->payload_size != e.payload_size)
      return format_error(ErrorCode::kCorrupt, nm, entry_off,
                          "index entry " + str(i) + " disagrees with the frame header");
    r.entries_.push_back(e);
    r.frames_.push_back(*fh);
    r.original_offsets_.push_back(total);
    expected += kFrameHeaderSize + fh->payload_size;
    total += fh->original_size;  // <= 2^30 per frame, frames <= 2^59: no overflow
  }
  if (expected != ft.index_offset)
    return format_error(ErrorCode::kCorrupt, nm, expected,
                        "frames end at " + str(expected) + " but the index starts at " + str(ft.index_offset));
  if (total != ft.total_original_size)
    return format_error(ErrorCode::kCorrupt, nm, footer_off + 16,
                        "footer total size " + str(ft.total_original_size) + ", frames hold " + str(total));
  return r;
}

Result<ArchiveReader::Frame> ArchiveReader::frame(size_t i) const {
  assert(i < entries_.size());
  const uint64_t off = entries_[i].frame_offset + kFrameHeaderSize;
  const FrameHeader& h = frames_[i];
  std::string_view payload(reinterpret_cast<const char*>(data_ + off), h.payload_size);
  if (xxh64(payload) != h.payload_checksum)
    return format_error(ErrorCode::kChecksumMismatch, name_, off,
                        "payload checksum mismatch in frame " + str(i));
  return Frame{h, payload, original_offsets_[i]};
}

size_t ArchiveReader::frame_at_original_offset(uint64_t offset) const {
  assert(offset < footer_.total_original_size);
  auto it = std::upper_bound(original_offsets_.begin(), original_offsets_.end(), offset);
  return size_t(it - original_offsets_.begin()) - 1;
}

Status ArchiveReader::verify_payloads() const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    auto f = frame(i);
    if (!f) return f.status();
  }
  return Status::ok();
}

// ---------------------------------------------------------------- StreamReader

StreamReader::Source StreamReader::file_source(FILE* f, std::string name) {
  return [f, name = std::move(name)](void* dst, size_t size) -> Result<size_t> {
    size_t n = std::fread(dst, 1, size, f);
    if (n < size && std::ferror(f))
      return Status(ErrorCode::kIo, name + ": read failed: " + std::strerror(errno));
    return n;
  };
}

StreamReader::Source StreamReader::fd_source(int fd, std::string name) {
  return [fd, name = std::move(name)](void* dst, size_t size) -> Result<size_t> {
    while (true) {
      const ssize_t n = ::read(fd, dst, size);
      if (n >= 0) return size_t(n);
      if (errno != EINTR) return Status(ErrorCode::kIo, name + ": read failed: " + std::strerror(errno));
    }
  };
}

StreamReader::Source StreamReader::memory_source(std::string_view bytes) {
  return [bytes, pos = size_t{0}](void* dst, size_t size) mutable -> Result<size_t> {
    size_t n = std::min(size, bytes.size() - pos);
    std::memcpy(dst, bytes.data() + pos, n);
    pos += n;
    return n;
  };
}

Status StreamReader::read_exact(void* dst, size_t n, const char* what) {
  size_t done = 0;
  while (done < n) {
    auto got = source_(static_cast<uint8_t*>(dst) + done, n - done);
    if (!got) return got.status();
    if (*got == 0)
      return format_error(ErrorCode::kTruncated, name_, offset_ + done, std::string("file ends inside ") + what);
    done += *got;
  }
  offset_ += n;
  return Status::ok();
}

Result<StreamReader> StreamReader::open(Source source, std::string name) {
  StreamReader r(std::move(source), std::move(name));
  uint8_t buf[kFileHeaderFixedSize + kMaxModelName];
  // Read what there is of the fixed part, so a short file that is not .llmz
  // is reported as such rather than as truncated.
  size_t got = 0;
  while (got < kFileHeaderFixedSize) {
    auto n = r.source_(buf + got, kFileHeaderFixedSize - got);
    if (!n) return n.status();
    if (*n == 0) break;
    got += *n;
  }
  r.offset_ = got;
  auto hs = peek_file_header_size(buf, got, r.name_);
  if (!hs) return hs.status();
  LLMZIP_RETURN_IF_ERROR(r.read_exact(buf + kFileHeaderFixedSize, *hs - kFileHeaderFixedSize, "the file header"));
  auto h = parse_file_header(buf, *hs, r.name_);
  if (!h) return h.status();
  r.header_ = std::move(h).value();
  return r;
}

Result<bool> StreamReader::next(Frame* frame) {
  if (done_) return false;
  const uint64_t start = offset_;
  uint8_t hb[kFrameHeaderSize];
  LLMZIP_RETURN_IF_ERROR(read_exact(hb, 4, "a frame header or the index"));
  if (std::memcmp(hb, kIndexMagic, 4) == 0) {
    LLMZIP_RETURN_IF_ERROR(read_index_and_footer(hb));
    done_ = true;
    return false;
  }
  if (std::memcmp(hb, kFrameMagic, 4) != 0)
    return format_error(ErrorCode::kBadMagic, name_, start, "expected a frame (LZFR) or the index (LZIX)");
  LLMZIP_RETURN_IF_ERROR(read_exact(hb + 4, kFrameHeaderSize - 4, "a frame header"));
  auto fh = parse_frame_header(hb, start, name_);
  if (!fh) return fh.status();
  // Grow the buffer as bytes arrive: a lying size cannot make us allocate more
  // than the input actually holds (plus one chunk).
  constexpr size_t kChunk = size_t{1} << 20;
  frame->payload.clear();
  uint64_t left = fh->payload_size;
  while (left > 0) {
    const size_t n = size_t(std::min<uint64_t>(left, kChunk));
    const size_t at = frame->payload.size();
    frame->payload.resize(at + n);
    LLMZIP_RETURN_IF_ERROR(read_exact(frame->payload.data() + at, n, "a frame payload"));
    left -= n;
  }
  if (xxh64(frame->payload) != fh->payload_checksum)
    return format_error(ErrorCode::kChecksumMismatch, name_, start + kFrameHeaderSize,
                        "payload checksum mismatch in frame " + str(seen_.size()));
  frame->header = *fh;
  frame->original_offset = total_original_;
  seen_.push_back(IndexEntry{start, fh->original_size, fh->token_count, fh->payload_size});
  total_original_ += fh->original_size;
  return true;
}

Status StreamReader::read_index_and_footer(const uint8_t magic[4]) {
  const uint64_t index_offset = offset_ - 4;
  Xxh64 hash;
  hash.update(magic, 4);
  uint8_t fixed[12];
  LLMZIP_RETURN_IF_ERROR(read_exact(fixed, 12, "the index"));
  hash.update(fixed, 12);
  if (load_le32(fixed) != 0)
    return format_error(ErrorCode::kCorrupt, name_, index_offset + 4, "reserved index field is not zero");
  const uint64_t count = load_le64(fixed + 4);
  if (count != seen_.size())
    return format_error(ErrorCode::kCorrupt, name_, index_offset + 8,
                        "index records " + str(count) + " frames, the file holds " + str(seen_.size()));
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t eb[kIndexEntrySize];
    const uint64_t at = offset_;
    LLMZIP_RETURN_IF_ERROR(read_exact(eb, kIndexEntrySize, "the index"));
    hash.update(eb, kIndexEntrySize);
    if (!(parse_index_entry(eb) == seen_[i]))
      return format_error(ErrorCode::kCorrupt, name_, at, "index entry " + str(i) + " disagrees with frame " + str(i));
  }
  uint8_t cb[8];
  const uint64_t check_at = offset_;
  LLMZIP_RETURN_IF_ERROR(read_exact(cb, 8, "the index"));
  if (load_le64(cb) != hash.digest())
    return format_error(ErrorCode::kChecksumMismatch, name_, check_at, "index checksum mismatch");
  uint8_t fb[kFooterSize];
  const uint64_t footer_off = offset_;
  LLMZIP_RETURN_IF_ERROR(read_exact(fb, kFooterSize, "the footer"));
  auto ft = parse_footer(fb, footer_off, name_);
  if (!ft) return ft.status();
  if (ft->index_offset != index_offset || ft->frame_count != count || ft->total_original_size != total_original_)
    return format_error(ErrorCode::kCorrupt, name_, footer_off, "footer disagrees with the index and frames");
  footer_ = *ft;
  uint8_t extra;
  auto got = source_(&extra, 1);
  if (!got) return got.status();
  if (*got != 0) return format_error(ErrorCode::kCorrupt, name_, offset_, "bytes after the footer");
  return Status::ok();
}

}  // namespace llmzip::container
