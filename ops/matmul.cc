#include "ops/matmul.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>

#include "ops/fp16.h"
#include "ops/quant_blocks.h"

namespace llmzip::ops {
namespace {

// Rows per tile: as many as keep a tile's weights in L1/L2 while every token of
// a token tile streams past them (SIMD kernels repack the activations once per
// call, so larger tiles amortise that), but small enough that every thread gets
// several tiles. Tiling never changes a result, only speed.
constexpr int kMaxRowTile = 64;
constexpr int kMinRowTile = 16;  // a multiple of every level's packed_row_group
// Tokens per tile: the quantized activations of a token tile stay in L2.
#ifndef LLMZIP_TT
#define LLMZIP_TT 16
#endif
constexpr int kTokTile = LLMZIP_TT;

}  // namespace

void ActBatch::set(const float* x, int n_tok, int n) {
  x_ = x;
  n_tok_ = n_tok;
  n_ = n;
  for (bool& v : valid_) v = false;
}

const ActView& ActBatch::view(ActFormat format, ThreadPool& pool) {
  const int fi = static_cast<int>(format);
  ActView& v = views_[fi];
  if (valid_[fi]) return v;
  v = ActView{};
  v.format = format;
  v.n = n_;
  const size_t total = static_cast<size_t>(n_tok_) * n_;
  if (format == ActFormat::kF32) {
    v.f = x_;
  } else {
    const int bs = format == ActFormat::kQ8_0 ? kQK8_0 : kQK_K;
    assert(n_ % bs == 0);
    const int nb = n_ / bs;
    if (qs_[fi].size() < total) qs_[fi].resize(total);
    if (d_[fi].size() < static_cast<size_t>(n_tok_) * nb) d_[fi].resize(static_cast<size_t>(n_tok_) * nb);
    int8_t* qs = qs_[fi].data();
    float* d = d_[fi].data();
    int16_t* bsums = nullptr;
    if (format == ActFormat::kQ8_K) {
      if (bsums_.size() < total / 16) bsums_.resize(total / 16);
      bsums = bsums_.data();
    }
    const Kernels& k = kernels();
    const float* x = x_;
    const int n = n_;
    uint8_t* packed = nullptr;
    size_t prb = 0;
    if (format == ActFormat::kQ8_0 && k.pack_q8_0_act != nullptr) {
      prb = k.packed_q8_0_act_row_bytes(n);
      const size_t lines = static_cast<size_t>(n_tok_) * prb / 64;
      if (packed_.size() < lines) packed_.resize(lines);
      packed = packed_.data()->bytes;
    }
    pool.parallel_for(n_tok_, [&](size_t b, size_t e, int) {
      for (size_t t = b; t < e; ++t) {
        if (format == ActFormat::kQ8_0) {
          k.quantize_q8_0(x + t * n, n, qs + t * n, d + t * nb);
          if (packed) k.pack_q8_0_act(qs + t * n, n, packed + t * prb);
        } else {
          k.quantize_q8_k(x + t * n, n, qs + t * n, d + t * nb, bsums + t * (n / 16));
        }
      }
    });
    v.qs = qs;
    v.d = d;
    v.bsums = bsums;
    v.packed = packed;
    v.packed_row_bytes = prb;
  }
  valid_[fi] = true;
  return v;
}

namespace {

// What a job's tiles read: the packed rows where the active level made them.
struct TileSource {
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;
  MatTileFn tile = nullptr;
};

TileSource tile_source(const WeightMatrix& w) {
  const Kernels& k = kernels();
  const int t = static_cast<int>(w.type);
  if (w.packed != nullptr && w.packed_isa == active_isa() && k.mat_tile_packed[t] != nullptr)
    return {w.packed, w.packed_row_bytes, k.mat_tile_packed[t]};
  return {w.data, w.row_bytes, k.mat_tile[t]};
}

// One row tile of one job, all token tiles.
void run_tile(const WeightMatrix& w, const TileSource& src, const ActView& base, int n_tok, int rt, int row_tile,
              float* out, size_t out_stride) {
  const int r0 = rt * row_tile;
  const int nr = std::min(row_tile, w.n_rows - r0);
  const uint8_t* wr = src.data + static_cast<size_t>(r0) * src.row_bytes;
  const size_t n = static_cast<size_t>(w.n_cols);
  for (int t0 = 0; t0 < n_tok; t0 += kTokTile) {
    const int nt = std::min(kTokTile, n_tok - t0);
    // View of tokens t0.. : shift every pointer by t0 rows.
    ActView v = base;
    if (v.f) v.f += t0 * n;
    if (v.qs) v.qs += t0 * n;
    if (v.d) v.d += t0 * (n / (v.format == ActFormat::kQ8_0 ? kQK8_0 : kQK_K));
    if (v.bsums) v.bsums += t0 * (n / 16);
    if (v.packed) v.packed += t0 * v.packed_row_bytes;
    src.tile(wr, src.row_bytes, nr, v, nt, out + static_cast<size_t>(t0) * out_stride + r0, out_stride);
  }
}

}  // namespace

size_t PackedWeights::bytes_for(const WeightMatrix& w) {
  const Kernels& k = kernels();
  if (k.packed_row_bytes == nullptr || k.pack_rows == nullptr || k.mat_tile_packed[static_cast<int>(w.type)] == nullptr)
    return 0;
  const size_t g = static_cast<size_t>(k.packed_row_group);
  return k.packed_row_bytes(w.type, w.n_cols) * ((static_cast<size_t>(w.n_rows) + g - 1) / g * g);
}

void PackedWeights::Free::operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{64}); }

