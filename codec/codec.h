// compress / decompress: frames -> tokens -> model -> predictor -> coder, and
// back. The file layout is docs/format.md; the determinism rules are in
// DEVELOPERS.md ("Rules that keep decompression working") and docs/design.md.
//
// The two halves mirror each other: compress.cc cuts frames, tokenizes them
// and runs the Evaluator (codec/evaluator.h) over their known tokens;
// decompress.cc reads frames and runs the Decoder (codec/decoder.h), which
// learns each token from the step before. Both turn logits into frequencies
// through the same Predictor (codec/predictor.h).
//
// Contract: decompress(compress(x)) == x for every byte string x, on any machine,
// with any thread count; the compressed bytes do not depend on the thread count.
// Memory is bounded by the frame size and the number of frames in flight, not by
// the input size (both sides stream).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "codec/evaluator.h"
#include "codec/loaded_model.h"
#include "coder/method.h"
#include "common/byte_io.h"
#include "container/format.h"
#include "common/status.h"

namespace llmzip::codec {

struct Params {
  int threads = 1;            // worker threads (>= 1)
  uint32_t context = 0;       // tokens of context; 0 = min(model's n_ctx_train, kDefaultContext)
  uint64_t frame_bytes = 0;   // target frame size; 0 = default_frame_bytes()
  // Compress: frame_bytes is a level's choice for text, so an input whose
  // start is not text gets the long frames of binary_frame_bytes() instead,
  // as it does with frame_bytes 0 (format.md section 4). When false, a
  // nonzero frame_bytes holds for every input.
  bool frame_bytes_is_level = false;
  coder::Method method = coder::Method::kArithmetic;
  // Fingerprint every frequency table (Stats::cdf_hash): the determinism check
  // made visible (`llmzip -v`). Costs a hash of n_vocab entries per token.
  bool hash_cdfs = false;
  // Compress: mix the model with online models of each frame's history
  // (docs/adaptive.md; header flag ADAPTIVE). Decompress follows the header.
  bool adapt = true;
  // Compress: keep frames that are clearly not text (codec/binary_detect.h)
  // from the model, and give a file whose start is not text long frames.
  // Off only to measure what the detection misses.
  bool detect_binary = true;

  // Decompress: the largest coded frame (original bytes) accepted; 0 =
  // default_max_frame_bytes(header's context). A frame's bytes and tokens are
  // model work that a few forged header bytes can claim, so a decoder does no
  // more than this encoder ever writes by default unless told so (the CLI's
  // --max-frame, as zstd's --memory / --long limit the window it accepts).
  uint64_t max_frame_bytes = 0;
};
constexpr uint32_t kDefaultContext = 512;
// Default frame size (format.md section 4): input size / 64, at least 16 KiB
// (and four context windows of text), at most 64 KiB (or those four windows);
// the largest when the input size is unknown (a pipe).
uint64_t default_frame_bytes(int64_t input_size, uint32_t n_ctx);
// The frame size of an input whose start is not text (format.md section 4):
// its size within 64 KiB .. 64 MiB, 64 MiB when unknown. The frames are cut
// from 256 KiB segments: runs of binary ones become classic frames of up to
// this size, text between them frames of the text target.
uint64_t binary_frame_bytes(int64_t input_size);
// The largest frame default_frame_bytes() gives for a context of n_ctx tokens
// (64 KiB, or 4 bytes a token when the context is larger): what a decoder
// accepts without Params::max_frame_bytes.
uint64_t default_max_frame_bytes(uint32_t n_ctx);

struct Progress {
  uint64_t in_bytes = 0;   // input consumed so far (estimate within a group)
  uint64_t out_bytes = 0;  // output produced so far (estimate within a group)
  int64_t in_total = -1;   // input size if known
  // Input and output of the frames completely written: the current ratio.
  uint64_t settled_in = 0, settled_out = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

struct Stats {
  uint64_t in_bytes = 0, out_bytes = 0;
  uint64_t frames = 0, tokens = 0;
  uint64_t raw_frames = 0;  // stored frames (nothing made them smaller)
  // Frames written of each kind (index: container::FrameKind's value).
  std::array<uint64_t, container::kMaxFrameKind + 1> kind_frames{};
  // Compress: frames the binary detection kept from the model, and frames the
  // model coded that were written as another kind anyway (model time spent
  // for nothing: what the detection missed).
  uint64_t binary_frames = 0, model_lost = 0;
  // With Params::hash_cdfs: a hash of every coded frame's frequency tables in
  // order. Compress and decompress of the same file give the same value on any
  // machine, thread count or SIMD level; 0 otherwise.
  uint64_t cdf_hash = 0;
};

// The Evaluator/Decoder settings a file with header `h` is coded with.
EvalSettings eval_settings(const container::FileHeader& h);

// Folds one frame's table hashes into Stats::cdf_hash (frame order matters).
inline uint64_t fold_hash(uint64_t acc, uint64_t v) { return (acc ^ v) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull; }

Status compress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p,
                const ProgressFn& progress = nullptr, Stats* stats = nullptr);

// Checks the header's model fingerprint and numerics version against `m` first
// (kModelMismatch naming both models). Every frame's checksum is verified before
// its bytes are written to `out`; on any error the output so far must be discarded.
// Several .llmz files back to back (`cat a.llmz b.llmz`) decode to the
// concatenation of their contents, as with gzip, xz and zstd; each must be made
// with the model `m`.
Status decompress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p,
                  const ProgressFn& progress = nullptr, Stats* stats = nullptr);

// The header values compress would write for `m` and `p` (context and frame
// size resolved, flags set from the tokenizer).
Result<container::FileHeader> make_header(const LoadedModel& m, const Params& p, int64_t input_size = -1);

// Whether a file with header `h` (named `name` in messages) can be decoded
// with `m`: the model fingerprint and numerics version (kModelMismatch naming
// both models), vocabulary size and context (kCorrupt). The one check every
// reader of coded frames makes first.
Status check_header(const container::FileHeader& h, const LoadedModel& m, const std::string& name);

}  // namespace llmzip::codec
