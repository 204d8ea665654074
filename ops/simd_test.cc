// SIMD kernels vs the scalar reference: for every kernel and every Isa this CPU
// supports, random and edge-case inputs must give byte-identical outputs
// (kernels.h's determinism contract). Edge cases: zero blocks, extreme int8
// values (-128 weights, +-127 activations), tiny/subnormal/negative scales,
// odd row counts, block counts that are not multiples of 8, and token counts
// on both sides of every internal tile size of the SIMD kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ops/fp16.h"
#include "ops/kernels.h"
#include "ops/quant_blocks.h"

namespace llmzip::ops {
namespace {

std::vector<Isa> simd_isas() {
  std::vector<Isa> v;
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512})
    if (cpu_supports(isa)) v.push_back(isa);
  return v;
}

#define SKIP_WITHOUT_SIMD()                                                       \
  if (simd_isas().empty()) GTEST_SKIP() << "CPU has no SIMD level beyond scalar"

// A random F16 scale: mostly ordinary magnitudes, sometimes zero, tiny,
// subnormal or negative (all finite: NaN payloads are not part of the contract).
uint16_t random_scale(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const float r = u(rng);
  if (r < 0.05f) return 0;
  if (r < 0.10f) return static_cast<uint16_t>(1 + rng() % 0x3ff);  // subnormal half
  const float mag = std::ldexp(0.5f + u(rng), static_cast<int>(rng() % 20) - 16);
  return f32_to_f16(r < 0.2f ? -mag : mag);
}

// Weight rows of `t` with random quants; some blocks are all-zero, some all
// extreme (-128 for Q8_0), to hit saturation-prone paths.
std::string random_weight_rows(WeightType t, int rows, int n, std::mt19937& rng) {
  const size_t rb = weight_row_bytes(t, n);
  std::string w(rb * rows, '\0');
  auto* p = reinterpret_cast<uint8_t*>(w.data());
  for (auto& c : w) c = static_cast<char>(rng());
  const int bs = weight_block_size(t);
  const size_t bb = weight_block_bytes(t);
  for (size_t blk = 0; blk < static_cast<size_t>(rows) * (n / bs); ++blk) {
    uint8_t* b = p + blk * bb;
    const unsigned kind = rng() % 16;
    switch (t) {
      case WeightType::kQ8_0: {
        auto* q = reinterpret_cast<BlockQ8_0*>(b);
        q->d = random_scale(rng);
        if (kind == 0) std::memset(q->qs, 0, sizeof q->qs);
        if (kind == 1) std::memset(q->qs, 0x80, sizeof q->qs);  // -128
        if (kind == 2) std::memset(q->qs, 0x7f, sizeof q->qs);
        break;
      }
      case WeightType::kQ4_0: {
        auto* q = reinterpret_cast<BlockQ4_0*>(b);
        q->d = random_scale(rng);
        if (kind == 0) std::memset(q->qs, 0x00, sizeof q->qs);  // all -8
        if (kind == 1) std::memset(q->qs, 0xff, sizeof q->qs);  // all +7
        break;
      }
      case WeightType::kQ5_0: {
        auto* q = reinterpret_cast<BlockQ5_0*>(b);
        q->d = random_scale(rng);
        if (kind == 0) { std::memset(q->qs, 0x00, sizeof q->qs); std::memset(q->qh, 0x00, sizeof q->qh); }  // all -16
        if (kind == 1) { std::memset(q->qs, 0xff, sizeof q->qs); std::memset(q->qh, 0xff, sizeof q->qh); }  // all +15
        break;
      }
      case WeightType::kQ5_K: {
        auto* q = reinterpret_cast<BlockQ5_K*>(b);
        q->d = random_scale(rng);
        q->dmin = random_scale(rng);
        if (kind == 0) { std::memset(q->qs, 0xff, sizeof q->qs); std::memset(q->qh, 0xff, sizeof q->qh); }
        if (kind == 1) std::memset(q->scales, 0xff, sizeof q->scales);
        break;
      }
      case WeightType::kQ4_K: {
        auto* q = reinterpret_cast<BlockQ4_K*>(b);
        q->d = random_scale(rng);
        q->dmin = random_scale(rng);
        if (kind == 0) std::memset(q->qs, 0xff, sizeof q->qs);
        if (kind == 1) std::memset(q->scales, 0xff, sizeof q->scales);
        break;
      }
      case WeightType::kQ6_K: {
        auto* q = reinterpret_cast<BlockQ6_K*>(b);
        q->d = random_scale(rng);
        if (kind == 0) { std::memset(q->ql, 0, sizeof q->ql); std::memset(q->qh, 0, sizeof q->qh); }
        if (kind == 1) std::memset(q->scales, 0x80, sizeof q->scales);  // -128
        break;
      }
      case WeightType::kF32: {
        std::normal_distribution<float> nd(0.0f, 1.0f);
        const float v = kind == 0 ? 0.0f : nd(rng) * std::ldexp(1.0f, static_cast<int>(rng() % 8) - 4);
        std::memcpy(b, &v, 4);
        break;
      }
      case WeightType::kF16: {
        const uint16_t h = kind == 0 ? 0 : random_scale(rng);
        std::memcpy(b, &h, 2);
        break;
      }
      case WeightType::kBF16: {
        std::normal_distribution<float> nd(0.0f, 1.0f);
        const uint16_t h = kind == 0 ? 0 : f32_to_bf16(nd(rng));
        std::memcpy(b, &h, 2);
        break;
      }
    }
  }
  return w;
}

