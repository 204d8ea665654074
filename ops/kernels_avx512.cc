// AVX-512 kernels (F, BW, VL, DQ and VNNI). Compiled with per-file AVX-512 flags
// (ops/CMakeLists.txt); dispatch.cc installs them only when the CPU has them.
// Entries not set here keep the AVX2 (or scalar) ones. Every entry reproduces
// the scalar reference bit for bit: integer block sums are exact in any order,
// and every float operation is the one kernels.h prescribes, in that order
// (separate mul and add, no FMA; 8 block lanes live in one ymm or one half
// of a zmm).
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

// tree8 of four 8-lane accumulators at once, given as ab = [a | b] and
// cd = [c | d]; returns the 4 sums in lanes 0..3.
inline __m128 tree8x4(__m512 ab, __m512 cd) {
  // s4: 128-bit lane k = s4[0..3] of accumulator k.
  const __m512 s4 = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(2, 0, 2, 0)),
                                  _mm512_shuffle_f32x4(ab, cd, _MM_SHUFFLE(3, 1, 3, 1)));
  // s2[l] = s4[l] + s4[l+2]; s = s2[0] + s2[1] (lane 0 of each 128-bit lane).
  const __m512 s2 = _mm512_add_ps(s4, _mm512_shuffle_ps(s4, s4, _MM_SHUFFLE(1, 0, 3, 2)));
  const __m512 s1 = _mm512_add_ps(s2, _mm512_shuffle_ps(s2, s2, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(idx, s1));
}

// tree16 of four accumulators at once; returns the 4 sums in lanes 0..3.
inline __m128 tree16x4(__m512 a, __m512 b, __m512 c, __m512 d) {
  // s8: [a s8 | b s8], [c s8 | d s8]
  const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(1, 0, 1, 0)),
                                  _mm512_shuffle_f32x4(c, d, _MM_SHUFFLE(3, 2, 3, 2)));
  return tree8x4(ab, cd);
}

// ---------------------------------------------------------------------------
// Q8_0 / Q4_0 / Q5_0 weights x Q8_0 activations.
//
// Packed layout. Weight rows are packed in groups of four (kRowGroup; a
// group's rows past the end of the matrix are zero). A row's blocks go in
// chunks of 8, the last one possibly of 4 (chunking(); padding blocks are
// zero). In a chunk of 8 two rows share every vector: vector k (k = 0..7)
// holds in lane l (0..7) bytes 4k..4k+3 of the first row's block l and in lane
// 8 + l those of the second row's; a group's chunk of 8 is two such pairs
// (rows 0-1, then rows 2-3). A chunk of 4 holds the four rows: lane 4r + l is
// row r's block l. Eight VNNI steps over the 8 vectors leave the int32 sum of
// each (row, block) in its own lane (exact in any order), so the float work of
// the contract (v_b = (float)isum_b * (d_b * dx_b), added to block lane b mod 8)
// is one vector operation per 16 (row, block) pairs, none of it wasted on
// padding for rows of 12 blocks (384 columns: 8 + 4). A zmm accumulator holds
// the 8 block lanes of two rows, which is the layout tree8x4 takes.
//
// vpdpbusd multiplies unsigned by signed bytes, so weights are stored as
// w + 128 (w ^ 0x80: 0..255 for any int8) and each lane starts at -128 * (the
// sum of the block's activations), made when the activations are packed:
// sum((w+128)*x) - 128*sum(x) = sum(w*x), all in exact int32.
//
// A weight chunk (one pair's chunk of 8, or the group's chunk of 4) is its 8
// vectors (512 bytes) then its 16 block scales as floats in lane order (64
// bytes): 576 bytes, 9 cache lines, so every chunk of a 64-byte aligned group
// is aligned. An activation row is packed per chunk too: the 8 vectors of its
// 8 (4) blocks, 32 (16) bytes each, then the 8 (4) lane starts as int32; the
// kernels broadcast each to the two (four) rows of a weight vector with one
// load.

constexpr int kRowGroup = 4;
constexpr size_t kWeightChunkBytes = 576;
constexpr size_t kActChunk8Bytes = 8 * 32 + 8 * 4;  // 288
constexpr size_t kActChunk4Bytes = 8 * 16 + 4 * 4;  // 144

struct Chunking {
  int n8 = 0;         // chunks of 8 (the last may hold padding blocks)
  bool has4 = false;  // then one of 4 (possibly with padding blocks)
};

inline Chunking chunking(int nb) {
  // Chunks of 8; the rest r = nb % 8 in one chunk of 8 (padded) when r > 4, of
  // 4 when r <= 4: a VNNI step does 16 lanes whatever the chunk.
  Chunking c;
  c.n8 = nb / 8;
  const int r = nb % 8;
  if (r > 4) ++c.n8;
  c.has4 = r > 0 && r <= 4;
  return c;
}

