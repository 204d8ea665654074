#include "common/status.h"

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

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace llmzip