// n_tok activation rows: random magnitudes per row, some rows zero, some
// blocks with a single huge element (quantizes everything else to 0) or with
// values on rounding ties.
std::vector<float> random_activations(int n_tok, int n, std::mt19937& rng) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_tok) * n);
  for (int t = 0; t < n_tok; ++t) {
    float* row = x.data() + static_cast<size_t>(t) * n;
    const unsigned kind = rng() % 8;
    const float scale = std::ldexp(1.0f, static_cast<int>(rng() % 12) - 6);
    for (int i = 0; i < n; ++i) row[i] = kind == 0 ? 0.0f : nd(rng) * scale;
    if (kind == 1) {
      for (int i = 0; i < n; i += 32) row[i] = 1e4f;
    }
    if (kind == 2) {
      // amax 127 => id 1: x.5 values are exact ties.
      for (int i = 0; i < n; ++i) row[i] = static_cast<float>(static_cast<int>(rng() % 254) - 127) + 0.5f;
      for (int i = 0; i < n; i += 32) row[i] = 127.0f;
    }
  }
  return x;
}

struct QuantizedActs {
  std::vector<int8_t> qs;
  std::vector<float> d;
  std::vector<int16_t> bsums;
  ActView view;
};

QuantizedActs quantize_acts(const Kernels& ref, ActFormat format, const std::vector<float>& x, int n_tok, int n) {
  QuantizedActs a;
  a.view.format = format;
  a.view.n = n;
  a.view.f = x.data();
  if (format == ActFormat::kF32) return a;
  a.qs.resize(x.size());
  a.d.resize(x.size() / 32);
  a.bsums.resize(x.size() / 16);
  for (int t = 0; t < n_tok; ++t) {
    const size_t o = static_cast<size_t>(t) * n;
    if (format == ActFormat::kQ8_0) {
      ref.quantize_q8_0(x.data() + o, n, a.qs.data() + o, a.d.data() + o / 32);
    } else {
      ref.quantize_q8_k(x.data() + o, n, a.qs.data() + o, a.d.data() + o / 256, a.bsums.data() + o / 16);
    }
  }
  a.view.qs = a.qs.data();
  a.view.d = a.d.data();
  a.view.bsums = a.bsums.data();
  return a;
}

struct alignas(64) Line {
  uint8_t bytes[64];
};

// Runs mat_tile of `t` on the scalar table and on every SIMD table with the same
// inputs, and mat_tile_packed over the rows each table packs (where it packs
// `t`); outputs (including the untouched padding of each output row) must
// match. Returns how many packed products were checked.
int check_mat_tile(WeightType t, const std::vector<int>& ns, const std::vector<int>& row_counts,
                   const std::vector<int>& tok_counts, uint32_t seed) {
  int packed_checked = 0;
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(seed);
  for (int n : ns) {
    for (int rows : row_counts) {
      for (int n_tok : tok_counts) {
        const std::string w = random_weight_rows(t, rows, n, rng);
        const std::vector<float> x = random_activations(n_tok, n, rng);
        const QuantizedActs a = quantize_acts(ref, act_format_for(t), x, n_tok, n);
        const auto* wp = reinterpret_cast<const uint8_t*>(w.data());
        const size_t rb = weight_row_bytes(t, n);
        const size_t stride = rows + 3;
        std::vector<float> expect(stride * n_tok, -7.0f);
        ref.mat_tile[static_cast<int>(t)](wp, rb, rows, a.view, n_tok, expect.data(), stride);
        for (Isa isa : simd_isas()) {
          std::vector<float> got(stride * n_tok, -7.0f);
          kernels_for(isa).mat_tile[static_cast<int>(t)](wp, rb, rows, a.view, n_tok, got.data(), stride);
          EXPECT_EQ(0, std::memcmp(expect.data(), got.data(), expect.size() * sizeof(float)))
              << isa_name(isa) << " " << weight_type_name(t) << " n=" << n << " rows=" << rows
              << " n_tok=" << n_tok;
          const Kernels& k = kernels_for(isa);
          const size_t prb = k.packed_row_bytes ? k.packed_row_bytes(t, n) : 0;
          if (prb == 0 || k.mat_tile_packed[static_cast<int>(t)] == nullptr) continue;
          const size_t group = static_cast<size_t>(k.packed_row_group);
          EXPECT_EQ(group * prb % 64, 0u);
          std::vector<Line> packed((rows + group - 1) / group * group * prb / 64);
          k.pack_rows(t, wp, rb, rows, n, packed[0].bytes);
          std::vector<float> got_packed(stride * n_tok, -7.0f);
          k.mat_tile_packed[static_cast<int>(t)](packed[0].bytes, prb, rows, a.view, n_tok, got_packed.data(), stride);
          EXPECT_EQ(0, std::memcmp(expect.data(), got_packed.data(), expect.size() * sizeof(float)))
              << isa_name(isa) << " packed " << weight_type_name(t) << " n=" << n << " rows=" << rows
              << " n_tok=" << n_tok;
          ++packed_checked;
        }
        if (::testing::Test::HasFailure()) return packed_checked;
      }
    }
  }
  return packed_checked;
}

