// fuzz-libs: llmzip_model llmzip_ops llmzip_gguf llmzip_common
// Loads arbitrary bytes as a GGUF model: any input must give a Status or a
// usable Model, never a crash or sanitizer report. Small models that load are
// also evaluated on a few tokens in two slots (weights may be any bit pattern,
// including NaN and infinity).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/thread_pool.h"
#include "gguf/gguf.h"
#include "model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace llmzip;
  auto file = gguf::GgufFile::parse(data, size, "fuzz.gguf");
  if (!file.is_ok()) return 0;
  auto model = model::Model::load(**file);
  if (!model.is_ok()) return 0;
  const model::Model& m = **model;
  const model::ModelConfig& c = m.config();
  // Keep each run cheap: evaluate only small models.
  const uint64_t work = static_cast<uint64_t>(c.n_layer) * c.n_embd * (c.q_dim() + c.n_ff) +
                        static_cast<uint64_t>(c.n_vocab) * c.n_embd;
  if (work > (1u << 22)) return 0;
  static ThreadPool pool(2);
  model::KvCache cache(m, 2, 4);
  std::vector<model::BatchEntry> batch = {
      {0, 0, 0, true}, {c.n_vocab - 1, 1, 0, false}, {c.n_vocab / 2, 0, 1, true}, {1 % c.n_vocab, 1, 1, true}};
  std::vector<float> logits(3 * static_cast<size_t>(c.n_vocab));
  (void)m.forward(batch, cache, pool, logits.data());
  return 0;
}
