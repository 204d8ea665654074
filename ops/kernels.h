// The kernel dispatch table: one struct of function pointers per instruction-set
// level (isa.h), and the numeric contract every implementation must meet.
//
// DETERMINISM CONTRACT. Every entry of every level must return results that are
// bit-identical to the scalar reference (kernels_scalar.cc) for all inputs. The
// exact order of floating-point operations is specified below per kernel; integer
// sums are exact and may be computed in any order. Conventions for all kernels:
//  - "a + b", "a * b", "a / b", sqrt: single IEEE float32 operations, round to
//    nearest even. No FMA anywhere (the scalar reference never fuses; SIMD code
//    must use separate mul and add), no fast-math, no FTZ/DAZ.
//  - "16-lane sum" of terms t_i, i < n: lane l (0..15) starts at +0.0f and adds
//    t_i for i = l, l+16, l+32, ... in increasing i (acc = acc + t_i). Then the
//    lanes are combined by the fixed tree s8[l] = a[l] + a[l+8] (l < 8),
//    s4[l] = s8[l] + s8[l+4], s2[l] = s4[l] + s4[l+2], s = s2[0] + s2[1].
//    (AVX-512: one zmm accumulator, reduce hi256+lo256, hi128+lo128, ...; AVX2:
//    two ymm accumulators for lanes 0-7 and 8-15, added first.) Elements beyond n
//    act as +0 terms, which never change a lane (a lane is never -0).
//  - "8-lane block sum" of per-block values v_b, b < nb: lane l (0..7) starts at
//    +0.0f and adds v_b for b = l, l+8, ... in increasing b; then s4[l] = a[l] +
//    a[l+4], s2[l] = s4[l] + s4[l+2], s = s2[0] + s2[1].
//  - "sequential sum": acc = +0.0f; acc = acc + v_b for b = 0, 1, ... .
//  - F16 / BF16 -> F32 conversion is exact (fp16.h); int -> float conversion
//    rounds to nearest even (cvtdq2ps).
//
// WEIGHT x ACTIVATION DOT PRODUCTS (mat_tile). For a weight row w and an
// activation row x of n elements:
//  - F32 / F16 / BF16 weights, F32 activations: 16-lane sum of (float(w_i) * x_i).
//  - Q8_0 / Q4_0 weights, Q8_0 activations (blocks of 32, act scale dx_b is a
//    float that holds an F16-rounded value): isum_b = exact int32 sum of
//    wq_i * xq_i over the block (Q4_0: wq = nibble - 8); v_b = (float)isum_b *
//    (f16_to_f32(w.d_b) * dx_b); result = 8-lane block sum of v_b.
//    Q5_0 weights: the same with wq = 5-bit value - 16.
//  - Q4_K (and Q5_K, q = 5-bit value) weights, Q8_K activations (super-blocks of 256, float scale dx_b, and
//    bsums = sums of 16 consecutive xq): isum_sc = Σ_s sc[s] * Σ_{i in s} q_i*xq_i,
//    isum_m = Σ_s m[s] * Σ_{i in s} xq_i (exact int32); v_b = (float)isum_sc *
//    (dx_b * f16(d)) - (float)isum_m * (dx_b * f16(dmin)), evaluated as
//    p = (float)isum_sc * (dx*d); q = (float)isum_m * (dx*dmin); v = p - q;
//    result = sequential sum of v_b.
//  - Q6_K weights, Q8_K activations: isum = Σ_s sc[s] * Σ_{i in s} (q_i-32)*xq_i
//    (exact int32); v_b = (float)isum * (dx_b * f16(d)); sequential sum.
//
// ACTIVATION QUANTIZATION (follows llama.cpp so results stay close to the golden
// numbers):
//  - Q8_0 (per block of 32): amax = max |x_i|; d = round_to_f16(amax / 127.0f);
//    id = amax != 0 ? 127.0f / amax : 0.0f; q_i = round_half_even(x_i * id)
//    (|q_i| <= 127). The stored float scale is d.
//  - Q8_K (per block of 256): m = the first x_i with the largest |x_i|; if m == 0
//    all q = 0, d = 0. Else iscale = -127.0f / m; q_i = min(127,
//    round_half_even(iscale * x_i)); d = 1.0f / iscale; bsums[j] = Σ q over
//    elements 16j..16j+15.
//
// OTHER KERNELS: see each entry below.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ops/isa.h"

