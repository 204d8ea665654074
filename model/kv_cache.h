// Key/value cache for many independent sequences ("slots"), sized by the caller.
// Stored as F32 (KvType::kF32, numerics version 1; the golden reference also
// uses an F32 cache), as F16 (kF16, numerics version 2: each key and value
// rounded to F16 when stored, half the memory and half the bytes attention
// reads per token) or as 8-bit rows (kQ8, numerics version 3: each row of
// head_dim keys or values quantized as Q8_0 blocks of 32 with a float scale,
// ops/kernels.h attention_q8; 0.56 of the F16 bytes), the same in every path. Laid out
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

enum class KvType : uint8_t { kF32, kF16, kQ8 };

class KvCache {
 public:
  // n_slots >= 1, n_ctx >= 1 positions per slot. The cache is resolve(model, type).
  KvCache(const Model& model, int n_slots, int n_ctx, KvType type = KvType::kF32);

  // The type a cache asked to be `type` has for `model`: kQ8 needs a head size
  // that is a multiple of 32 and at most ops::kMaxQ8HeadDim, and becomes kF16
  // otherwise (numerics version 3 computes as 2 for such models).
  static KvType resolve(const Model& model, KvType type);

  KvType type() const { return type_; }
  int n_slots() const { return n_slots_; }
  int n_ctx() const { return n_ctx_; }
  // Number of positions of `slot` already evaluated.
  int length(int slot) const { return len_[slot]; }
  // Forgets a slot's sequence (the next entry for it must have pos 0).
  void clear(int slot) { len_[slot] = 0; }
  // Keeps only positions < len of a slot (len <= length(slot)).
  void truncate(int slot, int len);
  // Bytes reserved (virtual) for keys and values (with their kQ8 scales).
  size_t bytes() const { return 2 * n_values_ * element_bytes(type_) + 2 * n_scales() * sizeof(float); }
  // Bytes one slot of n_ctx positions reserves for `model`: the unit of every
  // KV memory budget (the codec sizes its slot counts with it).
  static size_t bytes_per_slot(const Model& model, int n_ctx, KvType type = KvType::kF32);
  static size_t element_bytes(KvType type) {
    return type == KvType::kF32 ? sizeof(float) : type == KvType::kF16 ? sizeof(uint16_t) : sizeof(uint8_t);
  }

  // Internal (Model): keys and values of (layer, slot, kv head), position 0;
  // position p's row of head_dim values is at + p * head_dim. T is the cache's
  // element type: float for kF32, uint16_t (F16 bits) for kF16, uint8_t for
  // kQ8 (keys: the int8 values + 128; values: int8 bits).
  template <typename T>
  T* k(int layer, int slot, int head) {
    return reinterpret_cast<T*>(k_.get()) + offset(layer, slot, head);
  }
  template <typename T>
  T* v(int layer, int slot, int head) {
    return reinterpret_cast<T*>(v_.get()) + offset(layer, slot, head);
  }
  // kQ8 only: the scales of those rows, head_dim / 32 floats per position.
  float* k_scales(int layer, int slot, int head) {
    return reinterpret_cast<float*>(ks_.get()) + offset(layer, slot, head) / kScaleBlock;
  }
  float* v_scales(int layer, int slot, int head) {
    return reinterpret_cast<float*>(vs_.get()) + offset(layer, slot, head) / kScaleBlock;
  }
  int kv_dim() const { return kv_dim_; }
  void set_length(int slot, int len) { len_[slot] = len; }

  // Frees the cache's mappings (kv_cache.cc).
  struct Unmap {
    size_t bytes;
    void operator()(uint8_t* p) const;
  };

 private:
  // In values; kv_dim = n_head_kv * head_dim.
  size_t offset(int layer, int slot, int head) const {
    return ((static_cast<size_t>(layer) * n_slots_ + slot) * kv_dim_ + static_cast<size_t>(head) * head_dim_) *
           n_ctx_;
  }
  KvType type_;
  int n_layer_, n_slots_, n_ctx_, kv_dim_, head_dim_;
  size_t n_values_;
  // n_values_ elements of the type each, in anonymous mappings asked for huge
  // pages (a decode step streams every slot's rows: 4 KiB pages cost a TLB
  // miss every 4 KiB of them).
  std::unique_ptr<uint8_t, Unmap> k_, v_;
  static constexpr int kScaleBlock = 32;  // values per kQ8 scale
  size_t n_scales() const { return type_ == KvType::kQ8 ? n_values_ / kScaleBlock : 0; }
  std::unique_ptr<uint8_t, Unmap> ks_, vs_;  // kQ8: n_scales() floats each
  std::vector<int> len_;
};

}  // namespace llmzip::model
