#include "tokenizer/word_cache.h"

#include <cstring>

namespace llmzip::tokenizer {

WordCache& WordCache::for_thread(uint64_t owner) {
  thread_local WordCache cache;
  if (cache.owner_ != owner) {
    cache.clear();
    cache.owner_ = owner;
  }
  return cache;
}

void WordCache::clear() {
  table_.reset(1024);
  entries_.clear();
  ids_.clear();
  blocks_.clear();
  block_used_ = kBlock;
  bytes_ = 0;
}

void WordCache::insert(std::string_view key, uint64_t h, const int32_t* ids, uint32_t count) {
  if (key.empty() || key.size() > kBlock / 4) return;  // long words are rare; not worth the memory
  if (bytes_ + key.size() + count * sizeof(int32_t) > kMaxBytes) {
    const uint64_t owner = owner_;
    clear();
    owner_ = owner;
  }
  if (block_used_ + key.size() > kBlock) {
    blocks_.emplace_back(new char[kBlock]);
    block_used_ = 0;
  }
  char* dst = blocks_.back().get() + block_used_;
  std::memcpy(dst, key.data(), key.size());
  block_used_ += key.size();
  table_.put(std::string_view(dst, key.size()), h, static_cast<int32_t>(entries_.size()));
  entries_.push_back({static_cast<uint32_t>(ids_.size()), count});
  ids_.insert(ids_.end(), ids, ids + count);
  bytes_ += key.size() + count * sizeof(int32_t) + 64;  // + table slots and entry
}

}  // namespace llmzip::tokenizer