// Bytes of one packed group of rows, and of one packed activation row (a
// multiple of 64).
inline size_t packed_group_bytes(int nb) {
  const Chunking c = chunking(nb);
  return (2 * static_cast<size_t>(c.n8) + (c.has4 ? 1 : 0)) * kWeightChunkBytes;
}
inline size_t packed_act_bytes(int nb) {
  const Chunking c = chunking(nb);
  return (static_cast<size_t>(c.n8) * kActChunk8Bytes + (c.has4 ? kActChunk4Bytes : 0) + 63) / 64 * 64;
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

// The transposition of a chunk: W blocks of 32 bytes (W*32 contiguous bytes,
// block l at l*32) -> vector k lane l = dword k of block l, the W/2 zmm of the
// result laid out as the chunk's 8 vectors (vector k at byte k*4W). Done by
// log2(W/2) rounds of two-register permutes (vpermt2d), whose index vectors are
// worked out once by following every dword from its input to its output place.
struct TransposePlan {
  int rounds = 0;
  int src_lo[3][8] = {}, src_hi[3][8] = {};  // the two input registers of output register r in round s
  alignas(64) int32_t idx[3][8][16] = {};
};

TransposePlan make_transpose_plan(int W) {
  TransposePlan p;
  const int regs = W / 2;
  p.rounds = regs == 8 ? 3 : regs == 4 ? 2 : 1;
  // Element e = 8l + k (block l, dword k) sits at flat position pos[e] (reg = pos >> 4, lane = pos & 15).
  std::vector<int> pos(8 * W);
  for (int e = 0; e < 8 * W; ++e) pos[e] = e;
  for (int s = 0; s < p.rounds; ++s) {
    const bool last = s == p.rounds - 1;
    // Round s moves k bit (s + 3 - rounds) into register bit s (swapping with
    // the lane bit holding it); the last round places every element at its
    // output position (vector k lane l -> flat k*W + l) directly.
    const int kbit = s + 3 - p.rounds;
    std::vector<int> next(8 * W);
    for (int e = 0; e < 8 * W; ++e) {
      if (last) {
        next[e] = (e % 8) * W + e / 8;
      } else {
        const int reg = pos[e] >> 4, lane = pos[e] & 15;
        const int rb = (reg >> s) & 1, lb = (lane >> kbit) & 1;
        next[e] = (((reg & ~(1 << s)) | (lb << s)) << 4) | (lane & ~(1 << kbit)) | (rb << kbit);
      }
    }
    for (int r = 0; r < regs; ++r) {
      p.src_lo[s][r] = r & ~(1 << s);
      p.src_hi[s][r] = r | (1 << s);
    }
    for (int e = 0; e < 8 * W; ++e) {
      const int out_reg = next[e] >> 4, out_lane = next[e] & 15;
      const int in_reg = pos[e] >> 4, in_lane = pos[e] & 15;
      assert(in_reg == p.src_lo[s][out_reg] || in_reg == p.src_hi[s][out_reg]);
      p.idx[s][out_reg][out_lane] = (in_reg == p.src_lo[s][out_reg] ? 0 : 16) + in_lane;
    }
    pos = next;
  }
  return p;
}

const TransposePlan& transpose_plan(int W) {
  static const TransposePlan p8 = make_transpose_plan(8), p4 = make_transpose_plan(4);
  return W == 8 ? p8 : p4;
}

// in: W*32 bytes (W = 8 or 4); out: the W/2 zmm of the chunk's vectors.
inline void transpose_chunk(const uint8_t* in, int W, __m512i out[4]) {
  const TransposePlan& p = transpose_plan(W);
  const int regs = W / 2;
  __m512i r[4];
  for (int i = 0; i < regs; ++i) r[i] = _mm512_loadu_si512(in + 64 * i);
  for (int s = 0; s < p.rounds; ++s) {
    __m512i n[4];
    for (int i = 0; i < regs; ++i)
      n[i] = _mm512_permutex2var_epi32(r[p.src_lo[s][i]], _mm512_load_si512(p.idx[s][i]), r[p.src_hi[s][i]]);
    for (int i = 0; i < regs; ++i) r[i] = n[i];
  }
  for (int i = 0; i < regs; ++i) out[i] = r[i];
}

// Chunks hold 2 (W = 8) or 4 (W = 4) of their vectors per zmm: the exact int32
// sums of a lane's parts, folded to the chunk's W lanes.
inline __m256i fold_to_8(__m512i v) { return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)); }
inline __m128i fold_to_4(__m512i v) {
  const __m256i s8 = fold_to_8(v);
  return _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
}

// One activation row (nb blocks of int8, contiguous) into its packed chunks.
inline void pack_act_row(const int8_t* xq, int nb, uint8_t* out) {
  alignas(64) uint8_t tmp[8 * 32];
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const Chunking c = chunking(nb);
  auto chunk = [&](int b0, int W, uint8_t* o) {
    const int real = nb - b0 < W ? nb - b0 : W;
    const uint8_t* src = reinterpret_cast<const uint8_t*>(xq) + static_cast<size_t>(b0) * 32;
    if (real < W) {
      std::memset(tmp, 0, static_cast<size_t>(W) * 32);
      std::memcpy(tmp, src, static_cast<size_t>(real) * 32);
      src = tmp;
    }
    __m512i v[4];
    transpose_chunk(src, W, v);
    __m512i sum = _mm512_setzero_si512();
    for (int i = 0; i < W / 2; ++i) {
      _mm512_storeu_si512(o + 64 * i, v[i]);
      sum = _mm512_dpbusd_epi32(sum, bias, v[i]);
    }
    // Lane starts: -(128 * block sum).
    const __m512i corr = _mm512_sub_epi32(_mm512_setzero_si512(), sum);
    if (W == 8) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 256), fold_to_8(corr));
    } else {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 128), fold_to_4(corr));
    }
  };
  for (int ch = 0; ch < c.n8; ++ch) chunk(8 * ch, 8, out + ch * kActChunk8Bytes);
  if (c.has4) chunk(8 * c.n8, 4, out + c.n8 * kActChunk8Bytes);
}

