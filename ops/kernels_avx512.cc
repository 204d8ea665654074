// AVX-512 kernels (F, BW, VL, DQ and VNNI). Compiled with per-file AVX-512 flags
// (ops/CMakeLists.txt); dispatch.cc installs them only when the CPU has them.
// Entries not set here keep the AVX2 (or scalar) ones. Every entry reproduces
// the scalar reference bit for bit: integer block sums are exact in any order,
// and every float operation is the one kernels.h prescribes, in that order
// (separate mul and add, no FMA; 8 block lanes live in one ymm).
#include <immintrin.h>

// GCC 12 warns about the deliberately undefined upper halves in its own
// AVX-512 intrinsic headers (_mm512_undefined_*); not our code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <cassert>
#include <cmath>
#include <cstring>
#include <vector>

#include "ops/fp16.h"
#include "ops/kernels.h"
#include "ops/quant_blocks.h"

namespace llmzip::ops {
namespace {

// ---------------------------------------------------------------------------
// Shared helpers

// Lanes a[0..7] -> tree8 of kernels.h: s4 = a[l] + a[l+4], s2 = s4[l] + s4[l+2],
// s = s2[0] + s2[1].
inline float tree8(__m256 a) {
  const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

// F16 scales of `count` (<= 8) consecutive Q8_0 / Q4_0 blocks (`stride` bytes
// apart, the scale first) as floats; lanes >= count are +0, so padded blocks
// contribute (float)0 * (0 * 0) = +0 to a lane.
inline __m256 block_scales(const uint8_t* first, size_t stride, int count) {
  alignas(16) uint16_t h[8] = {};
  for (int i = 0; i < count; ++i) std::memcpy(&h[i], first + i * stride, 2);
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h)));
}

// Activation scales of blocks g*8 .. g*8+count-1, lanes >= count are +0.
inline __m256 act_scales(const float* d, int count) {
  return _mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << count) - 1u), d);
}

// ---------------------------------------------------------------------------
// Q8_0 weights x Q8_0 activations.
//
// Packed layout: an "8-block group" of 8 consecutive
// blocks (256 int8) is stored as 4 zmm, zmm k holding bytes 8k..8k+7 of block b
// in qword b. After 4 VNNI dot steps, the int32 lanes 2b and 2b+1 of one
// accumulator hold block b's partial sums; one shift+add and a qword->dword
// narrowing give the 8 block sums. Both operands get the same permutation, so
// each block's set of products is unchanged and its int32 sum is exact.
//
// vpdpbusd multiplies unsigned by signed bytes, so weights are stored as
// w + 128 (w ^ 0x80: 0..255 for any int8) and the accumulator starts at
// -128 * sum(x) of the lane, computed once per activation group:
// sum((w+128)*x) - 128*sum(x) = sum(w*x), all in exact int32.

// 8 blocks of 32 int8 (blk[b]) -> packed 4 zmm (see above).
inline void pack8(const __m256i blk[8], __m512i out[4]) {
  __m512i r[4];
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j)
    r[j] = _mm512_inserti64x4(_mm512_castsi256_si512(blk[2 * j]), blk[2 * j + 1], 1);
  const __m512i lo = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
  const __m512i hi = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i p0 = _mm512_permutex2var_epi64(r[0], lo, r[1]);
  const __m512i p1 = _mm512_permutex2var_epi64(r[0], hi, r[1]);
  const __m512i p2 = _mm512_permutex2var_epi64(r[2], lo, r[3]);
  const __m512i p3 = _mm512_permutex2var_epi64(r[2], hi, r[3]);
  out[0] = _mm512_shuffle_i64x2(p0, p2, _MM_SHUFFLE(1, 0, 1, 0));
  out[1] = _mm512_shuffle_i64x2(p0, p2, _MM_SHUFFLE(3, 2, 3, 2));
  out[2] = _mm512_shuffle_i64x2(p1, p3, _MM_SHUFFLE(1, 0, 1, 0));
  out[3] = _mm512_shuffle_i64x2(p1, p3, _MM_SHUFFLE(3, 2, 3, 2));
}

// The 32 int8 weights of block b of a row (Q4_0: nibble - 8, low nibbles first).
template <WeightType T>
inline __m256i load_weight_block(const uint8_t* row, int b) {
  if constexpr (T == WeightType::kQ8_0) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const BlockQ8_0*>(row)[b].qs));
  } else if constexpr (T == WeightType::kQ5_0) {
    // Q5_0: nibble | (bit j of qh) << 4, minus 16; bit j of the little-endian qh is element j's.
    const BlockQ5_0& blk = reinterpret_cast<const BlockQ5_0*>(row)[b];
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    const __m128i m = _mm_set1_epi8(15);
    const __m256i nib = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_and_si128(q, m)),
                                                _mm_and_si128(_mm_srli_epi16(q, 4), m), 1);
    uint32_t qh;
    std::memcpy(&qh, blk.qh, 4);
    const __m256i hi = _mm256_and_si256(_mm256_movm_epi8(static_cast<__mmask32>(qh)), _mm256_set1_epi8(16));
    return _mm256_sub_epi8(_mm256_or_si256(nib, hi), _mm256_set1_epi8(16));
  } else {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const BlockQ4_0*>(row)[b].qs));
    const __m128i m = _mm_set1_epi8(15);
    const __m256i nib = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_and_si128(q, m)),
                                                _mm_and_si128(_mm_srli_epi16(q, 4), m), 1);
    return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
  }
}

// Group g (blocks 8g .. 8g+count-1) of a weight row, packed; blocks >= count are 0.
template <WeightType T>
inline void pack_weight_group(const uint8_t* row, int g, int count, __m512i out[4]) {
  __m256i blk[8];
  if (count == 8) {
#pragma GCC unroll 8
    for (int b = 0; b < 8; ++b) blk[b] = load_weight_block<T>(row, g * 8 + b);
  } else {
    for (int b = 0; b < 8; ++b) blk[b] = b < count ? load_weight_block<T>(row, g * 8 + b) : _mm256_setzero_si256();
  }
  pack8(blk, out);
}

