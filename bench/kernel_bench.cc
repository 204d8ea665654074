// kernel_bench: speed of ops::matmul (driver + mat_tile kernels) per Isa, for
// the matrix shapes of the built-in model and SmolLM2-135M. Prints GMAC/s
// (multiply-adds of the mathematical product per second) and ms per call; the
// rows "ISA/packed" use weights packed once beforehand, as a model load does
// (ops::PackedWeights), the others pack (or read raw) per call.
//   kernel_bench [--threads N] [--type Q8_0|Q4_0|F32|...] [--tokens 1,64,512]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "ops/kernels.h"
#include "ops/matmul.h"

namespace {

using namespace llmzip;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time of the calling thread: with --threads 1 this measures the kernels
// even when other processes compete for the cores (the shared dev machine).
double thread_cpu_s() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string type_name = "Q8_0";
  std::vector<int> tokens = {1, 4, 64, 512};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--type")) type_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--tokens")) {
      tokens.clear();
      for (char* p = argv[i + 1]; *p;) {
        tokens.push_back(static_cast<int>(std::strtol(p, &p, 10)));
        if (*p == ',') ++p;
      }
    }
  }
  ops::WeightType type = ops::WeightType::kQ8_0;
  bool found = false;
  for (int t = 0; t < ops::kNumWeightTypes; ++t) {
    if (type_name == ops::weight_type_name(static_cast<ops::WeightType>(t))) {
      type = static_cast<ops::WeightType>(t);
      found = true;
    }
  }
  if (!found) {
    std::fprintf(stderr, "unknown type %s\n", type_name.c_str());
    return 2;
  }
  struct Shape { const char* name; int rows, cols; };
  const Shape shapes[] = {{"builtin q 384x384", 384, 384}, {"builtin up 1024x384", 1024, 384},
                          {"builtin down 384x1024", 384, 1024}, {"builtin out 8192x384", 8192, 384},
                          {"attn_q 576x576", 576, 576}, {"attn_k 192x576", 192, 576},
                          {"ffn_up 1536x576", 1536, 576}, {"ffn_down 576x1536", 576, 1536},
                          {"output 49152x576", 49152, 576}};
  std::mt19937 rng(1);
  ThreadPool pool(threads);
  std::printf("%-22s %-14s %6s %10s %10s %12s\n", "shape", "isa", "tokens", "ms/call", "GMAC/s", "GMAC/cpu-s");
  for (const Shape& s : shapes) {
    const size_t rb = ops::weight_row_bytes(type, s.cols);
    std::vector<uint8_t> w(rb * s.rows);
    for (auto& b : w) b = static_cast<uint8_t>(rng());
    // Keep F16 scales / float weights finite and small: overwrite with a valid pattern.
    const size_t bb = ops::weight_block_bytes(type);
    if (type == ops::WeightType::kQ8_0 || type == ops::WeightType::kQ4_0) {
      for (size_t o = 0; o < w.size(); o += bb) { w[o] = 0x00; w[o + 1] = 0x20; }
    } else if (type == ops::WeightType::kF32) {
      for (size_t o = 0; o < w.size(); o += 4) { float v = 0.01f * static_cast<float>(rng() % 100); std::memcpy(&w[o], &v, 4); }
    } else if (type == ops::WeightType::kF16 || type == ops::WeightType::kBF16) {
      for (size_t o = 0; o < w.size(); o += 2) { w[o + 1] = 0x20; }
    }
    ops::WeightMatrix m{type, s.cols, s.rows, w.data(), rb};
    for (int nt : tokens) {
      std::vector<float> x(static_cast<size_t>(nt) * s.cols);
      std::normal_distribution<float> nd;
      for (auto& v : x) v = nd(rng);
      std::vector<float> out(static_cast<size_t>(nt) * s.rows);
      for (int variant = 0; variant < 2 * ops::kNumIsa; ++variant) {
        const int isa = variant / 2;
        const bool packed = variant % 2 == 1;
        if (!ops::set_isa(static_cast<ops::Isa>(isa))) continue;
        ops::WeightMatrix mv = m;
        ops::PackedWeights store;
        if (packed && !store.pack(mv)) continue;
        const std::string label = std::string(ops::isa_name(static_cast<ops::Isa>(isa))) + (packed ? "/packed" : "");
        ops::ActBatch act;
        double best = 1e9, best_cpu = 1e9;
        const double budget = 0.3;
        const double t_start = now_s();
        int iters = 0;
        while (now_s() - t_start < budget || iters < 2) {
          act.set(x.data(), nt, s.cols);  // re-quantize each call, as the model does
          const double t0 = now_s(), c0 = thread_cpu_s();
          ops::matmul(mv, act, out.data(), s.rows, pool);
          best = std::min(best, now_s() - t0);
          best_cpu = std::min(best_cpu, thread_cpu_s() - c0);
          ++iters;
        }
        const double macs = static_cast<double>(s.rows) * s.cols * nt;
        std::printf("%-22s %-14s %6d %10.3f %10.2f %12.2f\n", s.name, label.c_str(), nt,
                    best * 1e3, macs / best * 1e-9, threads == 1 ? macs / best_cpu * 1e-9 : 0.0);
      }
    }
  }
  return 0;
}
