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
#include <vector>

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
// 0xFF in byte i where bit i of x is set, else 0.
inline __m256i bits_to_bytes(uint32_t x) {
  // Byte i takes byte i/8 of x (per 128-bit lane: bytes 0..15 <- x bytes 0,1; 16..31 <- 2,3).
  const __m256i idx = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                       2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(x)), idx);
  const __m256i sel = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));  // 1 << (i % 8)
  return _mm256_cmpeq_epi8(_mm256_and_si256(bytes, sel), sel);
}

template <WeightType T>
inline __m256i load_weight_block(const uint8_t* row, int b) {
  if constexpr (T == WeightType::kQ8_0) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const BlockQ8_0*>(row)[b].qs));
  } else if constexpr (T == WeightType::kQ5_0) {
    const BlockQ5_0& blk = reinterpret_cast<const BlockQ5_0*>(row)[b];
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    const __m128i m = _mm_set1_epi8(15);
    const __m256i nib = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
    uint32_t qh;
    std::memcpy(&qh, blk.qh, 4);
    const __m256i hi = _mm256_and_si256(bits_to_bytes(qh), _mm256_set1_epi8(16));
    return _mm256_sub_epi8(_mm256_or_si256(nib, hi), _mm256_set1_epi8(16));
  } else {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const BlockQ4_0*>(row)[b].qs));
    const __m128i m = _mm_set1_epi8(15);
    const __m256i nib = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), m), _mm_and_si128(q, m));
    return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
  }
}

// Raw path: one block per ymm, 8 lanes per block summed by an hadd tree. Used
// for few tokens, where packing (below) does not pay.
template <WeightType T>
void mat_tile_q_0_raw(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                      size_t out_stride) {
  constexpr size_t kBlockBytes = weight_block_bytes(T);
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

// Packed path. An 8-block group (8 x 32 int8) is transposed into 8 ymm, ymm c
// holding bytes 4c..4c+3 of block b in dword lane b; then maddubs/madd and
// plain adds leave block b's exact int32 sum in lane b, with no per-block
// horizontal reduction. Both operands get the same permutation, so every block
// keeps its set of products. Weights are packed once per call (with |w| for the
// sign trick), activations once per call for all rows.
inline void transpose8x8_epi32(__m256i r[8]) {
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  r[0] = _mm256_permute2x128_si256(u0, u4, 0x20);
  r[1] = _mm256_permute2x128_si256(u1, u5, 0x20);
  r[2] = _mm256_permute2x128_si256(u2, u6, 0x20);
  r[3] = _mm256_permute2x128_si256(u3, u7, 0x20);
  r[4] = _mm256_permute2x128_si256(u0, u4, 0x31);
  r[5] = _mm256_permute2x128_si256(u1, u5, 0x31);
  r[6] = _mm256_permute2x128_si256(u2, u6, 0x31);
  r[7] = _mm256_permute2x128_si256(u3, u7, 0x31);
}

struct alignas(32) PackedGroup8 {
  __m256i q[8];
};
struct alignas(32) PackedWGroup8 {
  __m256i q[8];    // w (for the sign of x)
  __m256i abs[8];  // |w| as unsigned
  __m256 d;        // block scales
};
struct Q0Scratch {
  std::vector<PackedGroup8> x;
  std::vector<PackedWGroup8> w;
};
Q0Scratch& q0_scratch() {
  static thread_local Q0Scratch s;
  return s;
}

template <WeightType T>
void mat_tile_q_0_packed(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                         size_t out_stride) {
  constexpr size_t kBlockBytes = weight_block_bytes(T);
  const int n = x.n;
  const int nb = n / kQK8_0;
  const int ng = (nb + 7) / 8;
  Q0Scratch& s = q0_scratch();
  if (s.x.size() < static_cast<size_t>(n_tok) * ng) s.x.resize(static_cast<size_t>(n_tok) * ng);
  if (s.w.size() < static_cast<size_t>(n_rows) * ng) s.w.resize(static_cast<size_t>(n_rows) * ng);
  // Padded blocks are zero in both operands.
  for (int t = 0; t < n_tok; ++t) {
    const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
    for (int g = 0; g < ng; ++g) {
      const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
      __m256i* r = s.x[static_cast<size_t>(t) * ng + g].q;
      for (int b = 0; b < 8; ++b)
        r[b] = b < count ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + (g * 8 + b) * kQK8_0))
                         : _mm256_setzero_si256();
      transpose8x8_epi32(r);
    }
  }
  for (int rr = 0; rr < n_rows; ++rr) {
    const uint8_t* row = w + static_cast<size_t>(rr) * w_row_bytes;
    for (int g = 0; g < ng; ++g) {
      const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
      PackedWGroup8& pg = s.w[static_cast<size_t>(rr) * ng + g];
      for (int b = 0; b < 8; ++b) pg.q[b] = b < count ? load_weight_block<T>(row, g * 8 + b) : _mm256_setzero_si256();
      transpose8x8_epi32(pg.q);
      for (int c = 0; c < 8; ++c) pg.abs[c] = _mm256_sign_epi8(pg.q[c], pg.q[c]);
      pg.d = block_scales(row + g * 8 * kBlockBytes, kBlockBytes, count);
    }
  }
  const __m256i ones = _mm256_set1_epi16(1);
  for (int rr = 0; rr < n_rows; ++rr) {
    const PackedWGroup8* wg = &s.w[static_cast<size_t>(rr) * ng];
    for (int t = 0; t < n_tok; ++t) {
      const PackedGroup8* xg = &s.x[static_cast<size_t>(t) * ng];
      const float* xd = x.d + static_cast<size_t>(t) * nb;
      __m256 acc = _mm256_setzero_ps();
      for (int g = 0; g < ng; ++g) {
        const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
        __m256i isum = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int c = 0; c < 8; ++c) {
          const __m256i p16 = _mm256_maddubs_epi16(wg[g].abs[c], _mm256_sign_epi8(xg[g].q[c], wg[g].q[c]));
          isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p16, ones));
        }
        const __m256 dx = _mm256_maskload_ps(xd + g * 8, lane_mask(count));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(wg[g].d, dx)));
      }
      out[static_cast<size_t>(t) * out_stride + rr] = tree8(acc);
    }
  }
}