// Group g of an activation row (contiguous int8), packed (padded blocks are
// 0), and the group's correction: -128 * (sum of the 16 x bytes each int32 lane
// of the dot products sees), so that a lane started there and fed with
// (w + 128) * x sums exactly w * x.
struct alignas(64) PackedXGroup {
  __m512i q[4];
  __m512i corr;
};

inline void pack_act_group(const int8_t* xq, int g, int count, PackedXGroup& out) {
  __m256i blk[8];
  if (count == 8) {
#pragma GCC unroll 8
    for (int b = 0; b < 8; ++b) blk[b] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + (g * 8 + b) * 32));
  } else {
    for (int b = 0; b < 8; ++b)
      blk[b] = b < count ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + (g * 8 + b) * 32))
                         : _mm256_setzero_si256();
  }
  pack8(blk, out.q);
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512i sum = _mm512_setzero_si512();
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) sum = _mm512_dpbusd_epi32(sum, bias, out.q[k]);
  out.corr = _mm512_sub_epi32(_mm512_setzero_si512(), sum);
}

// Lanes 2b, 2b+1 -> block sum b (8 int32).
inline __m256i packed_block_sums(__m512i acc) {
  return _mm512_cvtepi64_epi32(_mm512_add_epi32(acc, _mm512_srli_epi64(acc, 32)));
}

// A packed weight row of nb blocks, ng = ceil(nb/8) groups: first the groups'
// int8 weights plus 128 (w ^ 0x80: vpdpbusd's unsigned operand), 4 zmm per
// group, then the groups' 8 block scales as floats (lanes >= count +0), the
// row padded to a multiple of 64 bytes. 9 bytes per 8.5 of Q8_0: a decode step
// with few tokens streams every weight once, so the packed form stays small.
inline size_t packed_q_0_row_bytes(int nb) {
  const size_t ng = static_cast<size_t>((nb + 7) / 8);
  return (ng * (256 + 32) + 63) / 64 * 64;
}

struct PackedRow {
  const __m512i* q;  // group g: q[4g .. 4g+3]
  const float* d;    // group g: d[8g .. 8g+7]
};

inline PackedRow packed_row(const uint8_t* row, int ng) {
  return {reinterpret_cast<const __m512i*>(row), reinterpret_cast<const float*>(row + static_cast<size_t>(ng) * 256)};
}

struct alignas(64) CacheLine {
  uint8_t bytes[64];
};

struct Q8Scratch {
  std::vector<PackedXGroup> x;  // n_tok * n_groups
  std::vector<CacheLine> w;     // the call's packed weight rows (raw-row entry)
};

Q8Scratch& q8_scratch() {
  static thread_local Q8Scratch s;
  return s;
}

// One (row, token) group: the int32 block sums (exact), two dependency chains
// joined once.
inline __m512i group_dot(const __m512i* w, const PackedXGroup& x) {
  __m512i a = _mm512_dpbusd_epi32(x.corr, w[0], _mm512_load_si512(&x.q[0]));
  __m512i b = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], _mm512_load_si512(&x.q[1]));
  a = _mm512_dpbusd_epi32(a, w[2], _mm512_load_si512(&x.q[2]));
  b = _mm512_dpbusd_epi32(b, w[3], _mm512_load_si512(&x.q[3]));
  return _mm512_add_epi32(a, b);
}

// NR rows x NT tokens of packed Q8_0 dot products, all groups; the NR*NT float
// accumulators (8 block lanes each) stay in registers, each weight group is
// loaded once for NT tokens.
template <int NR, int NT>
inline void q8_0_micro(const PackedRow* wrows, const PackedXGroup* xg, int ng, int nb, const float* xd,
                       float* out, size_t out_stride) {
  __m256 acc[NR][NT];
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < NT; ++i) acc[j][i] = _mm256_setzero_ps();
  for (int g = 0; g < ng; ++g) {
    const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      const __m512i w[4] = {_mm512_load_si512(&wrows[j].q[4 * g]), _mm512_load_si512(&wrows[j].q[4 * g + 1]),
                            _mm512_load_si512(&wrows[j].q[4 * g + 2]), _mm512_load_si512(&wrows[j].q[4 * g + 3])};
      const __m256 dw = _mm256_load_ps(wrows[j].d + 8 * g);
#pragma GCC unroll 8
      for (int i = 0; i < NT; ++i) {
        const __m256 dx = act_scales(xd + static_cast<size_t>(i) * nb + g * 8, count);
        const __m256 isum = _mm256_cvtepi32_ps(packed_block_sums(group_dot(w, xg[static_cast<size_t>(i) * ng + g])));
        acc[j][i] = _mm256_add_ps(acc[j][i], _mm256_mul_ps(isum, _mm256_mul_ps(dw, dx)));
      }
    }
  }
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 8
    for (int i = 0; i < NT; ++i) out[static_cast<size_t>(i) * out_stride + j] = tree8(acc[j][i]);
}