bool PackedWeights::pack(WeightMatrix& w) {
  const size_t bytes = bytes_for(w);
  if (bytes == 0) return false;
  std::unique_ptr<uint8_t[], Free> block(static_cast<uint8_t*>(::operator new[](bytes, std::align_val_t{64})));
  const Kernels& k = kernels();
  k.pack_rows(w.type, w.data, w.row_bytes, w.n_rows, w.n_cols, block.get());
  w.packed = block.get();
  w.packed_row_bytes = k.packed_row_bytes(w.type, w.n_cols);
  w.packed_isa = active_isa();
  bytes_ += bytes;
  blocks_.push_back(std::move(block));
  return true;
}

void matmul(const WeightMatrix& w, ActBatch& x, float* out, size_t out_stride, ThreadPool& pool) {
  const MatmulJob job{&w, out, out_stride};
  matmul_multi(std::span<const MatmulJob>(&job, 1), x, pool);
}

void matmul_multi(std::span<const MatmulJob> jobs, ActBatch& x, ThreadPool& pool) {
  constexpr size_t kMaxJobs = 4;
  assert(jobs.size() <= kMaxJobs);
  const int n_tok = x.n_tok();
  if (n_tok == 0 || jobs.empty()) return;
  const ActView* views[kMaxJobs];
  TileSource sources[kMaxJobs];
  size_t first_tile[kMaxJobs + 1];
  first_tile[0] = 0;
  size_t total_rows = 0;
  for (const MatmulJob& job : jobs) total_rows += static_cast<size_t>(job.w->n_rows);
  int row_tile = kMaxRowTile;
  while (row_tile > kMinRowTile && total_rows / row_tile < 8 * static_cast<size_t>(pool.size())) row_tile /= 2;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const WeightMatrix& w = *jobs[j].w;
    assert(x.n() == w.n_cols);
    assert(jobs[j].out_stride >= static_cast<size_t>(w.n_rows));
    views[j] = &x.view(act_format_for(w.type), pool);  // quantize before the parallel loop
    sources[j] = tile_source(w);
    first_tile[j + 1] = first_tile[j] + (w.n_rows + row_tile - 1) / row_tile;
  }
  pool.parallel_for(first_tile[jobs.size()], [&](size_t b, size_t e, int) {
    size_t j = 0;
    for (size_t i = b; i < e; ++i) {
      while (i >= first_tile[j + 1]) ++j;
      run_tile(*jobs[j].w, sources[j], *views[j], n_tok, static_cast<int>(i - first_tile[j]), row_tile, jobs[j].out,
               jobs[j].out_stride);
    }
  });
}