// The levels that pack `t` at model load (AVX-512 packs the Q*_0 types).
bool some_level_packs(WeightType t) {
  for (Isa isa : simd_isas()) {
    const Kernels& k = kernels_for(isa);
    if (k.packed_row_bytes && k.packed_row_bytes(t, 256) > 0) return true;
  }
  return false;
}

// Token counts around the SIMD kernels' internal tiles (raw path < 4, register
// tiles of 8, the driver's 64).
const std::vector<int> kTokCounts = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 64, 65};

// Every entry has its own implementation on each SIMD level (no silent scalar
// fallback, which would be correct but slow).
TEST(SimdTables, EveryEntryIsVectorised) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  for (Isa isa : simd_isas()) {
    const Kernels& k = kernels_for(isa);
    for (int t = 0; t < kNumWeightTypes; ++t) {
      EXPECT_NE(k.mat_tile[t], ref.mat_tile[t]) << isa_name(isa) << " " << weight_type_name(static_cast<WeightType>(t));
    }
    EXPECT_NE(k.quantize_q8_0, ref.quantize_q8_0) << isa_name(isa);
    EXPECT_NE(k.quantize_q8_k, ref.quantize_q8_k) << isa_name(isa);
    EXPECT_NE(k.dot_f32, ref.dot_f32) << isa_name(isa);
    EXPECT_NE(k.to_f16_saturated, ref.to_f16_saturated) << isa_name(isa);
    EXPECT_NE(k.rmsnorm, ref.rmsnorm) << isa_name(isa);
    EXPECT_NE(k.silu_mul, ref.silu_mul) << isa_name(isa);
    EXPECT_NE(k.attention, ref.attention) << isa_name(isa);
  }
}

TEST(SimdMatTile, Q8_0) {
  SKIP_WITHOUT_SIMD();
  // Block counts 1, 3, 8, 9, 18 (576 = SmolLM2), 25, 48 (1536).
  const int packed = check_mat_tile(WeightType::kQ8_0, {32, 96, 256, 288, 576, 800, 1536}, {1, 3, 17}, kTokCounts, 1);
  // AVX-512 has a packed form of this type: its products were compared too.
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(packed, 0);
  }
  EXPECT_EQ(packed > 0, some_level_packs(WeightType::kQ8_0));
}

TEST(SimdMatTile, Q4_0) {
  SKIP_WITHOUT_SIMD();
  const int packed = check_mat_tile(WeightType::kQ4_0, {32, 96, 256, 288, 576, 800}, {1, 3, 17}, kTokCounts, 2);
  // AVX-512 has a packed form of this type: its products were compared too.
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(packed, 0);
  }
  EXPECT_EQ(packed > 0, some_level_packs(WeightType::kQ4_0));
}

TEST(SimdMatTile, Q5_0) {
  SKIP_WITHOUT_SIMD();
  const int packed = check_mat_tile(WeightType::kQ5_0, {32, 96, 256, 288, 576, 800}, {1, 3, 17}, kTokCounts, 12);
  // AVX-512 has a packed form of this type: its products were compared too.
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(packed, 0);
  }
  EXPECT_EQ(packed > 0, some_level_packs(WeightType::kQ5_0));
}

TEST(SimdMatTile, Q5_K) {
  SKIP_WITHOUT_SIMD();
  check_mat_tile(WeightType::kQ5_K, {256, 512, 768, 1536}, {1, 3, 17}, kTokCounts, 13);
}

