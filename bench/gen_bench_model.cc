// gen_bench_model: writes a random-weight benchmark model (see bench_model.h).
//   gen_bench_model [--vocab FILE.gguf] <smollm2-135m|qwen2.5-0.5b|llama2-7b|tiny> <out.gguf> [seed]
// --vocab: take the tokenizer of FILE (e.g. the testdata vocabulary
// ggml-vocab-llama-spm.gguf for llama2-7b), so the model compresses text.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/bench_model.h"

int main(int argc, char** argv) {
  using namespace llmzip;
  std::string vocab;
  if (argc >= 3 && std::string(argv[1]) == "--vocab") {
    vocab = argv[2];
    argv[2] = argv[0];
    argv += 2;
    argc -= 2;
  }
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: %s [--vocab FILE.gguf] <model> <out.gguf> [seed]\nmodels:", argv[0]);
    for (const auto& n : bench::bench_model_names()) std::fprintf(stderr, " %s", n.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  auto spec = bench::bench_model_spec(argv[1]);
  if (!spec) {
    std::fprintf(stderr, "%s\n", spec.status().to_string().c_str());
    return 2;
  }
  spec->vocab_from = vocab;
  const uint64_t seed = argc == 4 ? std::strtoull(argv[3], nullptr, 10) : 1;
  Status st = bench::write_bench_model(*spec, seed, argv[2]);
  if (!st) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  std::printf("wrote %s (%s)\n", argv[2], argv[1]);
  return 0;
}
