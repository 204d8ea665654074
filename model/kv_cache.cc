#include "model/kv_cache.h"

#include <cassert>

#include "model/model.h"

namespace llmzip::model {

KvCache::KvCache(const Model& model, int n_slots, int n_ctx, KvType type)
    : type_(type),
      n_layer_(model.config().n_layer),
      n_slots_(n_slots),
      n_ctx_(n_ctx),
      kv_dim_(model.config().kv_dim()),
      head_dim_(model.config().head_dim),
      n_values_(static_cast<size_t>(n_layer_) * n_slots * n_ctx * kv_dim_),
      // Default-initialised (not zeroed): untouched pages cost no memory, and a
      // position is always written before it is read. (operator new[] aligns
      // for float.)
      k_(new uint8_t[n_values_ * element_bytes(type)]),
      v_(new uint8_t[n_values_ * element_bytes(type)]),
      len_(n_slots, 0) {
  assert(n_slots >= 1 && n_ctx >= 1);
}

size_t KvCache::bytes_per_slot(const Model& model, int n_ctx, KvType type) {
  return size_t(2) * size_t(model.config().n_layer) * size_t(n_ctx) * size_t(model.config().kv_dim()) *
         element_bytes(type);
}

void KvCache::truncate(int slot, int len) {
  assert(len >= 0 && len <= len_[slot]);
  len_[slot] = len;
}

}  // namespace llmzip::model
