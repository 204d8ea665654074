// Measuring text with a model, without writing a file: the same frames, context
// windows and integer frequencies as compress (docs/format.md 4-6), so the bits
// reported here are what the `ac` coder spends, up to its < 1 byte per frame.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/loaded_model.h"
#include "common/status.h"

namespace llmzip::codec {

struct TokenScore {
  uint64_t offset = 0;      // byte offset of the token's first byte in the text
  int32_t id = 0;           // token id
  uint32_t n_bytes = 0;     // bytes the token stands for
  double bits = 0;          // -log2 p(token) under the coder's integer frequencies
  double model_bits = 0;    // the same under the model's own table (no adaptation)
  uint32_t rank = 0;        // 0 = the model's most likely token (ties: lower id first)
  double entropy_bits = 0;  // entropy of that step's distribution, in bits
};

struct ScoreOptions {
  uint32_t context = 0;          // 0: as compress (min(model n_ctx, 512))
  uint64_t frame_bytes = 0;      // 0: as compress
  int threads = 1;
  bool per_token = false;        // fill ScoreResult::tokens (rank/entropy cost a pass over the vocab)
  bool adapt = true;             // as compress: the adaptive predictor (docs/adaptive.md)
};

struct ScoreResult {
  uint64_t n_bytes = 0;
  uint64_t n_chars = 0;          // UTF-8 code points (each invalid byte counts as one)
  uint64_t n_tokens = 0;         // coded tokens (frames compress would store count 8 bits a byte, 0 tokens)
  uint64_t n_frames = 0;
  double total_bits = 0;         // what compress spends (stored frames at 8 bits a byte)
  // The model alone over the same coded tokens: LLMZip's entropy bound H_ub of
  // the model (stored frames at 8 bits a byte, as above).
  double model_bits = 0;
  std::vector<TokenScore> tokens;  // when per_token
};

Result<ScoreResult> score(const LoadedModel& m, std::string_view text, const ScoreOptions& opt);

// Bits to code `x` when `y` precedes it in the same context (y's tokens are
// evaluated but not counted): C(x|y) of the information-distance papers. x and y
// are tokenized separately and concatenated as token sequences; the window slides
// as in compress when y+x exceeds the context.
Result<double> conditional_bits(const LoadedModel& m, std::string_view x, std::string_view y, const ScoreOptions& opt);

}  // namespace llmzip::codec
