// Range coder: round trips over random distributions and sequences, coded size
// against the ideal sum of -log2(freq/total), edge cases, corrupt payloads.
#include "coder/range_coder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "coder/frequency_table.h"

namespace llmzip::coder {
namespace {

// Random frequencies summing to 2^31 with a shape picked by `kind`:
// 0 = near uniform, 1 = Zipf-like, 2 = one dominant symbol + many at freq 1.
std::vector<uint32_t> random_freqs(std::mt19937_64& rng, size_t n, int kind) {
  std::vector<double> w(n);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (size_t i = 0; i < n; ++i) {
    if (kind == 0) w[i] = 1.0 + u(rng);
    else if (kind == 1) w[i] = 1.0 / double(1 + (rng() % n));
    else w[i] = (i == n / 3) ? 1.0 : 1e-12;
  }
  double sum = 0;
  for (double x : w) sum += x;
  std::vector<uint32_t> f(n);
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    f[i] = uint32_t(1 + std::floor(w[i] / sum * double(kTotal - n)));
    total += f[i];
  }
  f[0] += uint32_t(kTotal - total);
  return f;
}

uint32_t sample(std::mt19937_64& rng, const FrequencyTable& t) {
  return uint32_t(t.find(rng() % kTotal));
}

TEST(RangeCoder, EmptyStreamIsEmptyPayload) {
  RangeEncoder enc;
  EXPECT_EQ(enc.finish(), "");
  RangeDecoder dec("");
  EXPECT_TRUE(dec.finished_cleanly());
}

TEST(RangeCoder, RoundTripRandomTablesPerSymbol) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 30; ++trial) {
    const size_t n = 1 + rng() % 3000;
    const int count = int(rng() % 2000);
    std::vector<FrequencyTable> tables(4);
    for (int k = 0; k < 4; ++k) {
      auto f = random_freqs(rng, n, k % 3);
      tables[k].build_from_freqs(f.data(), n);
    }
    std::vector<uint32_t> syms, which;
    RangeEncoder enc;
    for (int i = 0; i < count; ++i) {
      const uint32_t w = rng() % 4;
      // Half drawn from the distribution, half uniform over symbols (incl. freq 1).
      const uint32_t s = (rng() & 1) ? sample(rng, tables[w]) : uint32_t(rng() % n);
      syms.push_back(s);
      which.push_back(w);
      encode_symbol(enc, tables[w], s);
    }
    const std::string payload = enc.finish();
    ASSERT_TRUE(payload.empty() || payload.back() != 0);
    RangeDecoder dec(payload);
    for (int i = 0; i < count; ++i) {
      ASSERT_EQ(decode_symbol(dec, tables[which[i]]), int64_t(syms[i])) << "trial " << trial << " i " << i;
    }
    EXPECT_TRUE(dec.finished_cleanly());
  }
}

TEST(RangeCoder, ExtremeSymbolsAndCarries) {
  // Alternating the last symbol (cum near 2^31, freq 1) and the first pushes
  // `low` up to its maximum and exercises carry propagation through 0xFF runs.
  const size_t n = 5;
  std::vector<uint32_t> f = {uint32_t(kTotal - 4), 1, 1, 1, 1};
  FrequencyTable t;
  t.build_from_freqs(f.data(), n);
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint32_t> syms;
    RangeEncoder enc;
    for (int i = 0; i < 3000; ++i) {
      uint32_t s = (rng() % 8 == 0) ? uint32_t(rng() % n) : (trial % 2 ? 4 : 0);
      syms.push_back(s);
      encode_symbol(enc, t, s);
    }
    std::string payload = enc.finish();
    RangeDecoder dec(payload);
    for (size_t i = 0; i < syms.size(); ++i) ASSERT_EQ(decode_symbol(dec, t), int64_t(syms[i]));
    EXPECT_TRUE(dec.finished_cleanly());
  }
}

TEST(RangeCoder, SizeWithinTenthOfAPercentOfIdeal) {
  std::mt19937_64 rng(1234);
  for (int kind = 0; kind < 3; ++kind) {
    const size_t n = 50000;
    auto f = random_freqs(rng, n, kind == 2 ? 1 : kind);
    FrequencyTable t;
    t.build_from_freqs(f.data(), n);
    RangeEncoder enc;
    std::vector<uint32_t> syms;
    double ideal = 0;
    for (int i = 0; i < 200000; ++i) {
      const uint32_t s = sample(rng, t);
      syms.push_back(s);
      ideal += t.cost_bits(s);
      encode_symbol(enc, t, s);
    }
    const std::string payload = enc.finish();
    const double bits = 8.0 * double(payload.size());
    EXPECT_LE(bits, ideal * 1.001 + 16) << "kind " << kind;
    EXPECT_GE(bits, ideal - 64) << "kind " << kind;  // can't beat the entropy
    RangeDecoder dec(payload);
    for (size_t i = 0; i < syms.size(); ++i) ASSERT_EQ(decode_symbol(dec, t), int64_t(syms[i]));
  }
}

TEST(RangeCoder, HighlyProbableSymbolsCostAlmostNothing) {
  std::vector<uint32_t> f = {uint32_t(kTotal - 1), 1};
  FrequencyTable t;
  t.build_from_freqs(f.data(), 2);
  RangeEncoder enc;
  for (int i = 0; i < 100000; ++i) encode_symbol(enc, t, 0);
  const std::string payload = enc.finish();
  EXPECT_LE(payload.size(), 2u);  // ideal: 100000 * 6.7e-10 bits
  RangeDecoder dec(payload);
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(decode_symbol(dec, t), 0);
  EXPECT_TRUE(dec.finished_cleanly());
}

TEST(RangeCoder, CorruptPayloadNeverCrashes) {
  // Random bytes decode to *some* symbols or to -1; never out of range.
  std::mt19937_64 rng(99);
  FrequencyTable t;
  auto f = random_freqs(rng, 1000, 1);
  t.build_from_freqs(f.data(), 1000);
  for (int trial = 0; trial < 200; ++trial) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk) c = char(rng());
    RangeDecoder dec(junk);
    for (int i = 0; i < 100; ++i) {
      int64_t s = decode_symbol(dec, t);
      if (s < 0) break;
      ASSERT_LT(s, 1000);
    }
  }
}

TEST(RangeCoder, TrailingZeroPayloadIsNotClean) {
  std::vector<uint32_t> f = {uint32_t(kTotal / 2), uint32_t(kTotal / 2)};
  FrequencyTable t;
  t.build_from_freqs(f.data(), 2);
  RangeEncoder enc;
  for (int i = 0; i < 64; ++i) encode_symbol(enc, t, uint32_t(i % 3 == 0));
  std::string payload = enc.finish();
  ASSERT_FALSE(payload.empty());
  std::string padded = payload + std::string(1, '\0');
  RangeDecoder dec(padded);
  for (int i = 0; i < 64; ++i) ASSERT_EQ(decode_symbol(dec, t), int64_t(i % 3 == 0));
  EXPECT_FALSE(dec.finished_cleanly());
  std::string longer = payload + std::string(20, '\x55');
  RangeDecoder dec2(longer);
  for (int i = 0; i < 64; ++i) ASSERT_GE(decode_symbol(dec2, t), 0);
  EXPECT_FALSE(dec2.finished_cleanly());
}

}  // namespace
}  // namespace llmzip::coder
