// Logits -> frequencies: invariants, values from an independent reference of
// docs/format.md section 6 (an exact-integer Python script, the values pasted
// below), and accuracy against llama.cpp's log-probs on the testdata models.
#include "coder/frequency_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "testing/testutil.h"

namespace llmzip::coder {
namespace {

// Same generator as the reference script: exact float32 values in [-16, 16).
std::vector<float> lcg_logits(size_t n, uint64_t seed) {
  std::vector<float> out(n);
  uint64_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    out[i] = float(int64_t(s >> 40) - (int64_t(1) << 23)) / 524288.0f;
  }
  return out;
}

std::vector<uint32_t> freqs_of(const FrequencyTable& t) {
  std::vector<uint32_t> f(t.size());
  for (size_t j = 0; j < t.size(); ++j) f[j] = t.freq(uint32_t(j));
  return f;
}

void expect_valid(const FrequencyTable& t, size_t n) {
  ASSERT_EQ(t.size(), n);
  EXPECT_EQ(t.cumulative()[0], 0u);
  EXPECT_EQ(uint64_t(t.cumulative()[n]), kTotal);
  for (size_t j = 0; j < n; ++j) ASSERT_GE(t.freq(uint32_t(j)), 1u) << j;
}

TEST(FrequencyTable, MatchesReferenceSmall) {
  // ref_freq.py: freqs(lcg_logits(64, 1))
  const std::vector<uint32_t> expected = {
      10, 154, 13073, 3, 1446671, 115, 637, 1, 5965660, 1, 295001, 356, 992933, 1, 1, 337082,
      10, 1140, 5736, 1, 13781772, 524815349, 557, 5553, 3, 1150039, 1999, 1, 326093679, 27882560, 1, 10088,
      1, 514, 400, 1, 1683527, 1, 1, 1, 1, 9313, 660182385, 2, 1551, 1, 1, 764,
      1, 1, 31, 1, 8616, 1, 2522, 435381064, 1, 135812343, 5328006, 1, 1, 8798, 1, 6263609};
  auto logits = lcg_logits(64, 1);
  FrequencyTable t;
  t.build_from_logits(logits.data(), logits.size());
  expect_valid(t, 64);
  EXPECT_EQ(freqs_of(t), expected);
}

TEST(FrequencyTable, MatchesReferenceLargeVocab) {
  // ref_freq.py: big = freqs(lcg_logits(152064, 2)); Σ f_j (j+1) mod 2^64, max, argmax, #ones.
  auto logits = lcg_logits(152064, 2);
  FrequencyTable t;
  t.build_from_logits(logits.data(), logits.size());
  expect_valid(t, 152064);
  uint64_t checksum = 0, ones = 0, max_f = 0, argmax = 0;
  for (size_t j = 0; j < t.size(); ++j) {
    const uint32_t f = t.freq(uint32_t(j));
    checksum += uint64_t(f) * (j + 1);
    ones += f == 1;
    if (f > max_f) max_f = f, argmax = j;
  }
  EXPECT_EQ(checksum, 163424739294962ull);
  EXPECT_EQ(max_f, 487095u);
  EXPECT_EQ(argmax, 87160u);
  EXPECT_EQ(ones, 90278u);
}

TEST(FrequencyTable, SpecialFloatsAreClampedDeterministically) {
  auto logits = lcg_logits(100, 3);
  logits[3] = std::numeric_limits<float>::quiet_NaN();
  logits[5] = std::numeric_limits<float>::infinity();
  logits[7] = -std::numeric_limits<float>::infinity();
  logits[9] = -0.0f;
  logits[11] = 1e30f;
  logits[13] = -1e30f;
  FrequencyTable t;
  t.build_from_logits(logits.data(), logits.size());
  expect_valid(t, 100);
  // Reference: +inf (5) and 1e30 (11) tie at the clamp; the remainder goes to the first.
  for (size_t j = 0; j < 100; ++j) {
    const uint32_t want = j == 5 || j == 11 ? 1073741775u : 1u;
    EXPECT_EQ(t.freq(uint32_t(j)), want) << j;
  }
}

// docs/format.md section 6 written out plainly (scalar, 64-bit everywhere), to
// check the library's fast paths (SIMD, clamped 32-bit steps, fused passes).
std::vector<uint32_t> spec_freqs(const std::vector<float>& x) {
  static constexpr uint32_t E[1024] = {
#include "coder/exp2_table.inc"
  };
  const size_t n = x.size();
  std::vector<int64_t> q(n);
  for (size_t j = 0; j < n; ++j) {
    float v = x[j];
    if (std::isnan(v) || v < -16384.0f) v = -16384.0f;
    if (v > 16384.0f) v = 16384.0f;
    q[j] = int64_t(std::trunc(double(v) * 65536.0));
  }
  const int64_t m = *std::max_element(q.begin(), q.end());
  const size_t a = size_t(std::find(q.begin(), q.end(), m) - q.begin());
  std::vector<uint64_t> w(n);
  uint64_t W = 0;
  for (size_t j = 0; j < n; ++j) {
    const uint64_t y = (uint64_t(m - q[j]) * 6051102ull) >> 28;
    w[j] = (y >> 10) < 32 ? E[y & 1023] >> (y >> 10) : 0;
    W += w[j];
  }
  const uint64_t K = uint64_t((unsigned __int128)(kTotal - n) << 32) / W;
  std::vector<uint32_t> f(n);
  uint64_t sum = 0;
  for (size_t j = 0; j < n; ++j) sum += f[j] = uint32_t(1 + ((w[j] * K) >> 32));
  f[a] += uint32_t(kTotal - sum);
  return f;
}

TEST(FrequencyTable, FastPathsMatchThePlainSpec) {
  std::mt19937_64 rng(77);
  std::normal_distribution<float> nd(0.0f, 6.0f);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + rng() % 700;  // all remainders mod 4 (SIMD tails)
    std::vector<float> x(n);
    for (auto& v : x) {
      switch (rng() % 4) {
        case 0: {  // any bit pattern: NaNs, infinities, subnormals, huge values
          const uint32_t bits = uint32_t(rng());
          std::memcpy(&v, &bits, 4);
          break;
        }
        case 1: v = float(int32_t(rng() % 65) - 32) * 512.0f; break;  // around the clamp
        default: v = nd(rng);
      }
    }
    FrequencyTable t;
    t.build_from_logits(x.data(), n);
    ASSERT_EQ(freqs_of(t), spec_freqs(x)) << "trial " << trial;
  }
}