// The same for NP pairs of tokens, two tokens per zmm of float accumulators:
// lane 2l holds token t's lane l, lane 2l+1 token t+1's (block sums of t in the
// even dwords, of t+1 in the odd ones, scales interleaved likewise). Every lane
// sees exactly the operations of the 8-lane version; only the packing differs.
template <int NR, int NP>
inline void q8_0_micro_pairs(const PackedRow* wrows, const PackedXGroup* xg, int ng, int nb, const float* xd,
                             float* out, size_t out_stride) {
  __m512 acc[NR][NP];
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 8
    for (int p = 0; p < NP; ++p) acc[j][p] = _mm512_setzero_ps();
  const __m512i interleave = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i twice = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  for (int g = 0; g < ng; ++g) {
    const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
    __m512 dx2[NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) {
      const __m256 dxa = act_scales(xd + static_cast<size_t>(2 * p) * nb + g * 8, count);
      const __m256 dxb = act_scales(xd + static_cast<size_t>(2 * p + 1) * nb + g * 8, count);
      dx2[p] = _mm512_permutex2var_ps(_mm512_castps256_ps512(dxa), interleave, _mm512_castps256_ps512(dxb));
    }
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) {
      const __m512i w[4] = {_mm512_load_si512(&wrows[j].q[4 * g]), _mm512_load_si512(&wrows[j].q[4 * g + 1]),
                            _mm512_load_si512(&wrows[j].q[4 * g + 2]), _mm512_load_si512(&wrows[j].q[4 * g + 3])};
      const __m512 d2 = _mm512_permutexvar_ps(twice, _mm512_castps256_ps512(_mm256_load_ps(wrows[j].d + 8 * g)));
#pragma GCC unroll 4
      for (int p = 0; p < NP; ++p) {
        const __m512i a = group_dot(w, xg[static_cast<size_t>(2 * p) * ng + g]);
        const __m512i b = group_dot(w, xg[static_cast<size_t>(2 * p + 1) * ng + g]);
        // Block b of token 2p: dword 2b of a + dword 2b+1 of a -> even dword;
        // of token 2p+1: the same of b -> odd dword.
        const __m512i sa = _mm512_add_epi32(a, _mm512_srli_epi64(a, 32));
        const __m512i sb = _mm512_add_epi32(b, _mm512_slli_epi64(b, 32));
        const __m512i isum = _mm512_mask_blend_epi32(static_cast<__mmask16>(0xAAAA), sa, sb);
        acc[j][p] = _mm512_add_ps(acc[j][p], _mm512_mul_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(d2, dx2[p])));
      }
    }
  }
  const __m512i deinterleave = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
#pragma GCC unroll 8
  for (int j = 0; j < NR; ++j) {
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) {
      const __m512 d = _mm512_permutexvar_ps(deinterleave, acc[j][p]);
      out[static_cast<size_t>(2 * p) * out_stride + j] = tree8(_mm512_castps512_ps256(d));
      out[static_cast<size_t>(2 * p + 1) * out_stride + j] = tree8(_mm512_extractf32x8_ps(d, 1));
    }
  }
}

template <int NR>
inline void q8_0_micro_tail(int nt, const PackedRow* wrows, const PackedXGroup* xg, int ng, int nb, const float* xd,
                            float* out, size_t out_stride) {
  switch (nt) {
    case 1: q8_0_micro<NR, 1>(wrows, xg, ng, nb, xd, out, out_stride); break;
    case 2: q8_0_micro<NR, 2>(wrows, xg, ng, nb, xd, out, out_stride); break;
    case 3: q8_0_micro<NR, 3>(wrows, xg, ng, nb, xd, out, out_stride); break;
    default: assert(false);
  }
}

// Packs a raw row of nb blocks to `out` (packed_q_0_row_bytes(nb), 64-byte aligned).
template <WeightType T>
void pack_weight_row(const uint8_t* row, int nb, uint8_t* out) {
  constexpr size_t kBlockBytes = weight_block_bytes(T);
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const int ng = (nb + 7) / 8;
  __m512i* q = reinterpret_cast<__m512i*>(out);
  float* d = reinterpret_cast<float*>(out + static_cast<size_t>(ng) * 256);
  for (int g = 0; g < ng; ++g) {
    const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
    __m512i w[4];
    pack_weight_group<T>(row, g, count, w);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) _mm512_store_si512(&q[4 * g + k], _mm512_xor_si512(w[k], bias));
    _mm256_store_ps(d + 8 * g, block_scales(row + g * 8 * kBlockBytes, kBlockBytes, count));
  }
  const size_t used = static_cast<size_t>(ng) * (256 + 32);
  std::memset(out + used, 0, packed_q_0_row_bytes(nb) - used);
}

// Products of packed weight rows (row r at w + r * w_row_bytes) with Q8_0
// activations, whatever type the rows were packed from: a MatTileFn over
// packed rows. The activations are packed here, once for all rows of the call.
void mat_tile_q_0_prepacked(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok,
                            float* out, size_t out_stride) {
  constexpr int kNR = 2, kNT = 4;
  const int n = x.n;
  const int nb = n / kQK8_0;
  const int ng = (nb + 7) / 8;
  Q8Scratch& s = q8_scratch();
  if (s.x.size() < static_cast<size_t>(n_tok) * ng) s.x.resize(static_cast<size_t>(n_tok) * ng);
  for (int t = 0; t < n_tok; ++t) {
    const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
    for (int g = 0; g < ng; ++g) {
      const int count = nb - g * 8 < 8 ? nb - g * 8 : 8;
      pack_act_group(xq, g, count, s.x[static_cast<size_t>(t) * ng + g]);
    }
  }
  for (int r = 0; r < n_rows; r += kNR) {
    const int nr = n_rows - r < kNR ? n_rows - r : kNR;
    PackedRow wrows[kNR];
    for (int j = 0; j < kNR; ++j) wrows[j] = packed_row(w + static_cast<size_t>(r + (j < nr ? j : 0)) * w_row_bytes, ng);
    for (int t0 = 0; t0 < n_tok; t0 += kNT) {
      const int nt = n_tok - t0 < kNT ? n_tok - t0 : kNT;
      const PackedXGroup* xg = &s.x[static_cast<size_t>(t0) * ng];
      const float* xd = x.d + static_cast<size_t>(t0) * nb;
      float* o = out + static_cast<size_t>(t0) * out_stride + r;
      if (nr == kNR) {
        if (nt == kNT) {
          q8_0_micro_pairs<kNR, kNT / 2>(wrows, xg, ng, nb, xd, o, out_stride);
        } else {
          q8_0_micro_tail<kNR>(nt, wrows, xg, ng, nb, xd, o, out_stride);
        }
      } else {
        if (nt == kNT) {
          q8_0_micro<1, kNT>(wrows, xg, ng, nb, xd, o, out_stride);
        } else {
          q8_0_micro_tail<1>(nt, wrows, xg, ng, nb, xd, o, out_stride);
        }
      }
    }
  }
}