// Four raw rows of nb blocks of type T (nullptr: a zero row past the matrix's
// end) into one packed group (packed_group_bytes(nb)).
template <WeightType T>
void pack_weight_group(const uint8_t* const rows[kRowGroup], int nb, uint8_t* out) {
  constexpr size_t kBlockBytes = weight_block_bytes(T);
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  // Blocks b0 .. b0+W-1 of one row, transposed (vector k at tv + 4W*k) and biased; their scales to d.
  auto row_chunk = [&](const uint8_t* row, int b0, int W, uint8_t* tv, float* d) {
    alignas(64) uint8_t tmp[8 * 32];
    for (int l = 0; l < W; ++l) {
      __m256i blk = _mm256_setzero_si256();
      d[l] = 0.0f;
      if (row != nullptr && b0 + l < nb) {
        blk = load_weight_block<T>(row, b0 + l);
        uint16_t h;
        std::memcpy(&h, row + static_cast<size_t>(b0 + l) * kBlockBytes, 2);
        d[l] = f16_to_f32(h);
      }
      _mm256_store_si256(reinterpret_cast<__m256i*>(tmp + 32 * l), blk);
    }
    __m512i v[4];
    transpose_chunk(tmp, W, v);
    for (int i = 0; i < W / 2; ++i) _mm512_storeu_si512(tv + 64 * i, _mm512_xor_si512(v[i], bias));
  };
  const Chunking c = chunking(nb);
  alignas(64) uint8_t tv[kRowGroup][8 * 32];
  float d[kRowGroup][8];
  uint8_t* o = out;
  for (int ch = 0; ch < c.n8; ++ch) {
    for (int r = 0; r < kRowGroup; ++r) row_chunk(rows[r], 8 * ch, 8, tv[r], d[r]);
    for (int p = 0; p < 2; ++p, o += kWeightChunkBytes) {
      for (int k = 0; k < 8; ++k) {
        std::memcpy(o + 64 * k, tv[2 * p] + 32 * k, 32);
        std::memcpy(o + 64 * k + 32, tv[2 * p + 1] + 32 * k, 32);
      }
      std::memcpy(o + 512, d[2 * p], 32);
      std::memcpy(o + 544, d[2 * p + 1], 32);
    }
  }
  if (c.has4) {
    for (int r = 0; r < kRowGroup; ++r) row_chunk(rows[r], 8 * c.n8, 4, tv[r], d[r]);
    for (int k = 0; k < 8; ++k)
      for (int r = 0; r < kRowGroup; ++r) std::memcpy(o + 64 * k + 16 * r, tv[r] + 16 * k, 16);
    for (int r = 0; r < kRowGroup; ++r) std::memcpy(o + 512 + 16 * r, d[r], 16);
  }
}

