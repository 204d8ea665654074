// engine_bench: tokens/s and peak RSS of the llmzip inference engine.
//
// Two workloads, the two ways the codec drives the model (docs/design.md):
//   frame  compression: one sequence, a whole frame of `--frame` tokens per
//          forward call, logits wanted at every position;
//   seqs   decompression: N independent sequences, one token of each per
//          forward call (positions 0,1,2,... in every sequence).
// Every configuration (model x isa x threads x workload) runs in a forked
// child, so the reported peak RSS (ru_maxrss of that child) belongs to it
// alone: mapped weights that were touched + KV cache + buffers. A child runs
// --repeat timed repetitions and reports the median.
//
// Also prints a hash of the last logits, so runs on different ISAs and thread
// counts can be compared at a glance (they must be identical).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "ops/isa.h"

namespace llmzip::bench {
namespace {

struct Options {
  std::vector<std::string> models;
  std::vector<int> threads = {1, 2};
  std::vector<std::string> isas = {"default"};
  std::vector<int> seqs = {1, 16, 64};
  bool run_frame = true;
  bool run_seqs = true;
  int frame = 512;
  int steps = 64;
  int repeat = 3;
  std::string csv;
};

struct Measurement {
  double tokens_per_s = 0;   // median over repeats
  double ms_per_call = 0;    // median wall time of one forward call
  long peak_rss_kib = 0;
  double tokens_per_cpu_s = 0;  // tokens / CPU seconds of all threads (contention-independent)
  double cpu_util = 0;       // CPU time / (wall time * threads) of the timed runs: < ~0.9 means
                             // other processes competed for the cores
  uint64_t logits_hash = 0;  // FNV-1a of the last logits
  char error[200] = {};
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<int> parse_ints(const char* s) {
  std::vector<int> v;
  for (const char* p = s; *p;) {
    char* end;
    v.push_back(static_cast<int>(std::strtol(p, &end, 10)));
    p = *end == ',' ? end + 1 : end;
    if (end == p && *p) break;
  }
  return v;
}

std::vector<std::string> parse_strings(const char* s) {
  std::vector<std::string> v;
  std::string cur;
  for (const char* p = s;; ++p) {
    if (*p == ',' || *p == 0) {
      if (!cur.empty()) v.push_back(cur);
      cur.clear();
      if (*p == 0) break;
    } else {
      cur += *p;
    }
  }
  return v;
}

// FNV-1a over the float bits (SHA-256 of 100 MB of logits would take a second).
uint64_t hash_floats(const std::vector<float>& v) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (float f : v) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    h = (h ^ b) * 0x100000001b3ull;
  }
  return h;
}

double cpu_s() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs one configuration in this process. n_seqs == 0 means the frame workload.
Measurement run_config(const Options& o, const std::string& path, const std::string& isa, int threads,
                       int n_seqs) {
  Measurement m;
  auto fail = [&](const std::string& msg) {
    std::snprintf(m.error, sizeof m.error, "%s", msg.c_str());
    return m;
  };
  if (isa != "default") {
    auto want = ops::parse_isa(isa);
    if (!want) return fail("unknown isa " + isa);
    if (!ops::set_isa(*want)) return fail("isa " + isa + " not supported by this CPU");
  }
  auto file = gguf::GgufFile::open(path);
  if (!file) return fail(file.status().to_string());
  auto model = model::Model::load(**file);
  if (!model) return fail(model.status().to_string());
  const int n_vocab = (*model)->n_vocab();
  ThreadPool pool(threads);

  const bool frame = n_seqs == 0;
  const int slots = frame ? 1 : n_seqs;
  const int ctx = frame ? o.frame : o.steps;
  model::KvCache cache(**model, slots, ctx);

  uint64_t rng = 0;
  auto next_token = [&]() {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int32_t>((rng >> 33) % static_cast<uint64_t>(n_vocab));
  };

  std::vector<model::BatchEntry> batch;
  std::vector<float> logits;
  std::vector<double> tps, call_ms;
  double wall_total = 0, cpu_total = 0;
  for (int rep = 0; rep < o.repeat; ++rep) {
    for (int s = 0; s < slots; ++s) cache.clear(s);
    rng = 0x243f6a8885a308d3ull;  // every repetition evaluates the same tokens
    const double t0 = now_s(), c0 = cpu_s();
    int n_tokens = 0, n_calls = 0;
    if (frame) {
      batch.clear();
      for (int p = 0; p < o.frame; ++p) batch.push_back({next_token(), 0, p, true});
      logits.resize(static_cast<size_t>(o.frame) * n_vocab);
      Status st = (*model)->forward(batch, cache, pool, logits.data());
      if (!st) return fail(st.to_string());
      n_tokens = o.frame;
      n_calls = 1;
    } else {
      logits.resize(static_cast<size_t>(n_seqs) * n_vocab);
      for (int step = 0; step < o.steps; ++step) {
        batch.clear();
        for (int s = 0; s < n_seqs; ++s) batch.push_back({next_token(), s, step, true});
        Status st = (*model)->forward(batch, cache, pool, logits.data());
        if (!st) return fail(st.to_string());
      }
      n_tokens = n_seqs * o.steps;
      n_calls = o.steps;
    }
    const double dt = now_s() - t0;
    wall_total += dt;
    cpu_total += cpu_s() - c0;
    tps.push_back(n_tokens / dt);
    call_ms.push_back(dt * 1000.0 / n_calls);
  }
  m.tokens_per_s = median(tps);
  m.ms_per_call = median(call_ms);
  m.cpu_util = cpu_total / (wall_total * threads);
  m.tokens_per_cpu_s = median(tps) * wall_total / cpu_total;
  m.logits_hash = hash_floats(logits);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  m.peak_rss_kib = ru.ru_maxrss;
  return m;
}

// Forks, runs the configuration in the child, returns its result.
Measurement run_isolated(const Options& o, const std::string& path, const std::string& isa, int threads,
                         int n_seqs) {
  Measurement m;
  int fds[2];
  if (pipe(fds) != 0) {
    std::snprintf(m.error, sizeof m.error, "pipe failed");
    return m;
  }
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Measurement r = run_config(o, path, isa, threads, n_seqs);
    ssize_t w = write(fds[1], &r, sizeof r);
    _exit(w == static_cast<ssize_t>(sizeof r) ? 0 : 1);
  }
  close(fds[1]);
  ssize_t got = pid > 0 ? read(fds[0], &m, sizeof m) : -1;
  close(fds[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof m))
    std::snprintf(m.error, sizeof m.error, "benchmark child failed (status %d)", status);
  return m;
}

