#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdio>

#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/spm.h"
#include "tokenizer/unicode.h"
#include "tokenizer/word_cache.h"

namespace llmzip::tokenizer {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// The bytes a byte-level BPE piece stands for: each alphabet character is one
// byte; characters outside the alphabet (hand-added tokens) stand for
// themselves.
std::string bpe_piece_bytes(std::string_view piece) {
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    uint32_t cpt;
    const size_t n = decode_utf8(piece, i, &cpt);
    if (n == 0) {
      out.push_back(piece[i++]);
      continue;
    }
    const int b = byte_from_unicode(cpt);
    if (b >= 0) {
      out.push_back(static_cast<char>(b));
    } else {
      out.append(piece.substr(i, n));
    }
    i += n;
  }
  return out;
}

// <0xXX> -> XX, or -1.
int parse_byte_piece(std::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int v = 0;
  for (int i = 3; i < 5; ++i) {
    const char c = piece[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else return -1;
  }
  return v;
}

std::string spm_piece_bytes(std::string_view piece, TokenType type) {
  if (type == TokenType::kByte) {
    const int b = parse_byte_piece(piece);
    if (b >= 0) return std::string(1, static_cast<char>(b));
  }
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    if (piece.substr(i, 3) == kSpaceMarker) {
      out.push_back(' ');
      i += 3;
    } else {
      out.push_back(piece[i++]);
    }
  }
  return out;
}

std::atomic<uint64_t> g_next_serial{1};

}  // namespace

struct Tokenizer::EncodeState {
  std::vector<int32_t> ids;
  EncodeStats stats;
  // BPE
  BpeModel::Scratch bpe;
  std::vector<uint32_t> cpts;
  std::vector<uint8_t> flags;
  std::vector<uint32_t> offsets;  // byte offset of each code point (+ end)
  std::vector<uint32_t> ends, scratch_ends;
  std::vector<int32_t> word_ids;
  WordCache* cache = nullptr;  // this thread's, across calls
  // SPM
  SpmModel::Scratch spm;
};

Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  auto vocab = load_vocab(file);
  if (!vocab) return vocab.status();
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->vocab_ = std::move(vocab).value();
  t->file_name_ = file.name();
  t->serial_ = g_next_serial.fetch_add(1);
  const Vocab& v = *t->vocab_;
  const int32_t n = v.n_vocab();

  t->bytes_.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    const TokenType type = v.types[i];
    if (v.kind == ModelKind::kSpm) {
      t->bytes_[i] = spm_piece_bytes(v.pieces[i], type);
    } else if (type == TokenType::kControl || type == TokenType::kUserDefined || type == TokenType::kUnknown) {
      t->bytes_[i] = v.pieces[i];
    } else {
      t->bytes_[i] = bpe_piece_bytes(v.pieces[i]);
    }
  }

  // Single-byte tokens: the one llama.cpp would pick, kept only if it really
  // stands for that byte.
  for (int b = 0; b < 256; ++b) {
    int32_t id = -1;
    if (v.kind == ModelKind::kSpm) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", b);
      id = v.find(buf);
      if (id < 0) id = v.find(std::string(1, static_cast<char>(b)));
    } else {
      std::string ch;
      append_utf8(byte_to_unicode(static_cast<uint8_t>(b)), &ch);
      id = v.find(ch);
    }
    if (id >= 0 && t->bytes_[id] != std::string(1, static_cast<char>(b))) id = -1;
    t->byte_token_[b] = id;
  }

  if (v.kind == ModelKind::kSpm) {
    t->spm_ = std::make_unique<SpmModel>(v, t->byte_token_);
  } else {
    auto pre = PreTokenizer::from_name(v.pre);
    if (!pre) return with_context(pre.status(), file.name());
    t->pre_ = std::make_unique<PreTokenizer>(std::move(pre).value());
    auto bpe = BpeModel::create(v, t->pre_->ignore_merges(), file.name());
    if (!bpe) return bpe.status();
    t->bpe_ = std::move(bpe).value();

    // User-defined tokens are matched in raw text before anything else, the
    // longest first (llama.cpp's tokenizer_st_partition with parse_special
    // off). Control tokens are not.
    for (int32_t i = 0; i < n; ++i) {
      if (v.types[i] == TokenType::kUserDefined && !v.pieces[i].empty()) t->specials_.emplace_back(v.pieces[i], i);
    }
    std::stable_sort(t->specials_.begin(), t->specials_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    t->special_order_.reset(t->specials_.size());
    t->special_pairs_.assign(65536 / 64, 0);
    for (size_t k = 0; k < t->specials_.size(); ++k) {
      const std::string& s = t->specials_[k].first;
      if (t->special_order_.find(s) < 0) t->special_order_.put(s, static_cast<int32_t>(k));
      if (s.size() >= 2) {
        const uint32_t pair = static_cast<uint8_t>(s[0]) << 8 | static_cast<uint8_t>(s[1]);
        t->special_pairs_[pair >> 6] |= uint64_t{1} << (pair & 63);
      }
      auto& lens = t->special_lengths_[static_cast<uint8_t>(s[0])];
      auto same = std::find_if(lens.begin(), lens.end(), [&](const SpecialLength& l) { return l.len == s.size(); });
      if (same == lens.end()) {
        lens.push_back({static_cast<uint32_t>(s.size()), static_cast<int32_t>(k)});
      } else {
        same->only = -1;
      }
    }
  }
  return t;
}

