// The .llmz structures of docs/format.md (versions 1 to 3) and their byte encodings.
//
// serialize_*() writes a structure exactly as the spec's tables say (asserting
// that the caller's values are valid). parse_*() validates untrusted bytes:
// magic, checksum, reserved fields, limits; errors are Status values with a
// stable code and a message naming the file (`name`) and the byte offset
// (`offset` = where the structure starts in the file).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coder/method.h"
#include "common/status.h"
#include "container/varint.h"

namespace llmzip::container {

// Writers write version 3; readers read 1 to 3. Version 2 adds the frame
// kinds lzma, brotli, zstd and transformed, version 3 the kind lzma-x86;
// nothing else differs.
inline constexpr uint16_t kFormatVersion = 3;
inline constexpr uint16_t kMinFormatVersion = 1;
inline constexpr uint8_t kCoderVersion = 1;

inline constexpr uint8_t kFileMagic[8] = {0x89, 'L', 'L', 'M', 'Z', 0x0D, 0x0A, 0x1A};
// Frames have no magic (the index and the sizes locate them); the index keeps
// one, which also tells a stream reader where the frames end: its first byte
// 'L' is not a frame kind.
inline constexpr uint8_t kIndexMagic[4] = {'L', 'Z', 'I', 'X'};
inline constexpr uint8_t kFooterMagic[4] = {'L', 'Z', 'E', 'N'};

inline constexpr size_t kFileHeaderFixedSize = 76;  // + model name
// Frame header: kind, 1 or 3 varints, two u32 checksums; at most 1+5+5+5+8.
inline constexpr size_t kMaxFrameHeaderSize = 24;
inline constexpr size_t kFrameChecksumsSize = 8;
// Index without entries: magic, frame_count varint (1 byte for 0), checksum.
inline constexpr size_t kMinIndexSize = 9;
inline constexpr size_t kFooterSize = 32;

inline constexpr uint32_t kFlagHasStartToken = 1u << 0;
// The tokenizer puts one space (0x20) in front of every frame (SentencePiece's
// add_space_prefix): the decoder removes the first byte of each coded frame's
// piece concatenation, which must be a space.
inline constexpr uint32_t kFlagSpacePrefix = 1u << 1;
// Coded frames' frequency tables come from the adaptive predictor
// (docs/adaptive.md): the model mixed with online models of the frame's own
// history. Absent: the model's tables as they are (format.md section 6).
inline constexpr uint32_t kFlagAdaptive = 1u << 2;
inline constexpr uint32_t kKnownFlags = kFlagHasStartToken | kFlagSpacePrefix | kFlagAdaptive;

inline constexpr uint64_t kMaxFrameOriginalSize = uint64_t{1} << 30;
inline constexpr uint64_t kMaxFramePayloadSize = uint64_t{1} << 32;
inline constexpr uint32_t kMinContext = 8;
inline constexpr uint32_t kMaxContext = 1u << 24;
inline constexpr uint32_t kMaxVocab = 1u << 24;
inline constexpr size_t kMaxModelName = 255;

enum class FrameKind : uint8_t {
  kCoded = 0,    // payload made by the file's method from the frame's tokens
  kStored = 1,   // payload = the original bytes
  // Format version 2 (docs/format.md section 3.1):
  kLzma = 2,     // payload = a raw LZMA2 stream of the original bytes
  kBrotli = 3,   // payload = a brotli stream of the original bytes
  kZstd = 4,     // payload = one Zstandard frame of the original bytes
  kTransformed = 5,  // coded after reversible text transforms: payload = their records + the method's payload
  // Format version 3:
  kLzmaX86 = 6,  // payload = a raw stream of the x86 branch converter + LZMA2
};
inline constexpr uint8_t kMaxFrameKind = 6;

// The largest frame kind of format `version`.
inline constexpr uint8_t max_frame_kind(uint16_t version) {
  return version >= 3 ? kMaxFrameKind : version == 2 ? uint8_t(FrameKind::kTransformed) : uint8_t(FrameKind::kStored);
}
// Whether `kind` is a frame kind of format `version`.
inline bool frame_kind_known(uint8_t kind, uint16_t version) { return kind <= max_frame_kind(version); }
// Coded frames (model tokens) record token_count; every kind but stored records payload_size.
inline bool frame_kind_has_tokens(FrameKind k) { return k == FrameKind::kCoded || k == FrameKind::kTransformed; }
inline bool frame_kind_has_payload_size(FrameKind k) { return k != FrameKind::kStored; }
// "coded", "stored", "lzma", "brotli", "zstd", "transformed", "lzma-x86".
const char* frame_kind_name(FrameKind k);

struct FileHeader {
  uint16_t format_version = kFormatVersion;  // what parse_file_header read; writers write it
  uint32_t flags = 0;             // kFlagHasStartToken or 0
  coder::Method method = coder::Method::kArithmetic;  // header byte 16 (coder/method.h values)
  uint8_t coder_version = kCoderVersion;
  uint32_t numerics_version = 0;  // the engine's
  uint32_t n_vocab = 0;
  uint32_t n_ctx = 0;
  uint32_t start_token = 0;       // valid when flags has kFlagHasStartToken, else 0
  uint32_t frame_bytes = 0;       // target frame size used when compressing
  std::array<uint8_t, 32> model_sha256{};
  std::string model_name;         // <= 255 bytes

