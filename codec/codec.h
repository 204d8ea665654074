// compress / decompress: frames -> tokens -> model -> frequencies -> range coder,
// and back. The file layout is docs/format.md; determinism rules ../DESIGN.md.
//
// Contract: decompress(compress(x)) == x for every byte string x, on any machine,
// with any thread count; the compressed bytes do not depend on the thread count.
// Memory is bounded by the frame size and the number of frames in flight, not by
// the input size (both sides stream).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "codec/io.h"
#include "codec/loaded_model.h"
#include "container/format.h"
#include "common/status.h"

namespace llmzip::codec {

using container::Method;
using container::method_name;  // "ac", "rank-zlib", "tbyt"
// "ac", "rank-zlib", "tbyt" -> Method (kInvalidArgument otherwise).
Result<Method> method_from_name(const std::string& name);

struct Params {
  int threads = 1;            // worker threads (>= 1)
  uint32_t context = 0;       // tokens of context; 0 = min(model's n_ctx_train, kDefaultContext)
  uint64_t frame_bytes = 0;   // target frame size; 0 = default_frame_bytes()
  Method method = Method::kArithmetic;
};
constexpr uint32_t kDefaultContext = 512;
// Default frame size (format.md section 4): input size / 32, at least about one
// context window of text (4 bytes a token), at most 64 KiB; 16 KiB when the
// input size is unknown (a pipe).
uint64_t default_frame_bytes(int64_t input_size, uint32_t n_ctx);

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
  uint64_t raw_frames = 0;  // frames stored without the model (tokenizer could not express them)
};

Status compress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p,
                const ProgressFn& progress = nullptr, Stats* stats = nullptr);

// Checks the header's model fingerprint and numerics version against `m` first
// (kModelMismatch naming both models). Every frame's checksum is verified before
// its bytes are written to `out`; on any error the output so far must be discarded.
Status decompress(const LoadedModel& m, ByteSource& in, ByteSink& out, const Params& p,
                  const ProgressFn& progress = nullptr, Stats* stats = nullptr);

// The header values compress would write for `m` and `p` (context and frame
// size resolved, flags set from the tokenizer).
Result<container::FileHeader> make_header(const LoadedModel& m, const Params& p, int64_t input_size = -1);

}  // namespace llmzip::codec