// An activation chunk's 32 (16) bytes in every 256-bit (128-bit) part of a zmm.
inline __m512i bcast8(const uint8_t* p) { return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512i bcast4(const uint8_t* p) { return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

// The activation scales of blocks b0 .. b0+7 for both rows of a pair (b0 ..
// b0+3 for the four rows); lanes of blocks at or past nb: +0.
inline __m512 act_scales8x2(const float* d, int b0, int nb) {
  const int real = nb - b0;
  if (real >= 8) return _mm512_broadcast_f32x8(_mm256_loadu_ps(d + b0));
  return _mm512_broadcast_f32x8(_mm256_maskz_loadu_ps(static_cast<__mmask8>((1u << real) - 1u), d + b0));
}
inline __m512 act_scales4x4(const float* d, int b0, int nb) {
  const int real = nb - b0;
  const __mmask8 m = real >= 4 ? static_cast<__mmask8>(0xf) : static_cast<__mmask8>((1u << real) - 1u);
  return _mm512_broadcast_f32x4(_mm_maskz_loadu_ps(m, d + b0));
}

// One packed group of rows (the first nr of its 4 stored) x NT tokens:
// out[i * out_stride + r] for r < nr. acc[p][i] holds the 8 block lanes of
// rows 2p and 2p+1 (kernels.h's block sum), for token i.
template <int NT>
inline void q_0_micro(const uint8_t* wg, const uint8_t* const* xrows, const float* const* xd, int nb, int nr,
                      float* out, size_t out_stride) {
  __m512 acc[2][NT];
#pragma GCC unroll 4
  for (int i = 0; i < NT; ++i) acc[0][i] = acc[1][i] = _mm512_setzero_ps();
  const Chunking c = chunking(nb);
  const uint8_t* w = wg;
  for (int ch = 0; ch < c.n8; ++ch, w += 2 * kWeightChunkBytes) {
    const size_t xo = static_cast<size_t>(ch) * kActChunk8Bytes;
    __m512i s[2][NT];
#pragma GCC unroll 4
    for (int i = 0; i < NT; ++i) s[0][i] = s[1][i] = bcast8(xrows[i] + xo + 256);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const __m512i w0 = _mm512_load_si512(w + 64 * k);
      const __m512i w1 = _mm512_load_si512(w + kWeightChunkBytes + 64 * k);
#pragma GCC unroll 4
      for (int i = 0; i < NT; ++i) {
        const __m512i x = bcast8(xrows[i] + xo + 32 * k);
        s[0][i] = _mm512_dpbusd_epi32(s[0][i], w0, x);
        s[1][i] = _mm512_dpbusd_epi32(s[1][i], w1, x);
      }
    }
    const __m512 dw0 = _mm512_load_ps(reinterpret_cast<const float*>(w + 512));
    const __m512 dw1 = _mm512_load_ps(reinterpret_cast<const float*>(w + kWeightChunkBytes + 512));
#pragma GCC unroll 4
    for (int i = 0; i < NT; ++i) {
      const __m512 dx = act_scales8x2(xd[i], 8 * ch, nb);
      acc[0][i] = _mm512_add_ps(acc[0][i], _mm512_mul_ps(_mm512_cvtepi32_ps(s[0][i]), _mm512_mul_ps(dw0, dx)));
      acc[1][i] = _mm512_add_ps(acc[1][i], _mm512_mul_ps(_mm512_cvtepi32_ps(s[1][i]), _mm512_mul_ps(dw1, dx)));
    }
  }
  if (c.has4) {
    const size_t xo = static_cast<size_t>(c.n8) * kActChunk8Bytes;
    __m512i s[NT];
#pragma GCC unroll 4
    for (int i = 0; i < NT; ++i) s[i] = bcast4(xrows[i] + xo + 128);
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const __m512i wv = _mm512_load_si512(w + 64 * k);
#pragma GCC unroll 4
      for (int i = 0; i < NT; ++i) s[i] = _mm512_dpbusd_epi32(s[i], wv, bcast4(xrows[i] + xo + 16 * k));
    }
    const __m512 dw = _mm512_load_ps(reinterpret_cast<const float*>(w + 512));
    // Row r's 4 block values (lanes 4r..4r+3) go to block lanes 0..3 of its
    // half of acc[r / 2]; the other lanes get +0, which changes no lane.
    const __m512i to_ab = _mm512_setr_epi32(0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7, 0, 0, 0, 0);
    const __m512i to_cd = _mm512_setr_epi32(8, 9, 10, 11, 0, 0, 0, 0, 12, 13, 14, 15, 0, 0, 0, 0);
    const __mmask16 lanes = 0x0f0f;
#pragma GCC unroll 4
    for (int i = 0; i < NT; ++i) {
      const __m512 dx = act_scales4x4(xd[i], 8 * c.n8, nb);
      const __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s[i]), _mm512_mul_ps(dw, dx));
      acc[0][i] = _mm512_add_ps(acc[0][i], _mm512_maskz_permutexvar_ps(lanes, to_ab, v));
      acc[1][i] = _mm512_add_ps(acc[1][i], _mm512_maskz_permutexvar_ps(lanes, to_cd, v));
    }
  }
  const __mmask8 store = static_cast<__mmask8>((1u << nr) - 1u);
#pragma GCC unroll 4
  for (int i = 0; i < NT; ++i) _mm_mask_storeu_ps(out + static_cast<size_t>(i) * out_stride, store, tree8x4(acc[0][i], acc[1][i]));
}

struct alignas(64) CacheLine {
  uint8_t bytes[64];
};

struct Q8Scratch {
  std::vector<CacheLine> x;  // the call's packed activation rows
  std::vector<CacheLine> w;  // the call's packed weight rows (raw-row entry)
};

Q8Scratch& q8_scratch() {
  static thread_local Q8Scratch s;
  return s;
}

size_t packed_q8_0_act_row_bytes(int n) { return packed_act_bytes(n / kQK8_0); }
void pack_q8_0_act(const int8_t* qs, int n, uint8_t* out) { pack_act_row(qs, n / kQK8_0, out); }

