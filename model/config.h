// Hyperparameters of a Llama-family model, read from GGUF metadata.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "gguf/gguf.h"

namespace llmzip::model {

enum class Arch { kLlama, kQwen2 };
const char* arch_name(Arch a);

struct ModelConfig {
  Arch arch = Arch::kLlama;
  int n_vocab = 0;      // rows of token_embd.weight
  int n_embd = 0;       // <arch>.embedding_length
  int n_layer = 0;      // <arch>.block_count
  int n_head = 0;       // <arch>.attention.head_count
  int n_head_kv = 0;    // <arch>.attention.head_count_kv (default n_head)
  int head_dim = 0;     // <arch>.attention.key_length (default n_embd / n_head)
  int n_ff = 0;         // <arch>.feed_forward_length
  int n_ctx_train = 0;  // <arch>.context_length
  double rope_freq_base = 10000.0;  // <arch>.rope.freq_base
  double rope_freq_scale = 1.0;     // 1 / <arch>.rope.scaling.factor for scaling type "linear"
  int rope_dim = 0;     // <arch>.rope.dimension_count (default head_dim)
  bool rope_neox = false;  // qwen2: rotate halves; llama: adjacent pairs
  float rms_eps = 1e-5f;   // <arch>.attention.layer_norm_rms_epsilon
  bool tied_output = false;     // no output.weight: logits use token_embd.weight
  bool has_rope_freqs = false;  // rope_freqs.weight present
  bool has_qkv_bias = false;    // blk.N.attn_{q,k,v}.bias present

  int q_dim() const { return n_head * head_dim; }
  int kv_dim() const { return n_head_kv * head_dim; }
};

// Reads the config from metadata and the shapes of a few tensors. Errors:
// kUnsupported (architecture or rope scaling; the message lists what is
// supported), kMissing (required key or tensor), kCorrupt (inconsistent values).
Result<ModelConfig> read_config(const gguf::GgufFile& f);

}  // namespace llmzip::model
