#include "codec/codec.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>

#include "codec/evaluator.h"
#include "codec/frame_tokens.h"
#include "codec/framing.h"
#include "codec/token_coder.h"
#include "container/checksum.h"
#include "container/reader.h"
#include "container/writer.h"

namespace llmzip::codec {
namespace {

// Frames handled together: compress evaluates them in shared batches,
// decompress steps them together one token each.
constexpr size_t kCompressGroupFrames = 32;
constexpr size_t kMaxDecodeSlots = 64;

// Untrusted text (a model name from a file header) made safe for a terminal.
std::string printable(std::string_view s) {
  std::string o;
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7F) o += char(c);
    else { char b[8]; std::snprintf(b, sizeof b, "\\x%02x", c); o += b; }
  }
  return o;
}

std::string hex_prefix(const uint8_t* d, size_t n = 8) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) { s += k[d[i] >> 4]; s += k[d[i] & 15]; }
  return s;
}

}  // namespace

Result<Method> method_from_name(const std::string& name) {
  if (name == "ac") return Method::kArithmetic;
  if (name == "rank-zlib") return Method::kRankZlib;
  if (name == "tbyt") return Method::kTokenByToken;
  return Status(ErrorCode::kInvalidArgument, "unknown method '" + name + "' (supported: ac, rank-zlib, tbyt)");
}

uint64_t default_frame_bytes(int64_t input_size, uint32_t n_ctx) {
  // At least ~one context window of text; at most 64 KiB unless the context alone is bigger.
  const uint64_t lo = uint64_t(4) * n_ctx, hi = std::max<uint64_t>(65536, lo);
  if (input_size < 0) return std::max<uint64_t>(16384, lo);
  return std::clamp<uint64_t>(uint64_t(input_size) / 8, lo, hi);
}

Result<container::FileHeader> make_header(const LoadedModel& m, const Params& p, int64_t input_size) {
  container::FileHeader h;
  const auto& cfg = m.model->config();
  uint32_t ctx = p.context;
  if (ctx == 0) ctx = std::min<uint32_t>(kDefaultContext, cfg.n_ctx_train > 0 ? uint32_t(cfg.n_ctx_train) : kDefaultContext);
  if (ctx < container::kMinContext)
    return Status(ErrorCode::kInvalidArgument, "context " + std::to_string(ctx) + " is too small (at least " +
                                                   std::to_string(container::kMinContext) + " tokens)");
  if (cfg.n_ctx_train > 0 && ctx > uint32_t(cfg.n_ctx_train))
    return Status(ErrorCode::kInvalidArgument, "context " + std::to_string(ctx) + " exceeds the model's " +
                                                   std::to_string(cfg.n_ctx_train) + " tokens");
  uint64_t fb = p.frame_bytes ? p.frame_bytes : default_frame_bytes(input_size, ctx);
  fb = std::min<uint64_t>(fb, container::kMaxFrameOriginalSize);
  h.method = p.method;
  h.numerics_version = model::kNumericsVersion;
  h.n_vocab = uint32_t(m.model->n_vocab());
  h.n_ctx = ctx;
  const auto& tok = *m.tokenizer;
  if (tok.add_bos() && tok.bos_id() >= 0) {
    h.flags |= container::kFlagHasStartToken;
    h.start_token = uint32_t(tok.bos_id());
  }
  if (tokenizer_adds_space(tok)) h.flags |= container::kFlagSpacePrefix;
  h.frame_bytes = uint32_t(fb);
  std::copy(m.fingerprint.begin(), m.fingerprint.end(), h.model_sha256.begin());
  h.model_name = m.name;
  return h;
}

