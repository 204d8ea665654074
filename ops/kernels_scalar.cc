// Scalar reference kernels: the oracle for every SIMD level. Each function
// follows the operation order that kernels.h specifies, literally.
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

// Float -> int8 for values the quantizers produce (integers in [-127, 127]);
// non-finite inputs (only from a broken model) map to 0 instead of undefined
// behaviour.
int8_t to_int8(float v) {
  if (!(v >= -128.0f && v <= 127.0f)) return 0;
  return static_cast<int8_t>(v);
}

float tree16(const float a[16]) {
  float s8[8], s4[4];
  for (int l = 0; l < 8; ++l) s8[l] = a[l] + a[l + 8];
  for (int l = 0; l < 4; ++l) s4[l] = s8[l] + s8[l + 4];
  const float s2a = s4[0] + s4[2], s2b = s4[1] + s4[3];
  return s2a + s2b;
}

float tree8(const float a[8]) {
  float s4[4];
  for (int l = 0; l < 4; ++l) s4[l] = a[l] + a[l + 4];
  const float s2a = s4[0] + s4[2], s2b = s4[1] + s4[3];
  return s2a + s2b;
}

template <class Load>
float lane16_dot(int n, const float* x, Load load) {
  float acc[16] = {};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) acc[l] = acc[l] + load(i + l) * x[i + l];
  }
  for (int l = 0; i + l < n; ++l) acc[l] = acc[l] + load(i + l) * x[i + l];
  return tree16(acc);
}

// F16 -> F32 by table (the values are f16_to_f32's, exactly): keeps the scalar
// reference fast enough for the tests that run every model on it.
const float* f16_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = f16_to_f32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

float dot_f32_scalar(const float* a, const float* b, int n) {
  return lane16_dot(n, b, [a](int i) { return a[i]; });
}