TEST(SimdMatTile, Q4_K) {
  SKIP_WITHOUT_SIMD();
  check_mat_tile(WeightType::kQ4_K, {256, 512, 768, 1536}, {1, 3, 17}, kTokCounts, 3);
}

TEST(SimdMatTile, Q6_K) {
  SKIP_WITHOUT_SIMD();
  check_mat_tile(WeightType::kQ6_K, {256, 512, 768, 1536}, {1, 3, 17}, kTokCounts, 4);
}

TEST(SimdMatTile, FloatTypes) {
  SKIP_WITHOUT_SIMD();
  for (WeightType t : {WeightType::kF32, WeightType::kF16, WeightType::kBF16}) {
    check_mat_tile(t, {1, 7, 8, 15, 16, 17, 33, 64, 100, 576}, {1, 3, 17}, {1, 2, 3, 4, 5, 9, 17}, 5);
  }
}

// The F16 cache store against the scalar entry on every kind of float: random
// bit patterns (NaNs with payloads, infinities, subnormals), values near the
// clamp and the half-subnormal range, exact ties, at every length up to 40
// (vector bodies and tails).
TEST(SimdConvert, ToF16SaturatedMatchesScalar) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(21);
  std::vector<float> x;
  for (int i = 0; i < 4000; ++i) {
    const int kind = i % 6;
    float f;
    if (kind == 0) {
      f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    } else if (kind == 1) {
      f = std::ldexp(static_cast<float>(rng() % 4096) / 4096.0f, -14 - static_cast<int>(rng() % 12));  // half subnormals
    } else if (kind == 2) {
      f = 65504.0f + static_cast<float>(static_cast<int>(rng() % 64) - 32);  // around the clamp
    } else if (kind == 3) {
      f = static_cast<float>(1 + rng() % 2047) + 0.5f;  // ties between halves at 2^11..
    } else if (kind == 4) {
      f = std::bit_cast<float>(0x7f800001u + static_cast<uint32_t>(rng() % 0x7fffff)) * (rng() % 2 ? 1 : -1);
    } else {
      f = std::ldexp(static_cast<float>(static_cast<int>(rng() % 20001) - 10000), -static_cast<int>(rng() % 30));
    }
    if (rng() % 2) f = -f;
    x.push_back(f);
  }
  x.insert(x.end(), {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 65519.0f, 65520.0f, -65520.0f, 1e-8f, 3e-8f});
  for (Isa isa : simd_isas()) {
    const Kernels& k = kernels_for(isa);
    for (int n = 0; n <= 40; ++n) {
      for (size_t off = 0; off + n <= x.size(); off += 37) {
        std::vector<uint16_t> want(n + 1, 0x1234), got(n + 1, 0x1234);
        ref.to_f16_saturated(x.data() + off, n, want.data());
        k.to_f16_saturated(x.data() + off, n, got.data());
        ASSERT_EQ(want, got) << isa_name(isa) << " n=" << n << " at " << off;
      }
    }
  }
  // The scalar entry itself: clamped, not infinite; NaN quiet with its sign.
  uint16_t h[4];
  const float edge[4] = {INFINITY, -1e30f, -NAN, 1.0f};
  ref.to_f16_saturated(edge, 4, h);
  EXPECT_EQ(h[0], 0x7bff);
  EXPECT_EQ(h[1], 0xfbff);
  EXPECT_EQ(h[2], 0xfe00);
  EXPECT_EQ(h[3], 0x3c00);
}

TEST(SimdQuantize, Q8_0) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(6);
  for (int n : {32, 64, 96, 576, 896, 4864}) {
    for (int rep = 0; rep < 20; ++rep) {
      const std::vector<float> x = random_activations(1, n, rng);
      std::vector<int8_t> q1(n);
      std::vector<float> d1(n / 32);
      ref.quantize_q8_0(x.data(), n, q1.data(), d1.data());
      for (Isa isa : simd_isas()) {
        std::vector<int8_t> q2(n, 99);
        std::vector<float> d2(n / 32, -1.0f);
        kernels_for(isa).quantize_q8_0(x.data(), n, q2.data(), d2.data());
        ASSERT_EQ(q1, q2) << isa_name(isa) << " n=" << n;
        ASSERT_EQ(0, std::memcmp(d1.data(), d2.data(), d1.size() * 4)) << isa_name(isa) << " n=" << n;
      }
    }
  }
}

