// Little-endian integer/float load and store. All on-disk formats we read or
// write (GGUF, .llmz) are little-endian; these compile to plain moves on x86.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace llmzip {

inline uint16_t load_le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
inline uint64_t load_le64(const uint8_t* p) { return load_le32(p) | (uint64_t(load_le32(p + 4)) << 32); }
inline float load_lef32(const uint8_t* p) {
  uint32_t u = load_le32(p);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline double load_lef64(const uint8_t* p) {
  uint64_t u = load_le64(p);
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

inline void store_le16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
inline void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline void store_le64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}

// Appending writers for building byte buffers.
inline void put_le16(std::string& s, uint16_t v) { uint8_t b[2]; store_le16(b, v); s.append((char*)b, 2); }
inline void put_le32(std::string& s, uint32_t v) { uint8_t b[4]; store_le32(b, v); s.append((char*)b, 4); }
inline void put_le64(std::string& s, uint64_t v) { uint8_t b[8]; store_le64(b, v); s.append((char*)b, 8); }
inline void put_lef32(std::string& s, float f) { uint32_t u; std::memcpy(&u, &f, 4); put_le32(s, u); }
inline void put_lef64(std::string& s, double f) { uint64_t u; std::memcpy(&u, &f, 8); put_le64(s, u); }

}  // namespace llmzip