// The same from raw rows: packs the call's weight rows first.
template <WeightType T>
void mat_tile_q_0_packed(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok,
                         float* out, size_t out_stride) {
  const int nb = x.n / kQK8_0;
  const size_t prb = packed_q_0_row_bytes(nb);
  Q8Scratch& s = q8_scratch();
  if (s.w.size() * 64 < n_rows * prb) s.w.resize(n_rows * prb / 64);
  uint8_t* packed = reinterpret_cast<uint8_t*>(s.w.data());
  for (int r = 0; r < n_rows; ++r) pack_weight_row<T>(w + static_cast<size_t>(r) * w_row_bytes, nb, packed + r * prb);
  mat_tile_q_0_prepacked(packed, prb, n_rows, x, n_tok, out, out_stride);
}

bool packs(WeightType t) { return t == WeightType::kQ8_0 || t == WeightType::kQ4_0 || t == WeightType::kQ5_0; }

size_t packed_row_bytes(WeightType t, int n_cols) {
  if (!packs(t) || n_cols <= 0 || n_cols % kQK8_0 != 0) return 0;
  return packed_q_0_row_bytes(n_cols / kQK8_0);
}

void pack_rows(WeightType t, const uint8_t* w, size_t w_row_bytes, int n_rows, int n_cols, uint8_t* out) {
  const size_t prb = packed_row_bytes(t, n_cols);
  assert(prb != 0 && reinterpret_cast<uintptr_t>(out) % 64 == 0);
  const int nb = n_cols / kQK8_0;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    uint8_t* o = out + static_cast<size_t>(r) * prb;
    switch (t) {
      case WeightType::kQ8_0: pack_weight_row<WeightType::kQ8_0>(row, nb, o); break;
      case WeightType::kQ4_0: pack_weight_row<WeightType::kQ4_0>(row, nb, o); break;
      case WeightType::kQ5_0: pack_weight_row<WeightType::kQ5_0>(row, nb, o); break;
      default: assert(false);
    }
  }
}

// For a single token, packing a weight row costs more than it saves; the AVX2
// kernel (one block per ymm, no packing) is faster there. Set at install time.
MatTileFn g_single_token_tile[kNumWeightTypes] = {};

template <WeightType T>
void mat_tile_q_0(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                  size_t out_stride) {
  const MatTileFn single = g_single_token_tile[static_cast<int>(T)];
  if (n_tok == 1 && single != nullptr) {
    single(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  } else {
    mat_tile_q_0_packed<T>(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  }
}

// ---------------------------------------------------------------------------
// Float kernels. The 16 lanes of kernels.h's "16-lane sum" are one zmm.

inline __mmask16 first_lanes(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << count) - 1u);
}

// Keys and values of the cache, 16 at a time, as F32 (F16 ones converted exactly).
inline __m512 load_kv16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load_kv16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512 load_kv16_masked(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline __m512 load_kv16_masked(const uint16_t* p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }

// 16 lane accumulators of a_i * b_i over n elements (padding: 0 * 0 = +0 terms);
// b may be F16 (a KV cache row), converted exactly.
template <typename B>
inline __m512 lane16_dot(const float* a, const B* b, int n) {
  __m512 acc = _mm512_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_loadu_ps(a + i), load_kv16(b + i)));
  if (i < n) {
    const __mmask16 m = first_lanes(n - i);
    acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + i), load_kv16_masked(b + i, m)));
  }
  return acc;
}

// tree16: s8 = a[l] + a[l+8], then tree8.
inline float tree16(__m512 a) {
  const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(a), _mm512_extractf32x8_ps(a, 1));
  return tree8(s8);
}

// tree16 of four accumulators at once; returns the 4 sums in lanes 0..3.
inline __m128 tree16x4(__m512 a, __m512 b, __m512 c, __m512 d) {
  // s8: [a s8 | b s8], [c s8 | d s8]
  const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 2, 3, 2)));
  // s4: 128-bit lane k = s4[0..3] of accumulator k.
  const __m512 s4 = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)),
                                  _mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
  // s2[l] = s4[l] + s4[l+2]; s = s2[0] + s2[1] (lane 0 of each 128-bit lane).
  const __m512 s2 = _mm512_add_ps(s4, _mm512_shuffle_ps(s4, s4, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m512 s1 = _mm512_add_ps(s2, _mm512_shuffle_ps(s2, s2, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(idx, s1));
}

float dot_f32(const float* a, const float* b, int n) { return tree16(lane16_dot(a, b, n)); }

// As the AVX2 entry: vcvtps2ph rounds as f32_to_f16 does; NaN lanes get the
// scalar's quiet NaN.
void to_f16_saturated(const float* x, int n, uint16_t* y) {
  const __m512 hi = _mm512_set1_ps(65504.0f), lo = _mm512_set1_ps(-65504.0f);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = first_lanes(n - i);
    const __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    const __m256i h = _mm512_cvtps_ph(_mm512_max_ps(lo, _mm512_min_ps(hi, v)), _MM_FROUND_TO_NEAREST_INT);
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    const __m256i nan16 = _mm512_cvtepi32_epi16(_mm512_or_si512(
        _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(v), 16), _mm512_set1_epi32(0x8000)),
        _mm512_set1_epi32(0x7e00)));
    _mm256_mask_storeu_epi16(y + i, m, _mm256_mask_blend_epi16(nan, h, nan16));
  }
}

void rmsnorm(const float* x, const float* w, int n, float eps, float* y) {
  const float ss = dot_f32(x, x, n);
  const float mean = ss / static_cast<float>(n);
  const float s = 1.0f / std::sqrt(mean + eps);
  const __m512 vs = _mm512_set1_ps(s);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = first_lanes(n - i);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vs),
                                                  _mm512_maskz_loadu_ps(m, w + i)));
  }
}

// exp_f32 of numerics.h on 16 lanes: the same float operations in the same order.
inline __m512 exp16(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-87.0f), x);  // x < -87 ? -87 : x
  x = _mm512_min_ps(_mm512_set1_ps(88.0f), x);   // x > 88 ? 88 : x
  const __m512 magic = _mm512_set1_ps(12582912.0f);
  const __m512 n = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), magic), magic);
  __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
  r = _mm512_sub_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(-2.12194440e-4f)));
  const __m512 z = _mm512_mul_ps(r, r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
  const __m512 y = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, z), r), _mm512_set1_ps(1.0f));
  const __m512i ni = _mm512_cvttps_epi32(n);
  const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(ni, _mm512_set1_epi32(127)), 23));
  return _mm512_mul_ps(y, scale);
}