// Non-finite activations (a broken model) must not make the paths diverge.
TEST(SimdQuantize, NonFiniteInputs) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(10);
  const float specials[] = {INFINITY, -INFINITY, NAN, 1e38f, -1e38f, 0.0f};
  for (int rep = 0; rep < 40; ++rep) {
    std::vector<float> x = random_activations(1, 512, rng);
    for (int k = 0; k < 1 + rep % 4; ++k) x[rng() % x.size()] = specials[rng() % 6];
    std::vector<int8_t> q1(512), k1(512);
    std::vector<float> d1(16), e1(2);
    std::vector<int16_t> b1(32);
    ref.quantize_q8_0(x.data(), 512, q1.data(), d1.data());
    ref.quantize_q8_k(x.data(), 512, k1.data(), e1.data(), b1.data());
    for (Isa isa : simd_isas()) {
      std::vector<int8_t> q2(512), k2(512);
      std::vector<float> d2(16), e2(2);
      std::vector<int16_t> b2(32);
      kernels_for(isa).quantize_q8_0(x.data(), 512, q2.data(), d2.data());
      kernels_for(isa).quantize_q8_k(x.data(), 512, k2.data(), e2.data(), b2.data());
      ASSERT_EQ(q1, q2) << isa_name(isa) << " rep=" << rep;
      ASSERT_EQ(0, std::memcmp(d1.data(), d2.data(), d1.size() * 4)) << isa_name(isa) << " rep=" << rep;
      ASSERT_EQ(k1, k2) << isa_name(isa) << " rep=" << rep;
      ASSERT_EQ(b1, b2) << isa_name(isa) << " rep=" << rep;
      ASSERT_EQ(0, std::memcmp(e1.data(), e2.data(), e1.size() * 4)) << isa_name(isa) << " rep=" << rep;
    }
  }
}

TEST(SimdQuantize, Q8_K) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(7);
  for (int n : {256, 512, 1536, 4864 + 256 - 4864 % 256}) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<float> x = random_activations(1, n, rng);
      if (rep == 3) {
        // Ties for the largest |x|: the first one (here negative) sets the sign.
        x[5] = -3.0f;
        x[9] = 3.0f;
        for (int i = 0; i < 256; ++i) if (i != 5 && i != 9) x[i] = 1.0f;
      }
      std::vector<int8_t> q1(n);
      std::vector<float> d1(n / 256);
      std::vector<int16_t> b1(n / 16);
      ref.quantize_q8_k(x.data(), n, q1.data(), d1.data(), b1.data());
      for (Isa isa : simd_isas()) {
        std::vector<int8_t> q2(n, 99);
        std::vector<float> d2(n / 256, -1.0f);
        std::vector<int16_t> b2(n / 16, 12345);
        kernels_for(isa).quantize_q8_k(x.data(), n, q2.data(), d2.data(), b2.data());
        ASSERT_EQ(q1, q2) << isa_name(isa) << " n=" << n << " rep=" << rep;
        ASSERT_EQ(b1, b2) << isa_name(isa) << " n=" << n;
        ASSERT_EQ(0, std::memcmp(d1.data(), d2.data(), d1.size() * 4)) << isa_name(isa) << " n=" << n;
      }
    }
  }
}

TEST(SimdElementwise, DotRmsnormSilu) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(8);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (int n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 576, 896, 1536, 4864}) {
    for (int rep = 0; rep < 4; ++rep) {
      std::vector<float> a(n), b(n), w(n);
      for (int i = 0; i < n; ++i) {
        a[i] = nd(rng) * (rep == 3 ? 30.0f : 3.0f);  // rep 3: exp clamps, silu saturates
        b[i] = nd(rng) * 3.0f;
        w[i] = nd(rng);
      }
      if (rep == 1) a[0] = 0.0f;
      const float r1 = ref.dot_f32(a.data(), b.data(), n);
      for (Isa isa : simd_isas()) {
        const Kernels& k = kernels_for(isa);
        const float r2 = k.dot_f32(a.data(), b.data(), n);
        ASSERT_EQ(0, std::memcmp(&r1, &r2, 4)) << isa_name(isa) << " dot_f32 n=" << n;
        std::vector<float> y1(n), y2(n);
        ref.rmsnorm(a.data(), w.data(), n, 1e-5f, y1.data());
        k.rmsnorm(a.data(), w.data(), n, 1e-5f, y2.data());
        ASSERT_EQ(0, std::memcmp(y1.data(), y2.data(), n * 4)) << isa_name(isa) << " rmsnorm n=" << n;
        // In place (y aliases x), as the model uses it.
        std::vector<float> inplace = a;
        k.rmsnorm(inplace.data(), w.data(), n, 1e-5f, inplace.data());
        ASSERT_EQ(0, std::memcmp(y1.data(), inplace.data(), n * 4)) << isa_name(isa) << " rmsnorm in place";
        ref.silu_mul(a.data(), b.data(), n, y1.data());
        k.silu_mul(a.data(), b.data(), n, y2.data());
        ASSERT_EQ(0, std::memcmp(y1.data(), y2.data(), n * 4)) << isa_name(isa) << " silu_mul n=" << n;
      }
    }
  }
}

