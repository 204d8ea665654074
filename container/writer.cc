#include "container/writer.h"

#include <cassert>

namespace llmzip::container {

Result<Writer> Writer::create(const FileHeader& header, ByteSink& sink) {
  LLMZIP_RETURN_IF_ERROR(validate_header_for_writing(header));
  Writer w(header, sink);
  w.header_.coder_version = kCoderVersion;
  LLMZIP_RETURN_IF_ERROR(w.write(serialize_file_header(w.header_)));
  return w;
}

Status Writer::write(std::string_view bytes) {
  LLMZIP_RETURN_IF_ERROR(sink_->write(bytes.data(), bytes.size()));
  offset_ += bytes.size();
  return Status::ok();
}

Status Writer::add_coded_frame(std::string_view original, uint64_t token_count, std::string_view payload) {
  return add_frame(FrameKind::kCoded, original, token_count, payload);
}

Status Writer::add_stored_frame(std::string_view original) {
  return add_frame(FrameKind::kStored, original, 0, original);
}

Status Writer::add_frame(FrameKind kind, std::string_view original, uint64_t token_count,
                         std::string_view payload) {
  assert(!finished_);
  auto bad = [](const std::string& what) { return Status(ErrorCode::kInvalidArgument, "llmz writer: " + what); };
  if (original.empty() || original.size() > kMaxFrameOriginalSize) return bad("frame size must be 1..2^30 bytes");
  if (!frame_kind_known(uint8_t(kind), header_.format_version))
    return bad("frame kind " + std::to_string(int(kind)) + " does not exist in format version " +
               std::to_string(header_.format_version));
  if (frame_kind_has_tokens(kind) ? token_count > original.size() + 1 : token_count != 0)
    return bad(frame_kind_has_tokens(kind) ? "more tokens than bytes in a frame" : "tokens in a frame without tokens");
  if (payload.size() > kMaxFramePayloadSize) return bad("frame payload over 2^32 bytes");
  if (kind == FrameKind::kStored && payload != original) return bad("a stored frame's payload is its bytes");
  FrameHeader f;
  f.kind = kind;
  f.original_size = original.size();
  f.token_count = token_count;
  f.payload_size = payload.size();
  f.original_checksum = original_checksum(original);
  const std::string header = serialize_frame_header(f, payload);
  const uint64_t frame_offset = offset_;
  LLMZIP_RETURN_IF_ERROR(write(header));
  LLMZIP_RETURN_IF_ERROR(write(payload));
  entries_.push_back(IndexEntry{frame_offset, header.size() + payload.size(), f.original_size, f.token_count,
                                f.payload_size});
  total_original_ += original.size();
  content_hash_.update(original);
  return Status::ok();
}

Status Writer::finish() {
  assert(!finished_);
  finished_ = true;
  Footer footer;
  footer.index_offset = offset_;
  footer.frame_count = entries_.size();
  footer.total_original_size = total_original_;
  footer.content_checksum = content_hash_.digest();
  LLMZIP_RETURN_IF_ERROR(write(serialize_index(entries_.data(), entries_.size())));
  return write(serialize_footer(footer));
}

}  // namespace llmzip::container
