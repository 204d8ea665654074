// Speed of the per-token coder work at real vocabulary sizes: logits ->
// frequencies, and each method's encode + decode of one token. Prints CPU time
// per token (one thread); run: build-*/coder/coder_bench
#include <time.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "coder/frequency_table.h"
#include "coder/rank_coder.h"
#include "coder/tbyt_coder.h"

using namespace llmzip::coder;
// Thread CPU time, so that a loaded machine does not inflate the numbers.
struct Clock {
  using time_point = std::chrono::nanoseconds;
  static time_point now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::nanoseconds(int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec);
  }
};

int main() {
  for (size_t n : {size_t(32000), size_t(49152), size_t(151936)}) {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> nd(0.0f, 3.0f);
    const int steps = 200;
    std::vector<std::vector<float>> logits(8, std::vector<float>(n));
    for (auto& v : logits)
      for (auto& x : v) x = nd(rng);
    FrequencyTable t;
    std::vector<uint32_t> tokens(steps);
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) t.build_from_logits(logits[i % 8].data(), n);
    auto t1 = Clock::now();
    RangeEncoder enc;
    BitWriter bw;
    RankEncoder rk;
    double ac_ns = 0, tb_ns = 0, rk_ns = 0, ac_d = 0, tb_d = 0, rk_d = 0;
    std::vector<uint32_t> scratch;
    for (int i = 0; i < steps; ++i) {
      t.build_from_logits(logits[i % 8].data(), n);
      tokens[i] = uint32_t(t.find(rng() % kTotal));
      auto a = Clock::now();
      encode_symbol(enc, t, tokens[i]);
      auto b = Clock::now();
      tbyt_encode(t, tokens[i], bw);
      auto c = Clock::now();
      rk.add(rank_of(t, tokens[i]));
      auto d = Clock::now();
      ac_ns += std::chrono::duration<double, std::nano>(b - a).count();
      tb_ns += std::chrono::duration<double, std::nano>(c - b).count();
      rk_ns += std::chrono::duration<double, std::nano>(d - c).count();
    }
    std::string ap = enc.finish(), tp = bw.finish(), rp = *rk.finish();
    RangeDecoder ad(ap);
    BitReader br(tp);
    auto rd = RankDecoder::open(rp, steps);
    for (int i = 0; i < steps; ++i) {
      t.build_from_logits(logits[i % 8].data(), n);
      auto a = Clock::now();
      int64_t x = decode_symbol(ad, t);
      auto b = Clock::now();
      int64_t y = tbyt_decode(t, br);
      auto c = Clock::now();
      int64_t z = token_of_rank(t, rd->next(), scratch);
      auto d = Clock::now();
      if (x != tokens[i] || y != tokens[i] || z != tokens[i]) {
        std::printf("MISMATCH\n");
        return 1;
      }
      ac_d += std::chrono::duration<double, std::nano>(b - a).count();
      tb_d += std::chrono::duration<double, std::nano>(c - b).count();
      rk_d += std::chrono::duration<double, std::nano>(d - c).count();
    }
    const double build_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / steps;
    std::printf("n_vocab %6zu: freq build %7.1f us/token (%.2f ns/entry) | ac enc %.0f ns dec %.0f ns | "
                "tbyt enc %.1f us dec %.1f us | rank enc %.1f us dec %.1f us\n",
                n, build_us, build_us * 1000 / double(n), ac_ns / steps, ac_d / steps, tb_ns / steps / 1000,
                tb_d / steps / 1000, rk_ns / steps / 1000, rk_d / steps / 1000);
  }
  return 0;
}
