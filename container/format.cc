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
  if (h.flags & ~kKnownFlags) return bad("unknown flags");
  if (uint8_t(h.method) > uint8_t(Method::kTokenByToken)) return bad("unknown method");
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
  put_le16(s, kFormatVersion);
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

std::string serialize_frame_header(const FrameHeader& f) {
  std::string s(reinterpret_cast<const char*>(kFrameMagic), 4);
  s.push_back(char(f.kind));
  s.append(3, '\0');
  put_le64(s, f.original_size);
  put_le64(s, f.token_count);
  put_le64(s, f.payload_size);
  put_le64(s, f.original_checksum);
  put_le64(s, f.payload_checksum);
  put_le32(s, xxh64_32(s.data(), s.size()));
  assert(s.size() == kFrameHeaderSize);
  return s;
}

std::string serialize_index(const IndexEntry* entries, size_t count) {
  std::string s(reinterpret_cast<const char*>(kIndexMagic), 4);
  put_le32(s, 0);
  put_le64(s, count);
  for (size_t i = 0; i < count; ++i) {
    put_le64(s, entries[i].frame_offset);
    put_le64(s, entries[i].original_size);
    put_le64(s, entries[i].token_count);
    put_le64(s, entries[i].payload_size);
  }
  put_le64(s, xxh64(s.data(), s.size()));
  return s;
}

std::string serialize_footer(const Footer& f) {
  std::string s;
  put_le64(s, f.index_offset);
  put_le64(s, f.frame_count);
  put_le64(s, f.total_original_size);
  put_le64(s, f.content_checksum);
  put_le32(s, xxh64_32(s.data(), s.size()));
  s.append(reinterpret_cast<const char*>(kFooterMagic), 4);
  assert(s.size() == kFooterSize);
  return s;
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
  if (version != kFormatVersion)
    return format_error(ErrorCode::kUnsupportedVersion, name, 8,
                        "format version " + std::to_string(version) + " (this reader knows version 1)");
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
  h.flags = load_le32(p + 12);
  if (h.flags & ~kKnownFlags) return corrupt(12, "reserved flag bits set");
  if (p[16] > uint8_t(Method::kTokenByToken))
    return corrupt(16, "unknown coding method " + std::to_string(p[16]));
  h.method = Method(p[16]);
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

Result<FrameHeader> parse_frame_header(const uint8_t* p, uint64_t offset, const std::string& name) {
  if (std::memcmp(p, kFrameMagic, 4) != 0)
    return format_error(ErrorCode::kBadMagic, name, offset, "expected a frame header (magic LZFR)");
  if (load_le32(p + 48) != xxh64_32(p, 48))
    return format_error(ErrorCode::kChecksumMismatch, name, offset + 48, "frame header checksum mismatch");
  auto corrupt = [&](uint64_t off, const std::string& what) {
    return format_error(ErrorCode::kCorrupt, name, offset + off, what);
  };
  FrameHeader f;
  if (p[4] > uint8_t(FrameKind::kStored)) return corrupt(4, "unknown frame kind " + std::to_string(p[4]));
  f.kind = FrameKind(p[4]);
  if (p[5] || p[6] || p[7]) return corrupt(5, "reserved frame header bytes are not zero");
  f.original_size = load_le64(p + 8);
  f.token_count = load_le64(p + 16);
  f.payload_size = load_le64(p + 24);
  f.original_checksum = load_le64(p + 32);
  f.payload_checksum = load_le64(p + 40);
  if (f.original_size < 1 || f.original_size > kMaxFrameOriginalSize)
    return corrupt(8, "frame original size " + std::to_string(f.original_size) + " out of range 1..2^30");
  if (f.kind == FrameKind::kStored) {
    if (f.token_count != 0) return corrupt(16, "stored frame with a token count");
    if (f.payload_size != f.original_size) return corrupt(24, "stored frame payload size differs from its size");
  } else {
    if (f.token_count > f.original_size + 1)
      return corrupt(16, "token count " + std::to_string(f.token_count) + " exceeds the frame's byte count");
    if (f.payload_size > kMaxFramePayloadSize) return corrupt(24, "payload size over 2^32");
  }
  return f;
}

Result<Footer> parse_footer(const uint8_t* p, uint64_t offset, const std::string& name) {
  if (std::memcmp(p + 36, kFooterMagic, 4) != 0)
    return format_error(ErrorCode::kTruncated, name, offset + 36,
                        "no footer (magic LZEN) at the end: file truncated or incomplete");
  if (load_le32(p + 32) != xxh64_32(p, 32))
    return format_error(ErrorCode::kChecksumMismatch, name, offset + 32, "footer checksum mismatch");
  Footer f;
  f.index_offset = load_le64(p);
  f.frame_count = load_le64(p + 8);
  f.total_original_size = load_le64(p + 16);
  f.content_checksum = load_le64(p + 24);
  return f;
}

IndexEntry parse_index_entry(const uint8_t* p) {
  return IndexEntry{load_le64(p), load_le64(p + 8), load_le64(p + 16), load_le64(p + 24)};
}

}  // namespace llmzip::container
