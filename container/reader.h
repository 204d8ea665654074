// Readers of .llmz files (docs/format.md). Both validate everything they touch
// and report untrusted-input problems as Status values (kBadMagic,
// kUnsupportedVersion, kTruncated, kOutOfBounds, kCorrupt, kChecksumMismatch)
// with messages naming the file and the byte offset. They never decode
// payloads: that is the codec's job (which must then check the frame's
// original_checksum and, for a whole file, the footer's content_checksum).
//
// ArchiveReader: random access over a whole file in memory (e.g. MappedFile).
// StreamReader:  front to back from any byte source (pipe, stdin), bounded memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_io.h"
#include "common/status.h"
#include "container/checksum.h"
#include "container/format.h"

namespace llmzip::container {

class ArchiveReader {
 public:
  struct Frame {
    FrameHeader header;
    std::string_view payload;  // into the reader's bytes
    uint64_t original_offset;  // where the frame's bytes start in the decompressed output
  };

  // Validates header, footer, index and every frame header against its index
  // entry. Frame checksums (over each frame's header and payload) are checked
  // by frame(): until then a frame_header(i) agrees with the index but is not
  // checksum-verified. `data` must outlive the reader; `name` is used in messages.
  static Result<ArchiveReader> open(const uint8_t* data, size_t size, std::string name);

  const FileHeader& header() const { return header_; }
  const Footer& footer() const { return footer_; }
  size_t frame_count() const { return entries_.size(); }
  const IndexEntry& entry(size_t i) const { return entries_[i]; }
  const FrameHeader& frame_header(size_t i) const { return frames_[i]; }
  uint64_t original_offset(size_t i) const { return original_offsets_[i]; }

  // Frame i (i < frame_count(), asserts) with its frame checksum verified.
  Result<Frame> frame(size_t i) const;
  // The frame holding decompressed byte `offset` (< total size, asserts). O(log n).
  size_t frame_at_original_offset(uint64_t offset) const;
  // Every frame checksum: the structural part of `llmzip test`.
  Status verify_payloads() const;
  // Bytes of the file that are not payload (header, frame headers, index,
  // footer): the container's overhead.
  uint64_t overhead() const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  FileHeader header_;
  Footer footer_;
  std::vector<IndexEntry> entries_;
  std::vector<FrameHeader> frames_;
  std::vector<uint64_t> original_offsets_;
};

class StreamReader {
 public:
  struct Frame {
    FrameHeader header;
    std::string payload;
    uint64_t original_offset = 0;
  };

  // Reads and validates the file header from `source`, which must outlive the
  // reader (and every reader next_member() returns).
  static Result<StreamReader> open(ByteSource& source, std::string name);

  const FileHeader& header() const { return header_; }

  // Reads the next frame (frame checksum verified) and returns true; at the
  // index, reads and checks index and footer against the frames seen and
  // returns false.
  Result<bool> next(Frame* frame);
  // Valid after next() returned false.
  const Footer& footer() const { return footer_; }
  // Bytes of the whole input consumed so far (all members).
  uint64_t bytes_read() const { return base_ + offset_; }
  // Where this member starts in the input, and the name messages use for it
  // (the input's name, with "member K at byte X" for K > 1).
  uint64_t member_offset() const { return base_; }
  const std::string& name() const { return name_; }

  // Reads every file of a concatenation (format.md section 9) from `source`:
  // calls `member` with each file's reader, which must read it to its footer
  // (next() returning false). Returns the first error. Linear in the input:
  // every member reads the one source.
  static Status for_each_member(ByteSource& source, std::string name,
                                const std::function<Status(StreamReader&)>& member);

  // Concatenated files (format.md section 9): after next() returned false,
  // whether more bytes follow the footer, and a reader for the file they must
  // hold (kCorrupt naming the offset when they are not one).
  bool has_next_member() const { return has_next_; }
  Result<StreamReader> next_member();

 private:
  StreamReader(ByteSource& s, std::string name) : source_(&s), name_(std::move(name)) {}
  // Reads and validates the file header of a reader positioned at a file's start.
  static Result<StreamReader> read_header(StreamReader r);
  // Reads from the source, first handing out a byte taken back by the previous member.
  Result<size_t> read_some(void* dst, size_t n);
  // Reads exactly n bytes or fails with kTruncated naming `what`.
  Status read_exact(void* dst, size_t n, const char* what);
  // Appends one varint's bytes (up to its last, at most 10) to *acc.
  Status read_varint_bytes(std::string* acc, const char* what);
  // After the index magic's first byte.
  Status read_index_and_footer();

  ByteSource* source_;
  std::string name_;
  std::string input_name_;  // name_ without the member suffix
  uint64_t base_ = 0;       // this member's offset in the input
  uint64_t offset_ = 0;     // bytes of this member read (offsets in messages are member-relative)
  int member_ = 1;
  bool has_next_ = false;
  int pushed_back_ = -1;    // a byte already taken from the source, read before it (-1: none)
  FileHeader header_;
  Footer footer_;
  std::vector<IndexEntry> seen_;
  uint64_t total_original_ = 0;
  bool done_ = false;
};

}  // namespace llmzip::container
