// Tests for ops/: conversions, own elementary functions against libm, kernel
// values against a double-precision reference, and bit-identity of every
// kernel on every Isa this CPU has against the scalar reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "common/thread_pool.h"
#include "ops/fp16.h"
#include "ops/kernels.h"
#include "ops/matmul.h"
#include "ops/numerics.h"
#include "ops/quant_blocks.h"

namespace llmzip::ops {
namespace {

TEST(Fp16, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_f16(f), h) << h;
  }
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
}

TEST(Fp16, RoundsToNearestEven) {
  // Exhaustive over a range of float bit patterns: result must be the nearest half.
  std::mt19937 rng(1);
  for (int it = 0; it < 200000; ++it) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, 4);
    if (!std::isfinite(f) || std::fabs(f) > 65504.0f) continue;
    const uint16_t h = f32_to_f16(f);
    const double v = f16_to_f32(h);
    const double err = std::fabs(v - f);
    // Neighbours in magnitude.
    for (int dlt : {-1, 1}) {
      const uint16_t mag = h & 0x7fff;
      if (mag == 0 && dlt < 0) continue;
      if (mag + dlt > 0x7bff) continue;
      const uint16_t nb = static_cast<uint16_t>((h & 0x8000) | (mag + dlt));
      const double e2 = std::fabs(static_cast<double>(f16_to_f32(nb)) - f);
      ASSERT_TRUE(err < e2 || (err == e2 && (h & 1) == 0)) << f << " -> " << v;
    }
  }
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0);                       // tie to even (0)
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 1);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
}

TEST(Fp16, KnownValues) {
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp tie -> even (2)
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie -> even (up)
}

TEST(Numerics, ExpF32MatchesLibm) {
  double max_rel = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.00173f) {
    const double ref = std::exp(static_cast<double>(x));
    const double rel = std::fabs(exp_f32(x) - ref) / ref;
    max_rel = std::max(max_rel, rel);
  }
  EXPECT_LT(max_rel, 3e-7);
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_GT(exp_f32(-1000.0f), 0.0f);  // clamped, never NaN
  EXPECT_LT(exp_f32(-1000.0f), 1e-37f);
}

TEST(Numerics, DoubleFunctionsMatchLibm) {
  for (double x = -700; x <= 700; x += 0.0917) {
    const double r = std::exp(x);
    EXPECT_LE(std::fabs(exp_f64(x) - r), 4e-16 * r) << x;
  }
  for (double x = 1e-300; x < 1e300; x *= 1.37) {
    const double r = std::log(x);
    EXPECT_LE(std::fabs(log_f64(x) - r), 4e-16 * std::max(1.0, std::fabs(r))) << x;
  }
  EXPECT_EQ(log_f64(1.0), 0.0);
  for (double x = -1e5; x <= 1e5; x += 3.7131) {
    double s, c;
    sincos_f64(x, &s, &c);
    EXPECT_NEAR(s, std::sin(x), 1e-15 * std::max(1.0, std::fabs(x) / 1e3)) << x;
    EXPECT_NEAR(c, std::cos(x), 1e-15 * std::max(1.0, std::fabs(x) / 1e3)) << x;
  }
}

// Random weight bytes for a type, with sane scales (no inf/NaN).
std::string random_weights(WeightType t, int rows, int n, std::mt19937& rng) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::string s(weight_row_bytes(t, n) * rows, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  auto* p = reinterpret_cast<uint8_t*>(s.data());
  auto put16 = [](uint8_t* at, uint16_t v) { std::memcpy(at, &v, 2); };
  const size_t nblocks = s.size() / weight_block_bytes(t);
  for (size_t b = 0; b < nblocks; ++b) {
    uint8_t* blk = p + b * weight_block_bytes(t);
    switch (t) {
      case WeightType::kF32: { float v = nd(rng); std::memcpy(blk, &v, 4); break; }
      case WeightType::kF16: put16(blk, f32_to_f16(nd(rng))); break;
      case WeightType::kBF16: put16(blk, f32_to_bf16(nd(rng))); break;
      case WeightType::kQ8_0:
      case WeightType::kQ4_0: put16(blk, f32_to_f16(0.01f + 0.02f * std::fabs(nd(rng)))); break;
      case WeightType::kQ5_0: put16(blk, f32_to_f16(0.01f + 0.02f * std::fabs(nd(rng)))); break;
      case WeightType::kQ4_K:
      case WeightType::kQ5_K:
        put16(blk, f32_to_f16(0.001f + 0.002f * std::fabs(nd(rng))));
        put16(blk + 2, f32_to_f16(0.001f + 0.002f * std::fabs(nd(rng))));
        break;
      case WeightType::kQ6_K: put16(blk + 208, f32_to_f16(0.001f + 0.002f * std::fabs(nd(rng)))); break;
    }
  }
  return s;
}