// Products of packed weight rows (groups of kRowGroup rows; the group of row
// r, r a multiple of kRowGroup, at w + r * w_row_bytes) with Q8_0
// activations, whatever type the rows were packed from: a MatTileFn over
// packed rows. The activations are packed here unless the batch carries them
// packed (ActView::packed).
void mat_tile_q_0_prepacked(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok,
                            float* out, size_t out_stride) {
  constexpr int kNT = 4;
  const int n = x.n;
  const int nb = n / kQK8_0;
  const size_t xrb = packed_act_bytes(nb);
  const uint8_t* xp = x.packed;
  if (xp == nullptr) {
    Q8Scratch& s = q8_scratch();
    if (s.x.size() * 64 < n_tok * xrb) s.x.resize(n_tok * xrb / 64);
    uint8_t* p = s.x[0].bytes;
    for (int t = 0; t < n_tok; ++t) pack_act_row(x.qs + static_cast<size_t>(t) * n, nb, p + t * xrb);
    xp = p;
  }
  assert(x.packed == nullptr || x.packed_row_bytes == xrb);
  assert(w_row_bytes * kRowGroup == packed_group_bytes(nb));
  for (int r = 0; r < n_rows; r += kRowGroup) {
    const int nr = n_rows - r < kRowGroup ? n_rows - r : kRowGroup;
    const uint8_t* wg = w + static_cast<size_t>(r) * w_row_bytes;
    for (int t0 = 0; t0 < n_tok; t0 += kNT) {
      const int nt = n_tok - t0 < kNT ? n_tok - t0 : kNT;
      const uint8_t* xrows[kNT];
      const float* xd[kNT];
      for (int i = 0; i < kNT; ++i) {
        const int t = t0 + (i < nt ? i : 0);
        xrows[i] = xp + t * xrb;
        xd[i] = x.d + static_cast<size_t>(t) * nb;
      }
      float* o = out + static_cast<size_t>(t0) * out_stride + r;
      switch (nt) {
        case 4: q_0_micro<4>(wg, xrows, xd, nb, nr, o, out_stride); break;
        case 3: q_0_micro<3>(wg, xrows, xd, nb, nr, o, out_stride); break;
        case 2: q_0_micro<2>(wg, xrows, xd, nb, nr, o, out_stride); break;
        default: q_0_micro<1>(wg, xrows, xd, nb, nr, o, out_stride); break;
      }
    }
  }
}

// Packs n_rows raw rows (row r at w + r * w_row_bytes) of type T into groups at out.
template <WeightType T>
void pack_weight_rows(const uint8_t* w, size_t w_row_bytes, int n_rows, int nb, uint8_t* out) {
  const size_t gb = packed_group_bytes(nb);
  for (int r = 0; r < n_rows; r += kRowGroup) {
    const uint8_t* rows[kRowGroup];
    for (int j = 0; j < kRowGroup; ++j) rows[j] = r + j < n_rows ? w + static_cast<size_t>(r + j) * w_row_bytes : nullptr;
    pack_weight_group<T>(rows, nb, out + static_cast<size_t>(r / kRowGroup) * gb);
  }
}

// The same from raw rows: packs the call's weight rows first.
template <WeightType T>
void mat_tile_q_0_packed(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok,
                         float* out, size_t out_stride) {
  const int nb = x.n / kQK8_0;
  const size_t gb = packed_group_bytes(nb);
  const size_t bytes = static_cast<size_t>((n_rows + kRowGroup - 1) / kRowGroup) * gb;
  Q8Scratch& s = q8_scratch();
  if (s.w.size() * 64 < bytes) s.w.resize(bytes / 64);
  uint8_t* packed = s.w[0].bytes;
  pack_weight_rows<T>(w, w_row_bytes, n_rows, nb, packed);
  mat_tile_q_0_prepacked(packed, gb / kRowGroup, n_rows, x, n_tok, out, out_stride);
}

bool packs(WeightType t) { return t == WeightType::kQ8_0 || t == WeightType::kQ4_0 || t == WeightType::kQ5_0; }

size_t packed_row_bytes(WeightType t, int n_cols) {
  if (!packs(t) || n_cols <= 0 || n_cols % kQK8_0 != 0) return 0;
  return packed_group_bytes(n_cols / kQK8_0) / kRowGroup;
}

void pack_rows(WeightType t, const uint8_t* w, size_t w_row_bytes, int n_rows, int n_cols, uint8_t* out) {
  assert(packed_row_bytes(t, n_cols) != 0 && reinterpret_cast<uintptr_t>(out) % 64 == 0);
  const int nb = n_cols / kQK8_0;
  switch (t) {
    case WeightType::kQ8_0: pack_weight_rows<WeightType::kQ8_0>(w, w_row_bytes, n_rows, nb, out); break;
    case WeightType::kQ4_0: pack_weight_rows<WeightType::kQ4_0>(w, w_row_bytes, n_rows, nb, out); break;
    case WeightType::kQ5_0: pack_weight_rows<WeightType::kQ5_0>(w, w_row_bytes, n_rows, nb, out); break;
    default: assert(false);
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
inline float softmax_in_place_max(float* s, int n, float m) {
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
inline float softmax_in_place(float* s, int n) {
  float m = -INFINITY;
  for (int i = 0; i < n; ++i) m = s[i] > m ? s[i] : m;
  return softmax_in_place_max(s, n, m);
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

// NQ (<= 4) queries over one head's keys, query i seeing n0 + inc*i keys: inc 1
// for four consecutive positions of a sequence (attention4), 0 for the query
// heads that share a KV head at one position (attention_heads). The keys all
// of them see are loaded once for all. Per query, the same operations
// in the same order as attention_fixed: scores of keys in groups of four
// through tree16x4 (the group boundaries differ between the two versions, but
// tree16x4 and tree16 give the same sum for an accumulator: both are the
// kernels.h order), then max, exp and the 16-lane sum, then the values summed
// in key order.
template <int HD, typename KV, int NQ = 4>
void attention4_fixed(const float* q, size_t q_stride, const KV* k, const KV* v, size_t kv_stride, int n0,
                      float scale, float* scratch, float* out, size_t out_stride, int inc = 1) {
  constexpr int C = HD / 16;
  const int S = n0 + 3;  // scratch row of query i: scratch + i*S
  __m512 qv[NQ][C];
#pragma GCC unroll 4
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) qv[i][c] = _mm512_loadu_ps(q + i * q_stride + 16 * c);
  }
  const __m128 vscale = _mm_set1_ps(scale);
  // Keys every query sees: one load of k_j, NQ dot products.
  for (int j = 0; j < n0; ++j) {
    const KV* kj = k + j * kv_stride;
    __m512 kv[C];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) kv[c] = load_kv16(kj + 16 * c);
    __m512 a[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      a[i] = _mm512_setzero_ps();
      if (i >= NQ) continue;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) a[i] = _mm512_add_ps(a[i], _mm512_mul_ps(qv[i][c], kv[c]));
    }
    alignas(16) float sc[4];
    _mm_store_ps(sc, _mm_mul_ps(tree16x4(a[0], a[1], a[2], a[3]), vscale));
    for (int i = 0; i < NQ; ++i) scratch[i * S + j] = sc[i];
  }
  // The last keys, seen by the later queries only (inc 1).
  for (int i = 1; i < NQ; ++i) {
    for (int j = n0; j < n0 + inc * i; ++j) {
      const KV* kj = k + j * kv_stride;
      __m512 a = _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) a = _mm512_add_ps(a, _mm512_mul_ps(qv[i][c], load_kv16(kj + 16 * c)));
      scratch[i * S + j] = tree16(a) * scale;
    }
  }
  __m512 vsum[NQ];
  for (int i = 0; i < NQ; ++i) vsum[i] = _mm512_set1_ps(softmax_in_place(scratch + i * S, n0 + inc * i));
  __m512 o[NQ][C];