template <WeightType T>
void mat_tile_q_0(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                  size_t out_stride) {
  if (n_tok >= 4) {
    mat_tile_q_0_packed<T>(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  } else {
    mat_tile_q_0_raw<T>(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  }
}

// ---------------------------------------------------------------------------
// Activation quantization

// round_half_even_f32 of numerics.h, lane-wise, literally: (v + 1.5*2^23) - 1.5*2^23.
inline __m256 round_half_even(__m256 v) {
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  return _mm256_sub_ps(_mm256_add_ps(v, magic), magic);
}

// The scalar quantizers' to_int8: values outside [-128, 127] and NaN (only
// from non-finite activations of a broken model) become 0.
inline __m256 zero_if_out_of_range(__m256 v) {
  const __m256 ok = _mm256_and_ps(_mm256_cmp_ps(v, _mm256_set1_ps(-128.0f), _CMP_GE_OQ),
                                  _mm256_cmp_ps(v, _mm256_set1_ps(127.0f), _CMP_LE_OQ));
  return _mm256_and_ps(v, ok);
}

// 32 floats (integral) -> 32 int8 in order, via zero_if_out_of_range.
inline __m256i pack_i8(__m256 a, __m256 b, __m256 c, __m256 d) {
  a = zero_if_out_of_range(a);
  b = zero_if_out_of_range(b);
  c = zero_if_out_of_range(c);
  d = zero_if_out_of_range(d);
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
// K-quants (super-blocks of 256) x Q8_K activations. The integer sums are
// exact in any order; the float part per super-block is scalar code with the
// kernels.h order, summed sequentially.

inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// a_lo * s_lo over the low 128 bits and a_hi * s_hi over the high 128 bits of
// int16 pair sums, in int32 lanes.
inline __m256i scale_halves(__m256i p16, int s_lo, int s_hi) {
  return _mm256_madd_epi16(p16, _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(s_hi)),
                                                 _mm_set1_epi16(static_cast<int16_t>(s_lo))));
}

// Q4_K, and Q5_K (the same plus a fifth bit per quant: element 64k+i, i < 32,
// gets bit 2k of qh[i], element 64k+32+i bit 2k+1).
template <class Block>
float dot_q4_k_row(const Block* blk, const int8_t* xq, const float* xd, const int16_t* bs, int nb) {
  constexpr bool kQ5 = sizeof(Block) == sizeof(BlockQ5_K);
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i one = _mm256_set1_epi8(1);
  float acc = 0.0f;
  for (int b = 0; b < nb; ++b) {
    const Block& w = blk[b];
    uint8_t sc[8], m[8];
    unpack_q4_k_scales(w.scales, sc, m);
    const int8_t* y = xq + b * kQK_K;
    __m256i hb = _mm256_setzero_si256();
    if constexpr (kQ5) hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh));
    __m256i isc = _mm256_setzero_si256();
    for (int k = 0; k < 4; ++k) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs + 32 * k));
      __m256i ql = _mm256_and_si256(q, m4);
      __m256i qh = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
      if constexpr (kQ5) {
        // Bit s of every byte -> bit 4 (16-bit shift, then a per-byte mask: exact for s < 8).
        ql = _mm256_or_si256(ql, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), one), 4));
        qh = _mm256_or_si256(qh, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k + 1), one), 4));
      }
      const __m256i lo = _mm256_maddubs_epi16(ql, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 64 * k)));
      const __m256i hi =
          _mm256_maddubs_epi16(qh, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 64 * k + 32)));
      isc = _mm256_add_epi32(isc, scale_halves(lo, sc[2 * k], sc[2 * k]));
      isc = _mm256_add_epi32(isc, scale_halves(hi, sc[2 * k + 1], sc[2 * k + 1]));
    }
    const int32_t isum_sc = hsum_i32(isc);
    // isum_m = sum_s m[s] * (bsums[2s] + bsums[2s+1]).
    const __m256i b16 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + b * 16));
    const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
    const __m256i mm = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));  // m0 m0 m1 m1 ...
    const int32_t isum_m = hsum_i32(_mm256_madd_epi16(b16, mm));
    const float p = static_cast<float>(isum_sc) * (xd[b] * f16_to_f32(w.d));
    const float q = static_cast<float>(isum_m) * (xd[b] * f16_to_f32(w.dmin));
    acc = acc + (p - q);
  }
  return acc;
}

