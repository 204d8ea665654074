#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "codec/codec.h"
#include "tokenizer/unicode.h"

namespace llmzip::cli {

int report(const Status& st) {
  std::fprintf(stderr, "llmzip: %s\n", st.message().c_str());
  return 1;
}

std::string model_path(const Args& a) {
  if (!a.model.empty()) return a.model;
  const char* env = std::getenv("LLMZIP_MODEL");
  return env && *env ? env : "";
}

std::string json_string(std::string_view s) {
  std::string o = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    const size_t n = tokenizer::decode_utf8(s, i, nullptr);
    if (n == 0) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);  // a raw byte that is not UTF-8
      o += b;
    } else if (n == 1) {
      switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
          } else {
            o += char(c);
          }
      }
    } else {
      o.append(s.substr(i, n));
      i += n - 1;
    }
  }
  return o + "\"";
}

void print_version() {
  std::printf("llmzip %s (.llmz format 1)\n", LLMZIP_VERSION);
}

}  // namespace llmzip::cli