const WeightType kAllTypes[] = {WeightType::kF32,  WeightType::kF16,  WeightType::kBF16,
                                WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ5_0,
                                WeightType::kQ4_K, WeightType::kQ5_K, WeightType::kQ6_K};

// Dequantized activations for the double reference.
std::vector<double> deq_act(const ActView& v, int t) {
  std::vector<double> out(v.n);
  for (int i = 0; i < v.n; ++i) {
    if (v.format == ActFormat::kF32) out[i] = v.f[t * v.n + i];
    else {
      const int bs = v.format == ActFormat::kQ8_0 ? 32 : 256;
      out[i] = static_cast<double>(v.qs[t * v.n + i]) * v.d[t * (v.n / bs) + i / bs];
    }
  }
  return out;
}

TEST(Kernels, MatmulMatchesDoubleReference) {
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (WeightType t : kAllTypes) {
    for (int n : {256, 512, 768}) {
      const int rows = 37, n_tok = 5;
      const std::string w = random_weights(t, rows, n, rng);
      WeightMatrix wm{t, n, rows, reinterpret_cast<const uint8_t*>(w.data()), weight_row_bytes(t, n)};
      std::vector<float> x(static_cast<size_t>(n_tok) * n);
      std::normal_distribution<float> nd(0.0f, 1.0f);
      for (auto& v : x) v = nd(rng);
      ActBatch acts;
      acts.set(x.data(), n_tok, n);
      std::vector<float> out(static_cast<size_t>(n_tok) * rows);
      matmul(wm, acts, out.data(), rows, pool);
      const ActView& av = acts.view(act_format_for(t), pool);
      std::vector<float> wrow(n);
      for (int r = 0; r < rows; ++r) {
        dequantize_row(wm, r, wrow.data());
        for (int k = 0; k < n_tok; ++k) {
          const std::vector<double> xa = deq_act(av, k);
          double ref = 0, mag = 0;
          for (int i = 0; i < n; ++i) {
            ref += static_cast<double>(wrow[i]) * xa[i];
            mag += std::fabs(static_cast<double>(wrow[i]) * xa[i]);
          }
          EXPECT_NEAR(out[k * rows + r], ref, 1e-5 * mag + 1e-6) << weight_type_name(t) << " n=" << n;
        }
      }
      // Activation quantization is close to the float input.
      if (act_format_for(t) != ActFormat::kF32) {
        const std::vector<double> xa = deq_act(av, 0);
        for (int i = 0; i < n; ++i) EXPECT_NEAR(xa[i], x[i], 0.02 * 4.5);
      }
    }
  }
}