void silu_mul(const float* g, const float* u, int n, float* y) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = first_lanes(n - i);
    const __m512 gv = _mm512_maskz_loadu_ps(m, g + i);
    const __m512 e = exp16(_mm512_xor_ps(gv, _mm512_set1_ps(-0.0f)));  // -g: sign flip, as the scalar's unary minus
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_div_ps(gv, _mm512_add_ps(one, e)), _mm512_maskz_loadu_ps(m, u + i)));
  }
}

// The softmax step of attention (kernels.h): scores s[0..n) become
// e_j = exp_f32(s_j - max_j s_j) in place; returns their 16-lane sum.
inline float softmax_in_place(float* s, int n) {
  float m = -INFINITY;
  for (int i = 0; i < n; ++i) m = s[i] > m ? s[i] : m;
  const __m512 vm = _mm512_set1_ps(m);
  __m512 acc = _mm512_setzero_ps();
  for (int j = 0; j < n; j += 16) {
    const __mmask16 mk = first_lanes(n - j);
    const __m512 e = _mm512_maskz_mov_ps(mk, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, s + j), vm)));
    _mm512_mask_storeu_ps(s + j, mk, e);
    acc = _mm512_add_ps(acc, e);
  }
  return tree16(acc);
}

// Attention for a head size known at compile time (a multiple of 16): q and the
// output accumulators live in registers, the per-key loops are unrolled. Same
// operations in the same order as the generic version below.

template <int HD, typename KV>
void attention_fixed(const float* q, const KV* k, const KV* v, size_t kv_stride, int n_keys, float scale,
                     float* scratch, float* out) {
  constexpr int C = HD / 16;
  __m512 qv[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) qv[c] = _mm512_loadu_ps(q + 16 * c);
  auto lanes = [&](const KV* kj) {
    __m512 a = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) a = _mm512_add_ps(a, _mm512_mul_ps(qv[c], load_kv16(kj + 16 * c)));
    return a;
  };
  int j = 0;
  const __m128 vscale = _mm_set1_ps(scale);
  for (; j + 4 <= n_keys; j += 4) {
    const KV* kj = k + j * kv_stride;
    _mm_storeu_ps(scratch + j, _mm_mul_ps(tree16x4(lanes(kj), lanes(kj + kv_stride), lanes(kj + 2 * kv_stride),
                                                   lanes(kj + 3 * kv_stride)),
                                          vscale));
  }
  for (; j < n_keys; ++j) scratch[j] = tree16(lanes(k + j * kv_stride)) * scale;
  const __m512 vsum = _mm512_set1_ps(softmax_in_place(scratch, n_keys));
  __m512 o[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) o[c] = _mm512_setzero_ps();
  for (int jj = 0; jj < n_keys; ++jj) {
    const __m512 e = _mm512_set1_ps(scratch[jj]);
    const KV* vj = v + jj * kv_stride;
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) o[c] = _mm512_add_ps(o[c], _mm512_mul_ps(e, load_kv16(vj + 16 * c)));
  }
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) _mm512_storeu_ps(out + 16 * c, _mm512_div_ps(o[c], vsum));
}

// Four queries at consecutive positions (n0, n0+1, n0+2, n0+3 keys): the keys
// all of them see are loaded once for the four. Per query, the same operations
// in the same order as attention_fixed: scores of keys in groups of four
// through tree16x4 (the group boundaries differ between the two versions, but
// tree16x4 and tree16 give the same sum for an accumulator: both are the
// kernels.h order), then max, exp and the 16-lane sum, then the values summed
// in key order.
template <int HD, typename KV>
void attention4_fixed(const float* q, size_t q_stride, const KV* k, const KV* v, size_t kv_stride, int n0,
                      float scale, float* scratch, float* out, size_t out_stride) {
  constexpr int C = HD / 16;
  const int S = n0 + 3;  // scratch row of query i: scratch + i*S
  __m512 qv[4][C];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) qv[i][c] = _mm512_loadu_ps(q + i * q_stride + 16 * c);
  }
  const __m128 vscale = _mm_set1_ps(scale);
  // Keys every query sees: one load of k_j, four dot products.
  for (int j = 0; j < n0; ++j) {
    const KV* kj = k + j * kv_stride;
    __m512 kv[C];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) kv[c] = load_kv16(kj + 16 * c);
    __m512 a[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      a[i] = _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) a[i] = _mm512_add_ps(a[i], _mm512_mul_ps(qv[i][c], kv[c]));
    }
    alignas(16) float sc[4];
    _mm_store_ps(sc, _mm_mul_ps(tree16x4(a[0], a[1], a[2], a[3]), vscale));
    for (int i = 0; i < 4; ++i) scratch[i * S + j] = sc[i];
  }
  // The last three keys, seen by the later queries only.
  for (int i = 1; i < 4; ++i) {
    for (int j = n0; j < n0 + i; ++j) {
      const KV* kj = k + j * kv_stride;
      __m512 a = _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) a = _mm512_add_ps(a, _mm512_mul_ps(qv[i][c], load_kv16(kj + 16 * c)));
      scratch[i * S + j] = tree16(a) * scale;
    }
  }
  __m512 vsum[4];
  for (int i = 0; i < 4; ++i) vsum[i] = _mm512_set1_ps(softmax_in_place(scratch + i * S, n0 + i));
  __m512 o[4][C];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) o[i][c] = _mm512_setzero_ps();
  }
  for (int j = 0; j < n0; ++j) {
    const KV* vj = v + j * kv_stride;
    __m512 vv[C];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) vv[c] = load_kv16(vj + 16 * c);
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      const __m512 e = _mm512_set1_ps(scratch[i * S + j]);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) o[i][c] = _mm512_add_ps(o[i][c], _mm512_mul_ps(e, vv[c]));
    }
  }
  for (int i = 1; i < 4; ++i) {
    for (int j = n0; j < n0 + i; ++j) {
      const __m512 e = _mm512_set1_ps(scratch[i * S + j]);
      const KV* vj = v + j * kv_stride;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) o[i][c] = _mm512_add_ps(o[i][c], _mm512_mul_ps(e, load_kv16(vj + 16 * c)));
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) _mm512_storeu_ps(out + i * out_stride + 16 * c, _mm512_div_ps(o[i][c], vsum[i]));
  }
}

