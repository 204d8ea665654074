// A per-thread cache of word -> token ids that lives across encode() calls.
//
// Frames are small (a few KB), so a per-call cache starts cold in every frame
// and most time would go to merging the same common words again. A word's ids
// are a pure function of its bytes (for a given tokenizer), so a cache can
// never change a result, only its speed; each thread keeps its own, so encode
// stays lock-free and thread-safe. The cache belongs to one tokenizer at a
// time (by serial number, never by address) and is emptied when another one
// uses the thread or when it outgrows kMaxBytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tokenizer/string_table.h"

namespace llmzip::tokenizer {

class WordCache {
 public:
  static constexpr size_t kMaxBytes = size_t{8} << 20;  // keys + ids + table, about; then start over

  // The calling thread's cache, emptied first if `owner` is not the tokenizer
  // that used it last. Owners are never 0.
  static WordCache& for_thread(uint64_t owner);

  // The cached ids of `key` (hash h = hash_bytes(key)), or false.
  bool find(std::string_view key, uint64_t h, const int32_t** ids, uint32_t* count) const {
    const int32_t e = table_.find(key, h);
    if (e < 0) return false;
    *ids = ids_.data() + entries_[e].begin;
    *count = entries_[e].count;
    return true;
  }
  // Copies key and ids in. Keys must be non-empty.
  void insert(std::string_view key, uint64_t h, const int32_t* ids, uint32_t count);
  void clear();

 private:
  struct Entry {
    uint32_t begin, count;
  };
  static constexpr size_t kBlock = 1 << 16;
  StringTable table_;
  std::vector<Entry> entries_;
  std::vector<int32_t> ids_;
  std::vector<std::unique_ptr<char[]>> blocks_;  // key bytes; blocks never move
  size_t block_used_ = kBlock;
  size_t bytes_ = 0;
  uint64_t owner_ = 0;
};

}  // namespace llmzip::tokenizer