float dot_q6_k_row(const BlockQ6_K* blk, const int8_t* xq, const float* xd, const int16_t* bs, int nb) {
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i m2 = _mm256_set1_epi8(3);
  float acc = 0.0f;
  for (int b = 0; b < nb; ++b) {
    const BlockQ6_K& w = blk[b];
    __m256i dot = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = w.ql + 64 * h;
      const uint8_t* qh = w.qh + 32 * h;
      const int8_t* sc = w.scales + 8 * h;
      const int8_t* y = xq + b * kQK_K + 128 * h;
      const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
      // Unsigned 6-bit q (0..63); the -32 offset is applied below through bsums.
      const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
      const __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
      const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
      const __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                         _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
      const __m256i qs[4] = {q1, q2, q3, q4};
      for (int j = 0; j < 4; ++j) {
        const __m256i p16 =
            _mm256_maddubs_epi16(qs[j], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 32 * j)));
        dot = _mm256_add_epi32(dot, scale_halves(p16, sc[2 * j], sc[2 * j + 1]));
      }
    }
    // sum_s sc[s] * sum_{i in s} (q_i - 32) y_i = dot - 32 * sum_s sc[s] * bsums[s].
    const __m256i b16 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + b * 16));
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales)));
    const int32_t corr = hsum_i32(_mm256_madd_epi16(b16, s16));
    const int32_t isum = hsum_i32(dot) - 32 * corr;
    const float v = static_cast<float>(isum) * (xd[b] * f16_to_f32(w.d));
    acc = acc + v;
  }
  return acc;
}

