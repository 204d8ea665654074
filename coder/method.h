// The three ways of turning per-token frequencies into a frame payload
// (docs/format.md section 7). The numeric values are the file header's
// `method` byte and must never change.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace llmzip::coder {

enum class Method : uint8_t {
  kArithmetic = 0,    // "ac": range coder over the model's frequencies (default)
  kRankZlib = 1,      // "rank-zlib": ranks of the true tokens, zlib-compressed
  kTokenByToken = 2,  // "tbyt": a prefix-free (Shannon) code per token
};

// "ac", "rank-zlib", "tbyt" ("unknown" for other values).
inline const char* method_name(Method m) {
  switch (m) {
    case Method::kArithmetic: return "ac";
    case Method::kRankZlib: return "rank-zlib";
    case Method::kTokenByToken: return "tbyt";
  }
  return "unknown";
}

// The inverse of method_name (command-line --method); nullopt when unknown.
inline std::optional<Method> parse_method(std::string_view s) {
  if (s == "ac") return Method::kArithmetic;
  if (s == "rank-zlib") return Method::kRankZlib;
  if (s == "tbyt") return Method::kTokenByToken;
  return std::nullopt;
}

}  // namespace llmzip::coder