template <typename KV>
bool attention4_kv(const float* q, size_t q_stride, const KV* k, const KV* v, size_t kv_stride, int n0, int hd,
                float scale, float* scratch, float* out, size_t out_stride) {
  assert(n0 >= 1);
  if (hd != 64) return false;
  attention4_fixed<64>(q, q_stride, k, v, kv_stride, n0, scale, scratch, out, out_stride);
  return true;
}

template <typename KV>
void attention_kv(const float* q, const KV* k, const KV* v, size_t kv_stride, int n_keys, int hd, float scale,
               float* scratch, float* out) {
  assert(n_keys >= 1);
  if (hd == 64) return attention_fixed<64>(q, k, v, kv_stride, n_keys, scale, scratch, out);
  if (hd == 128) return attention_fixed<128>(q, k, v, kv_stride, n_keys, scale, scratch, out);
  // Scores, four keys per reduction.
  int j = 0;
  for (; j + 4 <= n_keys; j += 4) {
    const __m128 s = _mm_mul_ps(tree16x4(lane16_dot(q, k + j * kv_stride, hd), lane16_dot(q, k + (j + 1) * kv_stride, hd),
                                         lane16_dot(q, k + (j + 2) * kv_stride, hd), lane16_dot(q, k + (j + 3) * kv_stride, hd)),
                                _mm_set1_ps(scale));
    _mm_storeu_ps(scratch + j, s);
  }
  for (; j < n_keys; ++j) scratch[j] = tree16(lane16_dot(q, k + j * kv_stride, hd)) * scale;
  // e_j = exp(s_j - m) and their 16-lane sum over j.
  const __m512 vsum = _mm512_set1_ps(softmax_in_place(scratch, n_keys));
  // o_d = sequential over j of o_d + e_j * v_j[d], vectorized over d.
  int d = 0;
  for (; d + 64 <= hd; d += 64) {
    __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
    for (int jj = 0; jj < n_keys; ++jj) {
      const __m512 e = _mm512_set1_ps(scratch[jj]);
      const KV* vj = v + jj * kv_stride + d;
      o0 = _mm512_add_ps(o0, _mm512_mul_ps(e, load_kv16(vj)));
      o1 = _mm512_add_ps(o1, _mm512_mul_ps(e, load_kv16(vj + 16)));
      o2 = _mm512_add_ps(o2, _mm512_mul_ps(e, load_kv16(vj + 32)));
      o3 = _mm512_add_ps(o3, _mm512_mul_ps(e, load_kv16(vj + 48)));
    }
    _mm512_storeu_ps(out + d, _mm512_div_ps(o0, vsum));
    _mm512_storeu_ps(out + d + 16, _mm512_div_ps(o1, vsum));
    _mm512_storeu_ps(out + d + 32, _mm512_div_ps(o2, vsum));
    _mm512_storeu_ps(out + d + 48, _mm512_div_ps(o3, vsum));
  }
  for (; d < hd; d += 16) {
    const __mmask16 md = first_lanes(hd - d);
    __m512 o = _mm512_setzero_ps();
    for (int jj = 0; jj < n_keys; ++jj)
      o = _mm512_add_ps(o, _mm512_mul_ps(_mm512_set1_ps(scratch[jj]), load_kv16_masked(v + jj * kv_stride + d, md)));
    _mm512_mask_storeu_ps(out + d, md, _mm512_div_ps(o, vsum));
  }
}

bool attention4(const float* q, size_t q_stride, const float* k, const float* v, size_t kv_stride, int n0, int hd,
                float scale, float* scratch, float* out, size_t out_stride) {
  return attention4_kv(q, q_stride, k, v, kv_stride, n0, hd, scale, scratch, out, out_stride);
}
bool attention4_f16(const float* q, size_t q_stride, const uint16_t* k, const uint16_t* v, size_t kv_stride, int n0,
                    int hd, float scale, float* scratch, float* out, size_t out_stride) {
  return attention4_kv(q, q_stride, k, v, kv_stride, n0, hd, scale, scratch, out, out_stride);
}
void attention(const float* q, const float* k, const float* v, size_t kv_stride, int n_keys, int hd, float scale,
               float* scratch, float* out) {
  attention_kv(q, k, v, kv_stride, n_keys, hd, scale, scratch, out);
}
void attention_f16(const float* q, const uint16_t* k, const uint16_t* v, size_t kv_stride, int n_keys, int hd,
                   float scale, float* scratch, float* out) {
  attention_kv(q, k, v, kv_stride, n_keys, hd, scale, scratch, out);
}

// Float weights x F32 activations: the 16 lanes of each dot are one zmm; each
// chunk of 16 weights is loaded (and converted, F16/BF16 -> F32 exactly) once
// for up to 4 tokens.
template <WeightType T>
inline __m512 load_weights16(const uint8_t* row, int i, __mmask16 m) {
  if constexpr (T == WeightType::kF32) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + i);
  } else if constexpr (T == WeightType::kF16) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + i));
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + i);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <WeightType T, int NT>
inline void float_micro(const uint8_t* row, const float* x, int n, float* out, size_t out_stride) {
  __m512 acc[NT];
#pragma GCC unroll 4
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  for (int i = 0; i < n; i += 16) {
    // Padded lanes: weight 0 (masked load) times x 0 (masked load) = +0, a no-op term.
    const __mmask16 m = first_lanes(n - i);
    const __m512 wv = load_weights16<T>(row, i, m);
#pragma GCC unroll 4
    for (int t = 0; t < NT; ++t)
      acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(wv, _mm512_maskz_loadu_ps(m, x + static_cast<size_t>(t) * n + i)));
  }