TEST(FrequencyTable, UniformAndEqualLogits) {
  FrequencyTable t;
  t.build_uniform(4);
  for (uint32_t j = 0; j < 4; ++j) EXPECT_EQ(t.freq(j), 1u << 29);
  std::vector<float> zeros(3, 0.0f);
  t.build_from_logits(zeros.data(), 3);
  // w = 2^30 each, K = floor((2^31-3) 2^32 / (3 2^30)); remainder to token 0.
  const uint64_t k = ((kTotal - 3) << 32) / (3ull << 30);
  const uint32_t base = uint32_t(1 + ((uint64_t(1) << 30) * k >> 32));
  EXPECT_EQ(t.freq(1), base);
  EXPECT_EQ(t.freq(2), base);
  EXPECT_EQ(uint64_t(t.freq(0)), kTotal - 2ull * base);
  FrequencyTable u;
  u.build_uniform(151936);
  std::vector<float> z(151936, 0.0f);
  t.build_from_logits(z.data(), z.size());
  EXPECT_EQ(t.hash(), u.hash());
  t.build_uniform(1);
  EXPECT_EQ(uint64_t(t.freq(0)), kTotal);
}

TEST(FrequencyTable, MonotoneInLogitsAndInvariantToShift) {
  std::mt19937_64 rng(5);
  std::normal_distribution<float> nd(0.0f, 4.0f);
  std::vector<float> logits(50000);
  // On the 2^-16 grid, so that the fixed-point step is exact and a shift stays exact.
  for (auto& x : logits) x = float(int32_t(nd(rng) * 65536.0f)) / 65536.0f;
  FrequencyTable t, shifted;
  t.build_from_logits(logits.data(), logits.size());
  expect_valid(t, logits.size());
  for (size_t i = 0; i + 1 < logits.size(); ++i) {
    if (logits[i] > logits[i + 1]) {
      ASSERT_GE(t.freq(uint32_t(i)), t.freq(uint32_t(i + 1)));
    }
    if (logits[i] < logits[i + 1]) {
      ASSERT_LE(t.freq(uint32_t(i)), t.freq(uint32_t(i + 1)));
    }
  }
  // Adding a constant to grid values (exact) changes nothing.
  for (auto& x : logits) x += 8.0f;
  shifted.build_from_logits(logits.data(), logits.size());
  EXPECT_EQ(t.hash(), shifted.hash());
}

