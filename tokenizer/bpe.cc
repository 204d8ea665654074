#include "tokenizer/bpe.h"

#include <algorithm>
#include <cassert>
#include <climits>

#include "tokenizer/unicode.h"

namespace llmzip::tokenizer {
namespace {

bool printable_latin1(uint8_t b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

struct ByteAlphabet {
  uint32_t to_cpt[256];
  int16_t from_cpt[512];  // alphabet code points are all < 0x144
  ByteAlphabet() {
    std::fill(std::begin(from_cpt), std::end(from_cpt), int16_t{-1});
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      to_cpt[b] = printable_latin1(static_cast<uint8_t>(b)) ? static_cast<uint32_t>(b) : next++;
      from_cpt[to_cpt[b]] = static_cast<int16_t>(b);
    }
  }
};
const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

inline uint64_t mix(uint64_t key) {
  key ^= key >> 31;
  key *= 0x9E3779B97F4A7C15ull;
  return key ^ (key >> 29);
}

}  // namespace

uint32_t byte_to_unicode(uint8_t b) { return alphabet().to_cpt[b]; }
int byte_from_unicode(uint32_t cpt) { return cpt < 512 ? alphabet().from_cpt[cpt] : -1; }

int32_t BpeModel::symbol_id(std::string_view text, uint64_t h) {
  const int32_t id = vocab_->find(text, h);
  if (id >= 0) return id;
  auto it = virtual_index_.find(std::string(text));
  if (it != virtual_index_.end()) return it->second;
  const int32_t vid = n_vocab_ + static_cast<int32_t>(virtual_.size());
  virtual_.emplace_back(text);
  virtual_index_.emplace(std::string(text), vid);
  return vid;
}

const BpeModel::MergeEntry* BpeModel::find_merge(int32_t left, int32_t right) const {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    const MergeEntry& e = table_[i];
    if (e.key == key) return &e;
    if (e.key == kEmpty) return nullptr;
  }
}

void BpeModel::insert_merge(int32_t left, int32_t right, int32_t rank, int32_t result) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  for (uint64_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    MergeEntry& e = table_[i];
    if (e.key == key) return;  // duplicate pair: the first (lowest) rank stays, as in llama.cpp
    if (e.key == kEmpty) {
      e = MergeEntry{key, rank, result};
      return;
    }
  }
}

