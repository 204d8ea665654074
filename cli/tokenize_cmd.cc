// llmzip tokenize -m MODEL [FILE|-] [--json]: the tokenizer's ids for the raw
// bytes; --json gives each token's bytes losslessly (hex) beside its text.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "codec/loaded_model.h"
#include "common/sha256.h"

namespace llmzip::cli {
namespace {

Result<std::string> read_all(const std::string& name) {
  FILE* f = name == "-" ? stdin : std::fopen(name.c_str(), "rb");
  if (!f) return Status(ErrorCode::kIo, name + ": cannot open for reading");
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  bool err = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (err) return Status(ErrorCode::kIo, name + ": read error");
  return data;
}

}  // namespace

int run_tokenize(const Args& a) {
  if (a.files.size() > 1) return report(Status(ErrorCode::kInvalidArgument, "tokenize takes one FILE (or - for stdin)"));
  std::string name = a.files.empty() ? "-" : a.files[0];
  auto tok = codec::load_tokenizer(model_path(a));
  if (!tok) return report(tok.status());
  auto text = read_all(name);
  if (!text) return report(text.status());
  tokenizer::EncodeStats stats;
  auto ids = tok->tokenizer->encode(*text, &stats);
  if (!ids) return report(with_context(ids.status(), name == "-" ? "<stdin>" : name));
  std::string out;
  if (a.json) {
    // Each token's bytes as hex (lossless: byte tokens and partial UTF-8
    // included) and as text (json_string: invalid UTF-8 bytes as \u00XX).
    out = "{\"file\":" + json_string(name == "-" ? "<stdin>" : name) + ",\"model_path\":" + json_string(model_path(a).empty() ? "<built-in>" : model_path(a)) +
          ",\"bytes\":" + std::to_string(text->size()) + ",\"ids\":[";
    for (size_t i = 0; i < ids->size(); ++i) out += (i ? "," : "") + std::to_string((*ids)[i]);
    out += "],\"tokens\":[";
    for (size_t i = 0; i < ids->size(); ++i) {
      const std::string_view b = tok->tokenizer->token_bytes_view((*ids)[i]);
      out += std::string(i ? "," : "") + "{\"id\":" + std::to_string((*ids)[i]) + ",\"hex\":\"" + hex_string(b) +
             "\",\"text\":" + json_string(b) + "}";
    }
    out += "],\"byte_fallback_bytes\":" + std::to_string(stats.byte_fallback_bytes) + "}";
    print_json(out);
    return 0;
  } else {
    for (size_t i = 0; i < ids->size(); ++i) out += (i ? " " : "") + std::to_string((*ids)[i]);
    out += "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : report(Status(ErrorCode::kIo, "<stdout>: write error"));
}

}  // namespace llmzip::cli