#pragma GCC unroll 4
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) o[i][c] = _mm512_setzero_ps();
  }
  for (int j = 0; j < n0; ++j) {
    const KV* vj = v + j * kv_stride;
    __m512 vv[C];
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) vv[c] = load_kv16(vj + 16 * c);
#pragma GCC unroll 4
    for (int i = 0; i < NQ; ++i) {
      const __m512 e = _mm512_set1_ps(scratch[i * S + j]);
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) o[i][c] = _mm512_add_ps(o[i][c], _mm512_mul_ps(e, vv[c]));
    }
  }
  for (int i = 1; i < NQ; ++i) {
    for (int j = n0; j < n0 + inc * i; ++j) {
      const __m512 e = _mm512_set1_ps(scratch[i * S + j]);
      const KV* vj = v + j * kv_stride;
#pragma GCC unroll 8
      for (int c = 0; c < C; ++c) o[i][c] = _mm512_add_ps(o[i][c], _mm512_mul_ps(e, load_kv16(vj + 16 * c)));
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < NQ; ++i) {
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) _mm512_storeu_ps(out + i * out_stride + 16 * c, _mm512_div_ps(o[i][c], vsum[i]));
  }
}

// nq (1..4) query heads at one position, all over n_keys keys of one KV head.
template <typename KV>
bool attention_heads_kv(const float* q, size_t q_stride, int nq, const KV* k, const KV* v, size_t kv_stride,
                        int n_keys, int hd, float scale, float* scratch, float* out, size_t out_stride) {
  assert(n_keys >= 1 && nq >= 1 && nq <= 4);
  if (hd != 64) return false;
  switch (nq) {
    case 1: attention4_fixed<64, KV, 1>(q, q_stride, k, v, kv_stride, n_keys, scale, scratch, out, out_stride, 0); break;
    case 2: attention4_fixed<64, KV, 2>(q, q_stride, k, v, kv_stride, n_keys, scale, scratch, out, out_stride, 0); break;
    case 3: attention4_fixed<64, KV, 3>(q, q_stride, k, v, kv_stride, n_keys, scale, scratch, out, out_stride, 0); break;
    default: attention4_fixed<64, KV, 4>(q, q_stride, k, v, kv_stride, n_keys, scale, scratch, out, out_stride, 0); break;
  }
  return true;
}

bool attention_heads(const float* q, size_t q_stride, int nq, const float* k, const float* v, size_t kv_stride,
                     int n_keys, int hd, float scale, float* scratch, float* out, size_t out_stride) {
  return attention_heads_kv(q, q_stride, nq, k, v, kv_stride, n_keys, hd, scale, scratch, out, out_stride);
}
bool attention_heads_f16(const float* q, size_t q_stride, int nq, const uint16_t* k, const uint16_t* v,
                         size_t kv_stride, int n_keys, int hd, float scale, float* scratch, float* out,
                         size_t out_stride) {
  return attention_heads_kv(q, q_stride, nq, k, v, kv_stride, n_keys, hd, scale, scratch, out, out_stride);
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

// The 8-bit cache (kernels.h attention_q8). Scores: vpdpbusd of a key row's
// bytes ku (unsigned) with the query's qq (signed) gives 16 lanes of
// sum(ku * qq) over 4 bytes each, lanes 0-7 for one block of 32 and 8-15 for
// the next; sum(qq * (ku - 128)) is that minus 128 * sum(qq) of the block. The
// lanes of 16 keys are added into one vector per block, lane j for key j:
// integer sums, so the grouping does not matter.
inline __m512i pair_sums(__m512i a, __m512i b) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return _mm512_add_epi32(_mm512_permutex2var_epi32(a, even, b), _mm512_permutex2var_epi32(a, odd, b));
}

