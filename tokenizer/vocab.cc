#include "tokenizer/vocab.h"

#include <cmath>

namespace llmzip::tokenizer {
namespace {

constexpr const char* kTokens = "tokenizer.ggml.tokens";
constexpr const char* kScores = "tokenizer.ggml.scores";
constexpr const char* kTypes = "tokenizer.ggml.token_type";
constexpr const char* kMerges = "tokenizer.ggml.merges";

Status corrupt(const gguf::GgufFile& f, const std::string& what) {
  return Status(ErrorCode::kCorrupt, f.name() + ": " + what);
}

bool is_numeric(gguf::ValueType t) {
  return t != gguf::ValueType::kString && t != gguf::ValueType::kArray && t != gguf::ValueType::kBool;
}

// A special-token id key: absent, 0xFFFFFFFF or out of range leaves -1 (as
// llama.cpp ignores such ids with a warning).
Result<int32_t> special_id(const gguf::GgufFile& f, std::string_view key, int32_t n_vocab) {
  auto v = f.get_uint_or(key, UINT64_MAX);
  if (!v) return v.status();
  if (*v >= static_cast<uint64_t>(n_vocab)) return int32_t{-1};
  return static_cast<int32_t>(*v);
}

}  // namespace

Result<std::unique_ptr<Vocab>> load_vocab(const gguf::GgufFile& f) {
  auto vocab = std::make_unique<Vocab>();
  Vocab& v = *vocab;

  auto model = f.get_string("tokenizer.ggml.model");
  if (!model) return model.status();
  v.model = std::string(*model);
  if (v.model == "llama") {
    v.kind = ModelKind::kSpm;
  } else if (v.model == "gpt2") {
    v.kind = ModelKind::kBpe;
  } else {
    return Status(ErrorCode::kUnsupported, f.name() + ": tokenizer.ggml.model '" + v.model +
                                               "' is not supported; supported: llama (SentencePiece), gpt2 (byte-level BPE)");
  }
  if (f.find("tokenizer.ggml.pre")) {
    auto pre = f.get_string("tokenizer.ggml.pre");
    if (!pre) return pre.status();
    v.pre = std::string(*pre);
  }

  const gguf::Value* tokens = f.find(kTokens);
  if (!tokens) return Status(ErrorCode::kMissing, f.name() + ": metadata key '" + kTokens + "' is missing");
  if (!tokens->is_array() || tokens->elem_type != gguf::ValueType::kString) {
    return corrupt(f, std::string(kTokens) + " is not an array of strings");
  }
  if (tokens->strings.empty() || tokens->strings.size() > (1u << 30)) {
    return corrupt(f, std::string(kTokens) + " has " + std::to_string(tokens->strings.size()) +
                          " entries, expected 1 to 2^30");
  }
  const size_t n = tokens->strings.size();
  v.pieces.reserve(n);
  for (std::string_view s : tokens->strings) v.pieces.emplace_back(s);

  if (const gguf::Value* scores = f.find(kScores)) {
    if (!scores->is_array() || !is_numeric(scores->elem_type) || scores->count != n) {
      return corrupt(f, std::string(kScores) + " must be a numeric array of " + std::to_string(n) + " entries");
    }
    v.scores.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const double s = scores->float_at(i);
      // NaN would make the merge order ill-defined; infinities are fine.
      if (std::isnan(s)) return corrupt(f, std::string(kScores) + "[" + std::to_string(i) + "] is NaN");
      v.scores[i] = static_cast<float>(s);
    }
  } else if (v.kind == ModelKind::kSpm) {
    return Status(ErrorCode::kMissing, f.name() + ": metadata key '" + kScores + "' is missing (needed by SentencePiece)");
  }

  v.types.assign(n, TokenType::kNormal);
  if (const gguf::Value* types = f.find(kTypes)) {
    if (!types->is_array() || !is_numeric(types->elem_type) || types->count != n) {
      return corrupt(f, std::string(kTypes) + " must be an integer array of " + std::to_string(n) + " entries");
    }
    for (size_t i = 0; i < n; ++i) {
      const int64_t t = types->int_at(i);
      if (t < 0 || t > 6) {
        return corrupt(f, std::string(kTypes) + "[" + std::to_string(i) + "] = " + std::to_string(t) +
                              ", expected 0..6");
      }
      v.types[i] = static_cast<TokenType>(t);
    }
  }

  if (v.kind == ModelKind::kBpe) {
    const gguf::Value* merges = f.find(kMerges);
    if (!merges) return Status(ErrorCode::kMissing, f.name() + ": metadata key '" + kMerges + "' is missing (needed by BPE)");
    if (!merges->is_array() || merges->elem_type != gguf::ValueType::kString) {
      return corrupt(f, std::string(kMerges) + " is not an array of strings");
    }
    v.merges.reserve(merges->strings.size());
    for (std::string_view s : merges->strings) v.merges.emplace_back(s);
  }

  const int32_t nv = static_cast<int32_t>(n);
  auto bos = special_id(f, "tokenizer.ggml.bos_token_id", nv);
  if (!bos) return bos.status();
  auto eos = special_id(f, "tokenizer.ggml.eos_token_id", nv);
  if (!eos) return eos.status();
  auto unk = special_id(f, "tokenizer.ggml.unknown_token_id", nv);
  if (!unk) return unk.status();
  v.bos_id = *bos, v.eos_id = *eos, v.unk_id = *unk;
  if (v.kind == ModelKind::kSpm) {
    // llama.cpp's SentencePiece defaults.
    if (v.bos_id < 0 && nv > 1) v.bos_id = 1;
    if (v.eos_id < 0 && nv > 2) v.eos_id = 2;
    if (v.unk_id < 0) v.unk_id = 0;
  }

  const bool llama3_family = v.pre == "llama-bpe" || v.pre == "llama3" || v.pre == "llama-v3" ||
                             v.pre == "falcon3" || v.pre == "pixtral";
  auto add_bos = f.get_bool_or("tokenizer.ggml.add_bos_token", v.kind == ModelKind::kSpm || llama3_family);
  if (!add_bos) return add_bos.status();
  auto add_eos = f.get_bool_or("tokenizer.ggml.add_eos_token", false);
  if (!add_eos) return add_eos.status();
  auto add_space = f.get_bool_or("tokenizer.ggml.add_space_prefix", v.kind == ModelKind::kSpm);
  if (!add_space) return add_space.status();
  v.add_bos = *add_bos && v.bos_id >= 0;
  v.add_eos = *add_eos && v.eos_id >= 0;
  v.add_space_prefix = *add_space;

  v.index.reset(n);
  // As llama.cpp's token_to_id: a later duplicate piece replaces an earlier
  // one; empty pieces are not looked up by text.
  for (int32_t i = 0; i < nv; ++i) {
    if (!v.pieces[i].empty()) v.index.put(v.pieces[i], i);
  }
  v.index.build_filter();
  return vocab;
}

}  // namespace llmzip::tokenizer
