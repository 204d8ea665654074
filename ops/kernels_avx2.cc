// AVX2 kernels (with FMA and F16C available, but FMA is never used: kernels.h
// forbids fused multiply-add). Compiled with per-file AVX2 flags
// (ops/CMakeLists.txt); dispatch.cc installs them only when the CPU has AVX2.
// Entries not set here keep the scalar ones. Every entry reproduces the scalar
// reference bit for bit: integer block sums are exact in any order, and every
// float operation is the one kernels.h prescribes, in that order (the 8 block
// lanes are one ymm; the 16 float lanes are two ymm, lanes 0-7 and 8-15).
#include <immintrin.h>

#include <cassert>
#include <cmath>
#include <cstring>

#include "ops/fp16.h"
#include "ops/kernels.h"
#include "ops/numerics.h"
#include "ops/quant_blocks.h"

namespace llmzip::ops {
namespace {

// ---------------------------------------------------------------------------
// Shared helpers

// tree8 of kernels.h on the lanes of a: s4 = a[l] + a[l+4], s2 = s4[l] + s4[l+2],
// s = s2[0] + s2[1].
inline float tree8(__m256 a) {
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

// tree16 on lanes lo (0-7) and hi (8-15): s8 = lo + hi, then tree8.
inline float tree16(__m256 lo, __m256 hi) { return tree8(_mm256_add_ps(lo, hi)); }

// Mask of the first `count` (0..8) float lanes.
inline __m256i lane_mask(int count) {
  static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - count));
}

// F16 scales of `count` (<= 8) consecutive Q8_0 / Q4_0 blocks (stride bytes
// apart); lanes >= count are +0, so padded blocks add (float)0 * (0 * 0) = +0.
inline __m256 block_scales(const uint8_t* first_d, size_t stride, int count) {
  alignas(16) uint16_t h[8] = {};
  for (int i = 0; i < count; ++i) std::memcpy(&h[i], first_d + i * stride, 2);
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h)));
}

// 8 vectors of 8 int32 lanes -> one vector of their 8 horizontal sums.
inline __m256i hsum8x8(const __m256i p[8]) {
  const __m256i h01 = _mm256_hadd_epi32(p[0], p[1]);
  const __m256i h23 = _mm256_hadd_epi32(p[2], p[3]);
  const __m256i h45 = _mm256_hadd_epi32(p[4], p[5]);
  const __m256i h67 = _mm256_hadd_epi32(p[6], p[7]);
  const __m256i a = _mm256_hadd_epi32(h01, h23);  // lo128: partials 0-3 of p0..p3; hi128: 4-7
  const __m256i b = _mm256_hadd_epi32(h45, h67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

// int32 sums of 4 adjacent int8 products of w and x (signed x signed): |w| as
// unsigned times x with w's sign, pairs of products in int16 (|.| <= 2*128*127,
// no saturation for activations |x| <= 127), then pairs in int32.
inline __m256i dot_i8_lanes(__m256i w, __m256i x) {
  const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

// ---------------------------------------------------------------------------
// Q8_0 / Q4_0 weights x Q8_0 activations

// The 32 int8 weights of block b as a ymm (Q4_0: nibble - 8, low nibbles first).
template <WeightType T>
inline __m256i load_weight_block(const uint8_t* row, int b) {
  if constexpr (T == WeightType::kQ8_0) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const BlockQ8_0*>(row)[b].qs));
  } else {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const BlockQ4_0*>(row)[b].qs));
    const __m128i m = _mm_set1_epi8(15);
    const __m256i nib = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
    return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
  }
}