// Many tokens: each super-block is unpacked once per call into 256 unsigned
// quants in element order plus int16 scale vectors, then reused for every token
// (the same exact integer sums as the per-row functions above).
struct alignas(32) UnpackedK8 {
  __m256i q[8];   // 256 unsigned quants (Q4_K 0..15, Q5_K 0..31, Q6_K 0..63), element order
  __m256i sc[8];  // int16 scale of each pair's sub-block, per ymm of quants
  __m256i m16;    // Q4_K/Q5_K: m[s] for the bsums pairs; Q6_K: the 16 scales
  float d, dmin;
};

struct KScratch8 {
  std::vector<UnpackedK8> w;
};
KScratch8& k_scratch8() {
  static thread_local KScratch8 s;
  return s;
}

template <class Block>
inline void unpack_q4_k_like(const Block& w, UnpackedK8& u) {
  constexpr bool kQ5 = sizeof(Block) == sizeof(BlockQ5_K);
  uint8_t sc[8], m[8];
  unpack_q4_k_scales(w.scales, sc, m);
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i one = _mm256_set1_epi8(1);
  __m256i hb = _mm256_setzero_si256();
  if constexpr (kQ5) hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh));
  for (int k = 0; k < 4; ++k) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs + 32 * k));
    __m256i ql = _mm256_and_si256(q, m4);
    __m256i qh = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
    if constexpr (kQ5) {
      ql = _mm256_or_si256(ql, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), one), 4));
      qh = _mm256_or_si256(qh, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k + 1), one), 4));
    }
    u.q[2 * k] = ql;
    u.q[2 * k + 1] = qh;
    u.sc[2 * k] = _mm256_set1_epi16(sc[2 * k]);
    u.sc[2 * k + 1] = _mm256_set1_epi16(sc[2 * k + 1]);
  }
  const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
  u.m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
  u.d = f16_to_f32(w.d);
  u.dmin = f16_to_f32(w.dmin);
}

inline void unpack_q6_k8(const BlockQ6_K& w, UnpackedK8& u) {
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i m2 = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; ++h) {
    const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h));
    const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h + 32));
    const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh + 32 * h));
    u.q[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
    u.q[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
    u.q[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
    u.q[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
  }
  // ymm c = elements 32c..32c+31: sub-blocks 2c (low 128 bits) and 2c+1 (high).
  for (int c = 0; c < 8; ++c)
    u.sc[c] = _mm256_set_m128i(_mm_set1_epi16(w.scales[2 * c + 1]), _mm_set1_epi16(w.scales[2 * c]));
  u.m16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales)));
  u.d = f16_to_f32(w.d);
  u.dmin = 0.0f;
}

template <WeightType T>
void mat_tile_k_unpacked(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                         size_t out_stride) {
  const int n = x.n;
  const int nb = n / kQK_K;
  KScratch8& s = k_scratch8();
  if (s.w.size() < static_cast<size_t>(n_rows) * nb) s.w.resize(static_cast<size_t>(n_rows) * nb);
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int b = 0; b < nb; ++b) {
      UnpackedK8& u = s.w[static_cast<size_t>(r) * nb + b];
      if constexpr (T == WeightType::kQ4_K) {
        unpack_q4_k_like(reinterpret_cast<const BlockQ4_K*>(row)[b], u);
      } else if constexpr (T == WeightType::kQ5_K) {
        unpack_q4_k_like(reinterpret_cast<const BlockQ5_K*>(row)[b], u);
      } else {
        unpack_q6_k8(reinterpret_cast<const BlockQ6_K*>(row)[b], u);
      }
    }
  }
  for (int t = 0; t < n_tok; ++t) {
    const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
    const float* xd = x.d + static_cast<size_t>(t) * nb;
    const int16_t* bs = x.bsums + static_cast<size_t>(t) * (n / 16);
    for (int r = 0; r < n_rows; ++r) {
      const UnpackedK8* u = &s.w[static_cast<size_t>(r) * nb];
      float acc = 0.0f;
      for (int b = 0; b < nb; ++b) {
        const int8_t* y = xq + b * kQK_K;
        __m256i dot = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int c = 0; c < 8; ++c) {
          const __m256i p16 =
              _mm256_maddubs_epi16(u[b].q[c], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 32 * c)));
          dot = _mm256_add_epi32(dot, _mm256_madd_epi16(p16, u[b].sc[c]));
        }
        const int32_t isum = hsum_i32(dot);
        const __m256i b16 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + b * 16));
        const int32_t isum2 = hsum_i32(_mm256_madd_epi16(b16, u[b].m16));
        if constexpr (T == WeightType::kQ6_K) {
          const float v = static_cast<float>(isum - 32 * isum2) * (xd[b] * u[b].d);
          acc = acc + v;
        } else {
          const float p = static_cast<float>(isum) * (xd[b] * u[b].d);
          const float q = static_cast<float>(isum2) * (xd[b] * u[b].dmin);
          acc = acc + (p - q);
        }
      }
      out[static_cast<size_t>(t) * out_stride + r] = acc;
    }
  }
}

