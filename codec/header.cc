// The file header both halves agree on: what compress writes (make_header) and
// the check decompress makes before it trusts a header with the model (check_header).
#include <algorithm>
#include <cstdio>

#include "codec/codec.h"
#include "common/sha256.h"
#include "tokenizer/tokenizer.h"

namespace llmzip::codec {

uint64_t default_frame_bytes(int64_t input_size, uint32_t n_ctx) {
  // input/64: the decoder steps up to 128 frames side by side, and its speed
  // grows with the frames in flight (100 KB: 4 KiB frames decode 1.5x as fast
  // as 16 KiB ones) while each frame boundary costs about 40 bytes of output.
  // But at least 16 KiB: each frame starts cold (no context, adaptive models
  // empty), and the adaptive predictor needs history to learn from (12 KB
  // texts: 2 KiB frames cost 17 % more than one frame). At most 64 KiB, unless
  // four context windows of text are more. Unknown sizes (streams) take the
  // largest.
  const uint64_t lo = std::max<uint64_t>(16384, uint64_t(4) * n_ctx), hi = std::max<uint64_t>(65536, lo);
  if (input_size < 0) return hi;
  return std::clamp<uint64_t>(uint64_t(input_size) / 64, lo, hi);
}

uint64_t binary_frame_bytes(int64_t input_size) {
  // No context window to fill, and the classic codecs gain from long frames:
  // as long as xz -9's dictionary.
  constexpr uint64_t lo = uint64_t(64) << 10, hi = uint64_t(64) << 20;
  if (input_size < 0) return hi;
  return std::clamp<uint64_t>(uint64_t(input_size), lo, hi);
}

// The largest coded frame this encoder writes: levels -14..-19 (cli/args.cc)
// go up to 4 MiB (binary frames are longer, but the model never codes them).
uint64_t default_max_frame_bytes(uint32_t n_ctx) { return std::max<uint64_t>(uint64_t(4) << 20, uint64_t(4) * n_ctx); }

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
  uint64_t frame_bytes = p.frame_bytes ? p.frame_bytes : default_frame_bytes(input_size, ctx);
  frame_bytes = std::min<uint64_t>(frame_bytes, container::kMaxFrameOriginalSize);
  h.method = p.method;
  h.numerics_version = model::kNumericsVersion;
  h.n_vocab = uint32_t(m.model->n_vocab());
  h.n_ctx = ctx;
  const auto& tok = *m.tokenizer;
  if (tok.add_bos() && tok.bos_id() >= 0) {
    h.flags |= container::kFlagHasStartToken;
    h.start_token = uint32_t(tok.bos_id());
  }
  if (tok.adds_space_prefix()) h.flags |= container::kFlagSpacePrefix;
  if (p.adapt) h.flags |= container::kFlagAdaptive;
  h.frame_bytes = uint32_t(frame_bytes);
  std::copy(m.fingerprint.begin(), m.fingerprint.end(), h.model_sha256.begin());
  h.model_name = m.name;
  return h;
}

EvalSettings eval_settings(const container::FileHeader& h) {
  return EvalSettings{h.n_ctx, h.has_start_token(), int32_t(h.start_token), h.adaptive(),
                      model::kv_type_for_numerics(h.numerics_version)};
}

Status check_header(const container::FileHeader& h, const LoadedModel& m, const std::string& name) {
  if (!std::equal(h.model_sha256.begin(), h.model_sha256.end(), m.fingerprint.begin()))
    return Status(ErrorCode::kModelMismatch,
                  name + ": was compressed with model '" + printable(h.model_name) + "' (sha256 " +
                      Sha256::hex(h.model_sha256, 8) + "...), but the model in use is '" + printable(m.name) +
                      "' (" + printable(m.path) + ", sha256 " + Sha256::hex(m.fingerprint, 8) +
                      "...); give the right one with -m");
  if (h.numerics_version < model::kOldestNumericsVersion || h.numerics_version > model::kNumericsVersion)
    return Status(ErrorCode::kModelMismatch,
                  name + ": was made by an engine with numerics version " + std::to_string(h.numerics_version) +
                      ", this llmzip computes versions " + std::to_string(model::kOldestNumericsVersion) + " to " +
                      std::to_string(model::kNumericsVersion));
  if (h.n_vocab != uint32_t(m.model->n_vocab()))
    return Status(ErrorCode::kCorrupt, name + ": header says " + std::to_string(h.n_vocab) +
                                           " tokens, the model has " + std::to_string(m.model->n_vocab()));
  const int64_t n_ctx_train = m.model->config().n_ctx_train;
  if (n_ctx_train > 0 && h.n_ctx > uint64_t(n_ctx_train))
    return Status(ErrorCode::kCorrupt, name + ": context " + std::to_string(h.n_ctx) + " exceeds the model's " +
                                           std::to_string(n_ctx_train) + " tokens");
  return Status::ok();
}

}  // namespace llmzip::codec
