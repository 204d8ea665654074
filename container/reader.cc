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
  if (size < hsize + kMinIndexSize + kFooterSize)
    return format_error(ErrorCode::kTruncated, nm, size, "file too short for an index and a footer");
  const uint64_t footer_off = size - kFooterSize;
  auto fr = parse_footer(data + footer_off, footer_off, nm);
  if (!fr) return fr.status();
  r.footer_ = *fr;
  Footer& ft = r.footer_;

  // Index: between the frames and the footer, exactly.
  if (ft.index_offset < hsize || ft.index_offset > footer_off - kMinIndexSize)
    return format_error(ErrorCode::kOutOfBounds, nm, footer_off,
                        "index offset " + str(ft.index_offset) + " outside " + str(hsize) + ".." +
                            str(footer_off - kMinIndexSize));
  auto ix = parse_index(data + ft.index_offset, footer_off - ft.index_offset, ft.index_offset, hsize, nm);
  if (!ix) return ix.status();
  r.entries_ = std::move(ix).value();
  const uint64_t count = r.entries_.size();
  ft.frame_count = count;

  // Frames: contiguous from the header to the index, each header equal to its entry.
  r.frames_.reserve(count);
  r.original_offsets_.reserve(count);
  uint64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    IndexEntry& e = r.entries_[i];
    const uint64_t at = e.frame_offset;
    if (at > ft.index_offset || e.frame_size > ft.index_offset - at)
      return format_error(ErrorCode::kOutOfBounds, nm, at,
                          "index entry " + str(i) + ": frame of " + str(e.frame_size) + " bytes runs past the index at " +
                              str(ft.index_offset));
    auto fh = parse_frame_header(data + at, size_t(e.frame_size), at, nm, r.header_.format_version);
    if (!fh) {
      if (fh.status().code() != ErrorCode::kTruncated) return fh.status();
      return format_error(ErrorCode::kCorrupt, nm, at,
                          "frame " + str(i) + "'s header is longer than its " + str(e.frame_size) +
                              " bytes recorded in the index");
    }
    const FrameHeader& h = fh->header;
    if (fh->size + h.payload_size != e.frame_size || h.original_size != e.original_size ||
        h.token_count != e.token_count)
      return format_error(ErrorCode::kCorrupt, nm, at,
                          "frame " + str(i) + " (" + str(fh->size) + "-byte header, " + str(h.payload_size) +
                              "-byte payload, " + str(h.original_size) + " bytes, " + str(h.token_count) +
                              " tokens) disagrees with its index entry (" + str(e.frame_size) + " bytes, " +
                              str(e.original_size) + " original, " + str(e.token_count) + " tokens)");
    if (h.original_size > r.header_.frame_bytes)
      return format_error(ErrorCode::kCorrupt, nm, at,
                          "frame " + str(i) + " of " + str(h.original_size) + " bytes exceeds the file's frame size " +
                              str(r.header_.frame_bytes));
    e.payload_size = h.payload_size;
    r.frames_.push_back(h);
    r.original_offsets_.push_back(total);
    total += h.original_size;  // <= 2^30 per frame, frames <= 2^59: no overflow
  }
  const uint64_t frames_end = count ? r.entries_.back().frame_offset + r.entries_.back().frame_size : hsize;
  if (frames_end != ft.index_offset)
    return format_error(ErrorCode::kCorrupt, nm, frames_end,
                        "frames end at " + str(frames_end) + " but the index starts at " + str(ft.index_offset));
  if (total != ft.total_original_size)
    return format_error(ErrorCode::kCorrupt, nm, footer_off + 8,
                        "footer total size " + str(ft.total_original_size) + ", frames hold " + str(total));
  return r;
}

Result<ArchiveReader::Frame> ArchiveReader::frame(size_t i) const {
  assert(i < entries_.size());
  const IndexEntry& e = entries_[i];
  const FrameHeader& h = frames_[i];
  const uint64_t header_size = e.frame_size - h.payload_size;
  const uint64_t off = e.frame_offset + header_size;
  std::string_view payload(reinterpret_cast<const char*>(data_ + off), h.payload_size);
  if (compute_frame_checksum(data_ + e.frame_offset, header_size, payload) != h.frame_checksum)
    return format_error(ErrorCode::kChecksumMismatch, name_, off - 4,
                        "frame checksum mismatch in frame " + str(i) + " (header or payload damaged)");
  return Frame{h, payload, original_offsets_[i]};
}