template <WeightType T>
void mat_tile_q_0(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                  size_t out_stride) {
  constexpr size_t kBlockBytes = T == WeightType::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  const int n = x.n;
  const int nb = n / kQK8_0;
  const int ng = (nb + 7) / 8;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int t = 0; t < n_tok; ++t) {
      const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
      const float* xd = x.d + static_cast<size_t>(t) * nb;
      __m256 acc = _mm256_setzero_ps();
      for (int g = 0; g < ng; ++g) {
        const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
        __m256i p[8];
        for (int j = 0; j < 8; ++j) {
          if (j < count) {
            const int b = g * 8 + j;
            p[j] = dot_i8_lanes(load_weight_block<T>(row, b),
                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + b * kQK8_0)));
          } else {
            p[j] = _mm256_setzero_si256();
          }
        }
        const __m256 isum = _mm256_cvtepi32_ps(hsum8x8(p));
        const __m256 dw = block_scales(row + g * 8 * kBlockBytes, kBlockBytes, count);
        const __m256 dx = _mm256_maskload_ps(xd + g * 8, lane_mask(count));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(isum, _mm256_mul_ps(dw, dx)));
      }
      out[static_cast<size_t>(t) * out_stride + r] = tree8(acc);
    }
  }
}

// ---------------------------------------------------------------------------
// Activation quantization

// round_half_even_f32 of numerics.h, lane-wise, literally: (v + 1.5*2^23) - 1.5*2^23.
inline __m256 round_half_even(__m256 v) {
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  return _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
}

// 32 floats (integral, in int8 range) -> 32 int8 in order.
inline __m256i pack_i8(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256i ab = _mm256_packs_epi32(_mm256_cvttps_epi32(a), _mm256_cvttps_epi32(b));
  const __m256i cd = _mm256_packs_epi32(_mm256_cvttps_epi32(c), _mm256_cvttps_epi32(d));
  const __m256i abcd = _mm256_packs_epi16(ab, cd);
  // packs work per 128-bit lane: dwords come out as a0 b0 c0 d0 a1 b1 c1 d1 (4 bytes each).
  return _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Maximum of |x| over lanes, as the scalar loop computes it (a > amax ? a : amax
// starting at 0: NaNs never win). max_ps(a, m) returns m when a is NaN.
inline float hmax(__m256 m) {
  __m128 v = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  v = _mm_max_ps(v, _mm_movehl_ps(v, v));
  v = _mm_max_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}

void quantize_q8_0(const float* x, int n, int8_t* qs, float* d) {
  assert(n % kQK8_0 == 0);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  for (int b = 0; b < n / kQK8_0; ++b) {
    const float* xb = x + b * kQK8_0;
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      m = _mm256_max_ps(_mm256_and_ps(v[j], abs_mask), m);
    }
    const float amax = hmax(m);
    d[b] = round_to_f16(amax / 127.0f);
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    for (int j = 0; j < 4; ++j) v[j] = round_half_even(_mm256_mul_ps(v[j], id));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + b * kQK8_0), pack_i8(v[0], v[1], v[2], v[3]));
  }
}

// ---------------------------------------------------------------------------
// Float kernels

// Floats i..i+count-1 (count 0..8), zeros beyond.
inline __m256 load_partial(const float* p, int count) {
  return count >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lane_mask(count));
}

// The 16 lane accumulators of kernels.h's "16-lane sum" of a_i * b_i, as lanes
// 0-7 (lo) and 8-15 (hi). Padded elements are 0 * 0 = +0 terms: no-ops.
template <class LoadA>
inline void lane16_products(int n, LoadA load_a, const float* b, __m256& lo, __m256& hi) {
  lo = _mm256_setzero_ps();
  hi = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    lo = _mm256_add_ps(lo, _mm256_mul_ps(load_a(i, 8), _mm256_loadu_ps(b + i)));
    hi = _mm256_add_ps(hi, _mm256_mul_ps(load_a(i + 8, 8), _mm256_loadu_ps(b + i + 8)));
  }
  if (i < n) {
    const int c0 = n - i < 8 ? n - i : 8;
    const int c1 = n - i - 8 > 0 ? n - i - 8 : 0;
    lo = _mm256_add_ps(lo, _mm256_mul_ps(load_a(i, c0), load_partial(b + i, c0)));
    if (c1 > 0) hi = _mm256_add_ps(hi, _mm256_mul_ps(load_a(i + 8, c1), load_partial(b + i + 8, c1)));
  }
}

