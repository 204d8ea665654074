// Key/value cache for many independent sequences ("slots"), sized by the caller.
// Stored as F32 (KvType::kF32, numerics version 1; the golden reference also
// uses an F32 cache) or as F16 (kF16, numerics version 2: each key and value
// rounded to F16 when stored, half the memory and half the bytes attention
// reads per token), the same in every path. Laid out
// [layer][slot][kv head][pos][head_dim], so that one head's keys (and values)
// are contiguous rows: attention streams them without striding over the other
// heads;
// pages are touched only when positions are used, so memory grows with the
// tokens actually evaluated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"

namespace llmzip::model {

class Model;

enum class KvType : uint8_t { kF32, kF16 };

class KvCache {
 public:
  // n_slots >= 1, n_ctx >= 1 positions per slot.
  KvCache(const Model& model, int n_slots, int n_ctx, KvType type = KvType::kF32);

  KvType type() const { return type_; }
  int n_slots() const { return n_slots_; }
  int n_ctx() const { return n_ctx_; }
  // Number of positions of `slot` already evaluated.
  int length(int slot) const { return len_[slot]; }
  // Forgets a slot's sequence (the next entry for it must have pos 0).
  void clear(int slot) { len_[slot] = 0; }
  // Keeps only positions < len of a slot (len <= length(slot)).
  void truncate(int slot, int len);
  // Bytes reserved (virtual) for keys and values.
  size_t bytes() const { return 2 * n_values_ * element_bytes(type_); }
  // Bytes one slot of n_ctx positions reserves for `model`: the unit of every
  // KV memory budget (the codec sizes its slot counts with it).
  static size_t bytes_per_slot(const Model& model, int n_ctx, KvType type = KvType::kF32);
  static size_t element_bytes(KvType type) { return type == KvType::kF32 ? sizeof(float) : sizeof(uint16_t); }

  // Internal (Model): keys and values of (layer, slot, kv head), position 0;
  // position p's row of head_dim values is at + p * head_dim. T is the cache's
  // element type: float for kF32, uint16_t (F16 bits) for kF16.
  template <typename T>
  T* k(int layer, int slot, int head) {
    return reinterpret_cast<T*>(k_.get()) + offset(layer, slot, head);
  }
  template <typename T>
  T* v(int layer, int slot, int head) {
    return reinterpret_cast<T*>(v_.get()) + offset(layer, slot, head);
  }
  int kv_dim() const { return kv_dim_; }
  void set_length(int slot, int len) { len_[slot] = len; }

 private:
  // In values; kv_dim = n_head_kv * head_dim.
  size_t offset(int layer, int slot, int head) const {
    return ((static_cast<size_t>(layer) * n_slots_ + slot) * kv_dim_ + static_cast<size_t>(head) * head_dim_) *
           n_ctx_;
  }
  KvType type_;
  int n_layer_, n_slots_, n_ctx_, kv_dim_, head_dim_;
  size_t n_values_;
  std::unique_ptr<uint8_t[]> k_, v_;  // n_values_ elements of the type
  std::vector<int> len_;
};

}  // namespace llmzip::model
