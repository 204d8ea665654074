#include "coder/frequency_table.h"

#include <xxhash.h>

#if defined(__SSE2__) && !defined(LLMZIP_CODER_SCALAR)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <cmath>
#include <climits>
#include <cstring>

namespace llmzip::coder {
namespace {

// E[k] = round(2^(30 - k/1024)).
constexpr uint32_t kExp2Table[1024] = {
#include "coder/exp2_table.inc"
};

constexpr float kLogitClamp = 16384.0f;
constexpr uint64_t kLog2eQ22 = 6051102;  // round(log2(e) * 2^22)

// Step 1: clamp and fixed point. x * 65536 is exact for |x| <= 2^14 and the
// conversion truncates toward zero, so this is exact IEEE arithmetic.
// Written as selects (no branches) so that compilers vectorize it.
inline int32_t to_fixed(float x) {
  x = x >= -kLogitClamp ? x : -kLogitClamp;  // also NaN
  x = x <= kLogitClamp ? x : kLogitClamp;
  return int32_t(x * 65536.0f);
}

}  // namespace

void FrequencyTable::build_from_logits(const float* logits, size_t n) {
  assert(n >= 1 && n <= kMaxVocab);
  n_ = n;
  cum_.resize(n + 1);
  scratch_.resize(n);
  // Pass 1: fixed point (kept in scratch as int32 bits) and the first argmax.
  int32_t* q = reinterpret_cast<int32_t*>(scratch_.data());
  int32_t m = INT32_MIN;
  size_t j0 = 0;
#if defined(__SSE2__) && !defined(LLMZIP_CODER_SCALAR)
  // Same values as to_fixed(): maxps returns its second operand (the clamp)
  // when the logit is NaN; the multiply is exact; cvttps2dq truncates.
  {
    const __m128 lo = _mm_set1_ps(-kLogitClamp), hi = _mm_set1_ps(kLogitClamp), scale = _mm_set1_ps(65536.0f);
    __m128i vmax = _mm_set1_epi32(INT32_MIN);
    for (; j0 + 4 <= n; j0 += 4) {
      const __m128 x = _mm_min_ps(_mm_max_ps(_mm_loadu_ps(logits + j0), lo), hi);
      const __m128i v = _mm_cvttps_epi32(_mm_mul_ps(x, scale));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + j0), v);
      const __m128i gt = _mm_cmpgt_epi32(v, vmax);
      vmax = _mm_or_si128(_mm_and_si128(gt, v), _mm_andnot_si128(gt, vmax));
    }
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), vmax);
    for (int32_t v : lanes) m = std::max(m, v);
  }
#endif
  for (size_t j = j0; j < n; ++j) {
    q[j] = to_fixed(logits[j]);
    m = std::max(m, q[j]);
  }
  uint32_t argmax = 0;
  while (q[argmax] != m) ++argmax;
  // Pass 2: weights w = E[y mod 1024] >> (y / 1024), y = (m - q) * log2(e) in 2^-10.
  // d >= kZeroWeightD gives y >= 32 * 1024, i.e. w = 0; clamping d there keeps
  // the product in 32x32->64 bits and the shift below 32.
  constexpr uint32_t kZeroWeightD = uint32_t(((uint64_t{32 * 1024} << 28) + kLog2eQ22 - 1) / kLog2eQ22);
  uint32_t* w = scratch_.data();
  uint64_t wsum = 0;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t d = std::min(uint32_t(m) - uint32_t(q[j]), kZeroWeightD);
    const uint32_t y = uint32_t((uint64_t(d) * kLog2eQ22) >> 28);
    w[j] = (kExp2Table[y & 1023] >> (y >> 10 & 31)) & -uint32_t(d < kZeroWeightD);
    wsum += w[j];
  }
  finish_from_weights(argmax, wsum);
}

void FrequencyTable::build_uniform(size_t n) {
  assert(n >= 1 && n <= kMaxVocab);
  n_ = n;
  cum_.resize(n + 1);
  scratch_.assign(n, kExp2Table[0]);
  finish_from_weights(0, uint64_t(n) * kExp2Table[0]);
}

void FrequencyTable::finish_from_weights(uint32_t argmax, uint64_t wsum) {
  const size_t n = n_;
  assert(wsum >= kExp2Table[0]);
  const uint64_t mass = kTotal - n;
  const uint64_t k = uint64_t(((unsigned __int128)mass << 32) / wsum);
  // f_j = 1 + floor(w_j k / 2^32), cumulated; Σ floor(...) <= mass, so the
  // remainder is >= 0. It belongs to f_argmax: add it to every cum after it.
  const uint32_t* w = scratch_.data();
  uint32_t* cum = cum_.data();
  uint32_t c = 0;
  for (size_t j = 0; j < n; ++j) {
    cum[j] = c;
    c += uint32_t(1 + ((uint64_t(w[j]) * k) >> 32));
  }
  assert(uint64_t{c} <= kTotal);
  const uint32_t rem = uint32_t(kTotal - c);
  for (size_t j = argmax + 1; j < n; ++j) cum[j] += rem;
  cum[n] = uint32_t(kTotal);
}

void FrequencyTable::build_from_freqs(const uint32_t* freqs, size_t n) {
  assert(n >= 1 && n <= kMaxVocab);
  n_ = n;
  cum_.resize(n + 1);
  uint64_t c = 0;
  for (size_t j = 0; j < n; ++j) {
    assert(freqs[j] >= 1);
    cum_[j] = uint32_t(c);
    c += freqs[j];
    assert(c <= kTotal);
  }
  assert(c == kTotal);
  cum_[n] = uint32_t(c);
}

int64_t FrequencyTable::find(uint64_t target) const {
  if (target >= kTotal) return -1;
  // First entry > target, minus one. cum_[0] = 0 <= target, so the result >= 0.
  const uint32_t t = uint32_t(target);
  size_t lo = 0, len = n_ + 1;
  while (len > 1) {
    const size_t half = len / 2;
    if (cum_[lo + half] <= t) lo += half;
    len -= half;
  }
  return int64_t(lo);
}

double FrequencyTable::cost_bits(uint32_t symbol) const {
  return double(kTotalBits) - std::log2(double(freq(symbol)));
}

uint64_t FrequencyTable::hash() const {
  std::vector<uint8_t> bytes(cum_.size() * 4);
  for (size_t i = 0; i < cum_.size(); ++i) {
    for (int b = 0; b < 4; ++b) bytes[4 * i + b] = uint8_t(cum_[i] >> (8 * b));
  }
  return XXH64(bytes.data(), bytes.size(), 0);
}

}  // namespace llmzip::coder
