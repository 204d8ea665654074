#include "tokenizer/spm.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace llmzip::tokenizer {
namespace {

// Length of the character at esc[offs]. For valid UTF-8 this is what
// llama.cpp uses. llama.cpp takes an invalid lead byte's length from its high
// bits alone, so e.g. 0xFF swallows the next three bytes — even an escaped
// space, whose byte tokens then decode to "▁" instead of " " (lossy). Here an
// invalid byte is a character of its own, which keeps every escaped space a
// whole "▁" and changes nothing for valid text.
inline size_t char_length(std::string_view esc, size_t offs) {
  uint32_t cpt;
  const size_t n = decode_utf8(esc, offs, &cpt);
  return n == 0 ? 1 : n;
}

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

}  // namespace

SpmModel::SpmModel(const Vocab& vocab, const int32_t byte_token[256]) : vocab_(&vocab) {
  std::copy(byte_token, byte_token + 256, byte_token_);
  split_words_ = true;
  for (const std::string& piece : vocab.pieces) {
    for (size_t at = piece.find(kSpaceMarker, 1); at != std::string::npos; at = piece.find(kSpaceMarker, at + 1)) {
      if (at < kSpaceMarker.size() || piece.compare(at - kSpaceMarker.size(), kSpaceMarker.size(), kSpaceMarker) != 0) {
        split_words_ = false;
        return;
      }
    }
  }
}

void SpmModel::encode(std::string_view text, bool space_prefix, Scratch* s, WordCache* cache,
                      std::vector<int32_t>* out) const {
  if (text.empty()) return;
  std::string& esc = s->escaped;
  esc.clear();
  if (space_prefix) esc.append(kSpaceMarker);
  for (char c : text) {
    if (c == ' ') {
      esc.append(kSpaceMarker);
    } else {
      esc.push_back(c);
    }
  }
  // Characters (see char_length).
  auto& starts = s->starts;
  starts.clear();
  for (size_t offs = 0; offs < esc.size();) {
    starts.push_back(static_cast<uint32_t>(offs));
    offs += char_length(esc, offs);
  }
  const size_t n = starts.size();
  starts.push_back(static_cast<uint32_t>(esc.size()));
  if (!split_words_) {
    encode_chunk(0, n, s, out);
    return;
  }
  auto is_marker = [&](size_t i) {
    return starts[i + 1] - starts[i] == kSpaceMarker.size() &&
           esc.compare(starts[i], kSpaceMarker.size(), kSpaceMarker) == 0;
  };
  size_t first = 0;
  bool prev_marker = is_marker(0);
  for (size_t i = 1; i <= n; ++i) {
    const bool marker = i < n && is_marker(i);
    if (i == n || (marker && !prev_marker)) {
      const std::string_view chunk(esc.data() + starts[first], starts[i] - starts[first]);
      const uint64_t h = hash_bytes(chunk);
      const int32_t* cached;
      uint32_t count;
      if (cache->find(chunk, h, &cached, &count)) {
        out->insert(out->end(), cached, cached + count);
      } else {
        const size_t from = out->size();
        encode_chunk(first, i, s, out);
        if (std::find(out->begin() + from, out->end(), kNoToken) == out->end()) {
          cache->insert(chunk, h, out->data() + from, static_cast<uint32_t>(out->size() - from));
        }
      }
      first = i;
    }
    prev_marker = marker;
  }
}

void SpmModel::encode_chunk(size_t first, size_t last, Scratch* s, std::vector<int32_t>* out) const {
  const std::string& esc = s->escaped;
  const auto& starts = s->starts;
  auto& syms = s->syms;
  auto& heap = s->heap;
  syms.clear();
  heap.clear();
  const int32_t count = static_cast<int32_t>(last - first);
  for (int32_t k = 0; k < count; ++k) {
    syms.push_back({k - 1, k + 1 < count ? k + 1 : -1, starts[first + k], starts[first + k + 1]});
  }
  // Max-heap on score, then the smaller left index.
  auto less = [](const Scratch::Bigram& a, const Scratch::Bigram& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  auto add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const uint32_t begin = syms[left].begin, end = syms[right].end;
    const int32_t id = vocab_->find(std::string_view(esc).substr(begin, end - begin));
    if (id < 0) return;
    const float score = vocab_->scores.empty() ? 0.0f : vocab_->scores[id];
    heap.push_back({score, left, right, end - begin});
    std::push_heap(heap.begin(), heap.end(), less);
  };
  for (int32_t i = 1; i < count; ++i) add(i - 1, i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), less);
    const Scratch::Bigram bg = heap.back();
    heap.pop_back();
    Scratch::Sym& l = syms[bg.left];
    Scratch::Sym& r = syms[bg.right];
    if (l.end == l.begin || r.end == r.begin || (l.end - l.begin) + (r.end - r.begin) != bg.size) continue;
    l.end = r.end;
    r.end = r.begin;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = bg.left;
    add(l.prev, bg.left);
    add(bg.left, l.next);
  }
  for (int32_t i = 0; i >= 0 && count > 0; i = syms[i].next) {
    const Scratch::Sym& sym = syms[i];
    const std::string_view piece = std::string_view(esc).substr(sym.begin, sym.end - sym.begin);
    const int32_t id = vocab_->find(piece);
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    // Only single characters can fail here: every merge made a token.
    for (char c : piece) out->push_back(byte_token_[static_cast<uint8_t>(c)]);
  }
}

}  // namespace llmzip::tokenizer
