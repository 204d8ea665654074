#include "tokenizer/pretokenizer.h"

#include <cassert>

#include "tokenizer/unicode.h"

namespace llmzip::tokenizer {
namespace {

using Pass = PreTokenizer::Pass;

struct Family {
  const char* names[8];
  std::vector<Pass> passes;
  bool ignore_merges;
};

// Name -> passes, as llama.cpp (v0.4.0) maps `tokenizer.ggml.pre`.
const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies = {
      {{"llama-bpe", "llama3", "llama-v3", "falcon3", "pixtral"}, {Pass::kLlama3}, true},
      {{"dbrx", "smaug-bpe"}, {Pass::kLlama3}, false},
      {{"qwen2", "stablelm2"}, {Pass::kQwen2}, false},
      {{"qwen35"}, {Pass::kQwen35}, false},
      {{"gpt-2", "mpt", "olmo", "jais"}, {Pass::kGpt2}, false},
      {{"starcoder", "refact", "smollm", "command-r", "codeshell", "exaone"},
       {Pass::kNumberEach, Pass::kGpt2}, false},
      {{"falcon"}, {Pass::kPunctFalcon, Pass::kGpt2, Pass::kAsciiDigits3}, false},
      {{"deepseek-llm"},
       {Pass::kNewlineEach, Pass::kDeepseekLetters, Pass::kDeepseekPunct, Pass::kTrailingSpace,
        Pass::kCjk, Pass::kNumberRun},
       false},
      {{"deepseek-coder"},
       {Pass::kNewlineEach, Pass::kSpaceLetters, Pass::kSpacePunct, Pass::kCjk, Pass::kNumberEach},
       false},
      {{"default"},
       {Pass::kPunctDefault, Pass::kGpt2, Pass::kNumberRun, Pass::kAsciiDigits3},
       false},
  };
  return kFamilies;
}

inline bool is_space(uint8_t f) { return f & kSpace; }
inline bool is_letter(uint8_t f) { return f & kLetter; }
inline bool is_number(uint8_t f) { return f & kNumber; }
inline bool equals_ascii_nocase(uint32_t c, char lower) {
  return c == static_cast<uint32_t>(lower) || c == static_cast<uint32_t>(lower - 'a' + 'A');
}

// The view one pass works on: the code points of one fragment [b, e).
struct Span {
  const uint32_t* c;
  const uint8_t* f;
  size_t b, e;
};

// 's|'t|'re|'ve|'m|'ll|'d (case-sensitive, or ASCII case-insensitive).
size_t match_contraction(const Span& s, size_t pos, bool any_case) {
  if (s.c[pos] != '\'' || pos + 1 >= s.e) return 0;
  auto eq = [&](size_t i, char ch) {
    return any_case ? equals_ascii_nocase(s.c[i], ch) : s.c[i] == static_cast<uint32_t>(ch);
  };
  if (eq(pos + 1, 's') || eq(pos + 1, 't') || eq(pos + 1, 'm') || eq(pos + 1, 'd')) return 2;
  if (pos + 2 < s.e && ((eq(pos + 1, 'r') && eq(pos + 2, 'e')) || (eq(pos + 1, 'v') && eq(pos + 2, 'e')) ||
                        (eq(pos + 1, 'l') && eq(pos + 2, 'l')))) {
    return 3;
  }
  return 0;
}

// \s+(?!\S) then \s+ at pos (which must be whitespace): the run, leaving its
// last space to the next word when a non-space follows.
size_t match_space_run(const Span& s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.e && is_space(s.f[pos + n])) ++n;
  if (n > 1 && pos + n < s.e) return n - 1;
  return n;
}

// GPT-2's rule (llama.cpp's hand-written version of it). Full cover.
void split_gpt2(const Span& s, std::vector<uint32_t>* out) {
  size_t pos = s.b;
  while (pos < s.e) {
    size_t len = match_contraction(s, pos, false);
    if (len == 0) {
      // ' '?X+ for X in letters, numbers, other: the optional space belongs
      // to the word when the code point after it starts one.
      const bool lead_space = s.c[pos] == ' ';
      const size_t q = lead_space ? pos + 1 : pos;
      size_t end = q;
      if (q < s.e) {
        const uint8_t f2 = s.f[q];
        uint8_t want = 0, mask = 0;
        if (is_letter(f2)) {
          want = mask = kLetter;
        } else if (is_number(f2)) {
          want = mask = kNumber;
        } else if (!is_space(f2)) {
          want = 0, mask = kSpace | kLetter | kNumber;
        }
        if (mask != 0) {
          while (end < s.e && (s.f[end] & mask) == want) ++end;
        }
      }
      if (end > q) {
        len = end - pos;
      } else if (is_space(s.f[pos])) {
        len = match_space_run(s, pos);
      } else {
        len = 1;  // cannot happen for in-range code points; keeps progress
      }
    }
    pos += len;
    out->push_back(static_cast<uint32_t>(pos));
  }
}