TEST(SimdAttention, MatchesScalar) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(9);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (int hd : {8, 16, 24, 32, 64, 80, 128}) {
    for (int n_keys : {1, 2, 3, 15, 16, 17, 31, 100, 513}) {
      const size_t stride = static_cast<size_t>(hd) * 3 + 5;
      std::vector<float> q(hd), kv(stride * n_keys * 2), s1(n_keys), o1(hd);
      for (auto& v : q) v = nd(rng);
      for (auto& v : kv) v = nd(rng) * 2;
      const float* k = kv.data();
      const float* v = kv.data() + stride * n_keys;
      ref.attention(q.data(), k, v, stride, n_keys, hd, 0.125f, s1.data(), o1.data());
      for (Isa isa : simd_isas()) {
        std::vector<float> s2(n_keys), o2(hd);
        kernels_for(isa).attention(q.data(), k, v, stride, n_keys, hd, 0.125f, s2.data(), o2.data());
        ASSERT_EQ(0, std::memcmp(o1.data(), o2.data(), hd * 4)) << isa_name(isa) << " hd=" << hd << " keys=" << n_keys;
      }
    }
  }
}

// attention4, where a level has it, gives each of its four queries the bits
// of the scalar attention() of that query.
TEST(SimdAttention, FourQueriesMatchOneByOne) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(10);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  int checked = 0;
  for (int hd : {64, 128}) {
    for (int n0 : {1, 2, 3, 4, 5, 13, 16, 17, 30, 100, 509}) {
      const int n_max = n0 + 3;
      const size_t stride = static_cast<size_t>(hd) * 3 + 5, qs = static_cast<size_t>(hd) * 2 + 3;
      std::vector<float> q(qs * 4), kv(stride * n_max * 2);
      for (auto& v : q) v = nd(rng) * 3;
      for (auto& v : kv) v = nd(rng) * 2;
      const float* k = kv.data();
      const float* v = kv.data() + stride * n_max;
      std::vector<float> want(4 * qs, 0.0f), s1(n_max);
      for (int i = 0; i < 4; ++i) ref.attention(&q[i * qs], k, v, stride, n0 + i, hd, 0.125f, s1.data(), &want[i * qs]);
      for (Isa isa : simd_isas()) {
        const Kernels& kr = kernels_for(isa);
        if (!kr.attention4) continue;
        std::vector<float> got(4 * qs, 0.0f), s2(4 * static_cast<size_t>(n0 + 3));
        if (!kr.attention4(q.data(), qs, k, v, stride, n0, hd, 0.125f, s2.data(), got.data(), qs)) {
          EXPECT_NE(hd, 64) << isa_name(isa) << ": head size 64 must be handled";
          continue;
        }
        ++checked;
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4)) << isa_name(isa) << " hd=" << hd
                                                                            << " n0=" << n0;
      }
    }
  }
  if (checked == 0) GTEST_SKIP() << "no instruction set here has attention4";
}

// Query heads sharing a KV head at one position (grouped-query attention):
// attention_heads / attention_heads_f16 give each query the scalar
// attention()'s bits, for 1..4 heads and key counts around the kernels' tiles.
TEST(SimdAttention, HeadsSharingKeysMatchOneByOne) {
  SKIP_WITHOUT_SIMD();
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(31);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  int checked = 0;
  for (int hd : {64, 128}) {
    for (int nq = 1; nq <= 4; ++nq) {
      for (int n_keys : {1, 2, 3, 5, 16, 17, 100, 513}) {
        const size_t stride = static_cast<size_t>(hd) + 16, qs = static_cast<size_t>(hd) + 3;
        std::vector<float> q(qs * nq), kv(stride * n_keys * 2);
        for (auto& v : q) v = nd(rng) * 3;
        for (auto& v : kv) v = static_cast<float>(nd(rng) * 2);
        // Values exactly representable as halves, so that the F16 cache holds the same numbers.
        std::vector<uint16_t> kv16(kv.size());
        for (size_t i = 0; i < kv.size(); ++i) {
          kv16[i] = f32_to_f16(kv[i]);
          kv[i] = f16_to_f32(kv16[i]);
        }
        const size_t voff = stride * n_keys;
        std::vector<float> want(nq * qs, 0.0f), s1(n_keys + 16);
        for (int i = 0; i < nq; ++i)
          ref.attention(&q[i * qs], kv.data(), kv.data() + voff, stride, n_keys, hd, 0.125f, s1.data(), &want[i * qs]);
        for (Isa isa : simd_isas()) {
          const Kernels& kr = kernels_for(isa);
          std::vector<float> scratch(4 * static_cast<size_t>(n_keys + 3));
          if (kr.attention_heads) {
            std::vector<float> got(nq * qs, 0.0f);
            if (kr.attention_heads(q.data(), qs, nq, kv.data(), kv.data() + voff, stride, n_keys, hd, 0.125f,
                                   scratch.data(), got.data(), qs)) {
              ++checked;
              ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
                  << isa_name(isa) << " hd=" << hd << " nq=" << nq << " keys=" << n_keys;
            } else {
              EXPECT_NE(hd, 64) << isa_name(isa) << ": head size 64 must be handled";
            }
          }
          if (kr.attention_heads_f16) {
            std::vector<float> got(nq * qs, 0.0f);
            if (kr.attention_heads_f16(q.data(), qs, nq, kv16.data(), kv16.data() + voff, stride, n_keys, hd, 0.125f,
                                       scratch.data(), got.data(), qs)) {
              ++checked;
              ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
                  << isa_name(isa) << " f16 hd=" << hd << " nq=" << nq << " keys=" << n_keys;
            }
          }
        }
      }
    }
  }
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(checked, 0);
  }
}