// r[j]: key j's 16 lanes (lanes 0-7 block 2p, 8-15 block 2p+1). Returns lane j
// = key j's block-2p sum in *first, its block-2p+1 sum in *second.
inline void key_block_sums(const __m512i r[16], __m512i* first, __m512i* second) {
  __m512i s1[8], s2[4], s3[2];
  // Each round halves every key's lanes; a key's first-block lanes stay before
  // its second-block ones: 8 lanes (4+4), then 4 (2+2), then 2 (1+1).
  for (int i = 0; i < 8; ++i) s1[i] = pair_sums(r[2 * i], r[2 * i + 1]);
  for (int i = 0; i < 4; ++i) s2[i] = pair_sums(s1[2 * i], s1[2 * i + 1]);
  for (int i = 0; i < 2; ++i) s3[i] = pair_sums(s2[2 * i], s2[2 * i + 1]);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  *first = _mm512_permutex2var_epi32(s3[0], even, s3[1]);
  *second = _mm512_permutex2var_epi32(s3[0], odd, s3[1]);
}

// Values: o_d = fma(w, v_d, o_d) over 16-lane chunks, CT = hd / 16 when known.
template <int CT>
void q8_values(const float* e, const int8_t* v, const float* vd, int n_keys, int hd, float sum, float* out) {
  const int C = CT ? CT : hd / 16, nb = hd / kQK8_0;
  __m512 o[kMaxQ8HeadDim / 16];
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c) o[c] = _mm512_setzero_ps();
  for (int j = 0; j < n_keys; ++j) {
    const int8_t* vj = v + static_cast<size_t>(j) * hd;
#pragma GCC unroll 8
    for (int b = 0; b < nb; ++b) {
      const __m512 w = _mm512_set1_ps(e[j] * vd[static_cast<size_t>(j) * nb + b]);
#pragma GCC unroll 2
      for (int c = 2 * b; c < 2 * b + 2; ++c) {
        const __m512 x = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(vj + 16 * c))));
        o[c] = _mm512_fmadd_ps(w, x, o[c]);
      }
    }
  }
  const __m512 vsum = _mm512_set1_ps(sum);
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c) _mm512_storeu_ps(out + 16 * c, _mm512_div_ps(o[c], vsum));
}

void quantize_q8_0(const float* x, int n, int8_t* qs, float* d);

// One query's scores s_j (kernels.h attention_q8) into scratch[0..n_keys);
// returns their maximum (NaN scores never become it, as in the scalar loop).
float q8_scores(const float* q, const uint8_t* k, const float* kd, const int8_t* v, int n_keys, int hd, float scale,
                float* scratch) {
  const int nb = hd / kQK8_0, np = (nb + 1) / 2;  // blocks, and zmm-wide pairs of them
  alignas(64) int8_t qq[kMaxQ8HeadDim + kQK8_0] = {};
  float dq[kMaxQ8HeadDim / kQK8_0];
  quantize_q8_0(q, hd, qq, dq);
  __m512i qv[kMaxQ8HeadDim / 64];
  int32_t qsum[kMaxQ8HeadDim / kQK8_0 + 1] = {};
  for (int b = 0; b < nb; ++b)
    for (int i = 0; i < kQK8_0; ++i) qsum[b] += qq[kQK8_0 * b + i];
  for (int p = 0; p < np; ++p) {
    qv[p] = _mm512_load_si512(qq + 64 * p);
  }
  const __mmask64 last_pair = nb % 2 ? __mmask64(0xffffffffu) : ~__mmask64(0);
  const __m512 vscale = _mm512_set1_ps(scale);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int j0 = 0; j0 < n_keys; j0 += 16) {
    const int nk = n_keys - j0 < 16 ? n_keys - j0 : 16;
    const __mmask16 mk = first_lanes(nk);
    const __m512i idx = _mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(j0)), _mm512_set1_epi32(nb));
    // The values of these keys are read right after the scores: fetch them
    // now, with the keys of the next group (the prefetchers stop at pages).
    for (int jj = 0; jj < nk; ++jj) {
      const char* vr = reinterpret_cast<const char*>(v + static_cast<size_t>(j0 + jj) * hd);
      for (int b = 0; b < hd; b += 64) _mm_prefetch(vr + b, _MM_HINT_T0);
      if (j0 + 16 + jj < n_keys) {
        const char* kr = reinterpret_cast<const char*>(k + static_cast<size_t>(j0 + 16 + jj) * hd);
        for (int b = 0; b < hd; b += 64) _mm_prefetch(kr + b, _MM_HINT_T0);
      }
    }
    __m512 f = _mm512_setzero_ps();
    for (int p = 0; p < np; ++p) {
      __m512i r[16];
      const __mmask64 ml = p == np - 1 ? last_pair : ~__mmask64(0);
#pragma GCC unroll 16
      for (int jj = 0; jj < 16; ++jj) {
        r[jj] = jj < nk ? _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                              _mm512_maskz_loadu_epi8(ml, k + static_cast<size_t>(j0 + jj) * hd + 64 * p),
                                              qv[p])
                        : _mm512_setzero_si512();
      }
      __m512i s0, s1;
      key_block_sums(r, &s0, &s1);
      for (int h = 0; h < 2 && 2 * p + h < nb; ++h) {
        const int b = 2 * p + h;
        const __m512i isum = _mm512_sub_epi32(h == 0 ? s0 : s1, _mm512_set1_epi32(128 * qsum[b]));
        const __m512 dk = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, _mm512_add_epi32(idx, _mm512_set1_epi32(b)),
                                                   kd, 4);
        const __m512 pb = _mm512_mul_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(_mm512_set1_ps(dq[b]), dk));
        f = b == 0 ? pb : _mm512_add_ps(f, pb);
      }
    }
    const __m512 sj = _mm512_mul_ps(f, vscale);
    _mm512_mask_storeu_ps(scratch + j0, mk, sj);
    vmax = _mm512_mask_max_ps(vmax, mk, sj, vmax);  // sj > vmax ? sj : vmax
  }
  // The max is exact in any order.
  return _mm512_reduce_max_ps(vmax);
}

