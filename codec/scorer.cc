#include "codec/scorer.h"

#include <cmath>

#include "codec/codec.h"
#include "codec/evaluator.h"
#include "codec/frame_tokens.h"
#include "codec/framing.h"

namespace llmzip::codec {
namespace {

uint64_t count_chars(std::string_view s) {
  // Code points of valid UTF-8; each byte of an invalid sequence counts as one.
  uint64_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (uint8_t(s[i + k]) & 0xC0) == 0x80;
    i += ok ? len : 1;
    ++n;
  }
  return n;
}

double entropy_bits(const coder::FrequencyTable& t) {
  double h = 0;
  const double inv = 1.0 / double(coder::kTotal);
  for (size_t j = 0; j < t.size(); ++j) {
    double p = double(t.freq(uint32_t(j))) * inv;
    h -= p * std::log2(p);
  }
  return h;
}

uint32_t rank_of(const coder::FrequencyTable& t, uint32_t token) {
  const uint32_t f = t.freq(token);
  uint32_t r = 0;
  for (uint32_t j = 0; j < t.size(); ++j) {
    uint32_t g = t.freq(j);
    r += (g > f) || (g == f && j < token);
  }
  return r;
}

}  // namespace

Result<ScoreResult> score(const LoadedModel& m, std::string_view text, const ScoreOptions& opt) {
  Params p;
  p.threads = std::max(1, opt.threads);
  p.context = opt.context;
  p.frame_bytes = opt.frame_bytes;
  p.adapt = opt.adapt;
  auto hdr = make_header(m, p, int64_t(text.size()));
  if (!hdr) return hdr.status();
  const container::FileHeader& h = *hdr;
  ThreadPool pool(p.threads);
  Evaluator ev(*m.model, eval_settings(h), pool);
  const auto& tok = *m.tokenizer;

  ScoreResult r;
  r.n_bytes = text.size();
  r.n_chars = count_chars(text);
  // Same frames as compress; evaluate them all at once (text is in memory).
  std::vector<std::vector<int32_t>> seqs;
  std::vector<uint64_t> seq_offset, seq_len;
  std::string_view rest = text;
  uint64_t off = 0;
  while (!rest.empty()) {
    size_t len = next_frame_length(rest, h.frame_bytes, true);
    std::string_view frame = rest.substr(0, len);
    auto ids = tokenize_frame(tok, frame, h.space_prefix());
    if (ids) {
      seqs.push_back(std::move(*ids));
      seq_offset.push_back(off);
      seq_len.push_back(len);
    } else {
      // The tokenizer cannot express the frame: stored, 8 bits a byte in every total.
      r.total_bits += 8.0 * double(len);
      r.model_bits += 8.0 * double(len);
      r.coder_bits += 8.0 * double(len);
      r.unscored_bytes += len;
      ++r.stored_frames;
    }
    ++r.n_frames;
    rest.remove_prefix(len);
    off += len;
  }
  std::vector<std::vector<TokenScore>> per(seqs.size());
  std::vector<double> bits(seqs.size(), 0.0), model_bits(seqs.size(), 0.0);
  for (size_t q = 0; q < seqs.size(); ++q)
    if (opt.per_token) per[q].resize(seqs[q].size());
  LLMZIP_RETURN_IF_ERROR(ev.run(seqs, [&](size_t q, size_t i, const coder::FrequencyTable& t, int thread) {
    uint32_t id = uint32_t(seqs[q][i]);
    double b = t.cost_bits(id);
    const double mb = ev.model_table(thread).cost_bits(id);
    bits[q] += b;
    model_bits[q] += mb;
    if (opt.per_token) {
      const coder::FrequencyTable& model = ev.model_table(thread);
      TokenScore& s = per[q][i];
      s.id = int32_t(id);
      s.bits = b;
      s.model_bits = mb;
      s.rank = rank_of(model, id);
      s.entropy_bits = entropy_bits(model);
    }
    return Status::ok();
  }));
  for (size_t q = 0; q < seqs.size(); ++q) {
    // compress stores a frame the coder would expand (8 bits a byte); the
    // model and the coder are still measured on every token of it.
    const bool stored = bits[q] >= 8.0 * double(seq_len[q]);
    r.total_bits += stored ? 8.0 * double(seq_len[q]) : bits[q];
    r.stored_frames += stored;
    r.coder_bits += bits[q];
    r.model_bits += model_bits[q];
    r.n_tokens += seqs[q].size();
    if (!opt.per_token) continue;
    uint64_t o = seq_offset[q];
    bool first = true;
    for (TokenScore& s : per[q]) {
      std::string_view b = tok.token_bytes_view(s.id);
      // The first token's bytes include the prefix space the decoder drops.
      if (first) b = *tokenizer::Tokenizer::strip_space_prefix(b, h.space_prefix());
      first = false;
      const uint32_t nb = uint32_t(b.size());
      s.offset = o;
      s.n_bytes = nb;
      s.stored = stored;
      o += nb;
      r.tokens.push_back(s);
    }
  }
  return r;
}

Result<double> conditional_bits(const LoadedModel& m, std::string_view x, std::string_view y, const ScoreOptions& opt) {
  Params p;
  p.threads = std::max(1, opt.threads);
  p.context = opt.context;
  p.adapt = opt.adapt;
  auto hdr = make_header(m, p);
  if (!hdr) return hdr.status();
  const auto& tok = *m.tokenizer;
  auto tx = tok.encode(x);
  if (!tx) return tx.status();
  std::vector<int32_t> seq;
  if (!y.empty()) {
    auto ty = tok.encode(y);
    if (!ty) return ty.status();
    seq = std::move(*ty);
  }
  const size_t skip = seq.size();
  seq.insert(seq.end(), tx->begin(), tx->end());
  ThreadPool pool(p.threads);
  Evaluator ev(*m.model, eval_settings(*hdr), pool);
  double bits = 0;
  std::vector<std::vector<int32_t>> seqs{std::move(seq)};
  LLMZIP_RETURN_IF_ERROR(ev.run(seqs, [&](size_t, size_t i, const coder::FrequencyTable& t, int) {
    if (i >= skip) bits += t.cost_bits(uint32_t(seqs[0][i]));
    return Status::ok();
  }));
  return bits;
}

}  // namespace llmzip::codec
