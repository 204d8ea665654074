// decompress: .llmz -> frames -> by kind: stored bytes, a classic codec, or
// Decoder -> coder -> tokens -> bytes (and the line-ending record). The mirror
// image of compress.cc: decode_frame here, choose_frame there.
#include <algorithm>
#include <cassert>
#include <optional>

#include "codec/codec.h"
#include "codec/decoder.h"
#include "codec/frame_kinds.h"
#include "codec/text_transforms.h"
#include "coder/classic.h"
#include "coder/frame_coder.h"
#include "container/checksum.h"
#include "container/reader.h"
#include "tokenizer/tokenizer.h"

namespace llmzip::codec {
namespace {

// Original bytes held by one group of frames (untrusted headers choose the sizes).
constexpr uint64_t kGroupBytesBudget = uint64_t(256) << 20;
// Frames of any kind in one group: its classic and stored frames wait there
// until the group's coded frames are done (file order), so a stream of them
// is written 256 frames at a time.
constexpr size_t kMaxGroupFrames = 256;

// Adds "<where>: " to a coder error.

// A coded frame being decoded: one Decoder sequence.
struct CodedFrame {
  container::FrameHeader header;
  std::string payload;
  std::string where;                   // "<file>: frame N at byte X" for messages
  size_t coded_at = 0;                 // where the coder's part of the payload starts (after the records)
  uint64_t text_limit = 0;             // bytes the tokens may spell at most
  std::optional<coder::FrameDecoder> coder;
  std::string bytes;                   // decoded so far (with the prefix space, if any)
  uint64_t cdf_hash = 0;               // Params::hash_cdfs
};

// One group of frames in file order: frames decoded without the model with
// their bytes, coded ones as an index into `coded`.
struct Group {
  std::vector<std::string> plain;      // bytes of frame k when it needs no model (empty for coded)
  std::vector<int> coded_index;        // index into coded, or -1 for the others
  std::vector<container::FrameKind> kinds;
  std::vector<CodedFrame> coded;
};

// The kinds decoded without the model (format.md section 3.1): stored and the
// classic codecs' (lzma, brotli, zstd, lzma-x86). `f` is one of them; its
// bytes, checked against their checksum.
Result<std::string> decode_plain_frame(container::StreamReader::Frame& f, const std::string& where) {
  std::string bytes;
  if (f.header.kind == container::FrameKind::kStored) {
    bytes = std::move(f.payload);
  } else {
    const std::optional<coder::Classic> c = classic_of(f.header.kind);
    assert(c && "a coded kind");
    // Bounded by the recorded original_size, itself bounded by frame_bytes.
    auto d = coder::classic_decode(*c, f.payload, f.header.original_size);
    if (!d) return with_context(d.status(), where);
    bytes = std::move(d).value();
  }
  if (container::original_checksum(bytes) != f.header.original_checksum)
    return Status(ErrorCode::kChecksumMismatch, where + ": " + container::frame_kind_name(f.header.kind) +
                                                    " frame's bytes do not match their checksum");
  return bytes;
}

// A coded or transformed frame, ready for the Decoder: the transforms'
// records split off and checked, the most text its tokens may spell.
Result<CodedFrame> open_coded_frame(container::StreamReader::Frame& f, std::string where) {
  CodedFrame c;
  c.header = f.header;
  c.payload = std::move(f.payload);
  c.where = std::move(where);
  c.text_limit = c.header.original_size;
  if (c.header.kind == container::FrameKind::kTransformed) {
    auto parts = split_transformed_payload(c.payload);
    if (!parts) return with_context(parts.status(), c.where);
    if (parts->crs >= c.header.original_size)
      return Status(ErrorCode::kCorrupt, c.where + ": CRLF record puts back " + std::to_string(parts->crs) +
                                             " CRs into a frame of " + std::to_string(c.header.original_size) +
                                             " bytes");
    c.coded_at = c.payload.size() - parts->coded.size();
    // Without TABS the text is exactly original_size - CRs; each tab becomes 4 spaces.
    c.text_limit = (parts->set & kTransformTabs) ? 4 * c.header.original_size : c.header.original_size - parts->crs;
  }
  if (c.header.token_count == 0)
    return Status(ErrorCode::kCorrupt, c.where + ": coded frame of " + std::to_string(c.header.original_size) +
                                           " bytes has no tokens");
  return c;
}

// Reads the next group of frames (each frame checksum verified): at most
// max_coded coded frames, max(kMaxGroupFrames, max_coded) in all, about
// kGroupBytesBudget original bytes. Sets *at_end after the index and footer.
Status read_group(container::StreamReader& reader, const container::FileHeader& h, uint64_t max_frame,
                  size_t max_coded, size_t* frame_no, Group* g, bool* at_end) {
  uint64_t group_bytes = 0;
  const size_t max_frames = std::max(kMaxGroupFrames, max_coded);
  while (g->coded.size() < max_coded && g->coded_index.size() < max_frames && group_bytes < kGroupBytesBudget) {
    const uint64_t offset = reader.bytes_read();
    container::StreamReader::Frame f;
    auto more = reader.next(&f);
    if (!more) return more.status();
    if (!*more) {
      *at_end = true;
      break;
    }
    std::string where = reader.name() + ": frame " + std::to_string(*frame_no) + " at byte " + std::to_string(offset);
    ++*frame_no;
    // (The container reader checked the frame against the header's frame_bytes.)
    group_bytes += f.header.original_size;
    g->kinds.push_back(f.header.kind);
    if (!container::frame_kind_has_tokens(f.header.kind)) {
      auto bytes = decode_plain_frame(f, where);
      if (!bytes) return bytes.status();
      g->coded_index.push_back(-1);
      g->plain.push_back(std::move(bytes).value());
      continue;
    }
    // The work a frame buys is bounded by the decoder, not by the file (format.md 2).
    if (f.header.original_size > max_frame)
      return Status(ErrorCode::kLimit, where + ": frame of " + std::to_string(f.header.original_size) +
                                           " bytes is larger than this decoder's limit of " +
                                           std::to_string(max_frame) + " bytes; if the file is trusted, decode with "
                                           "--max-frame=" + std::to_string(h.frame_bytes));
    auto c = open_coded_frame(f, std::move(where));
    if (!c) return c.status();
    // Every token stands for at least one byte of the coded text (plus the
    // tokenizer's leading space): a larger count is forged, and would be paid
    // for in model work.
    const uint64_t prefix = h.space_prefix() ? 1 : 0;
    if (c->header.token_count > c->text_limit + prefix)
      return Status(ErrorCode::kCorrupt, c->where + ": coded frame of " + std::to_string(c->header.original_size) +
                                             " bytes claims " + std::to_string(c->header.token_count) + " tokens");
    g->coded_index.push_back(int(g->coded.size()));
    g->plain.emplace_back();
    g->coded.push_back(std::move(c).value());
  }
  // Open the coders once the payloads have their final addresses.
  for (CodedFrame& c : g->coded) {
    auto d = coder::FrameDecoder::open(h.method, std::string_view(c.payload).substr(c.coded_at), c.header.token_count);
    if (!d) return with_context(d.status(), c.where);
    c.coder.emplace(std::move(d).value());
  }
  return Status::ok();
}

// Takes decoded token t into frame c; after the frame's last token checks that
// the coder ended where it should and the bytes are the frame's.
Status accept_token(CodedFrame& c, uint32_t t, const container::FileHeader& h, const tokenizer::Tokenizer& tok) {
  if (t >= h.n_vocab) return Status(ErrorCode::kCorrupt, c.where + ": decoded token id out of range");
  const std::string_view b = tok.token_bytes_view(int32_t(t));
  if (b.empty()) return Status(ErrorCode::kCorrupt, c.where + ": decoded a token that stands for no bytes");
  const uint64_t prefix = h.space_prefix() ? 1 : 0;
  if (c.bytes.size() + b.size() > c.text_limit + prefix)
    return Status(ErrorCode::kCorrupt, c.where + ": decoded tokens exceed the frame's " +
                                           std::to_string(c.text_limit) + " bytes of text");
  c.bytes += b;
  return Status::ok();
}

Status finish_frame(CodedFrame& c, const container::FileHeader& h) {
  if (Status st = c.coder->finish(); !st) return with_context(st, c.where);
  const auto text = tokenizer::Tokenizer::strip_space_prefix(c.bytes, h.space_prefix());
  if (!text) return Status(ErrorCode::kCorrupt, c.where + ": decoded frame lacks the tokenizer's leading space");
  std::string bytes(*text);
  if (c.header.kind == container::FrameKind::kTransformed) {
    auto parts = split_transformed_payload(c.payload);  // checked by open_coded_frame
    if (!parts) return with_context(parts.status(), c.where);
    auto original = untransform_text(bytes, *parts);
    if (!original) return with_context(original.status(), c.where);
    bytes = std::move(original).value();
  }
  if (bytes.size() != c.header.original_size)
    return Status(ErrorCode::kCorrupt, c.where + ": decoded " + std::to_string(bytes.size()) +
                                           " bytes, the frame header says " + std::to_string(c.header.original_size));
  if (container::original_checksum(bytes) != c.header.original_checksum)
    return Status(ErrorCode::kChecksumMismatch,
                  c.where + ": decoded bytes do not match the frame checksum (corrupt file, or a model/engine "
                            "that does not reproduce the compressor's numbers)");
  c.bytes = std::move(bytes);
  return Status::ok();
}

// One file of the input (a concatenation holds several, format.md section 9),
// from its header to its footer; adds to `stats`.
Status decompress_member(const LoadedModel& m, container::StreamReader& reader, ByteSource& in, ByteSink& out,
                         const Params& p, const ProgressFn& progress, Stats& stats) {
  const container::FileHeader& h = reader.header();
  LLMZIP_RETURN_IF_ERROR(check_header(h, m, reader.name()));
  stats.in_bytes = reader.bytes_read();
  const uint64_t max_frame = p.max_frame_bytes ? p.max_frame_bytes : default_max_frame_bytes(h.n_ctx);
  ThreadPool pool(std::max(1, p.threads));
  Decoder dec(*m.model, eval_settings(h), pool);
  const auto& tok = *m.tokenizer;
  container::Xxh64 content;

  bool at_end = false;
  size_t frame_no = 0;
  while (!at_end) {
    Group g;
    LLMZIP_RETURN_IF_ERROR(read_group(reader, h, max_frame, dec.max_sequences(), &frame_no, &g, &at_end));
    std::vector<uint64_t> lengths;
    for (const CodedFrame& c : g.coded) lengths.push_back(c.header.token_count);
    LLMZIP_RETURN_IF_ERROR(dec.run(
        lengths,
        [&](size_t q, const coder::FrequencyTable& t, int) -> Result<int32_t> {
          CodedFrame& c = g.coded[q];
          if (p.hash_cdfs) c.cdf_hash = fold_hash(c.cdf_hash, t.hash());
          auto token = c.coder->decode(t);
          if (!token) return with_context(token.status(), c.where);
          LLMZIP_RETURN_IF_ERROR(accept_token(c, *token, h, tok));
          if (dec.tokens(q).size() + 1 == c.header.token_count) LLMZIP_RETURN_IF_ERROR(finish_frame(c, h));
          return int32_t(*token);
        },
        [&] {
          if (!progress) return;
          uint64_t decoded = 0;
          for (const CodedFrame& c : g.coded) decoded += c.bytes.size();
          progress({stats.in_bytes, stats.out_bytes + decoded, in.size_hint(), stats.in_bytes, stats.out_bytes});
        }));

    // Write the group in file order.
    for (size_t k = 0; k < g.coded_index.size(); ++k) {
      const int ci = g.coded_index[k];
      const std::string& bytes = ci < 0 ? g.plain[k] : g.coded[size_t(ci)].bytes;
      content.update(bytes.data(), bytes.size());
      LLMZIP_RETURN_IF_ERROR(out.write(bytes.data(), bytes.size()));
      stats.out_bytes += bytes.size();
      ++stats.frames;
      ++stats.kind_frames[size_t(g.kinds[k])];
      if (g.kinds[k] == container::FrameKind::kStored) ++stats.raw_frames;
      if (ci >= 0) {
        stats.tokens += g.coded[size_t(ci)].header.token_count;
        if (p.hash_cdfs) stats.cdf_hash = fold_hash(stats.cdf_hash, g.coded[size_t(ci)].cdf_hash);
      }
    }
    stats.in_bytes = reader.bytes_read();
    if (progress) progress({stats.in_bytes, stats.out_bytes, in.size_hint(), stats.in_bytes, stats.out_bytes});
  }
  if (content.digest() != reader.footer().content_checksum)
    return Status(ErrorCode::kChecksumMismatch,
                  reader.name() + ": decompressed content does not match the file's checksum");
  stats.in_bytes = reader.bytes_read();
  return Status::ok();
}

}  // namespace

Status decompress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p, const ProgressFn& progress,
                  Stats* stats_out) {
  Stats stats;
  LLMZIP_RETURN_IF_ERROR(container::StreamReader::for_each_member(in, in.name(), [&](container::StreamReader& r) {
    return decompress_member(m, r, in, out, p, progress, stats);
  }));
  if (stats_out) *stats_out = stats;
  return Status::ok();
}

}  // namespace llmzip::codec
