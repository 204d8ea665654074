// compress: input bytes -> frames -> tokens -> Evaluator -> coder -> .llmz.
// The mirror image of decompress.cc.
#include <algorithm>
#include <optional>

#include "codec/codec.h"
#include "codec/evaluator.h"
#include "codec/frame_tokens.h"
#include "codec/framing.h"
#include "coder/frame_coder.h"
#include "container/writer.h"

namespace llmzip::codec {
namespace {

// Frames evaluated together in shared batches.
constexpr size_t kGroupFrames = 32;

// A group of frames cut from the input and what became of each.
struct Group {
  std::vector<std::string_view> frames;      // into the input buffer
  std::vector<std::vector<int32_t>> seqs;    // tokens of the frames the model codes
  std::vector<size_t> seq_frame;             // the frame each sequence belongs to
  uint64_t bytes = 0;
};

// Tokenizes the group's frames (in parallel) and keeps those the decoder's rule
// gives back exactly; the others are stored.
Group tokenize_group(std::vector<std::string_view> frames, const tokenizer::Tokenizer& tok, bool space_prefix,
                     ThreadPool& pool) {
  Group g;
  g.frames = std::move(frames);
  std::vector<std::optional<std::vector<int32_t>>> toks(g.frames.size());
  pool.parallel_for(g.frames.size(), [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) toks[i] = tokenize_frame(tok, g.frames[i], space_prefix);
  });
  for (size_t i = 0; i < g.frames.size(); ++i) {
    g.bytes += g.frames[i].size();
    if (!toks[i]) continue;
    g.seq_frame.push_back(i);
    g.seqs.push_back(std::move(*toks[i]));
  }
  return g;
}

}  // namespace

Status compress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p, const ProgressFn& progress,
                Stats* stats_out) {
  auto hdr = make_header(m, p, in.size_hint());
  if (!hdr) return hdr.status();
  const container::FileHeader& h = *hdr;
  ThreadPool pool(std::max(1, p.threads));
  Evaluator ev(*m.model, eval_settings(h), pool);

  Stats stats;
  auto w = container::Writer::create(h, out);
  if (!w) return w.status();
  // Within a group the output is estimated from the bits coded so far, so
  // that progress shows a ratio before the first group is written.
  auto report = [&](uint64_t in_estimate, uint64_t out_pending) {
    stats.out_bytes = w->bytes_written();
    if (progress) progress({in_estimate, stats.out_bytes + out_pending, in.size_hint(), stats.in_bytes, stats.out_bytes});
  };

  const uint64_t target = h.frame_bytes;
  const size_t want = size_t(std::min<uint64_t>(target * (kGroupFrames + 1), uint64_t(1) << 31));
  std::string buf;
  bool eof = false;
  std::vector<char> chunk(1 << 20);
  for (;;) {
    while (!eof && buf.size() < want) {
      auto n = in.read(chunk.data(), std::min(chunk.size(), want - buf.size()));
      if (!n) return n.status();
      if (*n == 0) eof = true;
      buf.append(chunk.data(), *n);
    }
    std::vector<std::string_view> frames;
    std::string_view rest(buf);
    while (frames.size() < kGroupFrames) {
      const size_t len = next_frame_length(rest, target, eof);
      if (len == 0) break;
      frames.push_back(rest.substr(0, len));
      rest.remove_prefix(len);
    }
    if (frames.empty()) break;
    Group g = tokenize_group(std::move(frames), *m.tokenizer, h.space_prefix(), pool);

    std::vector<coder::FrameEncoder> enc(g.seqs.size(), coder::FrameEncoder(h.method));
    std::vector<uint64_t> seq_hash(g.seqs.size(), 0);
    std::vector<double> seq_bits(g.seqs.size(), 0.0);  // for progress only
    LLMZIP_RETURN_IF_ERROR(ev.run(
        g.seqs,
        [&](size_t q, size_t i, const coder::FrequencyTable& t, int) {
          enc[q].encode(t, uint32_t(g.seqs[q][i]));
          if (p.hash_cdfs) seq_hash[q] = fold_hash(seq_hash[q], t.hash());
          if (progress) seq_bits[q] += t.cost_bits(uint32_t(g.seqs[q][i]));
          return Status::ok();
        },
        [&](uint64_t done, uint64_t total) {
          if (!total) return;
          double bits = 0;
          for (double b : seq_bits) bits += b;
          report(stats.in_bytes + g.bytes * done / total, uint64_t(bits / 8));
        }));

    // Write the group in input order. A coded frame whose payload is not
    // smaller than its bytes (binary data, a foreign language) is stored: no
    // frame ever grows beyond its own size.
    size_t q = 0;
    for (size_t i = 0; i < g.frames.size(); ++i) {
      const std::string_view frame = g.frames[i];
      bool coded = false;
      if (q < g.seq_frame.size() && g.seq_frame[q] == i) {
        auto payload = enc[q].finish();
        if (!payload) return payload.status();
        if (payload->size() < frame.size()) {
          LLMZIP_RETURN_IF_ERROR(w->add_coded_frame(frame, g.seqs[q].size(), *payload));
          stats.tokens += g.seqs[q].size();
          if (p.hash_cdfs) stats.cdf_hash = fold_hash(stats.cdf_hash, seq_hash[q]);
          coded = true;
        }
        ++q;
      }
      if (!coded) {
        LLMZIP_RETURN_IF_ERROR(w->add_stored_frame(frame));
        ++stats.raw_frames;
      }
      ++stats.frames;
      stats.in_bytes += frame.size();
    }
    buf.erase(0, buf.size() - rest.size());
    report(stats.in_bytes, 0);
  }
  LLMZIP_RETURN_IF_ERROR(w->finish());
  report(stats.in_bytes, 0);
  if (stats_out) *stats_out = stats;
  return Status::ok();
}

}  // namespace llmzip::codec
