// Matrix products of a weight matrix (read in place, any WeightType) with a batch
// of activation rows, threaded over output rows. Results are bit-identical for
// any thread count, tile sizes, batch composition and Isa, because every output
// element is one dot product computed in the order kernels.h fixes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/thread_pool.h"
#include "ops/kernels.h"

namespace llmzip::ops {

// A weight matrix: n_rows rows of n_cols elements; row r at data + r * row_bytes.
// Optionally also packed for one level's kernels (kernels.h pack_rows; see
// PackedWeights): matmul reads the packed rows while that level is active.
struct WeightMatrix {
  WeightType type = WeightType::kF32;
  int n_cols = 0;
  int n_rows = 0;
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;
  const uint8_t* packed = nullptr;  // groups of rows: kernels.h packed_row_group
  size_t packed_row_bytes = 0;
  Isa packed_isa = Isa::kScalar;
};

// Owns packed copies of weight matrices (made once per model load, so that no
// matmul packs its weights again). Packing changes speed only: mat_tile_packed
// gives mat_tile's bits.
class PackedWeights {
 public:
  // Bytes w would take packed for the active level (0: that level has no packed
  // form of its type).
  static size_t bytes_for(const WeightMatrix& w);
  // Packs w for the active level and points w.packed at the copy; false (w
  // unchanged) where bytes_for(w) is 0.
  bool pack(WeightMatrix& w);
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::vector<std::unique_ptr<uint8_t[], Free>> blocks_;
  size_t bytes_ = 0;
};

// A batch of float activation rows plus their quantized forms, made on demand
// (once per format) and reused by every matmul that reads the same input (e.g.
// Q, K and V). Buffers grow and are kept across calls, so a forward pass does
// not allocate once warmed up.
class ActBatch {
 public:
  // Points at n_tok rows of n floats (row t at x + t*n); forgets quantized forms.
  // x must stay valid until the next set().
  void set(const float* x, int n_tok, int n);
  int n_tok() const { return n_tok_; }
  int n() const { return n_; }
  // The batch in `format` (quantizes on first use, threaded over tokens).
  const ActView& view(ActFormat format, ThreadPool& pool);

 private:
  const float* x_ = nullptr;
  int n_tok_ = 0;
  int n_ = 0;
  bool valid_[kNumActFormats] = {};
  ActView views_[kNumActFormats];
  std::vector<int8_t> qs_[kNumActFormats];
  std::vector<float> d_[kNumActFormats];
  std::vector<int16_t> bsums_;
  struct alignas(64) Line {
    uint8_t bytes[64];
  };
  std::vector<Line> packed_;  // Q8_0 rows packed for the active level, where it packs them
};

// out[t * out_stride + r] = dot(row r of w, activation row t), r < w.n_rows,
// t < x.n_tok(). Requires x.n() == w.n_cols and out_stride >= w.n_rows.
void matmul(const WeightMatrix& w, ActBatch& x, float* out, size_t out_stride, ThreadPool& pool);

// Several matmuls that read the same activations (Q/K/V, gate/up) in one
// parallel loop over all their row tiles: one thread dispatch instead of one per
// matrix (matters for small batches). Results are those of matmul() for each.
struct MatmulJob {
  const WeightMatrix* w = nullptr;
  float* out = nullptr;
  size_t out_stride = 0;
};
void matmul_multi(std::span<const MatmulJob> jobs, ActBatch& x, ThreadPool& pool);

// Dequantizes row `row` of w into n_cols floats (embedding lookup). The values
// are those the dot products use: F16/BF16 exact; Q8_0 d*q; Q4_0 d*(q-8);
// Q4_K (d*sc)*q - dmin*m; Q6_K (d*sc)*(q-32); all float ops as written.
void dequantize_row(const WeightMatrix& w, int row, float* out);

}  // namespace llmzip::ops
