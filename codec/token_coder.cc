#include "codec/token_coder.h"

#include "coder/frame_coder.h"

namespace llmzip::codec {
namespace {

// Adds "<file>: frame N at byte X: " to a coder error.
Status located(const Status& st, const std::string& where) { return Status(st.code(), where + ": " + st.message()); }

class Encoder : public TokenEncoder {
 public:
  explicit Encoder(container::Method m) : enc_(m) {}
  void add(const coder::FrequencyTable& t, uint32_t token) override { enc_.encode(t, token); }
  Result<std::string> finish() override { return enc_.finish(); }

 private:
  coder::FrameEncoder enc_;
};

class Decoder : public TokenDecoder {
 public:
  Decoder(coder::FrameDecoder d, std::string where) : dec_(std::move(d)), where_(std::move(where)) {}
  Result<uint32_t> next(const coder::FrequencyTable& t) override {
    auto r = dec_.decode(t);
    if (!r) return located(r.status(), where_);
    return *r;
  }
  Status finish() override {
    Status st = dec_.finish();
    return st ? st : located(st, where_);
  }

 private:
  coder::FrameDecoder dec_;
  std::string where_;
};

}  // namespace

Result<std::unique_ptr<TokenEncoder>> make_encoder(container::Method m) {
  return std::unique_ptr<TokenEncoder>(new Encoder(m));
}

Result<std::unique_ptr<TokenDecoder>> make_decoder(container::Method m, std::string_view payload,
                                                   uint64_t token_count, const std::string& where) {
  auto d = coder::FrameDecoder::open(m, payload, token_count);
  if (!d) return located(d.status(), where);
  return std::unique_ptr<TokenDecoder>(new Decoder(std::move(d).value(), where));
}

}  // namespace llmzip::codec
