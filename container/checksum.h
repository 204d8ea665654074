// XXH64 (seed 0) as the .llmz format uses it (docs/format.md): one-shot and
// streaming. XXH64_32 is the low 32 bits, used for header checksums.
#pragma once

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace llmzip::container {

inline uint64_t xxh64(const void* data, size_t size) { return XXH64(data, size, 0); }
inline uint64_t xxh64(std::string_view s) { return XXH64(s.data(), s.size(), 0); }
inline uint32_t xxh64_32(const void* data, size_t size) { return uint32_t(XXH64(data, size, 0)); }

// Streaming XXH64 with seed 0; copyable and movable (plain state struct).
class Xxh64 {
 public:
  Xxh64() { XXH64_reset(&state_, 0); }
  void update(const void* data, size_t size) { XXH64_update(&state_, data, size); }
  void update(std::string_view s) { update(s.data(), s.size()); }
  uint64_t digest() const { return XXH64_digest(&state_); }

 private:
  XXH64_state_t state_;
};

}  // namespace llmzip::container
