// One frame's payload with any method: the codec's single entry point to the
// coders. Per token, both sides build the FrequencyTable of the token's window
// (docs/format.md sections 5-6) and call encode()/decode() with it.
//
//   FrameEncoder enc(method);
//   for each token: table.build_from_logits(logits, n_vocab); enc.encode(table, token);
//   std::string payload = *enc.finish();
//
//   auto dec = FrameDecoder::open(method, payload, token_count);   // payload outlives dec
//   for each of token_count tokens: table.build...; auto tok = dec->decode(table);
//   dec->finish();   // the payload must end exactly where the method says
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coder/frequency_table.h"
#include "coder/method.h"
#include "coder/range_coder.h"
#include "coder/rank_coder.h"
#include "coder/tbyt_coder.h"
#include "common/status.h"

namespace llmzip::coder {

class FrameEncoder {
 public:
  explicit FrameEncoder(Method method) : method_(method) {}
  // Codes `token` (< t.size(), asserts) under `t`.
  void encode(const FrequencyTable& t, uint32_t token);
  // The payload; the encoder is reset for a new frame. Errors only from zlib (kInternal).
  Result<std::string> finish();
  Method method() const { return method_; }
  uint64_t tokens() const { return tokens_; }

 private:
  Method method_;
  uint64_t tokens_ = 0;
  RangeEncoder ac_;
  BitWriter bits_;
  RankEncoder ranks_;
};

class FrameDecoder {
 public:
  // Prepares to decode `token_count` tokens from `payload` (which must outlive
  // the decoder). rank-zlib inflates here: kCorrupt if the stream is damaged.
  static Result<FrameDecoder> open(Method method, std::string_view payload, uint64_t token_count);
  // The next token under `t` (t.size() must be the model's n_vocab), or
  // kCorrupt when the payload cannot be a coding of any token. Call at most
  // token_count times (asserts).
  Result<uint32_t> decode(const FrequencyTable& t);
  // After the last token: kCorrupt when the payload has bytes or bits that the
  // encoder would not have written.
  Status finish() const;

 private:
  FrameDecoder(Method m, std::string_view payload, uint64_t count)
      : method_(m), count_(count), ac_(payload), bits_(payload) {}
  Method method_;
  uint64_t count_;
  uint64_t done_ = 0;
  RangeDecoder ac_;
  BitReader bits_;
  RankDecoder ranks_;
  std::vector<uint32_t> scratch_;
};

}  // namespace llmzip::coder