// The F16 cache (numerics version 2): attention_f16 of stored halves, on every
// level including the scalar one, gives the bits of the scalar attention() of
// their exact F32 values; attention4_f16, where a level has it, those of four
// attention_f16 calls. Halves include subnormals, zeros and the largest finite.
TEST(SimdAttention, F16CacheMatchesConvertedF32) {
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<Isa> isas = {Isa::kScalar};
  for (Isa isa : simd_isas()) isas.push_back(isa);
  int checked4 = 0;
  for (int hd : {8, 24, 64, 80, 128}) {
    for (int n0 : {1, 2, 3, 15, 16, 17, 100, 509}) {
      const int n_max = n0 + 3;
      const size_t stride = static_cast<size_t>(hd) * 3 + 5, qs = static_cast<size_t>(hd) * 2 + 3;
      std::vector<float> q(qs * 4);
      for (auto& v : q) v = nd(rng) * 0.3f;
      std::vector<uint16_t> kv16(stride * n_max * 2);
      for (auto& h : kv16) {
        const unsigned kind = rng() % 32;
        h = kind == 0 ? uint16_t(rng() % 0x400) : kind == 1 ? uint16_t(0x7bff) : f32_to_f16(nd(rng) * 2);
        if (rng() % 2) h |= 0x8000;
      }
      std::vector<float> kvf(kv16.size());
      for (size_t i = 0; i < kv16.size(); ++i) kvf[i] = f16_to_f32(kv16[i]);
      const uint16_t* k16 = kv16.data();
      const uint16_t* v16 = kv16.data() + stride * n_max;
      const float* kf = kvf.data();
      const float* vf = kvf.data() + stride * n_max;
      std::vector<float> want(4 * qs, 0.0f), s1(4 * static_cast<size_t>(n_max));
      for (int i = 0; i < 4; ++i) ref.attention(&q[i * qs], kf, vf, stride, n0 + i, hd, 0.125f, s1.data(), &want[i * qs]);
      for (Isa isa : isas) {
        const Kernels& kr = kernels_for(isa);
        ASSERT_NE(kr.attention_f16, nullptr) << isa_name(isa);
        std::vector<float> got(4 * qs, 0.0f), s2(4 * static_cast<size_t>(n_max));
        for (int i = 0; i < 4; ++i)
          kr.attention_f16(&q[i * qs], k16, v16, stride, n0 + i, hd, 0.125f, s2.data(), &got[i * qs]);
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
            << isa_name(isa) << " attention_f16 hd=" << hd << " n0=" << n0;
        if (!kr.attention4_f16) continue;
        std::vector<float> got4(4 * qs, 0.0f);
        if (!kr.attention4_f16(q.data(), qs, k16, v16, stride, n0, hd, 0.125f, s2.data(), got4.data(), qs)) continue;
        ++checked4;
        ASSERT_EQ(0, std::memcmp(want.data(), got4.data(), want.size() * 4))
            << isa_name(isa) << " attention4_f16 hd=" << hd << " n0=" << n0;
      }
    }
  }
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(checked4, 0);
  }
}

