// Model loading: validates every tensor against the config and builds views of
// the weights inside the mapped file.
#include "model/model.h"

#include <cmath>
#include <cstring>
#include <string>

#include "ops/fp16.h"

namespace llmzip::model {
namespace {

constexpr const char* kSupportedTypes = "F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K";

std::string shape_str(const gguf::TensorInfo& t) {
  std::string s = "[";
  for (uint32_t i = 0; i < t.n_dims; ++i) s += (i ? ", " : "") + std::to_string(t.ne[i]);
  return s + "]";
}

std::optional<ops::WeightType> to_weight_type(uint32_t t) {
  switch (static_cast<gguf::TensorType>(t)) {
    case gguf::TensorType::kF32: return ops::WeightType::kF32;
    case gguf::TensorType::kF16: return ops::WeightType::kF16;
    case gguf::TensorType::kBF16: return ops::WeightType::kBF16;
    case gguf::TensorType::kQ8_0: return ops::WeightType::kQ8_0;
    case gguf::TensorType::kQ4_0: return ops::WeightType::kQ4_0;
    case gguf::TensorType::kQ4_K: return ops::WeightType::kQ4_K;
    case gguf::TensorType::kQ6_K: return ops::WeightType::kQ6_K;
    case gguf::TensorType::kQ5_0: return ops::WeightType::kQ5_0;
    case gguf::TensorType::kQ5_K: return ops::WeightType::kQ5_K;
    default: return std::nullopt;
  }
}

class Loader {
 public:
  explicit Loader(const gguf::GgufFile& f) : f_(f) {}

  Status err(ErrorCode code, const std::string& what) const {
    return Status(code, f_.name() + ": " + what);
  }

  Result<const gguf::TensorInfo*> find(const std::string& name) const {
    const gguf::TensorInfo* t = f_.find_tensor(name);
    if (t == nullptr) return err(ErrorCode::kMissing, "tensor '" + name + "' is missing");
    return t;
  }

  // A 2-D weight mapping `n_in` inputs to `n_out` outputs: ne = [n_in, n_out].
  Result<ops::WeightMatrix> matrix(const std::string& name, int n_in, int n_out) const {
    Result<const gguf::TensorInfo*> r = find(name);
    if (!r.is_ok()) return r.status();
    return matrix_from(**r, n_in, n_out);
  }

  Result<ops::WeightMatrix> matrix_from(const gguf::TensorInfo& t, int n_in, int n_out) const {
    const std::string name(t.name);
    const std::optional<ops::WeightType> wt = to_weight_type(t.type);
    if (!wt) {
      const gguf::TypeTraits* tr = gguf::type_traits(t.type);
      return err(ErrorCode::kUnsupported, "tensor '" + name + "' (data at offset " + std::to_string(t.offset) +
                                              ") has type " + (tr ? tr->name : std::to_string(t.type)) +
                                              "; supported weight types: " + kSupportedTypes);
    }
    if (t.n_dims != 2 || t.ne[0] != static_cast<uint64_t>(n_in) || t.ne[1] != static_cast<uint64_t>(n_out)) {
      return err(ErrorCode::kCorrupt, "tensor '" + name + "' has shape " + shape_str(t) + ", expected [" +
                                          std::to_string(n_in) + ", " + std::to_string(n_out) + "]");
    }
    if (n_in % ops::weight_block_size(*wt) != 0) {
      return err(ErrorCode::kCorrupt, "tensor '" + name + "' row length " + std::to_string(n_in) +
                                          " is not a multiple of the " + ops::weight_type_name(*wt) +
                                          " block size");
    }
    ops::WeightMatrix m;
    m.type = *wt;
    m.n_cols = n_in;
    m.n_rows = n_out;
    m.data = t.data;
    m.row_bytes = ops::weight_row_bytes(*wt, n_in);
    if (m.row_bytes * static_cast<uint64_t>(n_out) > t.nbytes) {
      return err(ErrorCode::kCorrupt, "tensor '" + name + "' holds " + std::to_string(t.nbytes) +
                                          " bytes, fewer than its shape needs");
    }
    if ((reinterpret_cast<uintptr_t>(t.data) & 3) != 0) {
      return err(ErrorCode::kCorrupt, "tensor '" + name + "' data at offset " + std::to_string(t.offset) +
                                          " is not 4-byte aligned");
    }
    return m;
  }

  // A 1-D float vector of n elements (F32, F16 or BF16; converted exactly).
  Result<std::vector<float>> vec(const std::string& name, int n) const {
    Result<const gguf::TensorInfo*> r = find(name);
    if (!r.is_ok()) return r.status();
    const gguf::TensorInfo& t = **r;
    if (t.n_dims != 1 || t.ne[0] != static_cast<uint64_t>(n)) {
      return err(ErrorCode::kCorrupt,
                 "tensor '" + name + "' has shape " + shape_str(t) + ", expected [" + std::to_string(n) + "]");
    }
    std::vector<float> out(n);
    const auto tt = static_cast<gguf::TensorType>(t.type);
    const size_t need = static_cast<size_t>(n) * (tt == gguf::TensorType::kF32 ? 4 : 2);
    if (tt != gguf::TensorType::kF32 && tt != gguf::TensorType::kF16 && tt != gguf::TensorType::kBF16) {
      const gguf::TypeTraits* tr = gguf::type_traits(t.type);
      return err(ErrorCode::kUnsupported, "tensor '" + name + "' has type " +
                                              (tr ? tr->name : std::to_string(t.type)) +
                                              "; norm weights and biases must be F32, F16 or BF16");
    }
    if (t.nbytes < need) return err(ErrorCode::kCorrupt, "tensor '" + name + "' is too short");
    for (int i = 0; i < n; ++i) {
      if (tt == gguf::TensorType::kF32) {
        std::memcpy(&out[i], t.data + 4 * i, 4);
      } else {
        uint16_t h;
        std::memcpy(&h, t.data + 2 * i, 2);
        out[i] = tt == gguf::TensorType::kF16 ? ops::f16_to_f32(h) : ops::bf16_to_f32(h);
      }
      if (!std::isfinite(out[i])) {
        return err(ErrorCode::kCorrupt, "tensor '" + name + "' element " + std::to_string(i) + " is not finite");
      }
    }
    return out;
  }

