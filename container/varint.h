// LEB128 varints as the .llmz index and frame headers use them (docs/format.md
// section 1): 7 bits per byte, low group first, high bit = "more bytes follow".
// Only the canonical (shortest) encoding of a value is valid, so that every
// value has exactly one encoding and a flipped continuation bit cannot hide:
// a multi-byte varint must not end in 0x00. A varint encodes a u64, so it has
// at most 10 bytes and a 10th byte of 0 or 1. Each field further limits its
// value (and thereby its length), which the caller checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace llmzip::container {

inline constexpr size_t kMaxVarintSize = 10;

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  s.push_back(char(uint8_t(v)));
}

enum class VarintError : uint8_t {
  kNone = 0,
  kTruncated,     // the bytes end before the last byte (high bit clear)
  kNonCanonical,  // a redundant trailing 0x00 group
  kTooLong,       // more than 10 bytes, or a value over 2^64 - 1
};

struct VarintResult {
  uint64_t value = 0;
  size_t size = 0;  // bytes taken (on success)
  VarintError error = VarintError::kNone;
};

// Decodes the varint at p[0 .. avail).
inline VarintResult decode_varint(const uint8_t* p, size_t avail) {
  VarintResult r;
  for (size_t i = 0; i < kMaxVarintSize; ++i) {
    if (i == avail) {
      r.error = VarintError::kTruncated;
      return r;
    }
    const uint8_t b = p[i];
    if (i == kMaxVarintSize - 1 && b > 1) {
      r.error = VarintError::kTooLong;
      return r;
    }
    r.value |= uint64_t(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b == 0) {
        r.error = VarintError::kNonCanonical;
        return r;
      }
      r.size = i + 1;
      return r;
    }
  }
  r.error = VarintError::kTooLong;
  return r;
}

inline const char* varint_error_text(VarintError e) {
  switch (e) {
    case VarintError::kNone: return "no error";
    case VarintError::kTruncated: return "ends inside a varint";
    case VarintError::kNonCanonical: return "non-canonical varint (redundant trailing zero group)";
    case VarintError::kTooLong: return "varint longer than 10 bytes or over 2^64-1";
  }
  return "?";
}

}  // namespace llmzip::container
