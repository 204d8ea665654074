#include "codec/line_endings.h"

#include "container/format.h"
#include "container/varint.h"

namespace llmzip::codec {
namespace {

Status corrupt(const std::string& what) { return Status(ErrorCode::kCorrupt, "line-ending record: " + what); }

// Calls run(i, length) for each run of the record; stops at the first error.
template <typename F>
Status for_each_run(std::string_view record, F&& run) {
  const auto* p = reinterpret_cast<const uint8_t*>(record.data());
  size_t at = 0;
  for (uint64_t i = 0; at < record.size(); ++i) {
    const container::VarintResult v = container::decode_varint(p + at, record.size() - at);
    if (v.error != container::VarintError::kNone)
      return corrupt(std::string("run ") + std::to_string(i) + ": " + container::varint_error_text(v.error));
    if (i > 0 && v.value == 0) return corrupt("run " + std::to_string(i) + " is empty (only the first may be)");
    if (v.value > container::kMaxFrameOriginalSize) return corrupt("run " + std::to_string(i) + " too long");
    at += v.size;
    run(i, v.value);
  }
  return Status::ok();
}

}  // namespace

std::optional<LfText> to_lf(std::string_view frame) {
  if (frame.find("\r\n") == std::string_view::npos) return std::nullopt;
  LfText out;
  out.text.reserve(frame.size());
  bool run_has_cr = true;  // r_0 counts LFs with a CR
  uint64_t run = 0;
  for (size_t i = 0; i < frame.size(); ++i) {
    const char c = frame[i];
    if (c == '\r' && i + 1 < frame.size() && frame[i + 1] == '\n') continue;  // dropped; its LF is marked
    if (c == '\n') {
      const bool cr = i > 0 && frame[i - 1] == '\r';
      if (cr != run_has_cr) {
        container::put_varint(out.record, run);
        run_has_cr = cr;
        run = 0;
      }
      ++run;
    }
    out.text += c;
  }
  container::put_varint(out.record, run);  // > 0: the frame has an LF
  return out;
}

Result<uint64_t> lf_record_crs(std::string_view record) {
  if (record.empty()) return corrupt("empty");
  uint64_t crs = 0;
  LLMZIP_RETURN_IF_ERROR(for_each_run(record, [&](uint64_t i, uint64_t n) {
    if (i % 2 == 0) crs += n;
  }));
  return crs;
}

Result<std::string> from_lf(std::string_view text, std::string_view record) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  size_t pos = 0;
  Status missing;
  LLMZIP_RETURN_IF_ERROR(for_each_run(record, [&](uint64_t i, uint64_t n) {
    for (uint64_t k = 0; k < n && missing.is_ok(); ++k) {
      const size_t lf = text.find('\n', pos);
      if (lf == std::string_view::npos) {
        missing = corrupt("marks more line feeds than the text has");
        return;
      }
      out.append(text.substr(pos, lf - pos));
      if (i % 2 == 0) out += '\r';
      out += '\n';
      pos = lf + 1;
    }
  }));
  LLMZIP_RETURN_IF_ERROR(missing);
  if (text.find('\n', pos) != std::string_view::npos) return corrupt("does not cover every line feed of the text");
  out.append(text.substr(pos));
  return out;
}

std::string join_lf_payload(std::string_view record, std::string_view coded) {
  std::string p;
  container::put_varint(p, record.size());
  p += record;
  p += coded;
  return p;
}

Result<LfPayload> split_lf_payload(std::string_view payload) {
  const container::VarintResult v =
      container::decode_varint(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  if (v.error != container::VarintError::kNone)
    return corrupt(std::string("size: ") + container::varint_error_text(v.error));
  if (v.value > payload.size() - v.size)
    return corrupt("size " + std::to_string(v.value) + " runs past the payload's " + std::to_string(payload.size()) +
                   " bytes");
  return LfPayload{payload.substr(v.size, size_t(v.value)), payload.substr(v.size + size_t(v.value))};
}

}  // namespace llmzip::codec