  bool has_start_token() const { return flags & kFlagHasStartToken; }
  bool space_prefix() const { return flags & kFlagSpacePrefix; }
  bool adaptive() const { return flags & kFlagAdaptive; }
  size_t encoded_size() const { return kFileHeaderFixedSize + model_name.size(); }
};

struct FrameHeader {
  FrameKind kind = FrameKind::kCoded;
  uint64_t original_size = 0;
  uint64_t token_count = 0;        // frames without tokens: 0 (not encoded)
  uint64_t payload_size = 0;       // stored frames: original_size (not encoded)
  uint32_t original_checksum = 0;  // original_checksum(original bytes)
  uint32_t frame_checksum = 0;     // XXH64_32 of the header bytes before it and the payload

  // Bytes of the encoded header (varint lengths depend on the values).
  size_t encoded_size() const;
};

// The frame's end-to-end check of its original (decoded) bytes: XXH64_32.
uint32_t original_checksum(std::string_view original);

// One frame as the index describes it. The index stores frame_size,
// original_size and token_count; frame_offset (cumulative) and payload_size
// (from the frame header) are filled in by the readers.
struct IndexEntry {
  uint64_t frame_offset = 0;  // file offset of the frame header
  uint64_t frame_size = 0;    // header + payload bytes
  uint64_t original_size = 0;
  uint64_t token_count = 0;
  uint64_t payload_size = 0;
  bool operator==(const IndexEntry&) const = default;
};

struct Footer {
  uint64_t index_offset = 0;
  uint64_t frame_count = 0;       // not in the footer's bytes: the index's count, set by the readers
  uint64_t total_original_size = 0;
  uint64_t content_checksum = 0;  // XXH64 of all original bytes in order
};

// Checks the values a writer is about to record (kInvalidArgument on error).
Status validate_header_for_writing(const FileHeader& h);

std::string serialize_file_header(const FileHeader& h);
// The frame header for `payload`; its frame_checksum is computed here (the
// field of `f` is ignored).
std::string serialize_frame_header(const FrameHeader& f, std::string_view payload);
// XXH64_32 over header[0 .. header_size-4) followed by the payload.
uint32_t compute_frame_checksum(const uint8_t* header, size_t header_size, std::string_view payload);
// The whole index: magic, count, entries (frame_size, original_size,
// token_count), checksum.
std::string serialize_index(const IndexEntry* entries, size_t count);
// Its size in bytes.
uint64_t index_size(const IndexEntry* entries, size_t count);
std::string serialize_footer(const Footer& f);

// Reads the model-name length from the first 19+ bytes, so a stream reader knows
// how much more to read. Requires size >= kFileHeaderFixedSize; checks the magic
// and version first (kBadMagic / kUnsupportedVersion).
Result<size_t> peek_file_header_size(const uint8_t* p, size_t size, const std::string& name);
// `size` must be >= the header's size (kTruncated otherwise).
Result<FileHeader> parse_file_header(const uint8_t* p, size_t size, const std::string& name);
struct ParsedFrameHeader {
  FrameHeader header;
  size_t size = 0;  // bytes of the header; the payload follows
};
// The frame header at p[0 .. avail) (file offset `offset`): kind, canonical
// varints and their limits. kTruncated when `avail` ends inside it. The frame
// checksum needs the payload: the caller verifies it (compute_frame_checksum).
// `version` is the file's format version (which kinds exist).
Result<ParsedFrameHeader> parse_frame_header(const uint8_t* p, size_t avail, uint64_t offset,
                                             const std::string& name, uint16_t version = kFormatVersion);
// The whole index, exactly p[0 .. len) at file offset `offset`: magic,
// checksum, canonical varints, nothing left over. Entries get frame_offset
// cumulated from `frames_start` (payload_size is left 0: it is in the frame).
Result<std::vector<IndexEntry>> parse_index(const uint8_t* p, size_t len, uint64_t offset, uint64_t frames_start,
                                            const std::string& name);
// Exactly kFooterSize bytes at file offset `offset` (frame_count left 0).
Result<Footer> parse_footer(const uint8_t* p, uint64_t offset, const std::string& name);

// Everything in a file that is not payload: the container's overhead, for a
// file with this header and these frames.
uint64_t container_overhead(const FileHeader& h, const FrameHeader* frames, size_t count);

// "<name>: at byte <offset>: <what>" as a Status with `code`.
Status format_error(ErrorCode code, const std::string& name, uint64_t offset, const std::string& what);

}  // namespace llmzip::container