namespace llmzip::ops {

// Weight element types the engine computes with.
// (Appended types go at the end: the numbering indexes Kernels::mat_tile.)
enum class WeightType : int { kF32 = 0, kF16, kBF16, kQ8_0, kQ4_0, kQ4_K, kQ6_K, kQ5_0, kQ5_K };
inline constexpr int kNumWeightTypes = 9;
const char* weight_type_name(WeightType t);

// The activation format a weight type is dotted with.
enum class ActFormat : int { kF32 = 0, kQ8_0 = 1, kQ8_K = 2 };
inline constexpr int kNumActFormats = 3;
ActFormat act_format_for(WeightType t);
// Elements per weight block (1 for float types), bytes per block.
constexpr int weight_block_size(WeightType t) {
  switch (t) {
    case WeightType::kQ8_0:
    case WeightType::kQ4_0:
    case WeightType::kQ5_0: return 32;
    case WeightType::kQ4_K:
    case WeightType::kQ5_K:
    case WeightType::kQ6_K: return 256;
    default: return 1;
  }
}

constexpr size_t weight_block_bytes(WeightType t) {
  switch (t) {
    case WeightType::kF32: return 4;
    case WeightType::kF16:
    case WeightType::kBF16: return 2;
    case WeightType::kQ8_0: return 34;
    case WeightType::kQ4_0: return 18;
    case WeightType::kQ4_K: return 144;
    case WeightType::kQ6_K: return 210;
    case WeightType::kQ5_0: return 22;
    case WeightType::kQ5_K: return 176;
  }
  return 0;
}

inline size_t weight_row_bytes(WeightType t, int n) {
  return static_cast<size_t>(n / weight_block_size(t)) * weight_block_bytes(t);
}

// A batch of n_tok activation rows of n elements in one format. Row t lives at:
//   kF32:  f + t*n
//   kQ8_0: qs + t*n, d + t*(n/32)
//   kQ8_K: qs + t*n, d + t*(n/256), bsums + t*(n/16)
// n is a multiple of the format's block size (32 / 256) for the quantized formats.
struct ActView {
  ActFormat format = ActFormat::kF32;
  int n = 0;
  const float* f = nullptr;
  const int8_t* qs = nullptr;
  const float* d = nullptr;
  const int16_t* bsums = nullptr;
  // Optional (kQ8_0): the rows also packed by the active level's pack_q8_0_act
  // (row t at packed + t * packed_row_bytes), read by that level's kernels
  // instead of packing qs in every call.
  const uint8_t* packed = nullptr;
  size_t packed_row_bytes = 0;
};

// out[t * out_stride + r] = dot(weight row r, activation row t) for r < n_rows,
// t < n_tok, each dot computed exactly as the contract above says for the weight
// type. w points at row 0; row r starts at w + r * w_row_bytes. Implementations
// may block over rows and tokens in registers in any way.
using MatTileFn = void (*)(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok,
                           float* out, size_t out_stride);

struct Kernels {
  // Indexed by WeightType. Activation format must be act_format_for(type).
  MatTileFn mat_tile[kNumWeightTypes] = {};

  // Optional weight packing, done once per model load instead of in every
  // mat_tile call (all nullptr / 0 where a level has none). Rows are packed in
  // groups of packed_row_group consecutive rows (the last group padded with
  // zero rows): packed_row_bytes(t, n) is a group's size over its rows for
  // rows of n elements of type t (0: no packed form of t at this level; a
  // group, packed_row_group * packed_row_bytes, is a multiple of 64 bytes);
  // pack_rows packs n_rows rows (row r at w + r * w_row_bytes) to out (64-byte
  // aligned, room for n_rows rounded up to a whole group; the group of row r,
  // r a multiple of packed_row_group, at out + r * packed_row_bytes);
  // mat_tile_packed[t] is mat_tile[t] over such rows (w at a group's start,
  // w_row_bytes = packed_row_bytes), with the same results. A packed form
  // belongs to the level that made it.
  size_t (*packed_row_bytes)(WeightType t, int n_cols) = nullptr;
  int packed_row_group = 1;
  void (*pack_rows)(WeightType t, const uint8_t* w, size_t w_row_bytes, int n_rows, int n_cols,
                    uint8_t* out) = nullptr;
  MatTileFn mat_tile_packed[kNumWeightTypes] = {};
  // Optional, likewise: Q8_0 activation rows of n elements packed once per
  // batch (ActView::packed): bytes per row (a multiple of 64), and the packing
  // of one row (qs: n int8; out: 64-byte aligned).
  size_t (*packed_q8_0_act_row_bytes)(int n) = nullptr;
  void (*pack_q8_0_act)(const int8_t* qs, int n, uint8_t* out) = nullptr;