// Bit layouts of the 5-bit types (ggml's block_q5_0 / block_q5_K), by hand.
TEST(Kernels, Q5LayoutsDequantizeAsGgml) {
  BlockQ5_0 b0{};
  b0.d = f32_to_f16(1.0f);
  for (int j = 0; j < 16; ++j) b0.qs[j] = static_cast<uint8_t>(j | (15 - j) << 4);
  b0.qh[0] = 0x01;  // bit 0: element 0
  b0.qh[3] = 0x80;  // bit 31: element 31
  WeightMatrix w0{WeightType::kQ5_0, 32, 1, reinterpret_cast<const uint8_t*>(&b0), sizeof(b0)};
  float out[256];
  dequantize_row(w0, 0, out);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], static_cast<float>((j | (j == 0 ? 16 : 0)) - 16)) << j;
    EXPECT_EQ(out[16 + j], static_cast<float>(((15 - j) | (j == 15 ? 16 : 0)) - 16)) << j;
  }
  BlockQ5_K bk{};
  bk.d = f32_to_f16(1.0f);
  bk.dmin = f32_to_f16(0.5f);
  for (int j = 0; j < 4; ++j) bk.scales[j] = 1;           // sc[0..3] = 1
  for (int j = 4; j < 8; ++j) bk.scales[j] = 2;           // m[0..3] = 2
  for (int j = 8; j < 12; ++j) bk.scales[j] = 0x31;       // sc[4..7] = 1, m[4..7] = 3
  bk.qs[32 * 2 + 7] = 0x5A;  // element 128+7 = 10 (low), element 160+7 = 5 (high)
  bk.qh[3] = 0x04;           // bit 2 (k=1, low half): element 64+3 += 16
  bk.qh[5] = 0x80;           // bit 7 (k=3, high half): element 224+5 += 16
  WeightMatrix wk{WeightType::kQ5_K, 256, 1, reinterpret_cast<const uint8_t*>(&bk), sizeof(bk)};
  dequantize_row(wk, 0, out);
  for (int i = 0; i < 256; ++i) {
    const int s = i / 32;
    const float m = s < 4 ? 1.0f : 1.5f;  // dmin * m[s]
    float q = 0;
    if (i == 67 || i == 229) q = 16;
    if (i == 135) q = 10;
    if (i == 167) q = 5;
    EXPECT_EQ(out[i], q - m) << i;
  }
}

TEST(Kernels, QuantizeQ8_0FollowsLlamaCpp) {
  std::vector<float> x(32, 0.0f);
  x[0] = 1.27f;
  x[1] = -0.635f;
  x[2] = 0.005f;  // 0.5 * (1.27/127): half-way, rounds to even (0)
  int8_t qs[32];
  float d;
  kernels_for(Isa::kScalar).quantize_q8_0(x.data(), 32, qs, &d);
  EXPECT_EQ(d, round_to_f16(1.27f / 127.0f));
  EXPECT_EQ(qs[0], 127);
  EXPECT_EQ(qs[1], -64);  // -63.5 -> -64 (even)
  EXPECT_EQ(qs[3], 0);
}

TEST(Kernels, QuantizeQ8_KFollowsLlamaCpp) {
  std::vector<float> x(256);
  for (int i = 0; i < 256; ++i) x[i] = static_cast<float>(i - 100) * 0.01f;
  int8_t qs[256];
  float d;
  int16_t bs[16];
  kernels_for(Isa::kScalar).quantize_q8_k(x.data(), 256, qs, &d, bs);
  // max |x| is x[255] = 1.55 (positive) -> iscale = -127/1.55: values are negated.
  EXPECT_EQ(qs[255], -127);
  EXPECT_EQ(d, 1.0f / (-127.0f / 1.55f));
  int s = 0;
  for (int i = 0; i < 16; ++i) s += qs[i];
  EXPECT_EQ(bs[0], s);
}