template <WeightType T>
void mat_tile_k(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                size_t out_stride) {
  if (n_tok >= 4) return mat_tile_k_unpacked<T>(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  const int n = x.n;
  const int nb = n / kQK_K;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int t = 0; t < n_tok; ++t) {
      const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
      const float* xd = x.d + static_cast<size_t>(t) * nb;
      const int16_t* bs = x.bsums + static_cast<size_t>(t) * (n / 16);
      float v;
      if constexpr (T == WeightType::kQ4_K) {
        v = dot_q4_k_row(reinterpret_cast<const BlockQ4_K*>(row), xq, xd, bs, nb);
      } else if constexpr (T == WeightType::kQ5_K) {
        v = dot_q4_k_row(reinterpret_cast<const BlockQ5_K*>(row), xq, xd, bs, nb);
      } else {
        v = dot_q6_k_row(reinterpret_cast<const BlockQ6_K*>(row), xq, xd, bs, nb);
      }
      out[static_cast<size_t>(t) * out_stride + r] = v;
    }
  }
}

// Sum of 16 int8 (exact): sad of (q ^ 0x80) as unsigned against 0, minus 16*128.
inline int16_t sum16_i8(__m128i q) {
  const __m128i sad = _mm_sad_epu8(_mm_xor_si128(q, _mm_set1_epi8(static_cast<char>(0x80))), _mm_setzero_si128());
  return static_cast<int16_t>(_mm_cvtsi128_si32(sad) + _mm_extract_epi16(sad, 4) - 16 * 128);
}

void quantize_q8_k(const float* x, int n, int8_t* qs, float* d, int16_t* bsums) {
  assert(n % kQK_K == 0);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  for (int b = 0; b < n / kQK_K; ++b) {
    const float* xb = x + b * kQK_K;
    int8_t* q = qs + b * kQK_K;
    __m256 mv = _mm256_setzero_ps();
    for (int i = 0; i < kQK_K; i += 8) mv = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb + i), abs_mask), mv);
    const float amax = hmax(mv);
    if (amax == 0.0f) {
      d[b] = 0.0f;
      std::memset(q, 0, kQK_K);
      for (int j = 0; j < 16; ++j) bsums[b * 16 + j] = 0;
      continue;
    }
    // The first element whose |x| is the maximum (the scalar loop's strict '>').
    int first = 0;
    const __m256 va = _mm256_set1_ps(amax);
    for (int i = 0; i < kQK_K; i += 8) {
      const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(xb + i), abs_mask), va, _CMP_EQ_OQ));
      if (hit) {
        first = i + __builtin_ctz(static_cast<unsigned>(hit));
        break;
      }
    }
    const float iscale = -127.0f / xb[first];
    const __m256 vi = _mm256_set1_ps(iscale);
    const __m256 v127 = _mm256_set1_ps(127.0f);
    for (int i = 0; i < kQK_K; i += 32) {
      __m256 v[4];
      for (int j = 0; j < 4; ++j) {
        // min(127, round_half_even(iscale * x)): vminps(a, b) = a < b ? a : b.
        v[j] = _mm256_min_ps(v127, round_half_even(_mm256_mul_ps(vi, _mm256_loadu_ps(xb + i + 8 * j))));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), pack_i8(v[0], v[1], v[2], v[3]));
    }
    for (int j = 0; j < 16; ++j)
      bsums[b * 16 + j] = sum16_i8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * j)));
    d[b] = 1.0f / iscale;
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