// The 8-bit cache (numerics version 3): rows stored as the contract says
// (quantize_q8_0, keys as bytes + 128). Every level's attention_q8 gives the
// scalar one's bits; the scalar one equals F32 attention of the dequantized
// rows up to float rounding. Rows
// include all-zero ones (scale 0) and ones with a single large element.
TEST(SimdAttention, Q8CacheMatchesScalarAndDequantizedF32) {
  const Kernels& ref = kernels_for(Isa::kScalar);
  std::mt19937 rng(13);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<Isa> isas;
  for (Isa isa : simd_isas()) isas.push_back(isa);
  int checked = 0, checked4 = 0;
  for (int hd : {32, 64, 96, 128, 256}) {
    for (int n : {1, 2, 15, 16, 17, 31, 33, 100, 509}) {
      const int nb = hd / 32;
      const int rows = n + 3;  // attention4_q8's last query sees n + 3 keys
      std::vector<float> q(hd), kf(size_t(rows) * hd), vf(size_t(rows) * hd);
      for (auto& x : q) x = nd(rng);
      for (int j = 0; j < rows; ++j) {
        const unsigned kind = rng() % 16;
        for (int i = 0; i < hd; ++i) {
          kf[size_t(j) * hd + i] = kind == 0 ? 0.0f : nd(rng) * 0.5f;
          vf[size_t(j) * hd + i] = kind == 1 ? 0.0f : nd(rng);
        }
        if (kind == 2) kf[size_t(j) * hd + rng() % hd] = 40.0f;
      }
      std::vector<uint8_t> ku(kf.size());
      std::vector<int8_t> kq(kf.size()), vq(vf.size());
      std::vector<float> kd(size_t(rows) * nb), vd(size_t(rows) * nb);
      for (int j = 0; j < rows; ++j) {
        ref.quantize_q8_0(&kf[size_t(j) * hd], hd, &kq[size_t(j) * hd], &kd[size_t(j) * nb]);
        ref.quantize_q8_0(&vf[size_t(j) * hd], hd, &vq[size_t(j) * hd], &vd[size_t(j) * nb]);
      }
      for (size_t i = 0; i < kq.size(); ++i) ku[i] = static_cast<uint8_t>(kq[i] + 128);
      // The F32 attention of the dequantized query, keys and values differs
      // from attention_q8 by float rounding only.
      std::vector<int8_t> qq(hd);
      std::vector<float> dq(nb), qx(hd), kx(kf.size()), vx(vf.size());
      ref.quantize_q8_0(q.data(), hd, qq.data(), dq.data());
      for (int i = 0; i < hd; ++i) qx[i] = dq[i / 32] * qq[i];
      for (size_t i = 0; i < size_t(n) * hd; ++i) {
        kx[i] = kd[i / 32] * kq[i];
        vx[i] = vd[i / 32] * vq[i];
      }
      const float scale = 1.0f / std::sqrt(float(hd));
      std::vector<float> want(hd), s1(n), exact(hd);
      ref.attention_q8(q.data(), ku.data(), kd.data(), vq.data(), vd.data(), n, hd, scale, s1.data(), want.data());
      ref.attention(qx.data(), kx.data(), vx.data(), hd, n, hd, scale, s1.data(), exact.data());
      for (int d = 0; d < hd; ++d)
        ASSERT_NEAR(want[d], exact[d], 1e-4f * (1.0f + std::fabs(exact[d])))
            << "scalar attention_q8 vs F32 of the dequantized rows, hd=" << hd << " n=" << n << " d=" << d;
      for (Isa isa : isas) {
        const Kernels& kr = kernels_for(isa);
        ASSERT_NE(kr.attention_q8, nullptr) << isa_name(isa);
        std::vector<float> got(hd, -1.0f), s2(n);
        kr.attention_q8(q.data(), ku.data(), kd.data(), vq.data(), vd.data(), n, hd, scale, s2.data(), got.data());
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size() * 4))
            << isa_name(isa) << " attention_q8 hd=" << hd << " n=" << n;
        ++checked;
      }
      // Four consecutive queries: attention4_q8 (where a level has it) gives
      // the bits of four scalar attention_q8 calls.
      const size_t qs = size_t(hd) + 5;
      std::vector<float> q4(4 * qs), want4(4 * qs, 0.0f), s4(4 * size_t(rows));
      for (auto& x : q4) x = nd(rng);
      for (int i = 0; i < 4; ++i)
        ref.attention_q8(&q4[i * qs], ku.data(), kd.data(), vq.data(), vd.data(), n + i, hd, scale, s4.data(),
                         &want4[i * qs]);
      for (Isa isa : isas) {
        const Kernels& kr = kernels_for(isa);
        if (!kr.attention4_q8) continue;
        std::vector<float> got4(4 * qs, 0.0f);
        if (!kr.attention4_q8(q4.data(), qs, ku.data(), kd.data(), vq.data(), vd.data(), n, hd, scale, s4.data(),
                              got4.data(), qs))
          continue;
        ++checked4;
        ASSERT_EQ(0, std::memcmp(want4.data(), got4.data(), want4.size() * 4))
            << isa_name(isa) << " attention4_q8 hd=" << hd << " n0=" << n;
      }
    }
  }
  if (!simd_isas().empty()) {
    EXPECT_GT(checked, 0);
  }
  if (cpu_supports(Isa::kAvx512)) {
    EXPECT_GT(checked4, 0);
  }
}

}  // namespace
}  // namespace llmzip::ops
