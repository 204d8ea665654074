#include "codec/predictor.h"

namespace llmzip::codec {

void Predictor::predict(const float* logits, coder::FrequencyTable& out) const {
  if (logits == nullptr) {
    out.build_uniform(n_vocab_);
  } else {
    out.build_from_logits(logits, n_vocab_);
  }
}

}  // namespace llmzip::codec