#pragma GCC unroll 4
  for (int t = 0; t < NT; ++t) out[static_cast<size_t>(t) * out_stride] = tree16(acc[t]);
}

template <WeightType T>
void mat_tile_float(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                    size_t out_stride) {
  // Below 4 tokens there is no weight reuse; the AVX2 tile is as fast or faster.
  const MatTileFn few = g_single_token_tile[static_cast<int>(T)];
  if (n_tok < 4 && few != nullptr) return few(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  const int n = x.n;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    int t = 0;
    for (; t + 4 <= n_tok; t += 4)
      float_micro<T, 4>(row, x.f + static_cast<size_t>(t) * n, n, out + static_cast<size_t>(t) * out_stride + r, out_stride);
    for (; t < n_tok; ++t)
      float_micro<T, 1>(row, x.f + static_cast<size_t>(t) * n, n, out + static_cast<size_t>(t) * out_stride + r, out_stride);
  }
}

// Q8_0 activation quantization (kernels.h), 16 floats per zmm. max is exact in
// any order (vmaxps(a, m) = a > m ? a : m skips NaN like the scalar loop); the
// rounding is the literal magic-number sequence; out-of-range / NaN -> 0 like
// the scalar to_int8.
void quantize_q8_0(const float* x, int n, int8_t* qs, float* d) {
  assert(n % kQK8_0 == 0);
  const __m512 magic = _mm512_set1_ps(12582912.0f);
  for (int b = 0; b < n / kQK8_0; ++b) {
    const float* xb = x + b * kQK8_0;
    const __m512 v0 = _mm512_loadu_ps(xb), v1 = _mm512_loadu_ps(xb + 16);
    __m512 m = _mm512_max_ps(_mm512_abs_ps(v0), _mm512_setzero_ps());
    m = _mm512_max_ps(_mm512_abs_ps(v1), m);
    const __m256 m8 = _mm256_max_ps(_mm512_castps512_ps256(m), _mm512_extractf32x8_ps(m, 1));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m8), _mm256_extractf128_ps(m8, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    const float amax = _mm_cvtss_f32(m4);
    d[b] = round_to_f16(amax / 127.0f);
    const __m512 id = _mm512_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    const __m512 lo = _mm512_set1_ps(-128.0f), hi = _mm512_set1_ps(127.0f);
    const __m512 vs[2] = {v0, v1};
    for (int h = 0; h < 2; ++h) {
      const __m512 q = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(vs[h], id), magic), magic);
      const __mmask16 ok = _mm512_cmp_ps_mask(q, lo, _CMP_GE_OQ) & _mm512_cmp_ps_mask(q, hi, _CMP_LE_OQ);
      const __m512i qi = _mm512_cvttps_epi32(_mm512_maskz_mov_ps(ok, q));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(qs + b * kQK8_0 + 16 * h), _mm512_cvtepi32_epi8(qi));
    }
  }
}

// ---------------------------------------------------------------------------
// K-quants x Q8_K. Each weight super-block is unpacked once per call into 256
// unsigned quants in element order (Q4_K: 0..15, Q6_K: 0..63) plus int16 scale
// vectors, then reused for every token: vpmaddubsw (unsigned quant x signed
// activation, pairs: at most 2*63*127, no saturation) and vpmaddwd with the
// sub-block scale give exact int32 terms sc[s] * (q_i*y_i + q_j*y_j); their sum
// is the scalar reference's integer sum. The float part per super-block is the
// scalar code, summed sequentially.

struct alignas(64) UnpackedK {
  __m512i q[4];    // 256 unsigned quants, element order
  __m512i sc[4];   // int16 scale of each pair's sub-block, per zmm of quants
  __m256i m16;     // Q4_K: m[s] repeated for bsums pairs (16 int16); Q6_K: the 16 scales
  float d, dmin;   // f16 scales as floats
  float pad_[14];
};

struct KScratch {
  std::vector<UnpackedK> w;  // n_rows * nb
};

KScratch& k_scratch() {
  static thread_local KScratch s;
  return s;
}

inline void unpack_q4_k(const BlockQ4_K& w, UnpackedK& u) {
  uint8_t sc[8], m[8];
  unpack_q4_k_scales(w.scales, sc, m);
  const __m256i m4 = _mm256_set1_epi8(15);
  for (int k = 0; k < 4; ++k) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs + 32 * k));
    u.q[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(q, m4)),
                                _mm256_and_si256(_mm256_srli_epi16(q, 4), m4), 1);
    // zmm k = elements 64k.. : first 32 (16 pairs) sub-block 2k, then 2k+1.
    u.sc[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(sc[2 * k])),
                                 _mm256_set1_epi16(sc[2 * k + 1]), 1);
  }
  const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
  u.m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));  // m0 m0 m1 m1 ... (bsums pairs)
  u.d = f16_to_f32(w.d);
  u.dmin = f16_to_f32(w.dmin);
}

// Q5_K = Q4_K plus a fifth bit per quant: element 64k+i (i < 32) gets bit 2k of
// qh[i], element 64k+32+i bit 2k+1.
inline void unpack_q5_k(const BlockQ5_K& w, UnpackedK& u) {
  uint8_t sc[8], m[8];
  unpack_q4_k_scales(w.scales, sc, m);
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i one = _mm256_set1_epi8(1);
  const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh));
  for (int k = 0; k < 4; ++k) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qs + 32 * k));
    // Bit s of every byte -> bit 4 (srli on 16-bit lanes, then a per-byte mask: exact for s < 8).
    const __m256i b_lo = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k), one), 4);
    const __m256i b_hi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2 * k + 1), one), 4);
    u.q[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_or_si256(_mm256_and_si256(q, m4), b_lo)),
                                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), b_hi), 1);
    u.sc[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(sc[2 * k])),
                                 _mm256_set1_epi16(sc[2 * k + 1]), 1);
  }
  const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
  u.m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
  u.d = f16_to_f32(w.d);
  u.dmin = f16_to_f32(w.dmin);
}

