#include "codec/loaded_model.h"

namespace llmzip::codec {
namespace {

Result<std::unique_ptr<gguf::GgufFile>> open_gguf(const std::string& path, std::string* shown) {
  if (path.empty()) {
    std::string_view b = builtin_model_bytes();
    if (b.empty())
      return Status(ErrorCode::kMissing, "this llmzip was built without a built-in model; give one with -m MODEL.gguf");
    *shown = "<built-in model>";
    return gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(b.data()), b.size(), *shown);
  }
  *shown = path;
  return gguf::GgufFile::open(path);
}

Status vocab_mismatch(const std::string& path, uint64_t tokens, uint64_t rows) {
  return Status(ErrorCode::kCorrupt, path + ": the tokenizer has " + std::to_string(tokens) +
                                         " tokens but token_embd.weight has " + std::to_string(rows) + " rows");
}

}  // namespace

Result<std::unique_ptr<LoadedModel>> load_model(const std::string& path) {
  auto m = std::make_unique<LoadedModel>();
  auto f = open_gguf(path, &m->path);
  if (!f) return f.status();
  m->file = std::move(f).value();
  // Counts first, before either side is built: a forged 10M-token vocabulary
  // with a 512-row embedding cost seconds and gigabytes before this error.
  const gguf::Value* vocab = m->file->find("tokenizer.ggml.tokens");
  const gguf::TensorInfo* emb = m->file->find_tensor("token_embd.weight");
  if (vocab && vocab->is_array() && emb && emb->n_dims >= 2 && vocab->count != emb->ne[1])
    return vocab_mismatch(m->path, vocab->count, emb->ne[1]);
  auto tok = tokenizer::Tokenizer::from_gguf(*m->file);
  if (!tok) return with_context(tok.status(), m->path);
  m->tokenizer = std::move(tok).value();
  auto mod = model::Model::load(*m->file);
  if (!mod) return with_context(mod.status(), m->path);
  m->model = std::move(mod).value();
  if (m->model->n_vocab() != m->tokenizer->n_vocab())
    return vocab_mismatch(m->path, uint64_t(m->tokenizer->n_vocab()), uint64_t(m->model->n_vocab()));
  m->fingerprint = Sha256::hash(m->file->file_data(), m->file->file_size());
  auto name = m->file->get_string("general.name");
  if (name.is_ok() && !name->empty()) {
    m->name = std::string(*name);
  } else {
    size_t s = m->path.rfind('/');
    m->name = s == std::string::npos ? m->path : m->path.substr(s + 1);
  }
  if (m->name.size() > 255) m->name.resize(255);
  return m;
}

Result<LoadedTokenizer> load_tokenizer(const std::string& path) {
  LoadedTokenizer t;
  std::string shown;
  auto f = open_gguf(path, &shown);
  if (!f) return f.status();
  t.file = std::move(f).value();
  auto tok = tokenizer::Tokenizer::from_gguf(*t.file);
  if (!tok) return with_context(tok.status(), shown);
  t.tokenizer = std::move(tok).value();
  return t;
}

}  // namespace llmzip::codec