// The softmax step of attention (kernels.h): scores s[0..n) with maximum m
// become e_j = exp_f32(s_j - m) in place; returns their 16-lane sum.
float softmax_in_place(float* scratch, int n_keys, float m) {
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
  return tree16(lo, hi);
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
  const float sum = softmax_in_place(scratch, n_keys, m);
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

// F16 -> F32, exact (vcvtph2ps), 8 at a time.
// vcvtps2ph rounds as f32_to_f16 does (to nearest even, subnormals kept);
// min/max with the bound as first operand pass a NaN through, which then gets
// the scalar's quiet NaN (the instruction would keep payload bits).
inline __m128i to_f16_8(__m256 x) {
  const __m256 c = _mm256_max_ps(_mm256_set1_ps(-65504.0f), _mm256_min_ps(_mm256_set1_ps(65504.0f), x));
  const __m128i h = _mm256_cvtps_ph(c, _MM_FROUND_TO_NEAREST_INT);
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i nan32 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x8000)),
                                        _mm256_set1_epi32(0x7e00));
  const __m128i nan16 = _mm_packus_epi32(_mm256_castsi256_si128(nan32), _mm256_extracti128_si256(nan32, 1));
  const __m256i is_nan32 = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  const __m128i is_nan16 =
      _mm_packs_epi32(_mm256_castsi256_si128(is_nan32), _mm256_extracti128_si256(is_nan32, 1));
  return _mm_blendv_epi8(h, nan16, is_nan16);
}

void to_f16_saturated(const float* x, int n, uint16_t* y) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), to_f16_8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float t[8] = {};
    alignas(16) uint16_t h[8];
    std::memcpy(t, x + i, sizeof(float) * (n - i));
    _mm_store_si128(reinterpret_cast<__m128i*>(h), to_f16_8(_mm256_load_ps(t)));
    std::memcpy(y + i, h, sizeof(uint16_t) * (n - i));
  }
}

// The 8-bit cache (kernels.h attention_q8). Scores: per key and block, the
// exact integer sum of qq_i * k_i, with k_i = ku_i - 128 (the byte with its top
// bit flipped, read as int8) and the product formed as |qq_i| * (k_i * sign qq_i)
// by vpmaddubsw: |pair sums| <= 2 * 127 * 127, so nothing saturates.
inline int32_t block_dot_q8(const uint8_t* ku, __m256i absq, __m256i q) {
  const __m256i k = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ku)), _mm256_set1_epi8(-128));
  const __m256i p16 = _mm256_maddubs_epi16(absq, _mm256_sign_epi8(k, q));
  const __m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
  __m128i x = _mm_add_epi32(_mm256_castsi256_si128(p32), _mm256_extracti128_si256(p32, 1));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0x4e));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 0xb1));
  return _mm_cvtsi128_si32(x);
}

// Values: o_d = fma(w, v_d, o_d) over 8-lane chunks, CT = hd / 8 when known.
template <int CT>
void q8_values(const float* e, const int8_t* v, const float* vd, int n_keys, int hd, float sum, float* out) {
  const int C = CT ? CT : hd / 8, nb = hd / kQK8_0;
  __m256 o[kMaxQ8HeadDim / 8];
  for (int c = 0; c < C; ++c) o[c] = _mm256_setzero_ps();
  for (int j = 0; j < n_keys; ++j) {
    const int8_t* vj = v + static_cast<size_t>(j) * hd;
    for (int b = 0; b < nb; ++b) {
      const __m256 w = _mm256_set1_ps(e[j] * vd[static_cast<size_t>(j) * nb + b]);
#pragma GCC unroll 4
      for (int c = 4 * b; c < 4 * b + 4; ++c) {
        const __m256 x = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(vj + 8 * c))));
        o[c] = _mm256_fmadd_ps(w, x, o[c]);
      }
    }
  }
  const __m256 vsum = _mm256_set1_ps(sum);
  for (int c = 0; c < C; ++c) _mm256_storeu_ps(out + 8 * c, _mm256_div_ps(o[c], vsum));
}