uint64_t ArchiveReader::overhead() const {
  uint64_t payload = 0;
  for (const FrameHeader& h : frames_) payload += h.payload_size;
  return size_ - payload;
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

Result<size_t> StreamReader::read_some(void* dst, size_t n) {
  if (n == 0) return size_t{0};
  if (pushed_back_ >= 0) {
    *static_cast<uint8_t*>(dst) = uint8_t(pushed_back_);
    pushed_back_ = -1;
    return size_t{1};
  }
  return source_->read(dst, n);
}

Status StreamReader::read_exact(void* dst, size_t n, const char* what) {
  size_t done = 0;
  while (done < n) {
    auto got = read_some(static_cast<uint8_t*>(dst) + done, n - done);
    if (!got) return got.status();
    if (*got == 0)
      return format_error(ErrorCode::kTruncated, name_, offset_ + done, std::string("file ends inside ") + what);
    done += *got;
  }
  offset_ += n;
  return Status::ok();
}

Result<StreamReader> StreamReader::open(ByteSource& source, std::string name) {
  StreamReader r(source, std::move(name));
  r.input_name_ = r.name_;
  return read_header(std::move(r));
}

Result<StreamReader> StreamReader::read_header(StreamReader r) {
  uint8_t buf[kFileHeaderFixedSize + kMaxModelName];
  // Read what there is of the fixed part, so a short file that is not .llmz
  // is reported as such rather than as truncated.
  size_t got = 0;
  while (got < kFileHeaderFixedSize) {
    auto n = r.read_some(buf + got, kFileHeaderFixedSize - got);
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

Status StreamReader::read_varint_bytes(std::string* acc, const char* what) {
  // Stops after the last byte, or after 10 (the parser then rejects the varint).
  for (size_t i = 0; i < kMaxVarintSize; ++i) {
    uint8_t b;
    LLMZIP_RETURN_IF_ERROR(read_exact(&b, 1, what));
    acc->push_back(char(b));
    if (!(b & 0x80)) break;
  }
  return Status::ok();
}

Result<bool> StreamReader::next(Frame* frame) {
  if (done_) return false;
  const uint64_t start = offset_;
  uint8_t kind;
  LLMZIP_RETURN_IF_ERROR(read_exact(&kind, 1, "a frame header or the index"));
  if (kind == kIndexMagic[0]) {
    LLMZIP_RETURN_IF_ERROR(read_index_and_footer());
    done_ = true;
    return false;
  }
  if (!frame_kind_known(kind, header_.format_version))
    return format_error(ErrorCode::kCorrupt, name_, start,
                        "byte " + str(kind) + ": expected a frame (kind 0 ... " +
                            str(max_frame_kind(header_.format_version)) + ") or the index (LZIX)");
  std::string hb(1, char(kind));
  const int varints = 1 + frame_kind_has_tokens(FrameKind(kind)) + frame_kind_has_payload_size(FrameKind(kind));
  for (int i = 0; i < varints; ++i) LLMZIP_RETURN_IF_ERROR(read_varint_bytes(&hb, "a frame header"));
  const size_t at = hb.size();
  hb.resize(at + kFrameChecksumsSize);
  LLMZIP_RETURN_IF_ERROR(read_exact(hb.data() + at, kFrameChecksumsSize, "a frame header"));
  auto fh = parse_frame_header(reinterpret_cast<const uint8_t*>(hb.data()), hb.size(), start, name_,
                               header_.format_version);
  if (!fh) return fh.status();
  // Frames are never longer than the target the compressor recorded (format.md 2).
  if (fh->header.original_size > header_.frame_bytes)
    return format_error(ErrorCode::kCorrupt, name_, start,
                        "frame " + str(seen_.size()) + " of " + str(fh->header.original_size) +
                            " bytes exceeds the file's frame size " + str(header_.frame_bytes));
  // The header read above is exactly what the parser took (varints stop at their
  // last byte), so fh->size == hb.size().
  assert(fh->size == hb.size());
  // Grow the buffer as bytes arrive: a lying size cannot make us allocate more
  // than the input actually holds (plus one chunk).
  constexpr size_t kChunk = size_t{1} << 20;
  frame->payload.clear();
  uint64_t left = fh->header.payload_size;
  while (left > 0) {
    const size_t n = size_t(std::min<uint64_t>(left, kChunk));
    const size_t pos = frame->payload.size();
    frame->payload.resize(pos + n);
    LLMZIP_RETURN_IF_ERROR(read_exact(frame->payload.data() + pos, n, "a frame payload"));
    left -= n;
  }
  if (compute_frame_checksum(reinterpret_cast<const uint8_t*>(hb.data()), hb.size(), frame->payload) !=
      fh->header.frame_checksum)
    return format_error(ErrorCode::kChecksumMismatch, name_, start + hb.size() - 4,
                        "frame checksum mismatch in frame " + str(seen_.size()) + " (header or payload damaged)");
  frame->header = fh->header;
  frame->original_offset = total_original_;
  seen_.push_back(IndexEntry{start, hb.size() + fh->header.payload_size, fh->header.original_size,
                             fh->header.token_count, fh->header.payload_size});
  total_original_ += fh->header.original_size;
  return true;
}

Status StreamReader::read_index_and_footer() {
  const uint64_t index_offset = offset_ - 1;
  std::string ix(1, char(kIndexMagic[0]));
  ix.resize(4);
  LLMZIP_RETURN_IF_ERROR(read_exact(ix.data() + 1, 3, "the index"));
  if (std::memcmp(ix.data(), kIndexMagic, 4) != 0)
    return format_error(ErrorCode::kBadMagic, name_, index_offset, "expected a frame or the index (magic LZIX)");
  LLMZIP_RETURN_IF_ERROR(read_varint_bytes(&ix, "the index"));
  const VarintResult count = decode_varint(reinterpret_cast<const uint8_t*>(ix.data()) + 4, ix.size() - 4);
  if (count.error != VarintError::kNone)
    return format_error(ErrorCode::kCorrupt, name_, index_offset + 4,
                        std::string("index frame count: ") + varint_error_text(count.error));
  // Checked before reading the entries, so that their number is bounded by
  // what we have already seen.
  if (count.value != seen_.size())
    return format_error(ErrorCode::kCorrupt, name_, index_offset + 4,
                        "index records " + str(count.value) + " frames, the file holds " + str(seen_.size()));
  for (uint64_t i = 0; i < 3 * count.value; ++i) LLMZIP_RETURN_IF_ERROR(read_varint_bytes(&ix, "the index"));
  const size_t sum_at = ix.size();
  ix.resize(sum_at + 4);
  LLMZIP_RETURN_IF_ERROR(read_exact(ix.data() + sum_at, 4, "the index"));
  auto entries = parse_index(reinterpret_cast<const uint8_t*>(ix.data()), ix.size(), index_offset,
                             header_.encoded_size(), name_);
  if (!entries) return entries.status();
  for (size_t i = 0; i < entries->size(); ++i) {
    IndexEntry e = (*entries)[i];
    e.payload_size = seen_[i].payload_size;  // not in the index
    if (!(e == seen_[i]))
      return format_error(ErrorCode::kCorrupt, name_, index_offset,
                          "index entry " + str(i) + " disagrees with frame " + str(i));
  }
  uint8_t fb[kFooterSize];
  const uint64_t footer_off = offset_;
  LLMZIP_RETURN_IF_ERROR(read_exact(fb, kFooterSize, "the footer"));
  auto ft = parse_footer(fb, footer_off, name_);
  if (!ft) return ft.status();
  if (ft->index_offset != index_offset || ft->total_original_size != total_original_)
    return format_error(ErrorCode::kCorrupt, name_, footer_off, "footer disagrees with the index and frames");
  footer_ = *ft;
  footer_.frame_count = count.value;
  // Another file may follow (a concatenation); next_member() checks it.
  uint8_t next_byte;
  auto got = read_some(&next_byte, 1);
  if (!got) return got.status();
  has_next_ = *got != 0;
  if (has_next_) pushed_back_ = next_byte;
  return Status::ok();
}

Status StreamReader::for_each_member(ByteSource& source, std::string name,
                                     const std::function<Status(StreamReader&)>& member) {
  auto first = open(source, std::move(name));
  if (!first) return first.status();
  StreamReader r = std::move(first).value();
  for (;;) {
    LLMZIP_RETURN_IF_ERROR(member(r));
    if (!r.done_) return Status(ErrorCode::kInternal, r.name_ + ": member not read to its footer");
    if (!r.has_next_) return Status::ok();
    auto next = r.next_member();
    if (!next) return next.status();
    r = std::move(next).value();
  }
}

Result<StreamReader> StreamReader::next_member() {
  assert(done_ && has_next_);
  has_next_ = false;
  const uint64_t at = base_ + offset_;
  const std::string name = input_name_ + " (member " + str(member_ + 1) + " at byte " + str(at) + ")";
  StreamReader next(*source_, name);
  next.pushed_back_ = pushed_back_;
  pushed_back_ = -1;
  auto r = read_header(std::move(next));
  if (!r) {
    if (r.status().code() == ErrorCode::kBadMagic)
      return format_error(ErrorCode::kCorrupt, input_name_, at,
                          "bytes after the footer that do not start another .llmz file");
    return r.status();
  }
  r->input_name_ = input_name_;
  r->base_ = at;
  r->member_ = member_ + 1;
  return r;
}

}  // namespace llmzip::container
