// Measuring text with a model, without writing a file: the same frames, context
// windows and integer frequencies as compress (docs/format.md 4-6). Three
// numbers per token: the model's own bits, the coder's (what `ac` spends, up to
// its < 1 byte per frame) and whether the container would store the frame.
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
  double model_bits = 0;    // -log2 p(token) under the model's own table (no adaptation)
  double bits = 0;          // the same under the coder's table (the adaptive predictor when on)
  uint32_t rank = 0;        // in the model's table: 0 = its most likely token (ties: lower id first)
  double entropy_bits = 0;  // entropy of the model's distribution at this step, in bits
  bool stored = false;      // compress would store this token's frame (the coder would expand it)
};

struct ScoreOptions {
  uint32_t context = 0;          // 0: as compress (min(model n_ctx, 512))
  uint64_t frame_bytes = 0;      // 0: as compress
  int threads = 1;
  bool per_token = false;        // fill ScoreResult::tokens (rank/entropy cost a pass over the vocab)
  bool adapt = true;             // as compress: the adaptive predictor (docs/adaptive.md)
};

// Every token of every frame the tokenizer can express is scored, whatever
// compress would do with its frame: the model's bits are the measure (a model
// worse than 8 bits/byte still gets its numbers), the coder's and the
// container's are reported beside them.
struct ScoreResult {
  uint64_t n_bytes = 0;
  uint64_t n_chars = 0;          // UTF-8 code points (each invalid byte counts as one)
  uint64_t n_tokens = 0;         // scored tokens
  uint64_t n_frames = 0;
  uint64_t stored_frames = 0;    // frames compress would store (untokenizable or expanding)
  // Bytes of frames the tokenizer cannot express: no tokens; they count 8 bits
  // a byte in each of the three totals below.
  uint64_t unscored_bytes = 0;
  // The model alone over every scored token: LLMZip's entropy bound H_ub.
  double model_bits = 0;
  // The coder's predictor (adaptive when on) over the same tokens.
  double coder_bits = 0;
  // What compress spends: per frame the coder's bits, or 8 bits a byte where
  // it stores the frame. Within < 1 byte per frame of the ac payload.
  double total_bits = 0;
  std::vector<TokenScore> tokens;  // when per_token
};

Result<ScoreResult> score(const LoadedModel& m, std::string_view text, const ScoreOptions& opt);

// Bits to code `x` when `y` precedes it in the same context (y's tokens are
// evaluated but not counted): C(x|y) of the information-distance papers. x and y
// are tokenized separately and concatenated as token sequences; the window slides
// as in compress when y+x exceeds the context.
Result<double> conditional_bits(const LoadedModel& m, std::string_view x, std::string_view y, const ScoreOptions& opt);

}  // namespace llmzip::codec