void attention_q8(const float* q, const uint8_t* k, const float* kd, const int8_t* v, const float* vd, int n_keys,
                  int hd, float scale, float* scratch, float* out) {
  assert(n_keys >= 1 && hd % kQK8_0 == 0 && hd <= kMaxQ8HeadDim);
  const float m = q8_scores(q, k, kd, v, n_keys, hd, scale, scratch);
  const float sum = softmax_in_place_max(scratch, n_keys, m);
  if (hd == 64) return q8_values<4>(scratch, v, vd, n_keys, hd, sum, out);
  if (hd == 128) return q8_values<8>(scratch, v, vd, n_keys, hd, sum, out);
  q8_values<0>(scratch, v, vd, n_keys, hd, sum, out);
}

// Four queries at consecutive positions (query i over n0 + i keys), head size
// 64: each query's scores and softmax as attention_q8; the values are loaded
// and converted once for the four, each query's sums still in key order.
bool attention4_q8(const float* q, size_t q_stride, const uint8_t* k, const float* kd, const int8_t* v,
                   const float* vd, int n0, int hd, float scale, float* scratch, float* out, size_t out_stride) {
  assert(n0 >= 1);
  if (hd != 64) return false;
  const int S = n0 + 3;  // scratch row of query i: scratch + i*S
  float sum[4];
  for (int i = 0; i < 4; ++i) {
    float* e = scratch + i * S;
    const int n = n0 + i;
    sum[i] = softmax_in_place_max(e, n, q8_scores(q + i * q_stride, k, kd, v, n, hd, scale, e));
  }
  __m512 o[4][4];
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 4; ++c) o[i][c] = _mm512_setzero_ps();
  auto value16 = [&](int j, int c) {
    return _mm512_cvtepi32_ps(
        _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + static_cast<size_t>(j) * 64 + 16 * c))));
  };
  for (int j = 0; j < n0; ++j) {
    __m512 x[4];
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) x[c] = value16(j, c);
    const float vd0 = vd[2 * j], vd1 = vd[2 * j + 1];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      const float e = scratch[i * S + j];
      const __m512 w0 = _mm512_set1_ps(e * vd0), w1 = _mm512_set1_ps(e * vd1);
      o[i][0] = _mm512_fmadd_ps(w0, x[0], o[i][0]);
      o[i][1] = _mm512_fmadd_ps(w0, x[1], o[i][1]);
      o[i][2] = _mm512_fmadd_ps(w1, x[2], o[i][2]);
      o[i][3] = _mm512_fmadd_ps(w1, x[3], o[i][3]);
    }
  }
  // The last keys, seen by the later queries only.
  for (int i = 1; i < 4; ++i) {
    for (int j = n0; j < n0 + i; ++j) {
      const float e = scratch[i * S + j];
      const __m512 w0 = _mm512_set1_ps(e * vd[2 * j]), w1 = _mm512_set1_ps(e * vd[2 * j + 1]);
      o[i][0] = _mm512_fmadd_ps(w0, value16(j, 0), o[i][0]);
      o[i][1] = _mm512_fmadd_ps(w0, value16(j, 1), o[i][1]);
      o[i][2] = _mm512_fmadd_ps(w1, value16(j, 2), o[i][2]);
      o[i][3] = _mm512_fmadd_ps(w1, value16(j, 3), o[i][3]);
    }
  }
  for (int i = 0; i < 4; ++i) {
    const __m512 vs = _mm512_set1_ps(sum[i]);
    for (int c = 0; c < 4; ++c) _mm512_storeu_ps(out + i * out_stride + 16 * c, _mm512_div_ps(o[i][c], vs));
  }
  return true;
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
  k.packed_row_group = kRowGroup;
  k.pack_rows = pack_rows;
  k.packed_q8_0_act_row_bytes = packed_q8_0_act_row_bytes;
  k.pack_q8_0_act = pack_q8_0_act;
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
  k.attention_q8 = attention_q8;
  k.attention4_q8 = attention4_q8;
  k.attention4_f16 = attention4_f16;
  k.attention_heads = attention_heads;
  k.attention_heads_f16 = attention_heads_f16;
}

}  // namespace llmzip::ops
