#include "coder/frame_coder.h"

#include <cassert>

namespace llmzip::coder {

void FrameEncoder::encode(const FrequencyTable& t, uint32_t token) {
  assert(token < t.size());
  ++tokens_;
  switch (method_) {
    case Method::kArithmetic: encode_symbol(ac_, t, token); return;
    case Method::kRankZlib: ranks_.add(rank_of(t, token)); return;
    case Method::kTokenByToken: tbyt_encode(t, token, bits_); return;
  }
  assert(false && "unknown method");
}

Result<std::string> FrameEncoder::finish() {
  tokens_ = 0;
  switch (method_) {
    case Method::kArithmetic: return ac_.finish();
    case Method::kRankZlib: return ranks_.finish();
    case Method::kTokenByToken: return bits_.finish();
  }
  return Status(ErrorCode::kInternal, "unknown coding method");
}

Result<FrameDecoder> FrameDecoder::open(Method method, std::string_view payload, uint64_t token_count) {
  FrameDecoder d(method, payload, token_count);
  if (method == Method::kRankZlib) {
    auto r = RankDecoder::open(payload, token_count);
    if (!r) return r.status();
    d.ranks_ = std::move(r).value();
  } else if (method != Method::kArithmetic && method != Method::kTokenByToken) {
    return Status(ErrorCode::kCorrupt, "unknown coding method " + std::to_string(int(method)));
  }
  return d;
}

Result<uint32_t> FrameDecoder::decode(const FrequencyTable& t) {
  assert(done_ < count_);
  const uint64_t i = done_++;
  int64_t tok = -1;
  switch (method_) {
    case Method::kArithmetic: tok = decode_symbol(ac_, t); break;
    case Method::kRankZlib: tok = token_of_rank(t, ranks_.next(), scratch_); break;
    case Method::kTokenByToken: tok = tbyt_decode(t, bits_); break;
  }
  if (tok < 0)
    return Status(ErrorCode::kCorrupt, std::string(method_name(method_)) + " payload: no token codes as token " +
                                           std::to_string(i));
  return uint32_t(tok);
}

Status FrameDecoder::finish() const {
  assert(done_ == count_);
  bool clean = true;
  switch (method_) {
    case Method::kArithmetic: clean = ac_.finished_cleanly(); break;
    case Method::kRankZlib: clean = true; break;  // checked exactly by open()
    case Method::kTokenByToken: clean = bits_.finished_cleanly(); break;
  }
  if (!clean)
    return Status(ErrorCode::kCorrupt, std::string(method_name(method_)) +
                                           " payload: bytes left over after the last token");
  return Status::ok();
}

}  // namespace llmzip::coder
