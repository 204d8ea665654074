#include "common/status.h"

#include <cstdint>

namespace llmzip {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kBadMagic: return "bad_magic";
    case ErrorCode::kUnsupportedVersion: return "unsupported_version";
    case ErrorCode::kTruncated: return "truncated";
    case ErrorCode::kOutOfBounds: return "out_of_bounds";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kChecksumMismatch: return "checksum_mismatch";
    case ErrorCode::kModelMismatch: return "model_mismatch";
    case ErrorCode::kMissing: return "missing";
    case ErrorCode::kDuplicate: return "duplicate";
    case ErrorCode::kExists: return "exists";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kLimit: return "limit";
  }
  return "unknown";
}

Status with_context(const Status& st, std::string_view context) {
  if (st.is_ok() || st.message().starts_with(context)) return st;
  return Status(st.code(), std::string(context) + ": " + st.message());
}

std::string printable(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  auto escape = [&](unsigned char c) {
    static const char* k = "0123456789abcdef";
    o += "\\x";
    o += k[c >> 4];
    o += k[c & 15];
  };
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7F) escape(c);
      else o += char(c);
      ++i;
      continue;
    }
    // Length of the valid UTF-8 sequence here, or 0.
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = c & (0x7Fu >> n);
    for (size_t k = 1; n && k < n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        n = 0;
        break;
      }
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (n && (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) n = 0;
    if (n == 0 || cp <= 0x9F) {  // not UTF-8, or a C1 control (an 8-bit CSI, say)
      const size_t bytes = n == 0 ? 1 : n;
      for (size_t k = 0; k < bytes; ++k) escape(static_cast<unsigned char>(s[i + k]));
      i += bytes;
      continue;
    }
    o.append(s.substr(i, n));
    i += n;
  }
  return o;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace llmzip