float dot_f32(const float* a, const float* b, int n) {
  __m256 lo, hi;
  lane16_products(n, [a](int i, int c) { return load_partial(a + i, c); }, b, lo, hi);
  return tree16(lo, hi);
}

// 8 F16 / BF16 weights i..i+count-1 as floats (exact), zeros beyond.
inline __m256 load_f16(const uint16_t* p, int count) {
  if (count >= 8) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  alignas(16) uint16_t h[8] = {};
  std::memcpy(h, p, 2 * count);
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h)));
}
inline __m256 load_bf16(const uint16_t* p, int count) {
  __m128i v;
  if (count >= 8) {
    v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  } else {
    alignas(16) uint16_t h[8] = {};
    std::memcpy(h, p, 2 * count);
    v = _mm_load_si128(reinterpret_cast<const __m128i*>(h));
  }
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
}

template <WeightType T>
void mat_tile_float(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                    size_t out_stride) {
  const int n = x.n;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int t = 0; t < n_tok; ++t) {
      const float* xr = x.f + static_cast<size_t>(t) * n;
      __m256 lo, hi;
      if constexpr (T == WeightType::kF32) {
        const float* wr = reinterpret_cast<const float*>(row);
        lane16_products(n, [wr](int i, int c) { return load_partial(wr + i, c); }, xr, lo, hi);
      } else if constexpr (T == WeightType::kF16) {
        const uint16_t* wr = reinterpret_cast<const uint16_t*>(row);
        lane16_products(n, [wr](int i, int c) { return load_f16(wr + i, c); }, xr, lo, hi);
      } else {
        const uint16_t* wr = reinterpret_cast<const uint16_t*>(row);
        lane16_products(n, [wr](int i, int c) { return load_bf16(wr + i, c); }, xr, lo, hi);
      }
      out[static_cast<size_t>(t) * out_stride + r] = tree16(lo, hi);
    }
  }
}

void rmsnorm(const float* x, const float* w, int n, float eps, float* y) {
  const float ss = dot_f32(x, x, n);
  const float mean = ss / static_cast<float>(n);
  const float s = 1.0f / std::sqrt(mean + eps);
  const __m256 vs = _mm256_set1_ps(s);
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vs), _mm256_loadu_ps(w + i)));
  for (; i < n; ++i) y[i] = (x[i] * s) * w[i];
}

// exp_f32 of numerics.h on 8 lanes, the same float operations in the same order.
inline __m256 exp8(__m256 x) {
  // x < -87 ? -87 : x  ==  max(-87, x) with vmaxps(a, b) = a > b ? a : b.
  x = _mm256_max_ps(_mm256_set1_ps(-87.0f), x);
  x = _mm256_min_ps(_mm256_set1_ps(88.0f), x);
  const __m256 n = round_half_even(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(-2.12194440e-4f)));
  const __m256 z = _mm256_mul_ps(r, r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, z), r), _mm256_set1_ps(1.0f));
  const __m256i ni = _mm256_cvttps_epi32(n);
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(y, scale);
}

void silu_mul(const float* g, const float* u, int n, float* y) {
  const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
  const __m256 one = _mm256_set1_ps(1.0f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gv = _mm256_loadu_ps(g + i);
    const __m256 e = exp8(_mm256_xor_ps(gv, sign));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
  }
  for (; i < n; ++i) y[i] = (g[i] / (1.0f + exp_f32(-g[i]))) * u[i];
}