// The llama3 rule and its qwen2 / qwen35 variants. Full cover.
void split_llama3(const Span& s, size_t max_digits, bool marks_are_letters,
                  std::vector<uint32_t>* out) {
  const uint8_t letter_bits = marks_are_letters ? (kLetter | kMark) : kLetter;
  auto emit = [&](size_t p) { out->push_back(static_cast<uint32_t>(p)); };
  size_t pos = s.b;
  while (pos < s.e) {
    const uint32_t cpt = s.c[pos];
    const uint8_t f = s.f[pos];
    if (size_t len = match_contraction(s, pos, true)) {
      pos += len;
      emit(pos);
      continue;
    }
    // [^\r\n\p{L}\p{N}]?<letters>+
    if (!(cpt == '\r' || cpt == '\n' || is_number(f))) {
      if ((f & letter_bits) || (pos + 1 < s.e && (s.f[pos + 1] & letter_bits))) {
        ++pos;
        while (pos < s.e && (s.f[pos] & letter_bits)) ++pos;
        emit(pos);
        continue;
      }
    }
    // \p{N}{1,max}
    if (is_number(f)) {
      size_t n = 0;
      while (pos < s.e && is_number(s.f[pos]) && n < max_digits) ++pos, ++n;
      emit(pos);
      continue;
    }
    // ' '?[^\s<letters>\p{N}]+[\r\n]*
    const uint8_t other_excl = kSpace | letter_bits | kNumber;
    const size_t q = (cpt == ' ' && pos + 1 < s.e) ? pos + 1 : pos;
    if (!(s.f[q] & other_excl) && !(cpt == ' ' && q == pos)) {
      pos = q;
      while (pos < s.e && !(s.f[pos] & other_excl)) ++pos;
      while (pos < s.e && (s.c[pos] == '\r' || s.c[pos] == '\n')) ++pos;
      emit(pos);
      continue;
    }
    // \s*[\r\n]+ | \s+(?!\S) | \s+
    size_t n = 0, last_nl = 0;
    while (pos + n < s.e && is_space(s.f[pos + n])) {
      if (s.c[pos + n] == '\r' || s.c[pos + n] == '\n') last_nl = pos + n + 1;
      ++n;
    }
    if (last_nl > 0) {
      pos = last_nl;
    } else if (n > 1 && pos + n < s.e) {
      pos += n - 1;
    } else if (n > 0) {
      pos += n;
    } else {
      ++pos;  // unreachable for in-range code points
    }
    emit(pos);
  }
}

// Literal classes of passes llama.cpp runs through std::wregex: it rewrites
// non-ASCII White_Space to \v first, so such code points never match them.
inline bool literal_class_ok(uint32_t c, uint8_t f) { return c < 0x80 || !(f & kSpace); }

bool in_deepseek_punct(uint32_t c, uint8_t f) {
  if (!literal_class_ok(c, f)) return false;
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F) ||
         (c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || (c >= 0x3000 && c <= 0x3002);
}
bool in_cjk(uint32_t c, uint8_t f) {
  if (!literal_class_ok(c, f)) return false;
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x0800 && c <= 0x4E00) || (c >= 0xAC00 && c <= 0xD7FF);
}
bool in_deepseek_letters(uint32_t c, uint8_t f) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return literal_class_ok(c, f) && is_deepseek_llm_letter(c);
}
inline bool is_punct_char(uint32_t c, uint8_t f, bool backtick) {
  if (f & kPunct) return true;
  switch (c) {
    case '$': case '+': case '<': case '=': case '>': case '^': case '~': case '|': return true;
    case '`': return backtick;
    default: return false;
  }
}