Result<std::unique_ptr<BpeModel>> BpeModel::create(const Vocab& vocab, bool ignore_merges,
                                                   const std::string& file_name) {
  // Every merge can add up to three virtual ids after the vocabulary's; they
  // must stay within int32.
  if (vocab.merges.size() > (static_cast<size_t>(INT32_MAX) - static_cast<size_t>(vocab.n_vocab()) - 256) / 3) {
    return Status(ErrorCode::kUnsupported, file_name + ": tokenizer.ggml.merges has " +
                                               std::to_string(vocab.merges.size()) + " entries, too many");
  }
  std::unique_ptr<BpeModel> m(new BpeModel());
  m->vocab_ = &vocab;
  m->ignore_merges_ = ignore_merges;
  m->n_vocab_ = vocab.n_vocab();
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    append_utf8(byte_to_unicode(static_cast<uint8_t>(b)), &ch);
    m->byte_symbol_[b] = m->symbol_id(ch, hash_bytes(ch));
  }
  uint64_t cap = 16;
  while (cap < vocab.merges.size() * 2 + 16) cap <<= 1;
  m->table_.assign(cap, MergeEntry{kEmpty, 0, 0});
  m->mask_ = cap - 1;
  // Merges are parsed and hashed kAhead lines before they are looked up, with
  // a prefetch in between, so the table misses of many lines overlap (this
  // loop is most of the load time of a 100k+ vocabulary).
  struct Line {
    std::string_view left, right;
    std::string joined;
    uint64_t hl, hr, hj;
  };
  constexpr size_t kAhead = 16;
  Line ring[kAhead];
  const size_t n = vocab.merges.size();
  for (size_t i = 0; i < n + kAhead; ++i) {
    if (i >= kAhead) {
      const Line& p = ring[(i - kAhead) % kAhead];
      const int32_t l = m->symbol_id(p.left, p.hl), r = m->symbol_id(p.right, p.hr);
      const int32_t res = m->symbol_id(p.joined, p.hj);
      m->insert_merge(l, r, static_cast<int32_t>(i - kAhead), res);
    }
    if (i >= n) continue;
    const std::string& line = vocab.merges[i];
    // The separator is the first space after the first character, as in
    // llama.cpp (alphabet characters are never a plain space).
    const size_t sp = line.size() > 1 ? line.find(' ', 1) : std::string::npos;
    if (sp == std::string::npos) {
      return Status(ErrorCode::kCorrupt, file_name + ": tokenizer.ggml.merges[" + std::to_string(i) +
                                             "] has no space separating two pieces");
    }
    Line& p = ring[i % kAhead];
    p.left = std::string_view(line.data(), sp);
    p.right = std::string_view(line.data() + sp + 1, line.size() - sp - 1);
    if (p.right.empty()) {
      return Status(ErrorCode::kCorrupt, file_name + ": tokenizer.ggml.merges[" + std::to_string(i) +
                                             "] has an empty right piece");
    }
    p.joined.assign(p.left);
    p.joined.append(p.right);
    p.hl = hash_bytes(p.left), p.hr = hash_bytes(p.right), p.hj = hash_bytes(p.joined);
    vocab.index.prefetch(p.hl);
    vocab.index.prefetch(p.hr);
    vocab.index.prefetch(p.hj);
  }
  return m;
}

void BpeModel::encode_word(std::string_view word, Scratch* s, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    s->encoded.clear();
    for (unsigned char b : word) append_utf8(byte_to_unicode(b), &s->encoded);
    const int32_t id = vocab_->find(s->encoded);
    if (id >= 0) {
      out->push_back(id);
      return;
    }
  }
  auto& syms = s->syms;
  auto& heap = s->heap;
  syms.clear();
  heap.clear();
  const int32_t n = static_cast<int32_t>(word.size());
  for (int32_t i = 0; i < n; ++i) {
    syms.push_back({byte_symbol_[static_cast<uint8_t>(word[i])], i - 1, i + 1 < n ? i + 1 : -1,
                    static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
  }
  // Min-heap on (rank, left): std heap functions build a max-heap, so the
  // comparison is inverted.
  auto later = [](const Scratch::Bigram& a, const Scratch::Bigram& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };
  auto add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const MergeEntry* e = find_merge(syms[left].id, syms[right].id);
    if (!e) return;
    heap.push_back({e->rank, left, right});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < n; ++i) add(i, i + 1);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Scratch::Bigram bg = heap.back();
    heap.pop_back();
    Scratch::Sym& l = syms[bg.left];
    Scratch::Sym& r = syms[bg.right];
    // Stale entries: a side already merged away or grown since this pair was queued.
    if (l.end == l.begin || r.end == r.begin || l.next != bg.right) continue;
    const MergeEntry* e = find_merge(l.id, r.id);
    if (!e || e->rank != bg.rank) continue;
    l.id = e->result;
    l.end = r.end;
    l.next = r.next;
    r.end = r.begin;  // dead
    if (l.next >= 0) syms[l.next].prev = bg.left;
    add(l.prev, bg.left);
    add(bg.left, l.next);
  }
  for (int32_t i = 0; i >= 0; i = syms[i].next) {
    const Scratch::Sym& sym = syms[i];
    if (sym.id < n_vocab_) {
      out->push_back(sym.id);
    } else {
      // Not a token (a merge result or alphabet character the vocabulary
      // lacks): the caller replaces these bytes with byte tokens.
      for (uint32_t k = sym.begin; k < sym.end; ++k) out->push_back(kNoToken);
    }
  }
}

}  // namespace llmzip::tokenizer