void attention(const float* q, const float* k, const float* v, size_t kv_stride, int n_keys, int hd, float scale,
               float* scratch, float* out) {
  assert(n_keys >= 1);
  // Scores and their maximum (a max is exact in any order; NaN scores are not supported).
  float m = -INFINITY;
  for (int j = 0; j < n_keys; ++j) {
    const float s = dot_f32(q, k + j * kv_stride, hd) * scale;
    scratch[j] = s;
    m = s > m ? s : m;
  }
  // e_j and their 16-lane sum over j.
  const __m256 vm = _mm256_set1_ps(m);
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  int j = 0;
  for (; j + 16 <= n_keys; j += 16) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(scratch + j), vm));
    const __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(scratch + j + 8), vm));
    _mm256_storeu_ps(scratch + j, e0);
    _mm256_storeu_ps(scratch + j + 8, e1);
    lo = _mm256_add_ps(lo, e0);
    hi = _mm256_add_ps(hi, e1);
  }
  alignas(32) float tail[16] = {};
  for (int i = 0; j + i < n_keys; ++i) {
    const float e = exp_f32(scratch[j + i] - m);
    scratch[j + i] = e;
    tail[i] = e;
  }
  if (j < n_keys) {
    lo = _mm256_add_ps(lo, _mm256_load_ps(tail));
    hi = _mm256_add_ps(hi, _mm256_load_ps(tail + 8));
  }
  const float sum = tree16(lo, hi);
  // o_d = sequential over j of o_d + e_j * v_j[d]; vectorized over d.
  int d = 0;
  for (; d + 32 <= hd; d += 32) {
    __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
    for (int jj = 0; jj < n_keys; ++jj) {
      const __m256 e = _mm256_set1_ps(scratch[jj]);
      const float* vj = v + jj * kv_stride + d;
      o0 = _mm256_add_ps(o0, _mm256_mul_ps(e, _mm256_loadu_ps(vj)));
      o1 = _mm256_add_ps(o1, _mm256_mul_ps(e, _mm256_loadu_ps(vj + 8)));
      o2 = _mm256_add_ps(o2, _mm256_mul_ps(e, _mm256_loadu_ps(vj + 16)));
      o3 = _mm256_add_ps(o3, _mm256_mul_ps(e, _mm256_loadu_ps(vj + 24)));
    }
    const __m256 vs = _mm256_set1_ps(sum);
    _mm256_storeu_ps(out + d, _mm256_div_ps(o0, vs));
    _mm256_storeu_ps(out + d + 8, _mm256_div_ps(o1, vs));
    _mm256_storeu_ps(out + d + 16, _mm256_div_ps(o2, vs));
    _mm256_storeu_ps(out + d + 24, _mm256_div_ps(o3, vs));
  }
  for (; d + 8 <= hd; d += 8) {
    __m256 o = _mm256_setzero_ps();
    for (int jj = 0; jj < n_keys; ++jj)
      o = _mm256_add_ps(o, _mm256_mul_ps(_mm256_set1_ps(scratch[jj]), _mm256_loadu_ps(v + jj * kv_stride + d)));
    _mm256_storeu_ps(out + d, _mm256_div_ps(o, _mm256_set1_ps(sum)));
  }
  for (; d < hd; ++d) {
    float o = 0.0f;
    for (int jj = 0; jj < n_keys; ++jj) o = o + scratch[jj] * v[jj * kv_stride + d];
    out[d] = o / sum;
  }
}

}  // namespace

void install_avx2_kernels(Kernels& k) {
  k.mat_tile[static_cast<int>(WeightType::kQ8_0)] = mat_tile_q_0<WeightType::kQ8_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_0)] = mat_tile_q_0<WeightType::kQ4_0>;
  k.mat_tile[static_cast<int>(WeightType::kF32)] = mat_tile_float<WeightType::kF32>;
  k.mat_tile[static_cast<int>(WeightType::kF16)] = mat_tile_float<WeightType::kF16>;
  k.mat_tile[static_cast<int>(WeightType::kBF16)] = mat_tile_float<WeightType::kBF16>;
  k.quantize_q8_0 = quantize_q8_0;
  k.dot_f32 = dot_f32;
  k.rmsnorm = rmsnorm;
  k.silu_mul = silu_mul;
  k.attention = attention;
}

}  // namespace llmzip::ops