float dot_row(WeightType t, const uint8_t* w, const ActView& x, int tok) {
  const int n = x.n;
  switch (t) {
    case WeightType::kF32: {
      const float* wr = reinterpret_cast<const float*>(w);
      return lane16_dot(n, x.f + static_cast<size_t>(tok) * n, [wr](int i) { return wr[i]; });
    }
    case WeightType::kF16: {
      const uint16_t* wr = reinterpret_cast<const uint16_t*>(w);
      const float* tab = f16_table();
      return lane16_dot(n, x.f + static_cast<size_t>(tok) * n, [wr, tab](int i) { return tab[wr[i]]; });
    }
    case WeightType::kBF16: {
      const uint16_t* wr = reinterpret_cast<const uint16_t*>(w);
      return lane16_dot(n, x.f + static_cast<size_t>(tok) * n, [wr](int i) { return bf16_to_f32(wr[i]); });
    }
    case WeightType::kQ8_0:
    case WeightType::kQ4_0:
    case WeightType::kQ5_0: {
      const int nb = n / kQK8_0;
      const int8_t* xq = x.qs + static_cast<size_t>(tok) * n;
      const float* xd = x.d + static_cast<size_t>(tok) * nb;
      float acc[8] = {};
      for (int b = 0; b < nb; ++b) {
        int32_t isum = 0;
        float dw;
        if (t == WeightType::kQ8_0) {
          const BlockQ8_0* blk = reinterpret_cast<const BlockQ8_0*>(w) + b;
          for (int i = 0; i < kQK8_0; ++i) isum += int32_t{blk->qs[i]} * xq[b * kQK8_0 + i];
          dw = f16_to_f32(blk->d);
        } else if (t == WeightType::kQ5_0) {
          const BlockQ5_0* blk = reinterpret_cast<const BlockQ5_0*>(w) + b;
          int8_t q[32];
          unpack_q5_0(*blk, q);
          for (int i = 0; i < kQK8_0; ++i) isum += (q[i] - 16) * int32_t{xq[b * kQK8_0 + i]};
          dw = f16_to_f32(blk->d);
        } else {
          const BlockQ4_0* blk = reinterpret_cast<const BlockQ4_0*>(w) + b;
          for (int j = 0; j < 16; ++j) {
            isum += ((blk->qs[j] & 15) - 8) * int32_t{xq[b * kQK8_0 + j]};
            isum += ((blk->qs[j] >> 4) - 8) * int32_t{xq[b * kQK8_0 + j + 16]};
          }
          dw = f16_to_f32(blk->d);
        }
        const float v = static_cast<float>(isum) * (dw * xd[b]);
        acc[b & 7] = acc[b & 7] + v;
      }
      return tree8(acc);
    }
    case WeightType::kQ4_K:
    case WeightType::kQ5_K: {
      const int nb = n / kQK_K;
      const int8_t* xq = x.qs + static_cast<size_t>(tok) * n;
      const float* xd = x.d + static_cast<size_t>(tok) * nb;
      const int16_t* bs = x.bsums + static_cast<size_t>(tok) * (n / 16);
      float acc = 0.0f;
      for (int b = 0; b < nb; ++b) {
        // Q4_K and Q5_K share d, dmin and scales at the same offsets.
        const uint8_t* raw = w + static_cast<size_t>(b) * (t == WeightType::kQ4_K ? sizeof(BlockQ4_K) : sizeof(BlockQ5_K));
        const BlockQ4_K* blk = reinterpret_cast<const BlockQ4_K*>(raw);
        uint8_t sc[8], m[8];
        unpack_q4_k_scales(blk->scales, sc, m);
        const int8_t* q8 = xq + b * kQK_K;
        uint8_t q[kQK_K];
        if (t == WeightType::kQ5_K) {
          unpack_q5_k(*reinterpret_cast<const BlockQ5_K*>(raw), q);
        } else {
          for (int k = 0; k < 4; ++k) {
            for (int i = 0; i < 32; ++i) {
              q[64 * k + i] = blk->qs[32 * k + i] & 15;
              q[64 * k + 32 + i] = blk->qs[32 * k + i] >> 4;
            }
          }
        }
        int32_t isum_sc = 0, isum_m = 0;
        for (int s = 0; s < 8; ++s) {
          int32_t sub = 0;
          for (int i = 0; i < 32; ++i) sub += int32_t{q[32 * s + i]} * q8[32 * s + i];
          isum_sc += sc[s] * sub;
        }
        for (int s = 0; s < 8; ++s) {
          isum_m += m[s] * (int32_t{bs[b * 16 + 2 * s]} + bs[b * 16 + 2 * s + 1]);
        }
        const float p = static_cast<float>(isum_sc) * (xd[b] * f16_to_f32(blk->d));
        const float mq = static_cast<float>(isum_m) * (xd[b] * f16_to_f32(blk->dmin));
        acc = acc + (p - mq);
      }
      return acc;
    }
    case WeightType::kQ6_K: {
      const int nb = n / kQK_K;
      const int8_t* xq = x.qs + static_cast<size_t>(tok) * n;
      const float* xd = x.d + static_cast<size_t>(tok) * nb;
      float acc = 0.0f;
      for (int b = 0; b < nb; ++b) {
        const BlockQ6_K* blk = reinterpret_cast<const BlockQ6_K*>(w) + b;
        const int8_t* q8 = xq + b * kQK_K;
        int8_t q[kQK_K];  // q - 32, in element order
        for (int h = 0; h < 2; ++h) {
          const uint8_t* ql = blk->ql + 64 * h;
          const uint8_t* qh = blk->qh + 32 * h;
          int8_t* y = q + 128 * h;
          for (int l = 0; l < 32; ++l) {
            y[l] = static_cast<int8_t>(((ql[l] & 15) | ((qh[l] >> 0 & 3) << 4)) - 32);
            y[l + 32] = static_cast<int8_t>(((ql[l + 32] & 15) | ((qh[l] >> 2 & 3) << 4)) - 32);
            y[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | ((qh[l] >> 4 & 3) << 4)) - 32);
            y[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | ((qh[l] >> 6 & 3) << 4)) - 32);
          }
        }
        // Sub-block s covers elements 16s..16s+15 and uses scales[s].
        int32_t isum = 0;
        for (int sb = 0; sb < 16; ++sb) {
          int32_t sub = 0;
          for (int i = 0; i < 16; ++i) sub += int32_t{q[16 * sb + i]} * q8[16 * sb + i];
          isum += blk->scales[sb] * sub;
        }
        const float v = static_cast<float>(isum) * (xd[b] * f16_to_f32(blk->d));
        acc = acc + v;
      }
      return acc;
    }
  }
  assert(false);
  return 0.0f;
}