void Tokenizer::partition(std::string_view text, std::vector<Fragment>* out) const {
  out->clear();
  if (text.empty()) return;
  out->push_back({0, text.size(), -1});
  if (specials_.empty()) return;
  // Which user-defined pieces occur at all (each is looked for until found once).
  std::vector<uint8_t> seen(specials_.size(), 0);
  std::vector<int32_t> present;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const auto& lens = special_lengths_[static_cast<uint8_t>(text[pos])];
    if (lens.empty()) continue;
    bool pair_ok = false;
    if (pos + 1 < text.size()) {
      const uint32_t pair = static_cast<uint8_t>(text[pos]) << 8 | static_cast<uint8_t>(text[pos + 1]);
      pair_ok = (special_pairs_[pair >> 6] >> (pair & 63)) & 1;
    }
    for (const SpecialLength& l : lens) {
      if (l.len > text.size() - pos || (l.len >= 2 && !pair_ok) || (l.only >= 0 && seen[l.only])) continue;
      const std::string_view cand = text.substr(pos, l.len);
      const int32_t order = l.only >= 0 ? (cand == specials_[l.only].first ? l.only : -1) : special_order_.find(cand);
      if (order >= 0 && !seen[order]) {
        seen[order] = 1;
        present.push_back(order);
      }
    }
  }
  // Replay llama.cpp: piece by piece in matching order (longest first), each
  // cuts its leftmost non-overlapping occurrences out of what is still raw.
  std::sort(present.begin(), present.end());
  std::vector<Fragment> next;
  for (int32_t order : present) {
    const auto& [piece, id] = specials_[order];
    next.clear();
    for (const Fragment& f : *out) {
      if (f.special >= 0) {
        next.push_back(f);
        continue;
      }
      size_t from = f.begin;
      for (;;) {
        const size_t hit = text.substr(0, f.end).find(piece, from);
        if (hit == std::string_view::npos) break;
        if (hit > from) next.push_back({from, hit, -1});
        next.push_back({hit, hit + piece.size(), id});
        from = hit + piece.size();
      }
      if (from < f.end) next.push_back({from, f.end, -1});
    }
    out->swap(next);
  }
}

Status Tokenizer::push_byte(uint8_t b, size_t offset, EncodeState* st) const {
  const int32_t id = byte_token_[b];
  if (id < 0) {
    return Status(ErrorCode::kUnsupported, file_name_ + ": the vocabulary has no token for byte " + hex_byte(b) +
                                               " (input offset " + std::to_string(offset) + ")");
  }
  st->ids.push_back(id);
  st->stats.byte_fallback_bytes++;
  return Status::ok();
}

