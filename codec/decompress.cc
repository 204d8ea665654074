// decompress: .llmz -> frames -> Decoder -> coder -> tokens -> bytes.
// The mirror image of compress.cc.
#include <algorithm>
#include <optional>

#include "codec/codec.h"
#include "codec/decoder.h"
#include "coder/frame_coder.h"
#include "container/checksum.h"
#include "container/reader.h"
#include "tokenizer/tokenizer.h"

namespace llmzip::codec {
namespace {

// Original bytes held by one group of frames (untrusted headers choose the sizes).
constexpr uint64_t kGroupBytesBudget = uint64_t(256) << 20;

// Adds "<where>: " to a coder error.
Status at(const std::string& where, const Status& st) { return Status(st.code(), where + ": " + st.message()); }

// A coded frame being decoded: one Decoder sequence.
struct CodedFrame {
  container::FrameHeader header;
  std::string payload;
  std::string where;                   // "<file>: frame N at byte X" for messages
  std::optional<coder::FrameDecoder> coder;
  std::string bytes;                   // decoded so far (with the prefix space, if any)
  uint64_t cdf_hash = 0;               // Params::hash_cdfs
};

// One group of frames in file order: stored ones with their bytes, coded ones
// as an index into `coded`.
struct Group {
  std::vector<std::string> stored;     // payload of stored frame k (empty for coded)
  std::vector<int> coded_index;        // index into coded, or -1 for stored
  std::vector<CodedFrame> coded;
};

// Reads the next group of frames (each frame checksum verified): at most
// max_coded coded frames, 4 * max_coded in all, about kGroupBytesBudget
// original bytes. Sets *at_end after the index and footer.
Status read_group(container::StreamReader& reader, const container::FileHeader& h, uint64_t max_frame,
                  size_t max_coded, size_t* frame_no, Group* g, bool* at_end) {
  uint64_t group_bytes = 0;
  while (g->coded.size() < max_coded && g->coded_index.size() < 4 * max_coded && group_bytes < kGroupBytesBudget) {
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
    // Frames are never longer than the target the compressor recorded
    // (format.md 2): this bounds the work a forged token count can demand.
    if (f.header.original_size > h.frame_bytes)
      return Status(ErrorCode::kCorrupt, where + ": frame of " + std::to_string(f.header.original_size) +
                                             " bytes exceeds the file's frame size " + std::to_string(h.frame_bytes));
    group_bytes += f.header.original_size;
    if (f.header.kind == container::FrameKind::kStored) {
      if (container::original_checksum(f.payload) != f.header.original_checksum)
        return Status(ErrorCode::kChecksumMismatch, where + ": stored bytes do not match their checksum");
      g->coded_index.push_back(-1);
      g->stored.push_back(std::move(f.payload));
      continue;
    }
    if (f.header.token_count == 0)
      return Status(ErrorCode::kCorrupt, where + ": coded frame of " + std::to_string(f.header.original_size) +
                                             " bytes has no tokens");
    // Every token stands for at least one byte (plus the tokenizer's leading
    // space): a larger count is forged, and would be paid for in model work.
    const uint64_t prefix = h.space_prefix() ? 1 : 0;
    if (f.header.token_count > f.header.original_size + prefix)
      return Status(ErrorCode::kCorrupt, where + ": coded frame of " + std::to_string(f.header.original_size) +
                                             " bytes claims " + std::to_string(f.header.token_count) + " tokens");
    // The work a frame buys is bounded by the decoder, not by the file (format.md 2).
    if (f.header.original_size > max_frame)
      return Status(ErrorCode::kLimit, where + ": frame of " + std::to_string(f.header.original_size) +
                                           " bytes is larger than this decoder's limit of " +
                                           std::to_string(max_frame) + " bytes; if the file is trusted, decode with "
                                           "--max-frame=" + std::to_string(h.frame_bytes));
    CodedFrame c;
    c.header = f.header;
    c.payload = std::move(f.payload);
    c.where = std::move(where);
    g->coded_index.push_back(int(g->coded.size()));
    g->stored.emplace_back();
    g->coded.push_back(std::move(c));
  }
  // Open the coders once the payloads have their final addresses.
  for (CodedFrame& c : g->coded) {
    auto d = coder::FrameDecoder::open(h.method, c.payload, c.header.token_count);
    if (!d) return at(c.where, d.status());
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
  if (c.bytes.size() + b.size() > c.header.original_size + prefix)
    return Status(ErrorCode::kCorrupt, c.where + ": decoded tokens exceed the frame's " +
                                           std::to_string(c.header.original_size) + " bytes");
  c.bytes += b;
  return Status::ok();
}

Status finish_frame(CodedFrame& c, const container::FileHeader& h) {
  if (Status st = c.coder->finish(); !st) return at(c.where, st);
  const auto text = tokenizer::Tokenizer::strip_space_prefix(c.bytes, h.space_prefix());
  if (!text) return Status(ErrorCode::kCorrupt, c.where + ": decoded frame lacks the tokenizer's leading space");
  if (text->size() != c.header.original_size)
    return Status(ErrorCode::kCorrupt, c.where + ": decoded " + std::to_string(text->size()) +
                                           " bytes, the frame header says " + std::to_string(c.header.original_size));
  if (container::original_checksum(*text) != c.header.original_checksum)
    return Status(ErrorCode::kChecksumMismatch,
                  c.where + ": decoded bytes do not match the frame checksum (corrupt file, or a model/engine "
                            "that does not reproduce the compressor's numbers)");
  c.bytes.erase(0, c.bytes.size() - text->size());
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
          if (!token) return at(c.where, token.status());
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
      const std::string& bytes = ci < 0 ? g.stored[k] : g.coded[size_t(ci)].bytes;
      content.update(bytes.data(), bytes.size());
      LLMZIP_RETURN_IF_ERROR(out.write(bytes.data(), bytes.size()));
      stats.out_bytes += bytes.size();
      ++stats.frames;
      if (ci < 0) {
        ++stats.raw_frames;
      } else {
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