template <WeightType T>
void mat_tile_scalar(const uint8_t* w, size_t w_row_bytes, int n_rows, const ActView& x, int n_tok, float* out,
                     size_t out_stride) {
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + static_cast<size_t>(r) * w_row_bytes;
    for (int t = 0; t < n_tok; ++t) out[static_cast<size_t>(t) * out_stride + r] = dot_row(T, row, x, t);
  }
}

void quantize_q8_0_scalar(const float* x, int n, int8_t* qs, float* d) {
  assert(n % kQK8_0 == 0);
  for (int b = 0; b < n / kQK8_0; ++b) {
    const float* xb = x + b * kQK8_0;
    float amax = 0.0f;
    for (int i = 0; i < kQK8_0; ++i) {
      const float a = std::fabs(xb[i]);
      amax = a > amax ? a : amax;
    }
    d[b] = round_to_f16(amax / 127.0f);
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int i = 0; i < kQK8_0; ++i) {
      qs[b * kQK8_0 + i] = to_int8(round_half_even_f32(xb[i] * id));
    }
  }
}

void quantize_q8_k_scalar(const float* x, int n, int8_t* qs, float* d, int16_t* bsums) {
  assert(n % kQK_K == 0);
  for (int b = 0; b < n / kQK_K; ++b) {
    const float* xb = x + b * kQK_K;
    int8_t* q = qs + b * kQK_K;
    float amax = 0.0f, mx = 0.0f;
    for (int i = 0; i < kQK_K; ++i) {
      const float a = std::fabs(xb[i]);
      if (a > amax) {
        amax = a;
        mx = xb[i];
      }
    }
    if (amax == 0.0f) {
      d[b] = 0.0f;
      std::memset(q, 0, kQK_K);
      for (int j = 0; j < 16; ++j) bsums[b * 16 + j] = 0;
      continue;
    }
    const float iscale = -127.0f / mx;
    for (int i = 0; i < kQK_K; ++i) {
      const float v = round_half_even_f32(iscale * xb[i]);
      q[i] = to_int8(v > 127.0f ? 127.0f : v);
    }
    for (int j = 0; j < 16; ++j) {
      int s = 0;
      for (int i = 0; i < 16; ++i) s += q[16 * j + i];
      bsums[b * 16 + j] = static_cast<int16_t>(s);
    }
    d[b] = 1.0f / iscale;
  }
}

void rmsnorm_scalar(const float* x, const float* w, int n, float eps, float* y) {
  const float ss = dot_f32_scalar(x, x, n);
  const float mean = ss / static_cast<float>(n);
  const float s = 1.0f / std::sqrt(mean + eps);
  for (int i = 0; i < n; ++i) y[i] = (x[i] * s) * w[i];
}

void silu_mul_scalar(const float* g, const float* u, int n, float* y) {
  for (int i = 0; i < n; ++i) y[i] = (g[i] / (1.0f + exp_f32(-g[i]))) * u[i];
}

// The softmax step of attention (kernels.h): scores s[0..n) with maximum m
// become e_j = exp_f32(s_j - m) in place; returns their 16-lane sum.
float softmax_scalar(float* s, int n, float m) {
  float acc[16] = {};
  for (int j = 0; j < n; ++j) {
    const float e = exp_f32(s[j] - m);
    s[j] = e;
    acc[j & 15] = acc[j & 15] + e;
  }
  return tree16(acc);
}

void attention_scalar(const float* q, const float* k, const float* v, size_t kv_stride, int n_keys, int hd,
                      float scale, float* scratch, float* out) {
  assert(n_keys >= 1);
  float m = -INFINITY;
  for (int j = 0; j < n_keys; ++j) {
    const float s = dot_f32_scalar(q, k + j * kv_stride, hd) * scale;
    scratch[j] = s;
    m = s > m ? s : m;
  }
  const float sum = softmax_scalar(scratch, n_keys, m);
  for (int d = 0; d < hd; ++d) out[d] = 0.0f;
  for (int j = 0; j < n_keys; ++j) {
    const float e = scratch[j];
    const float* vj = v + j * kv_stride;
    for (int d = 0; d < hd; ++d) out[d] = out[d] + e * vj[d];
  }
  for (int d = 0; d < hd; ++d) out[d] = out[d] / sum;
}

