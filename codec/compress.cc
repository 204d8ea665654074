// compress: input bytes -> frames -> for each frame the classic codecs and,
// unless it is clearly not text, tokens -> Evaluator -> coder -> the smallest
// frame kind -> .llmz. The mirror image of decompress.cc: choose_frame here,
// decode_frame there.
#include <algorithm>
#include <array>
#include <optional>

#include "codec/binary_detect.h"
#include "codec/codec.h"
#include "codec/evaluator.h"
#include "codec/frame_kinds.h"
#include "codec/frame_tokens.h"
#include "codec/framing.h"
#include "codec/text_transforms.h"
#include "coder/classic.h"
#include "coder/frame_coder.h"
#include "container/writer.h"

namespace llmzip::codec {
namespace {

// Frames evaluated together in shared batches, and the input a group may
// buffer (at least one frame more than the group's).
constexpr size_t kGroupFrames = 32;
constexpr uint64_t kGroupBytes = uint64_t(64) << 20;
// The start of the input that decides the frame size of binary files.
constexpr size_t kSampleBytes = 64 << 10;
// Binary frames at least this long get the classic codecs' fast settings
// (coder::Effort::kFast), so that large binaries compress at >= 1 MB/s;
// shorter ones cost little at the strongest settings.
constexpr uint64_t kFastEffortBytes = 256 << 10;
// Inputs up to this size may become one classic frame (whole_input_choice):
// at most a few seconds of classic coding, against a minute of model time.
constexpr uint64_t kWholeInputBytes = 1 << 20;

// The x86 branch converter is for machine code: tried on binary frames only.
bool worth_trying(coder::Classic c, bool binary) { return c != coder::Classic::kLzmaX86 || binary; }

// One frame of a group and what is known of it before the model runs.
struct PlannedFrame {
  std::string_view bytes;                  // into the input buffer
  bool binary = false;                     // looks_binary: the model never sees it
  std::optional<TransformedText> tx;       // the text transforms of what the model codes
  int seq = -1;                            // its token sequence in Group::seqs, if the model codes it
  std::array<std::string, std::size(coder::kClassics)> classic;  // payloads, indexed by coder::Classic
};

struct Group {
  std::vector<PlannedFrame> frames;
  std::vector<std::vector<int32_t>> seqs;  // tokens of the frames the model codes
  uint64_t bytes = 0;
};

// Plans the group's frames in parallel: binary detection, the text
// transforms, tokens (kept only when the decoder's rule gives the text back
// exactly), and the classic payloads.
Result<Group> plan_group(const std::vector<std::string_view>& frames, const tokenizer::Tokenizer& tok,
                         bool space_prefix, bool detect_binary, uint64_t text_target, ThreadPool& pool) {
  Group g;
  g.frames.resize(frames.size());
  std::vector<std::optional<std::vector<int32_t>>> toks(frames.size());
  LLMZIP_RETURN_IF_ERROR(pool.parallel_for_status(frames.size(), [&](size_t i, int) -> Status {
    PlannedFrame& f = g.frames[i];
    f.bytes = frames[i];
    // A binary input's frames longer than the text target are binary, or
    // text runs too short for the model (BinaryInputCutter): never coded.
    f.binary = detect_binary && (f.bytes.size() > text_target || looks_binary(f.bytes));
    if (!f.binary) {
      f.tx = transform_text(f.bytes);
      toks[i] = tokenize_frame(tok, f.tx ? std::string_view(f.tx->text) : f.bytes, space_prefix);
      // A frame has at most one token per byte + 1 (format.md section 3):
      // spaces for tabs can break that, CRLF alone cannot.
      if (f.tx && (f.tx->set & kTransformTabs) && toks[i] && toks[i]->size() > f.bytes.size() + 1) {
        f.tx = transform_text(f.bytes, kTransformCrLf);
        toks[i] = tokenize_frame(tok, f.tx ? std::string_view(f.tx->text) : f.bytes, space_prefix);
      }
    }
    return Status::ok();
  }));
  // The classic payloads, one task per (frame, codec): a single long binary
  // frame still uses several threads. Long binary frames (kFast) get brotli
  // and one lzma: on them zstd's strong levels cost as much as lzma and lose
  // to it (an executable: lzma 1.29 MB, zstd -17 1.39 MB), and the x86 branch
  // converter, which is for machine code (11 % smaller at -9), is used where
  // lzma -1 says it pays; the two probes run first, side by side. Shorter
  // binary frames try lzma-x86 too; text frames never.
  constexpr size_t kCodecs = std::size(coder::kClassics);
  auto effort_of = [](const PlannedFrame& f) {
    return f.binary && f.bytes.size() >= kFastEffortBytes ? coder::Effort::kFast : coder::Effort::kMax;
  };
  std::vector<std::array<uint64_t, 2>> probe(frames.size(), {0, 0});  // lzma -1 sizes: plain, x86
  LLMZIP_RETURN_IF_ERROR(pool.parallel_for_status(frames.size() * 2, [&](size_t task, int) -> Status {
    const PlannedFrame& f = g.frames[task / 2];
    if (effort_of(f) != coder::Effort::kFast) return Status::ok();
    const coder::Classic c = task % 2 ? coder::Classic::kLzmaX86 : coder::Classic::kLzma;
    auto payload = coder::classic_encode(c, f.bytes, coder::Effort::kQuick);
    if (!payload) return payload.status();
    probe[task / 2][task % 2] = payload->size();
    return Status::ok();
  }));
  LLMZIP_RETURN_IF_ERROR(pool.parallel_for_status(frames.size() * kCodecs, [&](size_t task, int) -> Status {
    PlannedFrame& f = g.frames[task / kCodecs];
    const coder::Classic c = coder::kClassics[task % kCodecs];
    const coder::Effort effort = effort_of(f);
    if (!worth_trying(c, f.binary)) return Status::ok();
    if (effort == coder::Effort::kFast) {
      const bool x86 = probe[task / kCodecs][1] < probe[task / kCodecs][0];
      if (c == coder::Classic::kZstd || c == (x86 ? coder::Classic::kLzma : coder::Classic::kLzmaX86))
        return Status::ok();
    }
    auto payload = coder::classic_encode(c, f.bytes, effort);
    if (!payload) return payload.status();
    f.classic[size_t(c)] = std::move(payload).value();
    return Status::ok();
  }));
  for (size_t i = 0; i < frames.size(); ++i) {
    g.bytes += frames[i].size();
    if (!toks[i]) continue;
    g.frames[i].seq = int(g.seqs.size());
    g.seqs.push_back(std::move(*toks[i]));
  }
  return g;
}

// A frame as it will be written.
struct Choice {
  container::FrameKind kind;
  std::string payload;
  uint64_t tokens = 0;
};

// What a frame of this kind costs in the file: header, payload, index entry.
uint64_t written_size(const Choice& c, uint64_t original_size) {
  container::FrameHeader h;
  h.kind = c.kind;
  h.original_size = original_size;
  h.token_count = c.tokens;
  h.payload_size = c.payload.size();
  const uint64_t frame = h.encoded_size() + c.payload.size();
  return frame + container::varint_size(frame) + container::varint_size(original_size) +
         container::varint_size(c.tokens);
}

// The frame kind for `f` (format.md section 3.1): the smallest of stored, the
// classic codecs' and the model's payload `coded` (of `tokens` tokens; absent
// when the model did not code the frame). Ties go to the kind cheaper to
// decode: stored, zstd, brotli, lzma, lzma-x86, then the model.
Choice choose_frame(PlannedFrame& f, std::optional<std::string> coded, uint64_t tokens) {
  const uint64_t n = f.bytes.size();
  Choice best{container::FrameKind::kStored, std::string(f.bytes), 0};
  uint64_t best_size = written_size(best, n);
  auto consider = [&](Choice c) {
    if (c.kind != container::FrameKind::kStored && !container::frame_kind_has_tokens(c.kind) && c.payload.empty())
      return;  // a classic codec not tried
    const uint64_t size = written_size(c, n);
    if (size < best_size) best = std::move(c), best_size = size;
  };
  for (coder::Classic c : {coder::Classic::kZstd, coder::Classic::kBrotli, coder::Classic::kLzma, coder::Classic::kLzmaX86})
    consider({frame_kind_of(c), std::move(f.classic[size_t(c)])});
  if (coded) {
    if (f.tx)
      consider({container::FrameKind::kTransformed, join_transformed_payload(*f.tx, *coded), tokens});
    else
      consider({container::FrameKind::kCoded, std::move(*coded), tokens});
  }
  return best;
}

// An input that fits in one group, written as a single classic frame, when
// that is smaller than its frames' best kinds together (`per_frame` bytes):
// a classic codec sees repeats across frames that the frames cannot.
std::optional<Choice> whole_input_choice(std::string_view input, uint64_t per_frame) {
  std::optional<Choice> best;
  uint64_t best_size = per_frame;
  const bool binary = looks_binary(input);
  for (coder::Classic c : coder::kClassics) {
    if (!worth_trying(c, binary)) continue;
    auto payload = coder::classic_encode(c, input);
    if (!payload) continue;  // the per-frame choice stands
    Choice ch{frame_kind_of(c), std::move(payload).value()};
    const uint64_t size = written_size(ch, input.size());
    if (size < best_size) best = std::move(ch), best_size = size;
  }
  return best;
}

}  // namespace

Status compress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p,
                const ProgressFn& progress, Stats* stats_out) {
  // The first bytes decide whether the input is text (format.md section 4).
  std::string buf;
  bool eof = false;
  std::vector<char> chunk(1 << 20);
  auto fill = [&](size_t want) -> Status {
    while (!eof && buf.size() < want) {
      auto n = in.read(chunk.data(), std::min(chunk.size(), want - buf.size()));
      if (!n) return n.status();
      if (*n == 0) eof = true;
      buf.append(chunk.data(), *n);
    }
    return Status::ok();
  };
  LLMZIP_RETURN_IF_ERROR(fill(kSampleBytes));
  auto hdr = make_header(m, p, in.size_hint());
  if (!hdr) return hdr.status();
  container::FileHeader& h = *hdr;
  // Text frames' target; an input whose start is not text gets long frames
  // (BinaryInputCutter), which the header's frame_bytes must allow.
  const uint64_t text_target = h.frame_bytes;
  const bool binary_input = p.detect_binary && (p.frame_bytes == 0 || p.frame_bytes_is_level) && !buf.empty() &&
                            looks_binary(buf);
  if (binary_input)
    h.frame_bytes = uint32_t(std::max<uint64_t>(text_target, binary_frame_bytes(in.size_hint())));
  ThreadPool pool(std::max(1, p.threads));
  Evaluator ev(*m.model, eval_settings(h), pool);

  // The writer starts after the first group, whose frames may still become
  // one (whole_input_choice), which the header's frame_bytes must allow.
  Stats stats;
  std::optional<container::Writer> w;
  auto start_writer = [&]() -> Status {
    auto created = container::Writer::create(h, out);
    if (!created) return created.status();
    w.emplace(std::move(created).value());
    return Status::ok();
  };
  // Within a group the output is estimated from the bits coded so far, so
  // that progress shows a ratio before the first group is written.
  auto report = [&](uint64_t in_estimate, uint64_t out_pending) {
    stats.out_bytes = w ? w->bytes_written() : 0;
    if (progress) progress({in_estimate, stats.out_bytes + out_pending, in.size_hint(), stats.in_bytes, stats.out_bytes});
  };

  const uint64_t target = h.frame_bytes;
  size_t want = size_t(std::max(target + 1, std::min(target * (kGroupFrames + 1), kGroupBytes)));
  std::optional<BinaryInputCutter> binary_cut;
  if (binary_input) {
    binary_cut.emplace(target, text_target);
    want = std::max<size_t>(want, BinaryInputCutter::lookahead(target));
  }
  for (;;) {
    LLMZIP_RETURN_IF_ERROR(fill(want));
    std::vector<std::string_view> frames;
    std::string_view rest(buf);
    while (frames.size() < kGroupFrames) {
      const size_t len = binary_cut ? binary_cut->next(rest, eof) : next_frame_length(rest, target, eof);
      if (len == 0) break;
      frames.push_back(rest.substr(0, len));
      rest.remove_prefix(len);
    }
    if (frames.empty()) {
      // A group's buffer holds more than a frame, so only the end stops it.
      if (!eof) return Status(ErrorCode::kInternal, "compress: no frame cut from " + std::to_string(rest.size()) + " buffered bytes");
      break;
    }
    auto planned = plan_group(frames, *m.tokenizer, h.space_prefix(), p.detect_binary, text_target, pool);
    if (!planned) return planned.status();
    Group& g = *planned;

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

    // Each frame as its smallest kind: no frame is ever larger than stored.
    std::vector<Choice> choices;
    uint64_t per_frame = 0;
    for (PlannedFrame& f : g.frames) {
      std::optional<std::string> coded;
      uint64_t tokens = 0;
      if (f.seq >= 0) {
        auto payload = enc[size_t(f.seq)].finish();
        if (!payload) return payload.status();
        coded = std::move(payload).value();
        tokens = g.seqs[size_t(f.seq)].size();
      }
      choices.push_back(choose_frame(f, std::move(coded), tokens));
      per_frame += written_size(choices.back(), f.bytes.size());
    }
    if (!w) {
      const std::string_view group(buf.data(), g.bytes);
      if (eof && rest.empty() && g.frames.size() > 1 && g.bytes <= kWholeInputBytes) {
        if (auto whole = whole_input_choice(group, per_frame)) {
          h.frame_bytes = uint32_t(std::max<uint64_t>(h.frame_bytes, group.size()));
          for (const PlannedFrame& f : g.frames) stats.model_lost += f.seq >= 0;  // the model's work, unused
          PlannedFrame one;
          one.bytes = group;
          g.frames.assign(1, std::move(one));
          choices.assign(1, std::move(*whole));
        }
      }
      LLMZIP_RETURN_IF_ERROR(start_writer());
    }
    // Write the group in input order.
    for (size_t k = 0; k < g.frames.size(); ++k) {
      const PlannedFrame& f = g.frames[k];
      const Choice& c = choices[k];
      LLMZIP_RETURN_IF_ERROR(w->add_frame(c.kind, f.bytes, c.tokens, c.payload));
      const bool model_won = container::frame_kind_has_tokens(c.kind);
      if (model_won) {
        stats.tokens += c.tokens;
        if (p.hash_cdfs) stats.cdf_hash = fold_hash(stats.cdf_hash, seq_hash[size_t(f.seq)]);
      }
      if (c.kind == container::FrameKind::kStored) ++stats.raw_frames;
      ++stats.kind_frames[size_t(c.kind)];
      stats.binary_frames += f.binary;
      stats.model_lost += f.seq >= 0 && !model_won;
      ++stats.frames;
      stats.in_bytes += f.bytes.size();
    }
    buf.erase(0, buf.size() - rest.size());
    report(stats.in_bytes, 0);
  }
  if (!w) LLMZIP_RETURN_IF_ERROR(start_writer());  // the empty input
  LLMZIP_RETURN_IF_ERROR(w->finish());
  report(stats.in_bytes, 0);
  if (stats_out) *stats_out = stats;
  return Status::ok();
}

}  // namespace llmzip::codec
