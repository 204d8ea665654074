// Streaming writer of a .llmz file (docs/format.md): the header at creation,
// frames in order as the codec produces them, the index and footer at finish().
// It never seeks, so the sink may be a pipe. Memory: 40 bytes per frame (index).
//
//   FileSink out(stdout, "<stdout>");
//   auto w = Writer::create(header, out);
//   w->add_coded_frame(original_bytes, token_count, payload);   // per frame
//   w->add_stored_frame(original_bytes);    // when the tokenizer can't express them
//   w->add_frame(FrameKind::kZstd, original_bytes, 0, payload);   // any kind
//   w->finish();
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_io.h"
#include "common/status.h"
#include "container/checksum.h"
#include "container/format.h"

namespace llmzip::container {

class Writer {
 public:
  // Validates `header` (kInvalidArgument) and writes it to `sink`, which
  // receives the file's bytes in order and must outlive the writer.
  static Result<Writer> create(const FileHeader& header, ByteSink& sink);

  // A frame coded by the header's method: `original` (1..2^30 bytes) are the
  // frame's bytes, `token_count` <= original.size() + 1, `payload` the coder's
  // output (<= 2^32 bytes). kInvalidArgument when a limit is broken.
  Status add_coded_frame(std::string_view original, uint64_t token_count, std::string_view payload);
  // A frame stored uncoded (1..2^30 bytes).
  Status add_stored_frame(std::string_view original);
  // A frame of any kind of the header's format version: token_count only for
  // the coded kinds (0 otherwise), payload == original for stored.
  // kInvalidArgument when a limit is broken or the kind does not fit.
  Status add_frame(FrameKind kind, std::string_view original, uint64_t token_count, std::string_view payload);
  // Writes index and footer. No frame may be added afterwards (asserts).
  Status finish();

  const FileHeader& header() const { return header_; }
  uint64_t bytes_written() const { return offset_; }
  uint64_t frame_count() const { return entries_.size(); }
  uint64_t total_original_size() const { return total_original_; }

 private:
  Writer(const FileHeader& h, ByteSink& sink) : header_(h), sink_(&sink) {}
  Status write(std::string_view bytes);

  FileHeader header_;
  ByteSink* sink_;
  uint64_t offset_ = 0;
  uint64_t total_original_ = 0;
  Xxh64 content_hash_;
  std::vector<IndexEntry> entries_;
  bool finished_ = false;
};

}  // namespace llmzip::container