Status compress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p, const ProgressFn& progress,
                Stats* stats_out) {
  auto hdr = make_header(m, p, in.size_hint());
  if (!hdr) return hdr.status();
  auto probe = make_encoder(p.method);
  if (!probe) return probe.status();
  const container::FileHeader& h = *hdr;
  ThreadPool pool(std::max(1, p.threads));
  EvalSettings es{h.n_ctx, h.has_start_token(), int32_t(h.start_token)};
  Evaluator ev(*m.model, es, pool);

  Stats stats;
  auto w = container::Writer::create(h, [&](const void* d, size_t n) -> Status {
    stats.out_bytes += n;
    return out.write(d, n);
  });
  if (!w) return w.status();

  const uint64_t T = h.frame_bytes;
  const size_t want = size_t(std::min<uint64_t>(T * (kCompressGroupFrames + 1), uint64_t(1) << 31));
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
    // Cut a group of frames.
    std::vector<std::string_view> frames;
    std::string_view rest(buf);
    while (frames.size() < kCompressGroupFrames) {
      size_t len = next_frame_length(rest, T, eof);
      if (len == 0) break;
      frames.push_back(rest.substr(0, len));
      rest.remove_prefix(len);
    }
    if (frames.empty()) break;

    // Tokenize (in parallel), decide coded or stored.
    std::vector<std::optional<std::vector<int32_t>>> toks(frames.size());
    pool.parallel_for(frames.size(), [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) toks[i] = tokenize_frame(*m.tokenizer, frames[i], h.space_prefix());
    });
    std::vector<std::vector<int32_t>> seqs;
    std::vector<size_t> seq_frame;
    for (size_t i = 0; i < frames.size(); ++i)
      if (toks[i]) {
        seq_frame.push_back(i);
        seqs.push_back(std::move(*toks[i]));
      }
    std::vector<uint64_t> seq_hash(seqs.size(), 0);
    std::vector<std::unique_ptr<TokenEncoder>> enc(seqs.size());
    for (auto& e : enc) e = std::move(make_encoder(p.method)).value();
    uint64_t group_bytes = 0;
    for (auto f : frames) group_bytes += f.size();
    auto show = [&](uint64_t done, uint64_t total) {
      if (progress && total)
        progress({stats.in_bytes + group_bytes * done / total, stats.out_bytes, in.size_hint(), stats.in_bytes,
                  stats.out_bytes});
    };
    LLMZIP_RETURN_IF_ERROR(ev.run(
        seqs,
        [&](size_t q, size_t i, const coder::FrequencyTable& t, int) {
          enc[q]->add(t, uint32_t(seqs[q][i]));
          if (p.hash_cdfs) seq_hash[q] = fold_hash(seq_hash[q], t.hash());
          return Status::ok();
        },
        show));
    size_t q = 0;
    for (size_t i = 0; i < frames.size(); ++i) {
      if (q < seq_frame.size() && seq_frame[q] == i) {
        auto payload = enc[q]->finish();
        if (!payload) return payload.status();
        if (payload->size() < frames[i].size()) {
          LLMZIP_RETURN_IF_ERROR(w->add_coded_frame(frames[i], seqs[q].size(), *payload));
          stats.tokens += seqs[q].size();
          if (p.hash_cdfs) stats.cdf_hash = fold_hash(stats.cdf_hash, seq_hash[q]);
        } else {
          // The model does worse than raw bytes (binary data, a foreign language):
          // never expand a frame beyond its own size.
          LLMZIP_RETURN_IF_ERROR(w->add_stored_frame(frames[i]));
          ++stats.raw_frames;
        }
        ++q;
      } else {
        LLMZIP_RETURN_IF_ERROR(w->add_stored_frame(frames[i]));
        ++stats.raw_frames;
      }
      ++stats.frames;
      stats.in_bytes += frames[i].size();
    }
    buf.erase(0, buf.size() - rest.size());
    if (progress) progress({stats.in_bytes, stats.out_bytes, in.size_hint(), stats.in_bytes, stats.out_bytes});
  }
  LLMZIP_RETURN_IF_ERROR(w->finish());
  if (progress) progress({stats.in_bytes, stats.out_bytes, in.size_hint(), stats.in_bytes, stats.out_bytes});
  if (stats_out) *stats_out = stats;
  return Status::ok();
}

