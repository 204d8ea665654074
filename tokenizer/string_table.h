// A flat open-addressing hash table from byte strings to int32 values, for the
// tokenizer's hot lookups (vocabulary pieces, the per-call word cache). Keys
// are not copied: the table stores pointers, so key bytes must outlive it.
// std::unordered_map costs a node allocation and two or three cache misses per
// lookup; this costs about one.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace llmzip::tokenizer {

// Fast non-cryptographic 64-bit hash of a byte string (not for untrusted
// adversarial keys at scale; worst case is slower lookups, never wrong ones).
inline uint64_t hash_bytes(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (s.size() * kMul);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * kMul;
    h ^= h >> 32;
    p += 8, n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ v) * kMul;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

class StringTable {
 public:
  // Empties the table, sized for about `expected` keys (it grows as needed).
  void reset(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    size_ = 0;
  }
  // Value of `key`, or -1.
  int32_t find(std::string_view key) const { return find(key, hash_bytes(key)); }
  int32_t find(std::string_view key, uint64_t h) const {
    if (slots_.empty()) return -1;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ptr == nullptr) return -1;
      if (s.hash == h && s.len == key.size() && std::memcmp(s.ptr, key.data(), key.size()) == 0) return s.value;
    }
  }
  // Hint that find(…, h) follows soon (bulk lookups overlap their misses).
  void prefetch(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
  }
  // Inserts or overwrites. Keys must be non-empty.
  void put(std::string_view key, int32_t value) { put(key, hash_bytes(key), value); }
  void put(std::string_view key, uint64_t h, int32_t value) {
    if (slots_.empty() || (size_ + 1) * 2 > slots_.size()) grow();
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.ptr == nullptr) {
        s = Slot{key.data(), static_cast<uint32_t>(key.size()), value, h};
        ++size_;
        return;
      }
      if (s.hash == h && s.len == key.size() && std::memcmp(s.ptr, key.data(), key.size()) == 0) {
        s.value = value;
        return;
      }
    }
  }
  size_t size() const { return size_; }
  // False when `key` (with hash h) is certainly absent: a one-bit-per-hash
  // filter that fits in L2, so most failed lookups never touch the table.
  // Built by build_filter(); true for everything before that.
  bool may_contain(uint64_t h) const {
    return filter_.empty() || ((filter_[(h >> 40) & filter_mask_] >> (h & 63)) & 1);
  }
  // For tables that are complete (no more put calls follow).
  void build_filter() {
    size_t words = 1024;
    while (words * 64 < size_ * 32 && words < (size_t{1} << 20)) words <<= 1;
    filter_.assign(words, 0);
    filter_mask_ = words - 1;
    for (const Slot& s : slots_) {
      if (s.ptr != nullptr) filter_[(s.hash >> 40) & filter_mask_] |= uint64_t{1} << (s.hash & 63);
    }
  }

 private:
  struct Slot {
    const char* ptr = nullptr;
    uint32_t len = 0;
    int32_t value = -1;
    uint64_t hash = 0;
  };
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reset(old.empty() ? 8 : old.size());
    for (const Slot& s : old) {
      if (s.ptr != nullptr) put(std::string_view(s.ptr, s.len), s.hash, s.value);
    }
  }
  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;
  size_t filter_mask_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace llmzip::tokenizer
