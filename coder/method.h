// The three ways of turning per-token frequencies into a frame payload
// (docs/format.md section 7). The numeric values are the file header's
// `method` byte and must never change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

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

// The inverse of method_name (command-line --method, library options);
// kInvalidArgument naming the supported methods otherwise.
inline Result<Method> parse_method(std::string_view s) {
  for (Method m : {Method::kArithmetic, Method::kRankZlib, Method::kTokenByToken})
    if (s == method_name(m)) return m;
  return Status(ErrorCode::kInvalidArgument,
                "unknown method '" + std::string(s) + "' (supported: ac, rank-zlib, tbyt)");
}

}  // namespace llmzip::coder