// Length of the match of a match pass at pos (0: none).
size_t match_at(Pass pass, const Span& s, size_t pos) {
  const uint32_t c = s.c[pos];
  const uint8_t f = s.f[pos];
  // \s?X+ where X never contains whitespace.
  auto space_opt_run = [&](auto&& in_class) -> size_t {
    size_t p = pos;
    if (is_space(f) && pos + 1 < s.e && in_class(s.c[pos + 1], s.f[pos + 1])) ++p;
    if (!in_class(s.c[p], s.f[p])) return 0;
    while (p < s.e && in_class(s.c[p], s.f[p])) ++p;
    return p - pos;
  };
  auto run = [&](auto&& in_class) -> size_t {
    size_t p = pos;
    while (p < s.e && in_class(s.c[p], s.f[p])) ++p;
    return p - pos;
  };
  switch (pass) {
    case Pass::kNumberEach:
      return is_number(f) ? 1 : 0;
    case Pass::kNumberRun:
      return run([](uint32_t, uint8_t ff) { return is_number(ff); });
    case Pass::kAsciiDigits3: {
      auto d = [&](size_t i) { return i < s.e && s.c[i] >= '0' && s.c[i] <= '9'; };
      return d(pos) && d(pos + 1) && d(pos + 2) ? 3 : 0;
    }
    case Pass::kPunctFalcon:
      return run([](uint32_t cc, uint8_t ff) { return is_punct_char(cc, ff, true); });
    case Pass::kPunctDefault:
      return run([](uint32_t cc, uint8_t ff) { return is_punct_char(cc, ff, false); });
    case Pass::kNewlineEach:
      return (c == '\r' || c == '\n') ? 1 : 0;
    case Pass::kSpaceLetters:
      return space_opt_run([](uint32_t, uint8_t ff) { return is_letter(ff); });
    case Pass::kSpacePunct:
      return space_opt_run([](uint32_t, uint8_t ff) { return (ff & kPunct) != 0; });
    case Pass::kDeepseekLetters:
      return space_opt_run(in_deepseek_letters);
    case Pass::kDeepseekPunct:
      return space_opt_run(in_deepseek_punct);
    case Pass::kCjk:
      return run(in_cjk);
    default:
      assert(false && "not a match pass");
      return 0;
  }
}

void split_matches(Pass pass, const Span& s, std::vector<uint32_t>* out) {
  if (pass == Pass::kTrailingSpace) {
    size_t start = s.e;
    while (start > s.b && is_space(s.f[start - 1])) --start;
    if (start > s.b && start < s.e) out->push_back(static_cast<uint32_t>(start));
    out->push_back(static_cast<uint32_t>(s.e));
    return;
  }
  size_t gap = s.b;
  size_t pos = s.b;
  while (pos < s.e) {
    const size_t len = match_at(pass, s, pos);
    if (len == 0) {
      ++pos;
      continue;
    }
    if (pos > gap) out->push_back(static_cast<uint32_t>(pos));
    pos += len;
    out->push_back(static_cast<uint32_t>(pos));
    gap = pos;
  }
  if (gap < s.e) out->push_back(static_cast<uint32_t>(s.e));
}

}  // namespace

Result<PreTokenizer> PreTokenizer::from_name(std::string_view pre) {
  const std::string_view key = pre.empty() ? std::string_view("default") : pre;
  for (const Family& fam : families()) {
    for (const char* n : fam.names) {
      if (n != nullptr && key == n) {
        PreTokenizer p;
        p.name_ = std::string(key);
        p.passes_ = fam.passes;
        p.ignore_merges_ = fam.ignore_merges;
        return p;
      }
    }
  }
  return Status(ErrorCode::kUnsupported, "tokenizer.ggml.pre '" + std::string(pre) +
                                             "' is not supported; supported: " + supported_names());
}

std::string PreTokenizer::supported_names() {
  std::string out;
  for (const Family& fam : families()) {
    for (const char* n : fam.names) {
      if (n == nullptr) continue;
      if (!out.empty()) out += ", ";
      out += n;
    }
  }
  return out;
}

void PreTokenizer::split(const uint32_t* cpts, const uint8_t* flags, size_t n, std::vector<uint32_t>* ends,
                         std::vector<uint32_t>* scratch) const {
  ends->clear();
  if (n == 0) return;
  ends->push_back(static_cast<uint32_t>(n));
  for (Pass pass : passes_) {
    scratch->clear();
    size_t b = 0;
    for (uint32_t e : *ends) {
      const Span s{cpts, flags, b, e};
      switch (pass) {
        case Pass::kGpt2: split_gpt2(s, scratch); break;
        case Pass::kLlama3: split_llama3(s, 3, false, scratch); break;
        case Pass::kQwen2: split_llama3(s, 1, false, scratch); break;
        case Pass::kQwen35: split_llama3(s, 1, true, scratch); break;
        default: split_matches(pass, s, scratch); break;
      }
      b = e;
    }
    ends->swap(*scratch);
  }
}

}  // namespace llmzip::tokenizer