void dequantize_row(const WeightMatrix& w, int row, float* out) {
  assert(row >= 0 && row < w.n_rows);
  const uint8_t* p = w.data + static_cast<size_t>(row) * w.row_bytes;
  const int n = w.n_cols;
  switch (w.type) {
    case WeightType::kF32:
      std::memcpy(out, p, sizeof(float) * n);
      return;
    case WeightType::kF16: {
      const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
      for (int i = 0; i < n; ++i) out[i] = f16_to_f32(h[i]);
      return;
    }
    case WeightType::kBF16: {
      const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
      for (int i = 0; i < n; ++i) out[i] = bf16_to_f32(h[i]);
      return;
    }
    case WeightType::kQ8_0: {
      const BlockQ8_0* b = reinterpret_cast<const BlockQ8_0*>(p);
      for (int i = 0; i < n / kQK8_0; ++i) {
        const float d = f16_to_f32(b[i].d);
        for (int j = 0; j < kQK8_0; ++j) out[i * kQK8_0 + j] = d * b[i].qs[j];
      }
      return;
    }
    case WeightType::kQ4_0: {
      const BlockQ4_0* b = reinterpret_cast<const BlockQ4_0*>(p);
      for (int i = 0; i < n / kQK8_0; ++i) {
        const float d = f16_to_f32(b[i].d);
        for (int j = 0; j < 16; ++j) {
          out[i * kQK8_0 + j] = d * static_cast<float>((b[i].qs[j] & 15) - 8);
          out[i * kQK8_0 + j + 16] = d * static_cast<float>((b[i].qs[j] >> 4) - 8);
        }
      }
      return;
    }
    case WeightType::kQ5_0: {
      const BlockQ5_0* b = reinterpret_cast<const BlockQ5_0*>(p);
      for (int i = 0; i < n / kQK8_0; ++i) {
        const float d = f16_to_f32(b[i].d);
        int8_t q[32];
        unpack_q5_0(b[i], q);
        for (int j = 0; j < kQK8_0; ++j) out[i * kQK8_0 + j] = d * static_cast<float>(q[j] - 16);
      }
      return;
    }
    case WeightType::kQ5_K: {
      const BlockQ5_K* b = reinterpret_cast<const BlockQ5_K*>(p);
      for (int i = 0; i < n / kQK_K; ++i) {
        const float d = f16_to_f32(b[i].d), dmin = f16_to_f32(b[i].dmin);
        uint8_t sc[8], m[8], q[kQK_K];
        unpack_q4_k_scales(b[i].scales, sc, m);
        unpack_q5_k(b[i], q);
        for (int s = 0; s < 8; ++s) {
          const float d1 = d * sc[s], m1 = dmin * m[s];
          for (int l = 0; l < 32; ++l) out[i * kQK_K + 32 * s + l] = d1 * static_cast<float>(q[32 * s + l]) - m1;
        }
      }
      return;
    }
    case WeightType::kQ4_K: {
      const BlockQ4_K* b = reinterpret_cast<const BlockQ4_K*>(p);
      for (int i = 0; i < n / kQK_K; ++i) {
        const float d = f16_to_f32(b[i].d), dmin = f16_to_f32(b[i].dmin);
        uint8_t sc[8], m[8];
        unpack_q4_k_scales(b[i].scales, sc, m);
        float* y = out + i * kQK_K;
        for (int k = 0; k < 4; ++k) {
          const float d1 = d * sc[2 * k], m1 = dmin * m[2 * k];
          const float d2 = d * sc[2 * k + 1], m2 = dmin * m[2 * k + 1];
          for (int l = 0; l < 32; ++l) {
            y[64 * k + l] = d1 * static_cast<float>(b[i].qs[32 * k + l] & 15) - m1;
            y[64 * k + 32 + l] = d2 * static_cast<float>(b[i].qs[32 * k + l] >> 4) - m2;
          }
        }
      }
      return;
    }
    case WeightType::kQ6_K: {
      const BlockQ6_K* b = reinterpret_cast<const BlockQ6_K*>(p);
      for (int i = 0; i < n / kQK_K; ++i) {
        const float d = f16_to_f32(b[i].d);
        float* y = out + i * kQK_K;
        for (int h = 0; h < 2; ++h) {
          const uint8_t* ql = b[i].ql + 64 * h;
          const uint8_t* qh = b[i].qh + 32 * h;
          const int8_t* sc = b[i].scales + 8 * h;
          float* yh = y + 128 * h;
          for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 15) | ((qh[l] >> 0 & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 15) | ((qh[l] >> 2 & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | ((qh[l] >> 4 & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6 & 3) << 4)) - 32;
            yh[l] = (d * sc[is + 0]) * static_cast<float>(q1);
            yh[l + 32] = (d * sc[is + 2]) * static_cast<float>(q2);
            yh[l + 64] = (d * sc[is + 4]) * static_cast<float>(q3);
            yh[l + 96] = (d * sc[is + 6]) * static_cast<float>(q4);
          }
        }
      }
      return;
    }
  }
}

}  // namespace llmzip::ops