  // Q8_0 activation quantization of one row (n % 32 == 0): qs[n], d[n/32].
  void (*quantize_q8_0)(const float* x, int n, int8_t* qs, float* d) = nullptr;
  // Q8_K activation quantization of one row (n % 256 == 0): qs[n], d[n/256], bsums[n/16].
  void (*quantize_q8_k)(const float* x, int n, int8_t* qs, float* d, int16_t* bsums) = nullptr;

  // y_i = f32_to_f16 (fp16.h: round to nearest even, NaN -> quiet NaN of the
  // same sign, 0x7e00) of x_i clamped to [-65504, 65504]: keys and values into
  // an F16 cache (the clamp keeps an overflow from becoming inf, then NaN, in
  // attention).
  void (*to_f16_saturated)(const float* x, int n, uint16_t* y) = nullptr;

  // 16-lane sum of a_i * b_i.
  float (*dot_f32)(const float* a, const float* b, int n) = nullptr;

  // RMSNorm: ss = 16-lane sum of x_i*x_i; mean = ss / (float)n;
  // s = 1.0f / sqrt(mean + eps); y_i = (x_i * s) * w_i. y may alias x.
  void (*rmsnorm)(const float* x, const float* w, int n, float eps, float* y) = nullptr;

  // y_i = (g_i / (1.0f + exp_f32(-g_i))) * u_i (SwiGLU), exp_f32 from numerics.h.
  // y may alias g or u.
  void (*silu_mul)(const float* g, const float* u, int n, float* y) = nullptr;

  // Causal attention of one query head over n_keys cached positions 0..n_keys-1:
  //   s_j = dot_f32(q, k_j, hd) * scale                   (k_j = k + j*kv_stride)
  //   m = max_j s_j;  e_j = exp_f32(s_j - m)
  //   sum = 16-lane sum of e_j (over j)
  //   o_d = sequential over j of (o_d + e_j * v_j[d]), o_d starting at +0.0f
  //   out_d = o_d / sum
  // scratch holds at least n_keys floats. n_keys >= 1.
  void (*attention)(const float* q, const float* k, const float* v, size_t kv_stride, int n_keys, int hd,
                    float scale, float* scratch, float* out) = nullptr;

  // Optional (nullptr: call attention() per query). Four queries of one head
  // at consecutive positions of one sequence: query i (q + i*q_stride) attends
  // to keys 0 .. n_keys0 + i - 1 and writes out + i*out_stride. Each result is
  // attention() of that query, bit for bit: sharing the loads of K and V
  // between the queries changes no query's order of operations. scratch holds
  // at least 4 * (n_keys0 + 3) floats. Returns false (and writes nothing) for
  // a head size it does not handle.
  bool (*attention4)(const float* q, size_t q_stride, const float* k, const float* v, size_t kv_stride,
                     int n_keys0, int hd, float scale, float* scratch, float* out, size_t out_stride) = nullptr;

  // Optional (nullptr: call attention() per query). nq (1..4) queries at one
  // position of one sequence that share a KV head (grouped-query attention):
  // query i (q + i*q_stride) attends to keys 0 .. n_keys-1 and writes out +
  // i*out_stride, each attention()'s bits (the keys and values are loaded once
  // for the nq queries). scratch holds at least nq * (n_keys + 3) floats.
  // Returns false (and writes nothing) for a head size it does not handle.
  bool (*attention_heads)(const float* q, size_t q_stride, int nq, const float* k, const float* v,
                          size_t kv_stride, int n_keys, int hd, float scale, float* scratch, float* out,
                          size_t out_stride) = nullptr;