void halves_to_f32(const uint16_t* h, int n, float* out) {
  for (int i = 0; i < n; ++i) out[i] = f16_to_f32(h[i]);
}

void attention_f16_scalar(const float* q, const uint16_t* k, const uint16_t* v, size_t kv_stride, int n_keys, int hd,
                          float scale, float* scratch, float* out) {
  attention_f16_by_conversion(attention_scalar, halves_to_f32, q, k, v, kv_stride, n_keys, hd, scale, scratch, out);
}

void attention_q8_scalar(const float* q, const uint8_t* k, const float* kd, const int8_t* v, const float* vd,
                         int n_keys, int hd, float scale, float* scratch, float* out) {
  assert(n_keys >= 1 && hd % kQK8_0 == 0 && hd <= kMaxQ8HeadDim);
  const int nb = hd / kQK8_0;
  int8_t qq[kMaxQ8HeadDim];
  float dq[kMaxQ8HeadDim / kQK8_0];
  quantize_q8_0_scalar(q, hd, qq, dq);
  float m = -INFINITY;
  for (int j = 0; j < n_keys; ++j) {
    const uint8_t* kj = k + static_cast<size_t>(j) * hd;
    float f = 0.0f;
    for (int b = 0; b < nb; ++b) {
      int32_t isum = 0;
      for (int i = b * kQK8_0; i < (b + 1) * kQK8_0; ++i) isum += int32_t(qq[i]) * (int32_t(kj[i]) - 128);
      const float p = static_cast<float>(isum) * (dq[b] * kd[static_cast<size_t>(j) * nb + b]);
      f = b == 0 ? p : f + p;
    }
    const float sj = f * scale;
    scratch[j] = sj;
    m = sj > m ? sj : m;
  }
  const float sum = softmax_scalar(scratch, n_keys, m);
  for (int d = 0; d < hd; ++d) out[d] = 0.0f;
  for (int j = 0; j < n_keys; ++j) {
    const int8_t* vj = v + static_cast<size_t>(j) * hd;
    for (int b = 0; b < nb; ++b) {
      const float w = scratch[j] * vd[static_cast<size_t>(j) * nb + b];
      for (int d = b * kQK8_0; d < (b + 1) * kQK8_0; ++d) out[d] = std::fma(w, static_cast<float>(vj[d]), out[d]);
    }
  }
  for (int d = 0; d < hd; ++d) out[d] = out[d] / sum;
}

}  // namespace

void to_f16_saturated_scalar(const float* x, int n, uint16_t* y) {
  for (int i = 0; i < n; ++i) {
    const float v = x[i] > 65504.0f ? 65504.0f : x[i] < -65504.0f ? -65504.0f : x[i];
    y[i] = f32_to_f16(v);
  }
}

void install_scalar_kernels(Kernels& k) {
  k.mat_tile[static_cast<int>(WeightType::kF32)] = mat_tile_scalar<WeightType::kF32>;
  k.mat_tile[static_cast<int>(WeightType::kF16)] = mat_tile_scalar<WeightType::kF16>;
  k.mat_tile[static_cast<int>(WeightType::kBF16)] = mat_tile_scalar<WeightType::kBF16>;
  k.mat_tile[static_cast<int>(WeightType::kQ8_0)] = mat_tile_scalar<WeightType::kQ8_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_0)] = mat_tile_scalar<WeightType::kQ4_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ4_K)] = mat_tile_scalar<WeightType::kQ4_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ6_K)] = mat_tile_scalar<WeightType::kQ6_K>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_0)] = mat_tile_scalar<WeightType::kQ5_0>;
  k.mat_tile[static_cast<int>(WeightType::kQ5_K)] = mat_tile_scalar<WeightType::kQ5_K>;
  k.to_f16_saturated = to_f16_saturated_scalar;
  k.quantize_q8_0 = quantize_q8_0_scalar;
  k.quantize_q8_k = quantize_q8_k_scalar;
  k.dot_f32 = dot_f32_scalar;
  k.rmsnorm = rmsnorm_scalar;
  k.silu_mul = silu_mul_scalar;
  k.attention = attention_scalar;
  k.attention_q8 = attention_q8_scalar;
  k.attention_f16 = attention_f16_scalar;
}

}  // namespace llmzip::ops