std::string basename_of(const std::string& p) {
  const size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --model PATH [--model PATH...] [options]\n"
               "  --threads 1,2        thread counts\n"
               "  --isa default|scalar,avx2,avx512   SIMD levels (default: the CPU's best / $LLMZIP_SIMD)\n"
               "  --workload frame,seqs\n"
               "  --frame 512          tokens per frame (frame workload)\n"
               "  --seqs 1,16,64       sequence counts (seqs workload)\n"
               "  --steps 64           steps per run (seqs workload)\n"
               "  --repeat 3           timed repetitions per configuration (median reported)\n"
               "  --csv FILE           also write results as CSV\n",
               argv0);
  return 2;
}

}  // namespace
}  // namespace llmzip::bench

int main(int argc, char** argv) {
  using namespace llmzip::bench;
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--help" || a == "-h") return usage(argv[0]);
    if (!(v = val())) return usage(argv[0]);
    if (a == "--model") o.models.push_back(v);
    else if (a == "--threads") o.threads = parse_ints(v);
    else if (a == "--isa") o.isas = parse_strings(v);
    else if (a == "--seqs") o.seqs = parse_ints(v);
    else if (a == "--frame") o.frame = std::atoi(v);
    else if (a == "--steps") o.steps = std::atoi(v);
    else if (a == "--repeat") o.repeat = std::max(1, std::atoi(v));
    else if (a == "--csv") o.csv = v;
    else if (a == "--workload") {
      auto w = parse_strings(v);
      o.run_frame = std::find(w.begin(), w.end(), "frame") != w.end();
      o.run_seqs = std::find(w.begin(), w.end(), "seqs") != w.end();
    } else {
      return usage(argv[0]);
    }
  }
  if (o.models.empty() || o.frame < 1 || o.steps < 1) return usage(argv[0]);

  FILE* csv = nullptr;
  if (!o.csv.empty()) {
    csv = std::fopen(o.csv.c_str(), "w");
    if (!csv) {
      std::fprintf(stderr, "cannot write %s\n", o.csv.c_str());
      return 1;
    }
    std::fprintf(csv,
                 "model,isa,threads,workload,sequences,tokens_per_call,tokens_per_s,ms_per_call,peak_rss_mib,"
                 "cpu_util,tokens_per_cpu_s,logits_hash\n");
  }
  std::printf("%-26s %-8s %3s %-6s %5s %9s %10s %10s %9s %5s %10s  %s\n", "model", "isa", "thr", "work", "seqs",
              "tok/call", "tokens/s", "ms/call", "RSS MiB", "cpu%", "tok/cpu-s", "logits hash");
  int failures = 0;
  for (const auto& path : o.models) {
    for (const auto& isa : o.isas) {
      for (int t : o.threads) {
        std::vector<int> configs;  // 0 = frame workload, else a sequence count
        configs.reserve(1 + o.seqs.size());
        if (o.run_frame) configs.push_back(0);
        if (o.run_seqs) {
          for (int n : o.seqs) configs.push_back(n);
        }
        for (int n_seqs : configs) {
          Measurement m = run_isolated(o, path, isa, t, n_seqs);
          const char* work = n_seqs == 0 ? "frame" : "seqs";
          const int seqs = n_seqs == 0 ? 1 : n_seqs;
          const int per_call = n_seqs == 0 ? o.frame : n_seqs;
          if (m.error[0]) {
            std::printf("%-26s %-8s %3d %-6s %5d  ERROR: %s\n", basename_of(path).c_str(), isa.c_str(), t, work,
                        seqs, m.error);
            ++failures;
            continue;
          }
          const double rss_mib = m.peak_rss_kib / 1024.0;
          std::printf("%-26s %-8s %3d %-6s %5d %9d %10.1f %10.2f %9.1f %5.0f %10.1f  %016llx\n",
                      basename_of(path).c_str(), isa.c_str(), t, work, seqs, per_call, m.tokens_per_s, m.ms_per_call,
                      rss_mib, 100.0 * m.cpu_util, m.tokens_per_cpu_s, static_cast<unsigned long long>(m.logits_hash));
          std::fflush(stdout);
          if (csv) {
            std::fprintf(csv, "%s,%s,%d,%s,%d,%d,%.2f,%.3f,%.1f,%.2f,%.2f,%016llx\n", basename_of(path).c_str(),
                         isa.c_str(), t, work, seqs, per_call, m.tokens_per_s, m.ms_per_call, rss_mib, m.cpu_util,
                         m.tokens_per_cpu_s, static_cast<unsigned long long>(m.logits_hash));
            std::fflush(csv);
          }
        }
      }
    }
  }
  if (csv) std::fclose(csv);
  return failures ? 1 : 0;
}
