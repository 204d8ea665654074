#include "model/config.h"

#include <string>

namespace llmzip::model {
namespace {

Status bad(const gguf::GgufFile& f, ErrorCode code, const std::string& what) {
  return Status(code, f.name() + ": " + what);
}

// Reads a positive integer hyperparameter no larger than `max`.
Result<int> get_dim(const gguf::GgufFile& f, const std::string& key, uint64_t max, const uint64_t* def = nullptr) {
  Result<uint64_t> v = def ? f.get_uint_or(key, *def) : f.get_uint(key);
  if (!v.is_ok()) {
    if (v.status().code() == ErrorCode::kMissing) {
      return bad(f, ErrorCode::kMissing, "metadata key '" + key + "' is required but absent");
    }
    return v.status();
  }
  if (*v == 0 || *v > max) {
    return bad(f, ErrorCode::kCorrupt,
               "metadata '" + key + "' = " + std::to_string(*v) + ", expected 1.." + std::to_string(max));
  }
  return static_cast<int>(*v);
}

}  // namespace

const char* arch_name(Arch a) { return a == Arch::kLlama ? "llama" : "qwen2"; }

Result<ModelConfig> read_config(const gguf::GgufFile& f) {
  ModelConfig c;
  Result<std::string_view> arch = f.get_string("general.architecture");
  if (!arch.is_ok()) {
    return bad(f, ErrorCode::kMissing, "metadata 'general.architecture' is missing or not a string "
                                       "(supported architectures: llama, qwen2)");
  }
  if (*arch == "llama") {
    c.arch = Arch::kLlama;
  } else if (*arch == "qwen2") {
    c.arch = Arch::kQwen2;
    c.rope_neox = true;
  } else {
    return bad(f, ErrorCode::kUnsupported,
               "architecture '" + std::string(*arch) + "' is not supported (supported: llama, qwen2)");
  }
  const std::string p = std::string(*arch) + ".";
  Result<int> v = get_dim(f, p + "embedding_length", 1 << 16);
  if (!v.is_ok()) return v.status();
  c.n_embd = *v;
  if (!(v = get_dim(f, p + "block_count", 4096)).is_ok()) return v.status();
  c.n_layer = *v;
  if (!(v = get_dim(f, p + "attention.head_count", 4096)).is_ok()) return v.status();
  c.n_head = *v;
  const uint64_t def_kv = static_cast<uint64_t>(c.n_head);
  if (!(v = get_dim(f, p + "attention.head_count_kv", 4096, &def_kv)).is_ok()) return v.status();
  c.n_head_kv = *v;
  if (!(v = get_dim(f, p + "feed_forward_length", 1 << 20)).is_ok()) return v.status();
  c.n_ff = *v;
  // Real models use 2.5-8x; a hostile file could ask for a huge workspace with
  // tiny weights, so bound the ratio.
  if (c.n_ff > 32 * c.n_embd) {
    return bad(f, ErrorCode::kCorrupt, "feed_forward_length " + std::to_string(c.n_ff) +
                                           " is more than 32 times embedding_length " + std::to_string(c.n_embd));
  }
  if (!(v = get_dim(f, p + "context_length", 1 << 24)).is_ok()) return v.status();
  c.n_ctx_train = *v;
  if (c.n_head % c.n_head_kv != 0) {
    return bad(f, ErrorCode::kCorrupt,
               "head_count " + std::to_string(c.n_head) + " is not a multiple of head_count_kv " +
                   std::to_string(c.n_head_kv));
  }
  const uint64_t def_hd = c.n_embd % c.n_head == 0 ? static_cast<uint64_t>(c.n_embd / c.n_head) : 0;
  if (!(v = get_dim(f, p + "attention.key_length", 1 << 14, &def_hd)).is_ok()) {
    return bad(f, ErrorCode::kCorrupt, "embedding_length " + std::to_string(c.n_embd) +
                                           " is not a multiple of head_count and no key_length is given");
  }
  c.head_dim = *v;
  const uint64_t def_vd = static_cast<uint64_t>(c.head_dim);
  if (!(v = get_dim(f, p + "attention.value_length", 1 << 14, &def_vd)).is_ok()) return v.status();
  if (*v != c.head_dim) {
    return bad(f, ErrorCode::kUnsupported, "attention.value_length " + std::to_string(*v) +
                                               " differs from key_length " + std::to_string(c.head_dim) +
                                               " (only equal lengths are supported)");
  }
  if (!(v = get_dim(f, p + "rope.dimension_count", 1 << 14, &def_vd)).is_ok()) return v.status();
  c.rope_dim = *v;
  if (c.rope_dim > c.head_dim || c.rope_dim % 2 != 0) {
    return bad(f, ErrorCode::kCorrupt, "rope.dimension_count " + std::to_string(c.rope_dim) +
                                           " must be even and at most the head dimension " +
                                           std::to_string(c.head_dim));
  }
  Result<double> fl = f.get_float_or(p + "rope.freq_base", 10000.0);
  if (!fl.is_ok()) return fl.status();
  if (!(*fl > 1.0 && *fl < 1e12)) {
    return bad(f, ErrorCode::kCorrupt, "rope.freq_base " + std::to_string(*fl) + " out of range (1, 1e12)");
  }
  c.rope_freq_base = *fl;
  fl = f.get_float_or(p + "attention.layer_norm_rms_epsilon", 1e-5);
  if (!fl.is_ok()) return fl.status();
  if (!(*fl > 0.0 && *fl < 1.0)) {
    return bad(f, ErrorCode::kCorrupt, "layer_norm_rms_epsilon " + std::to_string(*fl) + " out of range (0, 1)");
  }
  c.rms_eps = static_cast<float>(*fl);
  // Rope scaling: "none" and "linear" are supported; Llama-3 style scaling comes
  // as rope_freqs.weight instead of a scaling type.
  if (const gguf::Value* st = f.find(p + "rope.scaling.type")) {
    if (st->type != gguf::ValueType::kString) {
      return bad(f, ErrorCode::kCorrupt, "rope.scaling.type is not a string");
    }
    if (st->str == "linear") {
      Result<double> fac = f.get_float_or(p + "rope.scaling.factor", 1.0);
      if (!fac.is_ok()) return fac.status();
      if (!(*fac >= 1.0 && *fac < 1e6)) {
        return bad(f, ErrorCode::kCorrupt, "rope.scaling.factor " + std::to_string(*fac) + " out of range [1, 1e6)");
      }
      c.rope_freq_scale = 1.0 / *fac;
    } else if (st->str != "none") {
      return bad(f, ErrorCode::kUnsupported, "rope.scaling.type '" + std::string(st->str) +
                                                 "' is not supported (supported: none, linear, and "
                                                 "rope_freqs.weight factors)");
    }
  } else if (const gguf::Value* sf = f.find(p + "rope.scale_linear")) {
    Result<double> fac = f.get_float(p + "rope.scale_linear");
    if (!fac.is_ok()) return fac.status();
    (void)sf;
    if (!(*fac >= 1.0 && *fac < 1e6)) {
      return bad(f, ErrorCode::kCorrupt, "rope.scale_linear out of range [1, 1e6)");
    }
    c.rope_freq_scale = 1.0 / *fac;
  }
  const gguf::TensorInfo* emb = f.find_tensor("token_embd.weight");
  if (emb == nullptr) return bad(f, ErrorCode::kMissing, "tensor 'token_embd.weight' is missing");
  if (emb->n_dims != 2 || emb->ne[0] != static_cast<uint64_t>(c.n_embd) || emb->ne[1] == 0 ||
      emb->ne[1] > (1u << 24)) {
    return bad(f, ErrorCode::kCorrupt, "tensor 'token_embd.weight' has shape [" + std::to_string(emb->ne[0]) +
                                           ", " + std::to_string(emb->ne[1]) + "], expected [" +
                                           std::to_string(c.n_embd) + ", n_vocab]");
  }
  c.n_vocab = static_cast<int>(emb->ne[1]);
  c.tied_output = f.find_tensor("output.weight") == nullptr;
  c.has_rope_freqs = f.find_tensor("rope_freqs.weight") != nullptr;
  c.has_qkv_bias = f.find_tensor("blk.0.attn_q.bias") != nullptr;
  return c;
}

}  // namespace llmzip::model