// Every kernel of every supported Isa gives the scalar reference's exact bits.
TEST(Kernels, EveryIsaIsBitIdenticalToScalar) {
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  int checked = 0;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!cpu_supports(isa)) continue;
    const Kernels& k = kernels_for(isa);
    ++checked;
    for (WeightType t : kAllTypes) {
      // Real row lengths: 576 (SmolLM2, 18 blocks of 32), 896 (Qwen2.5-0.5B, 28
      // blocks), 4864 (its FFN, 152 blocks); K-quants need multiples of 256.
      const bool kq = weight_block_size(t) == 256;
      for (int n : kq ? std::vector<int>{256, 512, 1536} : std::vector<int>{32, 96, 256, 576, 896, 4864}) {
        for (int rows : {1, 3, 16, 21}) {
          for (int n_tok : {1, 2, 5, 9}) {
            const std::string w = random_weights(t, rows, n, rng);
            std::vector<float> x(static_cast<size_t>(n_tok) * n);
            for (auto& v : x) v = nd(rng) * 3.0f;
            std::vector<int8_t> qs(x.size());
            std::vector<float> d(x.size() / 32);
            std::vector<int16_t> bs(x.size() / 16);
            ActView v;
            v.format = act_format_for(t);
            v.n = n;
            v.f = x.data();
            for (int tk = 0; tk < n_tok; ++tk) {
              if (v.format == ActFormat::kQ8_0) ref.quantize_q8_0(x.data() + tk * n, n, qs.data() + tk * n, d.data() + tk * (n / 32));
              if (v.format == ActFormat::kQ8_K) ref.quantize_q8_k(x.data() + tk * n, n, qs.data() + tk * n, d.data() + tk * (n / 256), bs.data() + tk * (n / 16));
            }
            v.qs = qs.data();
            v.d = d.data();
            v.bsums = bs.data();
            const auto* wp = reinterpret_cast<const uint8_t*>(w.data());
            const size_t rb = weight_row_bytes(t, n);
            std::vector<float> o1(static_cast<size_t>(n_tok) * rows + 3), o2(o1.size());
            ref.mat_tile[static_cast<int>(t)](wp, rb, rows, v, n_tok, o1.data(), rows);
            k.mat_tile[static_cast<int>(t)](wp, rb, rows, v, n_tok, o2.data(), rows);
            ASSERT_EQ(0, std::memcmp(o1.data(), o2.data(), o1.size() * 4))
                << isa_name(isa) << " " << weight_type_name(t) << " n=" << n << " rows=" << rows << " tok=" << n_tok;
          }
        }
      }
    }
    for (int n : {1, 7, 8, 16, 17, 32, 64, 100, 172, 576, 896}) {
      std::vector<float> a(n), b(n), w(n), y1(n), y2(n);
      for (int i = 0; i < n; ++i) { a[i] = nd(rng) * 4; b[i] = nd(rng) * 4; w[i] = nd(rng); }
      const float r1 = ref.dot_f32(a.data(), b.data(), n), r2 = k.dot_f32(a.data(), b.data(), n);
      ASSERT_EQ(std::memcmp(&r1, &r2, 4), 0) << "dot_f32 n=" << n;
      ref.rmsnorm(a.data(), w.data(), n, 1e-5f, y1.data());
      k.rmsnorm(a.data(), w.data(), n, 1e-5f, y2.data());
      ASSERT_EQ(std::memcmp(y1.data(), y2.data(), n * 4), 0) << "rmsnorm n=" << n;
      ref.silu_mul(a.data(), b.data(), n, y1.data());
      k.silu_mul(a.data(), b.data(), n, y2.data());
      ASSERT_EQ(std::memcmp(y1.data(), y2.data(), n * 4), 0) << "silu_mul n=" << n;
      if (n % 32 == 0) {
        std::vector<int8_t> q1(n), q2(n);
        std::vector<float> d1(n / 32), d2(n / 32);
        ref.quantize_q8_0(a.data(), n, q1.data(), d1.data());
        k.quantize_q8_0(a.data(), n, q2.data(), d2.data());
        ASSERT_EQ(q1, q2);
        ASSERT_EQ(std::memcmp(d1.data(), d2.data(), d1.size() * 4), 0);
      }
    }
    for (int hd : {8, 32, 64, 128}) {
      for (int n_keys : {1, 2, 15, 16, 17, 100, 513}) {
        const size_t stride = hd * 3 + 5;
        std::vector<float> q(hd), kv(stride * n_keys * 2), s1(n_keys), s2(n_keys), o1(hd), o2(hd);
        for (auto& v : q) v = nd(rng);
        for (auto& v : kv) v = nd(rng) * 2;
        ref.attention(q.data(), kv.data(), kv.data() + stride * n_keys, stride, n_keys, hd, 0.125f, s1.data(), o1.data());
        k.attention(q.data(), kv.data(), kv.data() + stride * n_keys, stride, n_keys, hd, 0.125f, s2.data(), o2.data());
        ASSERT_EQ(std::memcmp(o1.data(), o2.data(), hd * 4), 0) << "attention hd=" << hd << " keys=" << n_keys;
      }
    }
    for (int n : {256, 512, 1536}) {
      std::vector<float> a(n);
      for (auto& v : a) v = nd(rng);
      std::vector<int8_t> q1(n), q2(n);
      std::vector<float> d1(n / 256), d2(n / 256);
      std::vector<int16_t> b1(n / 16), b2(n / 16);
      ref.quantize_q8_k(a.data(), n, q1.data(), d1.data(), b1.data());
      k.quantize_q8_k(a.data(), n, q2.data(), d2.data(), b2.data());
      ASSERT_EQ(q1, q2);
      ASSERT_EQ(b1, b2);
      ASSERT_EQ(std::memcmp(d1.data(), d2.data(), d1.size() * 4), 0);
    }
  }
  if (checked == 0) GTEST_SKIP() << "CPU has no SIMD level beyond scalar";
}

