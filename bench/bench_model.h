// Random-weight GGUF models of real shapes for the engine benchmark.
//
// The benchmark measures speed, not quality, so weights are uniform random
// with a small scale (the residual stream stays well inside float range and
// every layer does the same work as a trained model of that shape). Shapes and
// metadata follow llama.cpp's converter naming, so the same files load in the
// llmzip engine and in llama.cpp for comparison. Files go to a scratch
// directory (never to git: a SmolLM2-135M-shaped Q8_0 file is ~140 MiB).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace llmzip::bench {

// Hyperparameters of one benchmark model (names as in GGUF metadata).
struct BenchModelSpec {
  std::string name;       // "smollm2-135m"
  std::string arch;       // "llama" or "qwen2"
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t n_ff = 0;
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 2048;
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool qkv_bias = false;  // qwen2: F32 biases on q, k, v
  bool q4_0 = false;      // 2-D weights as Q4_0 (else Q8_0)
  // A GGUF file (e.g. a testdata vocabulary) whose tokenizer.* metadata the
  // model takes, so that it tokenizes text; empty: placeholder tokens. Its
  // vocabulary size must be n_vocab.
  std::string vocab_from;
};

// The presets: "smollm2-135m", "qwen2.5-0.5b", "llama2-7b" (Q4_0, 3.8 GB:
// the memory-mapped big-model check) and "tiny" (a few-layer model for tests
// of this generator). Returns kInvalidArgument listing the names otherwise.
Result<BenchModelSpec> bench_model_spec(std::string_view name);
std::vector<std::string> bench_model_names();

// Serialized GGUF v3 file: Q8_0 or Q4_0 2-D weights (tied embeddings: no
// output.weight), F32 norms and biases, a placeholder vocabulary (tokens
// "<t%d>") unless spec.vocab_from names one. The same (spec, seed, vocabulary)
// always gives the same bytes.
Result<std::string> make_bench_model(const BenchModelSpec& spec, uint64_t seed);

// Writes make_bench_model() to `path` via a temporary name and rename.
Status write_bench_model(const BenchModelSpec& spec, uint64_t seed, const std::string& path);

}  // namespace llmzip::bench