TEST(FrequencyTable, FindInvertsCumulative) {
  auto logits = lcg_logits(1000, 9);
  FrequencyTable t;
  t.build_from_logits(logits.data(), logits.size());
  for (uint32_t s = 0; s < 1000; ++s) {
    EXPECT_EQ(t.find(t.cum(s)), int64_t(s));
    EXPECT_EQ(t.find(t.cum(s) + t.freq(s) - 1), int64_t(s));
  }
  EXPECT_EQ(t.find(kTotal), -1);
  EXPECT_EQ(t.find(~uint64_t{0}), -1);
}

// Against llama.cpp: the full logits after 3 positions of each F32 model, and the
// golden ln p(next) at those positions. The fixed-point table must agree with
// the float64 softmax to far better than the coder's 0.1% budget.
TEST(FrequencyTable, AgreesWithLlamaCppLogProbs) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const char* pairs[] = {"stories260K__stories_sample", "stories260K__plain_english",
                         "rand-llama-gqa.F32__stories_sample", "rand-llama-tied.F32__plain_english",
                         "rand-qwen2.F32__stories_sample"};
  int checked = 0;
  for (const char* p : pairs) {
    auto lj = nlohmann::json::parse(testutil::read_file(dir + "/golden/" + p + ".logits3.json"));
    std::ifstream golden(dir + "/golden/" + p + ".jsonl");
    std::string line;
    std::getline(golden, line);  // header
    const auto& all = lj["logits"];
    for (size_t pos = 0; pos < all.size(); ++pos) {
      std::getline(golden, line);
      auto g = nlohmann::json::parse(line);
      ASSERT_EQ(g["pos"].get<size_t>(), pos);
      std::vector<float> logits = all[pos].get<std::vector<float>>();
      FrequencyTable t;
      t.build_from_logits(logits.data(), logits.size());
      expect_valid(t, logits.size());
      // Softmax in double (test-only reference) and KL(p || f).
      double mx = -1e300, z = 0, kl = 0;
      for (float x : logits) mx = std::max(mx, double(x));
      for (float x : logits) z += std::exp(double(x) - mx);
      for (size_t j = 0; j < logits.size(); ++j) {
        const double p = std::exp(double(logits[j]) - mx) / z;
        const double q = double(t.freq(uint32_t(j))) / double(kTotal);
        if (p > 0) kl += p * std::log2(p / q);
      }
      EXPECT_LT(kl, 1e-4) << p << " pos " << pos;
      const uint32_t next = g["next"].get<uint32_t>();
      // The count of the true token: within 0.2% of p * 2^31, plus 2 counts (the
      // floor and the +1 of step 5) for improbable tokens.
      const double want = std::exp(g["logprob"].get<double>()) * double(kTotal);
      EXPECT_NEAR(double(t.freq(next)), want, 2.0 + 2e-3 * want) << p << " pos " << pos;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 15);
}

}  // namespace
}  // namespace llmzip::coder
