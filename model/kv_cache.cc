#include "model/kv_cache.h"

#include <sys/mman.h>

#include <cassert>
#include <new>

#include "model/model.h"
#include "ops/kernels.h"

namespace llmzip::model {

namespace {

// Zero-filled, lazily committed memory (untouched pages cost nothing, and a
// position is always written before it is read), huge pages where the kernel
// allows them (madvise mode; a hint, so its failure changes nothing).
std::unique_ptr<uint8_t, KvCache::Unmap> map_bytes(size_t bytes) {
  bytes = bytes == 0 ? 1 : bytes;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return std::unique_ptr<uint8_t, KvCache::Unmap>(static_cast<uint8_t*>(p), KvCache::Unmap{bytes});
}

}  // namespace

void KvCache::Unmap::operator()(uint8_t* p) const { munmap(p, bytes); }

KvType KvCache::resolve(const Model& model, KvType type) {
  const int hd = model.config().head_dim;
  if (type == KvType::kQ8 && (hd % kScaleBlock != 0 || hd > ops::kMaxQ8HeadDim)) return KvType::kF16;
  return type;
}

KvCache::KvCache(const Model& model, int n_slots, int n_ctx, KvType type)
    : type_(resolve(model, type)),
      n_layer_(model.config().n_layer),
      n_slots_(n_slots),
      n_ctx_(n_ctx),
      kv_dim_(model.config().kv_dim()),
      head_dim_(model.config().head_dim),
      n_values_(static_cast<size_t>(n_layer_) * n_slots * n_ctx * kv_dim_),
      k_(map_bytes(n_values_ * element_bytes(type_))),
      v_(map_bytes(n_values_ * element_bytes(type_))),
      ks_(map_bytes(n_scales() * sizeof(float))),
      vs_(map_bytes(n_scales() * sizeof(float))),
      len_(n_slots, 0) {
  assert(n_slots >= 1 && n_ctx >= 1);
  assert(type_ != KvType::kQ8 || head_dim_ % kScaleBlock == 0);
}

size_t KvCache::bytes_per_slot(const Model& model, int n_ctx, KvType type) {
  type = resolve(model, type);
  const size_t values = size_t(model.config().n_layer) * size_t(n_ctx) * size_t(model.config().kv_dim());
  return 2 * values * element_bytes(type) + (type == KvType::kQ8 ? 2 * values / kScaleBlock * sizeof(float) : 0);
}

void KvCache::truncate(int slot, int len) {
  assert(len >= 0 && len <= len_[slot]);
  len_[slot] = len;
}

}  // namespace llmzip::model