inline void unpack_q6_k(const BlockQ6_K& w, UnpackedK& u) {
  const __m256i m4 = _mm256_set1_epi8(15);
  const __m256i m2 = _mm256_set1_epi8(3);
  for (int h = 0; h < 2; ++h) {
    const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h));
    const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.ql + 64 * h + 32));
    const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.qh + 32 * h));
    const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
    const __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
    const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
    const __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                       _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
    u.q[2 * h] = _mm512_inserti64x4(_mm512_castsi256_si512(q1), q2, 1);
    u.q[2 * h + 1] = _mm512_inserti64x4(_mm512_castsi256_si512(q3), q4, 1);
  }
  // zmm c = elements 64c..64c+63: 4 sub-blocks of 16 (8 pairs each).
  for (int c = 0; c < 4; ++c) {
    // 4 sub-block scales, each for 8 consecutive int16 lanes (2 qwords).
    auto rep = [&](int i) {
      return static_cast<long long>(0x0001000100010001ull * static_cast<uint16_t>(w.scales[4 * c + i]));
    };
    u.sc[c] = _mm512_setr_epi64(rep(0), rep(0), rep(1), rep(1), rep(2), rep(2), rep(3), rep(3));
  }
  u.m16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales)));
  u.d = f16_to_f32(w.d);
  u.dmin = 0.0f;
}

inline int32_t hsum_i32_256(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

template <WeightType T>
void mat_tile_k(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                size_t out_stride) {
  const MatTileFn single = g_single_token_tile[static_cast<int>(T)];
  if (n_tok == 1 && single != nullptr) return single(w, w_row_bytes, n_rows, x, n_tok, out, out_stride);
  const int n = x.n;
  const int nb = n / kQK_K;
  KScratch& s = k_scratch();
  if (s.w.size() < static_cast<size_t>(n_rows) * nb) s.w.resize(static_cast<size_t>(n_rows) * nb);
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int b = 0; b < nb; ++b) {
      if constexpr (T == WeightType::kQ4_K) {
        unpack_q4_k(reinterpret_cast<const BlockQ4_K*>(row)[b], s.w[static_cast<size_t>(r) * nb + b]);
      } else if constexpr (T == WeightType::kQ5_K) {
        unpack_q5_k(reinterpret_cast<const BlockQ5_K*>(row)[b], s.w[static_cast<size_t>(r) * nb + b]);
      } else {
        unpack_q6_k(reinterpret_cast<const BlockQ6_K*>(row)[b], s.w[static_cast<size_t>(r) * nb + b]);
      }
    }
  }
  for (int t = 0; t < n_tok; ++t) {
    const int8_t* xq = x.qs + static_cast<size_t>(t) * n;
    const float* xd = x.d + static_cast<size_t>(t) * nb;
    const int16_t* bs = x.bsums + static_cast<size_t>(t) * (n / 16);
    for (int r = 0; r < n_rows; ++r) {
      const UnpackedK* u = &s.w[static_cast<size_t>(r) * nb];
      float acc = 0.0f;
      for (int b = 0; b < nb; ++b) {
        const int8_t* y = xq + b * kQK_K;
        __m512i dot = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int c = 0; c < 4; ++c) {
          const __m512i p16 = _mm512_maddubs_epi16(u[b].q[c], _mm512_loadu_si512(y + 64 * c));
          dot = _mm512_add_epi32(dot, _mm512_madd_epi16(p16, u[b].sc[c]));
        }
        const int32_t isum = _mm512_reduce_add_epi32(dot);
        const __m256i b16 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bs + b * 16));
        const int32_t isum2 = hsum_i32_256(_mm256_madd_epi16(b16, u[b].m16));
        if constexpr (T == WeightType::kQ4_K || T == WeightType::kQ5_K) {
          const float p = static_cast<float>(isum) * (xd[b] * u[b].d);
          const float q = static_cast<float>(isum2) * (xd[b] * u[b].dmin);
          acc = acc + (p - q);
        } else {
          const float v = static_cast<float>(isum - 32 * isum2) * (xd[b] * u[b].d);
          acc = acc + v;
        }
      }
      out[static_cast<size_t>(t) * out_stride + r] = acc;
    }
  }
}

}  // namespace

void install_avx512_kernels(Kernels& k) {
  // The table arrives filled with the AVX2 entries: keep those for one token.
  for (WeightType t : {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ5_0, WeightType::kQ4_K,
                       WeightType::kQ5_K, WeightType::kQ6_K, WeightType::kF32, WeightType::kF16, WeightType::kBF16}) {
    g_single_token_tile[static_cast<int>(t)] = k.mat_tile[static_cast<int>(t)];
  }
  k.mat_tile[static_cast<int>(WeightType::kQ8_0)] = mat_tile_q_0<WeightType::kQ8_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_0)] = mat_tile_q_0<WeightType::kQ4_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_K)] = mat_tile_k<WeightType::kQ4_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_K)] = mat_tile_k<WeightType::kQ5_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_0)] = mat_tile_q_0<WeightType::kQ5_0>;
  k.mat_tile[static_cast<int>(WeightType::kF32)] = mat_tile_float<WeightType::kF32>;
  k.mat_tile[static_cast<int>(WeightType::kF16)] = mat_tile_float<WeightType::kF16>;
  k.mat_tile[static_cast<int>(WeightType::kBF16)] = mat_tile_float<WeightType::kBF16>;
  k.mat_tile[static_cast<int>(WeightType::kQ6_K)] = mat_tile_k<WeightType::kQ6_K>;
  k.packed_row_bytes = packed_row_bytes;
  k.pack_rows = pack_rows;
  for (WeightType t : {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ5_0})
    k.mat_tile_packed[static_cast<int>(t)] = mat_tile_q_0_prepacked;
  k.to_f16_saturated = to_f16_saturated;
  k.quantize_q8_0 = quantize_q8_0;
  k.dot_f32 = dot_f32;
  k.rmsnorm = rmsnorm;
  k.silu_mul = silu_mul;
  k.attention = attention;
  k.attention4 = attention4;
  k.attention_f16 = attention_f16;
  k.attention4_f16 = attention4_f16;
}

}  // namespace llmzip::ops