Status Tokenizer::encode_bpe_word(std::string_view word, size_t base, EncodeState* st) const {
  const uint64_t h = hash_bytes(word);
  const int32_t* cached;
  uint32_t count;
  if (st->cache->find(word, h, &cached, &count)) {
    st->ids.insert(st->ids.end(), cached, cached + count);
    return Status::ok();
  }
  st->word_ids.clear();
  bpe_->encode_word(word, &st->bpe, &st->word_ids);
  // Check that the ids spell the word; resolve symbols that are no tokens.
  const size_t out_begin = st->ids.size();
  size_t pos = 0;
  bool exact = true;
  size_t fallback = 0;
  for (int32_t id : st->word_ids) {
    if (id == BpeModel::kNoToken) {
      if (byte_token_[static_cast<uint8_t>(word[pos])] < 0) {
        exact = false;
        break;
      }
      st->ids.push_back(byte_token_[static_cast<uint8_t>(word[pos])]);
      ++pos, ++fallback;
      continue;
    }
    const std::string& b = bytes_[id];
    if (b.empty() || word.compare(pos, b.size(), b) != 0) {
      exact = false;
      break;
    }
    st->ids.push_back(id);
    pos += b.size();
  }
  if (!exact || pos != word.size()) {
    st->ids.resize(out_begin);
    for (size_t i = 0; i < word.size(); ++i) {
      LLMZIP_RETURN_IF_ERROR(push_byte(static_cast<uint8_t>(word[i]), base + i, st));
    }
    return Status::ok();
  }
  st->stats.byte_fallback_bytes += fallback;
  // Only exact, fallback-free words are cached, so a cache hit never needs to
  // touch the statistics.
  if (fallback == 0) {
    st->cache->insert(word, h, st->ids.data() + out_begin, static_cast<uint32_t>(st->ids.size() - out_begin));
  }
  return Status::ok();
}

Status Tokenizer::encode_bpe_raw(std::string_view text, size_t base, EncodeState* st) const {
  size_t i = 0;
  while (i < text.size()) {
    // The longest well-formed UTF-8 stretch from i.
    st->cpts.clear();
    st->flags.clear();
    st->offsets.clear();
    size_t j = i;
    while (j < text.size()) {
      uint32_t cpt;
      const size_t n = decode_utf8(text, j, &cpt);
      if (n == 0) break;
      st->cpts.push_back(cpt);
      st->flags.push_back(codepoint_flags(cpt));
      st->offsets.push_back(static_cast<uint32_t>(j - i));
      j += n;
    }
    st->offsets.push_back(static_cast<uint32_t>(j - i));
    if (!st->cpts.empty()) {
      pre_->split(st->cpts.data(), st->flags.data(), st->cpts.size(), &st->ends, &st->scratch_ends);
      uint32_t b = 0;
      for (uint32_t e : st->ends) {
        const size_t wb = i + st->offsets[b], we = i + st->offsets[e];
        LLMZIP_RETURN_IF_ERROR(encode_bpe_word(text.substr(wb, we - wb), base + wb, st));
        b = e;
      }
    }
    // Invalid bytes: one byte token each (llama.cpp would lose them to U+FFFD).
    while (j < text.size()) {
      uint32_t cpt;
      if (decode_utf8(text, j, &cpt) != 0) break;
      LLMZIP_RETURN_IF_ERROR(push_byte(static_cast<uint8_t>(text[j]), base + j, st));
      ++j;
    }
    i = j;
  }
  return Status::ok();
}