// The driver with weights packed at "load" (PackedWeights) and activations
// packed once per batch: the bits of the scalar level's matmul, for batches
// across the token tile (64) and thread counts.
TEST(Kernels, PackedMatmulMatchesScalar) {
  const Isa saved = active_isa();
  std::mt19937 rng(23);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  int packed_runs = 0;
  for (WeightType t : {WeightType::kQ8_0, WeightType::kQ4_0, WeightType::kQ5_0}) {
    for (int n : {384, 576, 1024}) {
      const int rows = 37;
      const std::string w = random_weights(t, rows, n, rng);
      const WeightMatrix raw{t, n, rows, reinterpret_cast<const uint8_t*>(w.data()), weight_row_bytes(t, n)};
      for (int n_tok : {1, 7, 64, 70}) {
        std::vector<float> x(static_cast<size_t>(n_tok) * n);
        for (auto& v : x) v = nd(rng) * 2.0f;
        ThreadPool one(1);
        ASSERT_TRUE(set_isa(Isa::kScalar));
        ActBatch a;
        a.set(x.data(), n_tok, n);
        std::vector<float> want(static_cast<size_t>(n_tok) * rows);
        matmul(raw, a, want.data(), rows, one);
        for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
          if (!set_isa(isa)) continue;
          WeightMatrix m = raw;
          PackedWeights store;
          const bool packed = store.pack(m);
          packed_runs += packed;
          for (int threads : {1, 2}) {
            ThreadPool pool(threads);
            ActBatch b;
            b.set(x.data(), n_tok, n);
            std::vector<float> got(want.size(), -1.0f);
            matmul(m, b, got.data(), rows, pool);
            EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
                << isa_name(isa) << (packed ? " packed " : " ") << weight_type_name(t) << " n=" << n
                << " tok=" << n_tok << " threads=" << threads;
          }
        }
      }
    }
  }
  set_isa(saved);
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(packed_runs, 0);
  }
}

TEST(Isa, EnvironmentValue) {
  std::string msg;
  EXPECT_EQ(isa_from_env_value(nullptr, &msg), best_supported_isa());
  EXPECT_TRUE(msg.empty());
  EXPECT_EQ(isa_from_env_value("", &msg), best_supported_isa());
  EXPECT_EQ(isa_from_env_value("scalar", &msg), Isa::kScalar);
  EXPECT_TRUE(msg.empty());
  EXPECT_EQ(isa_from_env_value("neon9", &msg), best_supported_isa());
  EXPECT_NE(msg.find("not understood"), std::string::npos);
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    const Isa got = isa_from_env_value(isa_name(isa), &msg);
    if (cpu_supports(isa)) {
      EXPECT_EQ(got, isa);
      EXPECT_TRUE(msg.empty());
    } else {
      EXPECT_EQ(got, best_supported_isa());
      EXPECT_NE(msg.find("supports at most"), std::string::npos);
    }
  }
}

TEST(Isa, SetAndParse) {
  EXPECT_TRUE(set_isa(Isa::kScalar));
  EXPECT_EQ(active_isa(), Isa::kScalar);
  EXPECT_EQ(parse_isa("avx2"), Isa::kAvx2);
  EXPECT_FALSE(parse_isa("sse9").has_value());
  EXPECT_TRUE(set_isa(best_supported_isa()));
  EXPECT_EQ(active_isa(), best_supported_isa());
}

}  // namespace
}  // namespace llmzip::ops
