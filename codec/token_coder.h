// The three coding methods of docs/format.md section 7 behind one interface:
// a per-frame encoder fed (frequency table, token) pairs in order, and the
// matching decoder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "coder/frequency_table.h"
#include "common/status.h"
#include "container/format.h"

namespace llmzip::codec {

class TokenEncoder {
 public:
  virtual ~TokenEncoder() = default;
  virtual void add(const coder::FrequencyTable& t, uint32_t token) = 0;
  // The frame's payload; the encoder may not be used afterwards.
  virtual Result<std::string> finish() = 0;
};

class TokenDecoder {
 public:
  virtual ~TokenDecoder() = default;
  // The next token, or kCorrupt when the payload cannot be a valid coding.
  virtual Result<uint32_t> next(const coder::FrequencyTable& t) = 0;
  // After the frame's last token: kCorrupt if the payload has data left over
  // or otherwise could not have been written by the encoder.
  virtual Status finish() = 0;
};

// kUnsupported for a method this build cannot code.
Result<std::unique_ptr<TokenEncoder>> make_encoder(container::Method m);
// `payload` must outlive the decoder; `name` and `offset` go into messages.
// `token_count` is known before decoding (rank-zlib inflates up front).
Result<std::unique_ptr<TokenDecoder>> make_decoder(container::Method m, std::string_view payload,
                                                   uint64_t token_count, const std::string& where);

}  // namespace llmzip::codec