Status Tokenizer::encode_spm(std::string_view text, EncodeState* st) const {
  if (text.empty()) return Status::ok();
  const bool prefix = vocab_->add_space_prefix;
  // A literal "▁" in the input would come back as a space; such occurrences
  // are cut out and sent as bytes (the text between is tokenized normally).
  bool ok = true;
  size_t start = 0;
  for (bool first = true;; first = false) {
    const size_t hit = text.find(kSpaceMarker, start);
    const std::string_view seg = text.substr(start, (hit == std::string_view::npos ? text.size() : hit) - start);
    const size_t from = st->ids.size();
    if (first && prefix && seg.empty()) {
      LLMZIP_RETURN_IF_ERROR(push_byte(' ', 0, st));
      st->stats.byte_fallback_bytes--;  // the prefix is not input
    } else {
      spm_->encode(seg, first && prefix, &st->spm, &WordCache::for_thread(serial_), &st->ids);
    }
    for (size_t i = from; i < st->ids.size(); ++i) {
      if (st->ids[i] == SpmModel::kNoToken) {
        ok = false;
      } else if (vocab_->types[st->ids[i]] == TokenType::kByte) {
        st->stats.byte_fallback_bytes++;
      }
    }
    if (hit == std::string_view::npos) break;
    for (size_t i = 0; i < kSpaceMarker.size(); ++i) {
      LLMZIP_RETURN_IF_ERROR(push_byte(static_cast<uint8_t>(kSpaceMarker[i]), hit + i, st));
    }
    start = hit + kSpaceMarker.size();
  }
  // The round trip, checked; vocabularies without "▁" or byte tokens could
  // break it. Then everything goes as bytes.
  if (ok) ok = spells(st->ids, text);
  if (!ok) {
    st->ids.clear();
    st->stats.byte_fallback_bytes = 0;
    if (prefix) {
      LLMZIP_RETURN_IF_ERROR(push_byte(' ', 0, st));
      st->stats.byte_fallback_bytes--;
    }
    for (size_t i = 0; i < text.size(); ++i) {
      LLMZIP_RETURN_IF_ERROR(push_byte(static_cast<uint8_t>(text[i]), i, st));
    }
  }
  return Status::ok();
}

bool Tokenizer::spells(std::span<const int32_t> ids, std::string_view text) const {
  std::string all;
  for (int32_t id : ids) all += bytes_[id];
  // As decode(): a missing prefix space is not an error here.
  auto t = strip_space_prefix(all, adds_space_prefix());
  return (t ? *t : std::string_view(all)) == text;
}

bool Tokenizer::adds_space_prefix() const { return spm_ && vocab_->add_space_prefix; }

std::optional<std::string_view> Tokenizer::strip_space_prefix(std::string_view bytes, bool prefixed) {
  if (!prefixed) return bytes;
  if (bytes.empty() || bytes[0] != ' ') return std::nullopt;
  return bytes.substr(1);
}

Result<std::vector<int32_t>> Tokenizer::encode(std::string_view text, EncodeStats* stats) const {
  EncodeState st;
  if (spm_) {
    LLMZIP_RETURN_IF_ERROR(encode_spm(text, &st));
  } else {
    std::vector<Fragment> frags;
    st.cache = &WordCache::for_thread(serial_);
    partition(text, &frags);
    for (const Fragment& f : frags) {
      if (f.special >= 0) {
        st.ids.push_back(f.special);
      } else {
        LLMZIP_RETURN_IF_ERROR(encode_bpe_raw(text.substr(f.begin, f.end - f.begin), f.begin, &st));
      }
    }
  }
  if (stats) *stats = st.stats;
  return std::move(st.ids);
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  for (int32_t id : ids) {
    assert(id >= 0 && id < n_vocab());
    if (id < 0 || id >= n_vocab()) continue;
    out += bytes_[id];
  }
  if (auto t = strip_space_prefix(out, adds_space_prefix()); t && t->size() < out.size()) out.erase(0, 1);
  return out;
}

std::string_view Tokenizer::piece(int32_t id) const {
  assert(id >= 0 && id < n_vocab());
  return vocab_->pieces[id];
}
std::string_view Tokenizer::token_bytes_view(int32_t id) const {
  assert(id >= 0 && id < n_vocab());
  return bytes_[id];
}
int32_t Tokenizer::n_vocab() const { return vocab_->n_vocab(); }
int32_t Tokenizer::bos_id() const { return vocab_->bos_id; }
int32_t Tokenizer::eos_id() const { return vocab_->eos_id; }
bool Tokenizer::add_bos() const { return vocab_->add_bos; }
bool Tokenizer::add_eos() const { return vocab_->add_eos; }
ModelKind Tokenizer::kind() const { return vocab_->kind; }
const std::string& Tokenizer::model_name() const { return vocab_->model; }
const std::string& Tokenizer::pre_name() const { return vocab_->pre; }
TokenType Tokenizer::token_type(int32_t id) const {
  assert(id >= 0 && id < n_vocab());
  return vocab_->types[id];
}

}  // namespace llmzip::tokenizer
