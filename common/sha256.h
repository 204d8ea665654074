// SHA-256 (FIPS 180-4). Used for model fingerprints in .llmz headers and in the
// corpus manifest. Incremental: update() any number of times, then finish().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmzip {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;
  Sha256();
  void update(const void* data, size_t size);
  Digest finish();
  static Digest hash(const void* data, size_t size);
  // Lowercase hex of the first n_bytes of d (all 32 by default; 8 gives the
  // 16-digit prefix shown in messages), by hex_string below.
  static std::string hex(const Digest& d, size_t n_bytes = 32);

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// Lowercase hex of any bytes (digests, token bytes in `tokenize --json`): the
// code base's one hex encoder.
std::string hex_string(std::string_view bytes);

}  // namespace llmzip