namespace {

// A coded frame being decoded: one KV-cache slot, one token per step.
struct FrameDecoder {
  container::FrameHeader header;
  std::string payload;
  std::string where;  // "<file>: frame N at byte X" for messages
  std::unique_ptr<TokenDecoder> dec;
  int slot = 0;
  uint64_t slot_begin = UINT64_MAX;  // window begin held in the slot's cache (none yet)
  std::vector<int32_t> tokens;       // grows as decoded: never sized from the header
  uint64_t cdf_hash = 0;             // Params::hash_cdfs
  std::string bytes;                 // decoded bytes (with the prefix space, if any)
  bool done = false;
};

// Memory budgets for decompression (untrusted headers choose the sizes).
constexpr size_t kKvBudget = size_t(2) << 30;        // KV cache of all slots
constexpr size_t kLogitsBudget = size_t(256) << 20;  // logits of one step
constexpr uint64_t kGroupBytesBudget = uint64_t(256) << 20;  // original bytes held per group
constexpr size_t kMaxBatchTokens = 512;              // entries per forward call

}  // namespace

namespace {

// One file of the input (a concatenation holds several, format.md section 9),
// from its header to its footer; adds to `stats`.
Status decompress_member(const LoadedModel& m, container::StreamReader& reader, ByteSource& in, ByteSink& out,
                         const Params& p, const ProgressFn& progress, Stats& stats) {
  const std::string& name = reader.name();
  const container::FileHeader& h = reader.header();

  // The model must be the one the file was made with.
  if (!std::equal(h.model_sha256.begin(), h.model_sha256.end(), m.fingerprint.begin()))
    return Status(ErrorCode::kModelMismatch,
                  name + ": was compressed with model '" + printable(h.model_name) + "' (sha256 " +
                      hex_prefix(h.model_sha256.data()) + "...), but the model in use is '" + m.name + "' (" + m.path +
                      ", sha256 " + hex_prefix(m.fingerprint.data()) + "...); give the right one with -m");
  if (h.numerics_version != model::kNumericsVersion)
    return Status(ErrorCode::kModelMismatch,
                  name + ": was made by an engine with numerics version " + std::to_string(h.numerics_version) +
                      ", this llmzip has version " + std::to_string(model::kNumericsVersion));
  if (h.n_vocab != uint32_t(m.model->n_vocab()))
    return Status(ErrorCode::kCorrupt, name + ": header says " + std::to_string(h.n_vocab) +
                                           " tokens, the model has " + std::to_string(m.model->n_vocab()));
  if (m.model->config().n_ctx_train > 0 && h.n_ctx > uint32_t(m.model->config().n_ctx_train))
    return Status(ErrorCode::kCorrupt, name + ": context " + std::to_string(h.n_ctx) + " exceeds the model's");
  stats.in_bytes = reader.bytes_read();

  const bool P = h.has_start_token();
  const size_t vocab = size_t(h.n_vocab);
  ThreadPool pool(std::max(1, p.threads));
  const auto& cfg = m.model->config();
  // Slots: as many frames as fit the KV and logits budgets, at most 64.
  const size_t per_slot = size_t(2) * cfg.n_layer * size_t(h.n_ctx) * cfg.kv_dim() * sizeof(float);
  size_t n_slots = std::min(kMaxDecodeSlots, kKvBudget / std::max<size_t>(per_slot, 1));
  n_slots = std::min(n_slots, kLogitsBudget / (vocab * sizeof(float)));
  n_slots = std::max<size_t>(n_slots, 1);
  model::KvCache cache(*m.model, int(n_slots), int(h.n_ctx));
  std::vector<float> logits(n_slots * vocab);
  std::vector<coder::FrequencyTable> tables(pool.size());
  container::Xxh64 content;
  const auto& tok = *m.tokenizer;
  const uint64_t byte_limit_extra = h.space_prefix() ? 1 : 0;

  bool at_end = false;
  size_t frame_no = 0;
  while (!at_end) {
    // Read the next group of frames (each with its frame checksum verified),
    // bounded in count and in bytes held.
    std::vector<std::pair<container::FrameHeader, std::string>> group;  // stored frames keep payload here
    std::vector<int> group_dec;  // index into decs, or -1 for stored
    std::vector<FrameDecoder> decs;
    decs.reserve(n_slots);
    uint64_t group_bytes = 0;
    while (decs.size() < n_slots && group.size() < 4 * n_slots && group_bytes < kGroupBytesBudget) {
      uint64_t at = reader.bytes_read();
      container::StreamReader::Frame f;
      auto more = reader.next(&f);
      if (!more) return more.status();
      if (!*more) { at_end = true; break; }
      std::string where = name + ": frame " + std::to_string(frame_no) + " at byte " + std::to_string(at);
      ++frame_no;
      // Frames are never longer than the target the compressor recorded
      // (format.md 2): this bounds the work a forged token count can demand.
      if (f.header.original_size > h.frame_bytes)
        return Status(ErrorCode::kCorrupt, where + ": frame of " + std::to_string(f.header.original_size) +
                                               " bytes exceeds the file's frame size " + std::to_string(h.frame_bytes));
      group_bytes += f.header.original_size;
      if (f.header.kind == container::FrameKind::kStored) {
        if (container::original_checksum(f.payload) != f.header.original_checksum)
          return Status(ErrorCode::kChecksumMismatch, where + ": stored bytes do not match their checksum");
        group_dec.push_back(-1);
        group.emplace_back(f.header, std::move(f.payload));
        continue;
      }
      if (f.header.token_count == 0)
        return Status(ErrorCode::kCorrupt, where + ": coded frame of " + std::to_string(f.header.original_size) +
                                               " bytes has no tokens");
      FrameDecoder d;
      d.header = f.header;
      d.payload = std::move(f.payload);
      d.where = std::move(where);
      d.slot = int(decs.size());
      group_dec.push_back(int(decs.size()));
      group.emplace_back(f.header, std::string());
      decs.push_back(std::move(d));
    }
    for (auto& d : decs) {
      auto dec = make_decoder(h.method, d.payload, d.header.token_count, d.where);
      if (!dec) return dec.status();
      d.dec = std::move(dec).value();
    }

    // Accepts decoded token `t` for d; marks d done after its last token.
    auto accept = [&](FrameDecoder& d, uint32_t t) -> Status {
      if (t >= vocab) return Status(ErrorCode::kCorrupt, d.where + ": decoded token id out of range");
      std::string_view b = tok.token_bytes_view(int32_t(t));
      if (b.empty()) return Status(ErrorCode::kCorrupt, d.where + ": decoded a token that stands for no bytes");
      if (d.bytes.size() + b.size() > d.header.original_size + byte_limit_extra)
        return Status(ErrorCode::kCorrupt, d.where + ": decoded tokens exceed the frame's " +
                                               std::to_string(d.header.original_size) + " bytes");
      d.bytes += b;
      d.tokens.push_back(int32_t(t));
      if (d.tokens.size() == d.header.token_count) {
        LLMZIP_RETURN_IF_ERROR(d.dec->finish());
        std::string_view text(d.bytes);
        if (h.space_prefix()) {
          if (text.empty() || text[0] != ' ')
            return Status(ErrorCode::kCorrupt, d.where + ": decoded frame lacks the tokenizer's leading space");
          text.remove_prefix(1);
        }
        if (text.size() != d.header.original_size)
          return Status(ErrorCode::kCorrupt, d.where + ": decoded " + std::to_string(text.size()) +
                                                 " bytes, the frame header says " +
                                                 std::to_string(d.header.original_size));
        if (container::original_checksum(text) != d.header.original_checksum)
          return Status(ErrorCode::kChecksumMismatch,
                        d.where + ": decoded bytes do not match the frame checksum (corrupt file, or a model/engine "
                                  "that does not reproduce the compressor's numbers)");
        if (h.space_prefix()) d.bytes.erase(0, 1);
        d.done = true;
      }
      return Status::ok();
    };

    // Step all coded frames of the group together: one token each per step. A
    // frame whose window restarts first re-feeds the window's tokens; those
    // prefills are spread over several forward calls of at most
    // kMaxBatchTokens entries (the cache carries over between calls).
    std::vector<model::BatchEntry> batch;
    std::vector<FrameDecoder*> rows;
    for (;;) {
      batch.clear();
      rows.clear();
      bool pending = false;
      for (auto& d : decs) {
        if (d.done) continue;
        pending = true;
        uint64_t i = d.tokens.size();
        if (!P && i == 0) {
          // The first token without a start token: uniform table, no model.
          tables[0].build_uniform(vocab);
          if (p.hash_cdfs) d.cdf_hash = fold_hash(d.cdf_hash, tables[0].hash());
          auto t = d.dec->next(tables[0]);
          if (!t) return t.status();
          LLMZIP_RETURN_IF_ERROR(accept(d, *t));
          if (d.done) continue;
          i = 1;
        }
        const uint64_t b = window_begin(i, h.n_ctx, P);
        if (d.slot_begin != b) {
          cache.clear(d.slot);
          d.slot_begin = b;
        }
        // Inputs 0 .. P + i - b - 1 must be in the cache; feed the missing ones.
        const uint64_t n_in = P + (i - b);
        bool wanted = false;
        for (uint64_t k = uint64_t(cache.length(d.slot)); k < n_in && batch.size() < kMaxBatchTokens; ++k) {
          model::BatchEntry e;
          e.token = (P && k == 0) ? int32_t(h.start_token) : d.tokens[b + k - P];
          e.slot = d.slot;
          e.pos = int32_t(k);
          e.want_logits = wanted = k + 1 == n_in;
          batch.push_back(e);
        }
        if (wanted) rows.push_back(&d);
      }
      if (!pending) break;
      if (batch.empty()) continue;  // only uniform-coded first tokens this step
      LLMZIP_RETURN_IF_ERROR(m.model->forward(batch, cache, pool, logits.data()));
      std::mutex mu;
      Status first_error;
      pool.parallel_for(rows.size(), [&](size_t rb, size_t re, int thread) {
        for (size_t r = rb; r < re; ++r) {
          FrameDecoder& d = *rows[r];
          tables[thread].build_from_logits(logits.data() + r * vocab, vocab);
          if (p.hash_cdfs) d.cdf_hash = fold_hash(d.cdf_hash, tables[thread].hash());
          auto t = d.dec->next(tables[thread]);
          Status st = t ? accept(d, *t) : t.status();
          if (!st) {
            std::lock_guard<std::mutex> lock(mu);
            if (first_error.is_ok()) first_error = st;
          }
        }
      });
      if (!first_error.is_ok()) return first_error;
      if (progress) {
        uint64_t decoded = 0;
        for (const auto& d : decs) decoded += d.bytes.size();
        progress({stats.in_bytes, stats.out_bytes + decoded, in.size_hint(), stats.in_bytes, stats.out_bytes});
      }
    }

    // Write the group in file order.
    for (size_t g = 0; g < group.size(); ++g) {
      const std::string& bytes = group_dec[g] < 0 ? group[g].second : decs[size_t(group_dec[g])].bytes;
      content.update(bytes.data(), bytes.size());
      LLMZIP_RETURN_IF_ERROR(out.write(bytes.data(), bytes.size()));
      stats.out_bytes += bytes.size();
      ++stats.frames;
      if (group_dec[g] < 0) {
        ++stats.raw_frames;
      } else {
        stats.tokens += group[g].first.token_count;
        if (p.hash_cdfs) stats.cdf_hash = fold_hash(stats.cdf_hash, decs[size_t(group_dec[g])].cdf_hash);
      }
    }
    stats.in_bytes = reader.bytes_read();
    if (progress) progress({stats.in_bytes, stats.out_bytes, in.size_hint(), stats.in_bytes, stats.out_bytes});
  }
  if (content.digest() != reader.footer().content_checksum)
    return Status(ErrorCode::kChecksumMismatch, name + ": decompressed content does not match the file's checksum");
  stats.in_bytes = reader.bytes_read();
  return Status::ok();
}

}  // namespace

Status decompress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p, const ProgressFn& progress,
                  Stats* stats_out) {
  Stats stats;
  LLMZIP_RETURN_IF_ERROR(container::StreamReader::for_each_member(
      [&](void* dst, size_t n) -> Result<size_t> { return in.read(dst, n); }, in.name(),
      [&](container::StreamReader& r) { return decompress_member(m, r, in, out, p, progress, stats); }));
  if (stats_out) *stats_out = stats;
  return Status::ok();
}

}  // namespace llmzip::codec