 private:
  const gguf::GgufFile& f_;
};

#define LLMZIP_ASSIGN(lhs, expr)            \
  do {                                      \
    auto _r = (expr);                       \
    if (!_r.is_ok()) return _r.status();    \
    lhs = std::move(_r.value());            \
  } while (0)

}  // namespace

void Model::pack_weights() {
  // Every matrix a matmul reads (the embedding is only looked up, unless tied
  // to the output); all or none, so speed does not depend on which fitted.
  std::vector<ops::WeightMatrix*> all{&output_};
  for (LayerWeights& lw : layers_)
    for (ops::WeightMatrix* w : {&lw.wq, &lw.wk, &lw.wv, &lw.wo, &lw.w_gate, &lw.w_up, &lw.w_down}) all.push_back(w);
  size_t total = 0;
  for (const ops::WeightMatrix* w : all) {
    const size_t b = ops::PackedWeights::bytes_for(*w);
    if (b == 0) return;
    total += b;
  }
  if (total > kMaxPackedBytes) return;
  for (ops::WeightMatrix* w : all) packed_.pack(*w);
}

Result<std::unique_ptr<Model>> Model::load(const gguf::GgufFile& file) {
  Result<ModelConfig> cr = read_config(file);
  if (!cr.is_ok()) return cr.status();
  std::unique_ptr<Model> m(new Model());
  m->cfg_ = *cr;
  const ModelConfig& c = m->cfg_;
  Loader L(file);
  const std::string emb_name = "token_embd.weight";
  LLMZIP_ASSIGN(m->tok_embd_, L.matrix(emb_name, c.n_embd, c.n_vocab));
  if (c.tied_output) {
    m->output_ = m->tok_embd_;
  } else {
    LLMZIP_ASSIGN(m->output_, L.matrix("output.weight", c.n_embd, c.n_vocab));
  }
  LLMZIP_ASSIGN(m->output_norm_, L.vec("output_norm.weight", c.n_embd));
  std::vector<float> factors;
  if (c.has_rope_freqs) {
    LLMZIP_ASSIGN(factors, L.vec("rope_freqs.weight", c.rope_dim / 2));
    for (float f : factors) {
      if (!(f > 0.0f)) return L.err(ErrorCode::kCorrupt, "tensor 'rope_freqs.weight' has a factor <= 0");
    }
  }
  m->layers_.resize(c.n_layer);
  for (int il = 0; il < c.n_layer; ++il) {
    LayerWeights& lw = m->layers_[il];
    const std::string p = "blk." + std::to_string(il) + ".";
    LLMZIP_ASSIGN(lw.attn_norm, L.vec(p + "attn_norm.weight", c.n_embd));
    LLMZIP_ASSIGN(lw.ffn_norm, L.vec(p + "ffn_norm.weight", c.n_embd));
    LLMZIP_ASSIGN(lw.wq, L.matrix(p + "attn_q.weight", c.n_embd, c.q_dim()));
    LLMZIP_ASSIGN(lw.wk, L.matrix(p + "attn_k.weight", c.n_embd, c.kv_dim()));
    LLMZIP_ASSIGN(lw.wv, L.matrix(p + "attn_v.weight", c.n_embd, c.kv_dim()));
    LLMZIP_ASSIGN(lw.wo, L.matrix(p + "attn_output.weight", c.q_dim(), c.n_embd));
    LLMZIP_ASSIGN(lw.w_gate, L.matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff));
    LLMZIP_ASSIGN(lw.w_up, L.matrix(p + "ffn_up.weight", c.n_embd, c.n_ff));
    LLMZIP_ASSIGN(lw.w_down, L.matrix(p + "ffn_down.weight", c.n_ff, c.n_embd));
    if (c.has_qkv_bias) {
      LLMZIP_ASSIGN(lw.bq, L.vec(p + "attn_q.bias", c.q_dim()));
      LLMZIP_ASSIGN(lw.bk, L.vec(p + "attn_k.bias", c.kv_dim()));
      LLMZIP_ASSIGN(lw.bv, L.vec(p + "attn_v.bias", c.kv_dim()));
    }
  }
  m->rope_.emplace(c.rope_dim, c.rope_neox, c.rope_freq_base, c.rope_freq_scale, std::move(factors));
  m->attn_scale_ = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  m->pack_weights();
  return m;
}

}  // namespace llmzip::model
