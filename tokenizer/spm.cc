#include "tokenizer/spm.h"

#include <algorithm>

namespace llmzip::tokenizer {
namespace {

// llama.cpp's character length from the lead byte alone: continuation and
// invalid lead bytes count as 1, 0xF8..0xFF as 4. Reproduced so that invalid
// input is grouped exactly as llama.cpp groups it.
inline size_t lead_length(uint8_t b) {
  static constexpr uint8_t kLen[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLen[b >> 4];
}

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

}  // namespace

void SpmModel::encode(std::string_view text, bool space_prefix, Scratch* s, std::vector<int32_t>* out,
                      std::vector<uint8_t>* byte_of) const {
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
  auto& syms = s->syms;
  auto& heap = s->heap;
  syms.clear();
  heap.clear();
  for (size_t offs = 0; offs < esc.size();) {
    const size_t n = std::min(lead_length(static_cast<uint8_t>(esc[offs])), esc.size() - offs);
    const int32_t idx = static_cast<int32_t>(syms.size());
    syms.push_back({idx - 1, offs + n == esc.size() ? -1 : idx + 1, static_cast<uint32_t>(offs),
                    static_cast<uint32_t>(offs + n)});
    offs += n;
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
  for (int32_t i = 1; i < static_cast<int32_t>(syms.size()); ++i) add(i - 1, i);
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
  for (int32_t i = 0; i >= 0; i = syms[i].next) {
    const Scratch::Sym& sym = syms[i];
    const std::string_view piece = std::string_view(esc).substr(sym.begin, sym.end - sym.begin);
    const int32_t id = vocab_->find(piece);
    if (id >= 0) {
      out->push_back(id);
      continue;
    }
    // Only single characters can fail here: every merge made a token.
    for (char c : piece) {
      out->push_back(kNoToken);
      byte_of->push_back(static_cast<uint8_t>(c));
    }
  }
}

}  // namespace llmzip::tokenizer
