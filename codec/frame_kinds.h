// The classic codec behind each model-free frame kind (format.md section 3.1),
// for the two halves: compress names the kind it writes, decompress the codec
// that reads it.
#pragma once

#include <optional>

#include "coder/classic.h"
#include "container/format.h"

namespace llmzip::codec {

inline container::FrameKind frame_kind_of(coder::Classic c) {
  switch (c) {
    case coder::Classic::kLzma: return container::FrameKind::kLzma;
    case coder::Classic::kBrotli: return container::FrameKind::kBrotli;
    case coder::Classic::kZstd: return container::FrameKind::kZstd;
    case coder::Classic::kLzmaX86: return container::FrameKind::kLzmaX86;
  }
  return container::FrameKind::kStored;
}

// The codec of a classic kind; none for coded, transformed and stored frames.
inline std::optional<coder::Classic> classic_of(container::FrameKind k) {
  for (coder::Classic c : coder::kClassics)
    if (frame_kind_of(c) == k) return c;
  return std::nullopt;
}

}  // namespace llmzip::codec
