#include "container/format.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "common/le_io.h"
#include "container/checksum.h"

namespace llmzip::container {

Status format_error(ErrorCode code, const std::string& name, uint64_t offset, const std::string& what) {
  return Status(code, name + ": at byte " + std::to_string(offset) + ": " + what);
}

Status validate_header_for_writing(const FileHeader& h) {
  auto bad = [](const std::string& what) { return Status(ErrorCode::kInvalidArgument, "llmz header: " + what); };
  if (h.format_version < kMinFormatVersion || h.format_version > kFormatVersion) return bad("unknown format version");
  if (h.flags & ~kKnownFlags) return bad("unknown flags");
  if (uint8_t(h.method) > uint8_t(coder::Method::kTokenByToken)) return bad("unknown method");
  if (h.coder_version != kCoderVersion) return bad("unsupported coder version");
  if (h.n_vocab < 1 || h.n_vocab > kMaxVocab) return bad("n_vocab out of range 1..2^24");
  if (h.n_ctx < kMinContext || h.n_ctx > kMaxContext) return bad("context length out of range 8..2^24");
  if (h.has_start_token() ? h.start_token >= h.n_vocab : h.start_token != 0)
    return bad("start token out of range (or set without the flag)");
  if (h.frame_bytes < 1) return bad("frame_bytes must be >= 1");
  if (h.model_name.size() > kMaxModelName) return bad("model name longer than 255 bytes");
  return Status::ok();
}

std::string serialize_file_header(const FileHeader& h) {
  assert(validate_header_for_writing(h).is_ok());
  std::string s(reinterpret_cast<const char*>(kFileMagic), 8);
  put_le16(s, h.format_version);
  put_le16(s, uint16_t(h.encoded_size()));
  put_le32(s, h.flags);
  s.push_back(char(h.method));
  s.push_back(char(h.coder_version));
  s.push_back(char(uint8_t(h.model_name.size())));
  s.push_back(0);
  put_le32(s, h.numerics_version);
  put_le32(s, h.n_vocab);
  put_le32(s, h.n_ctx);
  put_le32(s, h.start_token);
  put_le32(s, h.frame_bytes);
  s.append(reinterpret_cast<const char*>(h.model_sha256.data()), 32);
  s += h.model_name;
  put_le32(s, xxh64_32(s.data(), s.size()));
  assert(s.size() == h.encoded_size());
  return s;
}

uint32_t original_checksum(std::string_view original) { return xxh64_32(original.data(), original.size()); }

const char* frame_kind_name(FrameKind k) {
  switch (k) {
    case FrameKind::kCoded: return "coded";
    case FrameKind::kStored: return "stored";
    case FrameKind::kLzma: return "lzma";
    case FrameKind::kBrotli: return "brotli";
    case FrameKind::kZstd: return "zstd";
    case FrameKind::kLzmaX86: return "lzma-x86";
    case FrameKind::kTransformed: return "transformed";
  }
  return "unknown";
}

size_t FrameHeader::encoded_size() const {
  size_t n = 1 + varint_size(original_size) + kFrameChecksumsSize;
  if (frame_kind_has_tokens(kind)) n += varint_size(token_count);
  if (frame_kind_has_payload_size(kind)) n += varint_size(payload_size);
  return n;
}

uint32_t compute_frame_checksum(const uint8_t* header, size_t header_size, std::string_view payload) {
  assert(header_size >= 4);
  Xxh64 h;
  h.update(header, header_size - 4);
  h.update(payload);
  return uint32_t(h.digest());
}

std::string serialize_frame_header(const FrameHeader& f, std::string_view payload) {
  assert(f.original_size >= 1 && f.original_size <= kMaxFrameOriginalSize);
  assert(f.payload_size == payload.size());
  std::string s;
  s.push_back(char(f.kind));
  put_varint(s, f.original_size);
  if (frame_kind_has_tokens(f.kind)) {
    assert(f.token_count <= f.original_size + 1);
    put_varint(s, f.token_count);
  } else {
    assert(f.token_count == 0);
  }
  if (frame_kind_has_payload_size(f.kind)) {
    assert(f.payload_size <= kMaxFramePayloadSize);
    put_varint(s, f.payload_size);
  } else {
    assert(f.payload_size == f.original_size);
  }
  put_le32(s, f.original_checksum);
  put_le32(s, 0);  // room for the frame checksum, which does not cover itself
  const uint32_t sum = compute_frame_checksum(reinterpret_cast<const uint8_t*>(s.data()), s.size(), payload);
  store_le32(reinterpret_cast<uint8_t*>(s.data()) + s.size() - 4, sum);
  assert(s.size() == f.encoded_size());
  return s;
}

uint64_t index_size(const IndexEntry* entries, size_t count) {
  uint64_t n = 4 + varint_size(count) + 4;
  for (size_t i = 0; i < count; ++i)
    n += varint_size(entries[i].frame_size) + varint_size(entries[i].original_size) +
         varint_size(entries[i].token_count);
  return n;
}

std::string serialize_index(const IndexEntry* entries, size_t count) {
  std::string s(reinterpret_cast<const char*>(kIndexMagic), 4);
  put_varint(s, count);
  for (size_t i = 0; i < count; ++i) {
    put_varint(s, entries[i].frame_size);
    put_varint(s, entries[i].original_size);
    put_varint(s, entries[i].token_count);
  }
  put_le32(s, xxh64_32(s.data(), s.size()));
  assert(s.size() == index_size(entries, count));
  return s;
}

std::string serialize_footer(const Footer& f) {
  std::string s;
  put_le64(s, f.index_offset);
  put_le64(s, f.total_original_size);
  put_le64(s, f.content_checksum);
  put_le32(s, xxh64_32(s.data(), s.size()));
  s.append(reinterpret_cast<const char*>(kFooterMagic), 4);
  assert(s.size() == kFooterSize);
  return s;
}

uint64_t container_overhead(const FileHeader& h, const FrameHeader* frames, size_t count) {
  std::vector<IndexEntry> entries(count);
  uint64_t n = h.encoded_size() + kFooterSize;
  for (size_t i = 0; i < count; ++i) {
    const size_t hs = frames[i].encoded_size();
    entries[i].frame_size = hs + frames[i].payload_size;
    entries[i].original_size = frames[i].original_size;
    entries[i].token_count = frames[i].token_count;
    n += hs;
  }
  return n + index_size(entries.data(), count);
}

Result<size_t> peek_file_header_size(const uint8_t* p, size_t size, const std::string& name) {
  // The magic first, on what there is: a short non-llmz file is "not llmz".
  if (size > 0 && std::memcmp(p, kFileMagic, std::min<size_t>(size, 8)) != 0)
    return format_error(ErrorCode::kBadMagic, name, 0, "not an .llmz file (expected magic \\x89LLMZ\\r\\n\\x1a)");
  if (size < kFileHeaderFixedSize)
    return format_error(ErrorCode::kTruncated, name, size,
                        "file ends inside the file header (" + std::to_string(kFileHeaderFixedSize) +
                            " bytes at least)");
  const uint16_t version = load_le16(p + 8);
  if (version < kMinFormatVersion || version > kFormatVersion)
    return format_error(ErrorCode::kUnsupportedVersion, name, 8,
                        "format version " + std::to_string(version) + " (this reader knows versions 1 and 2)");
  return kFileHeaderFixedSize + size_t(p[18]);
}

Result<FileHeader> parse_file_header(const uint8_t* p, size_t size, const std::string& name) {
  auto hs = peek_file_header_size(p, size, name);
  if (!hs) return hs.status();
  const size_t header_size = *hs;
  if (size < header_size)
    return format_error(ErrorCode::kTruncated, name, size, "file ends inside the file header");
  const uint32_t stored = load_le32(p + header_size - 4);
  if (stored != xxh64_32(p, header_size - 4))
    return format_error(ErrorCode::kChecksumMismatch, name, header_size - 4, "file header checksum mismatch");
  auto corrupt = [&](uint64_t off, const std::string& what) {
    return format_error(ErrorCode::kCorrupt, name, off, what);
  };
  if (load_le16(p + 10) != header_size)
    return corrupt(10, "header_size " + std::to_string(load_le16(p + 10)) + ", expected " +
                           std::to_string(header_size));
  FileHeader h;
  h.format_version = load_le16(p + 8);
  h.flags = load_le32(p + 12);
  if (h.flags & ~kKnownFlags) return corrupt(12, "reserved flag bits set");
  if (p[16] > uint8_t(coder::Method::kTokenByToken))
    return corrupt(16, "unknown coding method " + std::to_string(p[16]));
  h.method = coder::Method(p[16]);
  h.coder_version = p[17];
  if (h.coder_version != kCoderVersion)
    return format_error(ErrorCode::kUnsupportedVersion, name, 17,
                        "coder version " + std::to_string(h.coder_version) + " (this reader knows 1)");
  if (p[19] != 0) return corrupt(19, "reserved byte is not zero");
  h.numerics_version = load_le32(p + 20);
  h.n_vocab = load_le32(p + 24);
  if (h.n_vocab < 1 || h.n_vocab > kMaxVocab) return corrupt(24, "n_vocab out of range 1..2^24");
  h.n_ctx = load_le32(p + 28);
  if (h.n_ctx < kMinContext || h.n_ctx > kMaxContext) return corrupt(28, "n_ctx out of range 8..2^24");
  h.start_token = load_le32(p + 32);
  if (h.has_start_token() ? h.start_token >= h.n_vocab : h.start_token != 0)
    return corrupt(32, "start token " + std::to_string(h.start_token) + " invalid for the flags and n_vocab");
  h.frame_bytes = load_le32(p + 36);
  if (h.frame_bytes < 1) return corrupt(36, "frame_bytes is zero");
  std::memcpy(h.model_sha256.data(), p + 40, 32);
  h.model_name.assign(reinterpret_cast<const char*>(p + 72), header_size - kFileHeaderFixedSize);
  return h;
}

Result<ParsedFrameHeader> parse_frame_header(const uint8_t* p, size_t avail, uint64_t offset,
                                             const std::string& name, uint16_t version) {
  auto truncated = [&](size_t at) {
    return format_error(ErrorCode::kTruncated, name, offset + at, "file ends inside a frame header");
  };
  auto corrupt = [&](size_t at, const std::string& what) {
    return format_error(ErrorCode::kCorrupt, name, offset + at, what);
  };
  if (avail < 1) return truncated(0);
  ParsedFrameHeader r;
  FrameHeader& f = r.header;
  if (!frame_kind_known(p[0], version))
    return corrupt(0, "unknown frame kind " + std::to_string(p[0]) +
                          (version >= 2 ? " (expected 0 ... 5)" : " (expected 0 coded or 1 stored in a version 1 file)"));
  f.kind = FrameKind(p[0]);
  size_t at = 1;
  // Reads one varint field at `at`; its limit is checked by the caller.
  auto field = [&](uint64_t* v, const char* what) -> Status {
    const VarintResult vr = decode_varint(p + at, avail - at);
    if (vr.error == VarintError::kTruncated) return truncated(avail);
    if (vr.error != VarintError::kNone)
      return corrupt(at, std::string(what) + ": " + varint_error_text(vr.error));
    *v = vr.value;
    at += vr.size;
    return Status::ok();
  };
  const size_t size_at = at;
  LLMZIP_RETURN_IF_ERROR(field(&f.original_size, "frame original size"));
  if (f.original_size < 1 || f.original_size > kMaxFrameOriginalSize)
    return corrupt(size_at, "frame original size " + std::to_string(f.original_size) + " out of range 1..2^30");
  if (frame_kind_has_tokens(f.kind)) {
    const size_t tokens_at = at;
    LLMZIP_RETURN_IF_ERROR(field(&f.token_count, "token count"));
    if (f.token_count > f.original_size + 1)
      return corrupt(tokens_at, "token count " + std::to_string(f.token_count) + " exceeds the frame's " +
                                    std::to_string(f.original_size) + " bytes + 1");
  }
  if (frame_kind_has_payload_size(f.kind)) {
    const size_t payload_at = at;
    LLMZIP_RETURN_IF_ERROR(field(&f.payload_size, "payload size"));
    if (f.payload_size > kMaxFramePayloadSize)
      return corrupt(payload_at, "payload size " + std::to_string(f.payload_size) + " over 2^32");
  } else {
    f.payload_size = f.original_size;
  }
  if (avail - at < kFrameChecksumsSize) return truncated(avail);
  f.original_checksum = load_le32(p + at);
  f.frame_checksum = load_le32(p + at + 4);
  r.size = at + kFrameChecksumsSize;
  return r;
}

Result<std::vector<IndexEntry>> parse_index(const uint8_t* p, size_t len, uint64_t offset, uint64_t frames_start,
                                            const std::string& name) {
  if (len < kMinIndexSize)
    return format_error(ErrorCode::kCorrupt, name, offset,
                        "index of " + std::to_string(len) + " bytes (at least " + std::to_string(kMinIndexSize) + ")");
  if (std::memcmp(p, kIndexMagic, 4) != 0)
    return format_error(ErrorCode::kBadMagic, name, offset, "expected the index (magic LZIX)");
  if (load_le32(p + len - 4) != xxh64_32(p, len - 4))
    return format_error(ErrorCode::kChecksumMismatch, name, offset + len - 4, "index checksum mismatch");
  const size_t end = len - 4;
  size_t at = 4;
  Status err;
  auto field = [&](uint64_t* v, const char* what) -> bool {
    const VarintResult vr = decode_varint(p + at, end - at);
    if (vr.error != VarintError::kNone) {
      err = format_error(ErrorCode::kCorrupt, name, offset + at,
                         std::string("index ") + what + ": " +
                             (vr.error == VarintError::kTruncated ? "runs into the index checksum"
                                                                   : varint_error_text(vr.error)));
      return false;
    }
    *v = vr.value;
    at += vr.size;
    return true;
  };
  uint64_t count = 0;
  if (!field(&count, "frame count")) return err;
  // Every entry takes at least 3 bytes: a lying count cannot make us allocate.
  if (count > (end - at) / 3)
    return format_error(ErrorCode::kCorrupt, name, offset + 4,
                        "index records " + std::to_string(count) + " frames in " + std::to_string(end - at) +
                            " bytes of entries");
  std::vector<IndexEntry> entries(count);
  uint64_t frame_offset = frames_start;
  for (uint64_t i = 0; i < count; ++i) {
    IndexEntry& e = entries[i];
    e.frame_offset = frame_offset;
    if (!field(&e.frame_size, "frame size") || !field(&e.original_size, "original size") ||
        !field(&e.token_count, "token count"))
      return err;
    // Frame sizes are checked against the file by the readers; this only keeps
    // the running sum from wrapping.
    if (e.frame_size > kMaxFramePayloadSize + kMaxFrameHeaderSize)
      return format_error(ErrorCode::kCorrupt, name, offset + at,
                          "index entry " + std::to_string(i) + ": frame size " + std::to_string(e.frame_size) +
                              " over 2^32 + 24");
    frame_offset += e.frame_size;
  }
  if (at != end)
    return format_error(ErrorCode::kCorrupt, name, offset + at,
                        std::to_string(end - at) + " bytes left over after the index entries");
  return entries;
}

Result<Footer> parse_footer(const uint8_t* p, uint64_t offset, const std::string& name) {
  if (std::memcmp(p + 28, kFooterMagic, 4) != 0)
    return format_error(ErrorCode::kTruncated, name, offset + 28,
                        "no footer (magic LZEN) at the end: file truncated or incomplete");
  if (load_le32(p + 24) != xxh64_32(p, 24))
    return format_error(ErrorCode::kChecksumMismatch, name, offset + 24, "footer checksum mismatch");
  Footer f;
  f.index_offset = load_le64(p);
  f.total_original_size = load_le64(p + 8);
  f.content_checksum = load_le64(p + 16);
  return f;
}

}  // namespace llmzip::container