void attention_q8(const float* q, const uint8_t* k, const float* kd, const int8_t* v, const float* vd, int n_keys,
                  int hd, float scale, float* scratch, float* out) {
  assert(n_keys >= 1 && hd % kQK8_0 == 0 && hd <= kMaxQ8HeadDim);
  const int nb = hd / kQK8_0;
  alignas(32) int8_t qq[kMaxQ8HeadDim];
  float dq[kMaxQ8HeadDim / kQK8_0];
  quantize_q8_0(q, hd, qq, dq);
  __m256i qv[kMaxQ8HeadDim / kQK8_0], absq[kMaxQ8HeadDim / kQK8_0];
  for (int b = 0; b < nb; ++b) {
    qv[b] = _mm256_load_si256(reinterpret_cast<const __m256i*>(qq + kQK8_0 * b));
    absq[b] = _mm256_abs_epi8(qv[b]);
  }
  float m = -INFINITY;
  for (int j = 0; j < n_keys; ++j) {
    const uint8_t* kj = k + static_cast<size_t>(j) * hd;
    const float* kdj = kd + static_cast<size_t>(j) * nb;
    float f = static_cast<float>(block_dot_q8(kj, absq[0], qv[0])) * (dq[0] * kdj[0]);
    for (int b = 1; b < nb; ++b) f = f + static_cast<float>(block_dot_q8(kj + kQK8_0 * b, absq[b], qv[b])) * (dq[b] * kdj[b]);
    const float sj = f * scale;
    scratch[j] = sj;
    m = sj > m ? sj : m;
  }
  const float sum = softmax_in_place(scratch, n_keys, m);
  if (hd == 64) return q8_values<8>(scratch, v, vd, n_keys, hd, sum, out);
  if (hd == 128) return q8_values<16>(scratch, v, vd, n_keys, hd, sum, out);
  q8_values<0>(scratch, v, vd, n_keys, hd, sum, out);
}

void halves_to_f32(const uint16_t* h, int n, float* out) {
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  for (; i < n; ++i) out[i] = f16_to_f32(h[i]);
}

void attention_f16(const float* q, const uint16_t* k, const uint16_t* v, size_t kv_stride, int n_keys, int hd,
                   float scale, float* scratch, float* out) {
  attention_f16_by_conversion(attention, halves_to_f32, q, k, v, kv_stride, n_keys, hd, scale, scratch, out);
}

}  // namespace

void install_avx2_kernels(Kernels& k) {
  k.mat_tile[static_cast<int>(WeightType::kQ8_0)] = mat_tile_q_0<WeightType::kQ8_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_0)] = mat_tile_q_0<WeightType::kQ4_0>;
  k.mat_tile[static_cast<int>(WeightType::kF32)] = mat_tile_float<WeightType::kF32>;
  k.mat_tile[static_cast<int>(WeightType::kF16)] = mat_tile_float<WeightType::kF16>;
  k.mat_tile[static_cast<int>(WeightType::kBF16)] = mat_tile_float<WeightType::kBF16>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_K)] = mat_tile_k<WeightType::kQ4_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ6_K)] = mat_tile_k<WeightType::kQ6_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_K)] = mat_tile_k<WeightType::kQ5_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_0)] = mat_tile_q_0<WeightType::kQ5_0>;
  k.to_f16_saturated = to_f16_saturated;
  k.quantize_q8_0 = quantize_q8_0;
  k.quantize_q8_k = quantize_q8_k;
  k.dot_f32 = dot_f32;
  k.rmsnorm = rmsnorm;
  k.silu_mul = silu_mul;
  k.attention = attention;
  k.attention_f16 = attention_f16;
  k.attention_q8 = attention_q8;
}

}  // namespace llmzip::ops