  // The same three over a cache of F16 keys and values (model::KvType::kF16):
  // k_j and v_j are f16_to_f32 (exact) of the stored halves, everything else
  // is attention() / attention4() / attention_heads() as above, so an F32
  // cache holding those converted values gives the same bits. attention4_f16
  // and attention_heads_f16 are optional.
  void (*attention_f16)(const float* q, const uint16_t* k, const uint16_t* v, size_t kv_stride, int n_keys, int hd,
                        float scale, float* scratch, float* out) = nullptr;
  bool (*attention4_f16)(const float* q, size_t q_stride, const uint16_t* k, const uint16_t* v, size_t kv_stride,
                         int n_keys0, int hd, float scale, float* scratch, float* out, size_t out_stride) = nullptr;
  bool (*attention_heads_f16)(const float* q, size_t q_stride, int nq, const uint16_t* k, const uint16_t* v,
                              size_t kv_stride, int n_keys, int hd, float scale, float* scratch, float* out,
                              size_t out_stride) = nullptr;

  // Attention over a cache of 8-bit keys and values (model::KvType::kQ8,
  // numerics version 3; hd % 32 == 0, hd <= kMaxQ8HeadDim). Each stored row
  // (one position of one KV head) is quantize_q8_0 of its hd floats: blocks of
  // 32 int8 qs with a float scale d each. Keys are kept as bytes ku = qs + 128
  // (uint8) at k + j*hd, values as qs (int8) at v + j*hd, their scales at
  // kd + j*(hd/32) and vd + j*(hd/32). With B = hd/32 blocks:
  //   qq, dq = quantize_q8_0(q)                          (the query, B blocks)
  //   isum_jb = sum over block b of qq_i * (ku_ji - 128)  (exact in int32)
  //   f = (float)isum_j0 * (dq_0 * kd_j0);  f = f + (float)isum_jb * (dq_b * kd_jb), b = 1..B-1
  //   s_j = f * scale
  //   m, e_j and sum as attention()
  //   o_d = sequential over j of fma(e_j * vd_j(d/32), (float)v_jd, o_d), o_d from +0.0f
  //         (fma: one rounding, as std::fma)
  //   out_d = o_d / sum
  // The integer products make the scores independent of any summation order,
  // and the 8-bit rows halve what a decode step reads from memory. scratch
  // holds at least n_keys floats. n_keys >= 1.
  void (*attention_q8)(const float* q, const uint8_t* k, const float* kd, const int8_t* v, const float* vd,
                       int n_keys, int hd, float scale, float* scratch, float* out) = nullptr;
  // Optional (nullptr: call attention_q8() per query). Four queries at
  // consecutive positions of one sequence, as attention4(): query i (q +
  // i*q_stride) over keys 0 .. n_keys0 + i - 1, into out + i*out_stride, each
  // attention_q8()'s bits. scratch holds at least 4 * (n_keys0 + 3) floats.
  // Returns false (and writes nothing) for a head size it does not handle.
  bool (*attention4_q8)(const float* q, size_t q_stride, const uint8_t* k, const float* kd, const int8_t* v,
                        const float* vd, int n_keys0, int hd, float scale, float* scratch, float* out,
                        size_t out_stride) = nullptr;
};

// Largest head size the 8-bit cache handles (the query's blocks live on the stack).
inline constexpr int kMaxQ8HeadDim = 256;

// attention_f16 for levels without a kernel of their own: converts the keys and
// values to F32 (exactly, with `to_f32`: n halves -> n floats) in thread-local
// buffers and runs `attention`. Same bits as the contract asks, by construction.
void attention_f16_by_conversion(void (*attention)(const float*, const float*, const float*, size_t, int, int, float,
                                                   float*, float*),
                                 void (*to_f32)(const uint16_t*, int, float*), const float* q, const uint16_t* k,
                                 const uint16_t* v, size_t kv_stride, int n_keys, int hd, float scale, float* scratch,
                                 float* out);

// Table for the active level (active_isa()). Entries a level does not implement
// are the scalar ones.
const Kernels& kernels();
// Table for a given level (the CPU must support it to call the entries).
const Kernels& kernels_for(Isa isa);

// Fill functions, one per level, each in its own translation unit compiled with
// that level's flags. They overwrite only the entries they implement; the table
// is pre-filled with the scalar entries (and, for AVX-512, with the AVX2 ones).
void install_scalar_kernels(Kernels& k);
void install_avx2_kernels(Kernels& k);    // ops/kernels_avx2.cc
void install_avx512_kernels(Kernels& k);  // ops/kernels_avx512.cc

}  // namespace llmzip::ops
