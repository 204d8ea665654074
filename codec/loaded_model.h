// A model ready for the codec: the mapped GGUF, the engine, the tokenizer and
// the fingerprint that .llmz headers record.
#pragma once

#include <memory>
#include <string>

#include "common/sha256.h"
#include "common/status.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace llmzip::codec {

struct LoadedModel {
  std::unique_ptr<gguf::GgufFile> file;
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  Sha256::Digest fingerprint{};  // SHA-256 of the whole model file
  std::string name;              // general.name, else the file's base name
  std::string path;              // "<built-in>" for the embedded model
};

// Loads `path`; an empty path means the built-in model (kMissing if this build
// has none). Errors name the file.
Result<std::unique_ptr<LoadedModel>> load_model(const std::string& path);

// Tokenizer only (for `llmzip tokenize` on vocabulary-only files).
struct LoadedTokenizer {
  std::unique_ptr<gguf::GgufFile> file;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
};
Result<LoadedTokenizer> load_tokenizer(const std::string& path);

// The built-in model's bytes (empty when the build embeds none).
std::string_view builtin_model_bytes();

}  // namespace llmzip::codec
