#include "cli/args.h"

#include <cstdlib>

namespace llmzip::cli {
namespace {

Status bad(const std::string& m) { return Status(ErrorCode::kInvalidArgument, m); }

Result<uint64_t> parse_size(const std::string& opt, const std::string& v) {
  // Accepts plain numbers and K/M/G suffixes (binary: 1K = 1024), as zstd does.
  if (v.empty()) return bad("option " + opt + " needs a value");
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (errno || end == v.c_str() || v[0] == '-') return bad("option " + opt + ": '" + v + "' is not a number");
  std::string suf(end);
  uint64_t mul = 1;
  if (suf == "K" || suf == "KB" || suf == "KiB" || suf == "k") mul = 1024;
  else if (suf == "M" || suf == "MB" || suf == "MiB") mul = 1024 * 1024;
  else if (suf == "G" || suf == "GB" || suf == "GiB") mul = 1024ull * 1024 * 1024;
  else if (!suf.empty()) return bad("option " + opt + ": '" + v + "' is not a number");
  if (n > UINT64_MAX / mul) return bad("option " + opt + ": '" + v + "' is too large");
  return uint64_t(n) * mul;
}

Result<uint32_t> parse_u32(const std::string& opt, const std::string& v, uint64_t max) {
  auto n = parse_size(opt, v);
  if (!n) return n.status();
  if (*n > max) return bad("option " + opt + ": " + v + " is larger than " + std::to_string(max));
  return uint32_t(*n);
}

std::optional<Command> command_word(const std::string& w) {
  if (w == "compress") return Command::kCompress;
  if (w == "decompress") return Command::kDecompress;
  if (w == "test") return Command::kTest;
  if (w == "info") return Command::kInfo;
  if (w == "tokenize") return Command::kTokenize;
  if (w == "score") return Command::kScore;
  if (w == "distance") return Command::kDistance;
  if (w == "similar") return Command::kSimilar;
  if (w == "bench") return Command::kBench;
  if (w == "help") return Command::kHelp;
  return std::nullopt;
}

}  // namespace

Result<Args> parse_args(const std::vector<std::string>& argv) {
  Args a;
  size_t i = 0;
  if (!argv.empty()) {
    if (auto c = command_word(argv[0])) {
      a.command = *c;
      i = 1;
    }
  }
  bool only_files = false;
  // Fetches the value of option `opt`: attached (`inline_v`) or the next word.
  auto value = [&](const std::string& opt, const std::optional<std::string>& inline_v) -> Result<std::string> {
    if (inline_v) return *inline_v;
    if (i + 1 >= argv.size()) return bad("option " + opt + " needs a value");
    return argv[++i];
  };
  for (; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    if (only_files || w == "-" || w.size() < 2 || w[0] != '-') {
      a.files.push_back(w);
      continue;
    }
    if (w == "--") { only_files = true; continue; }
    if (w.rfind("--", 0) == 0) {
      std::string name = w;
      std::optional<std::string> v;
      size_t eq = w.find('=');
      if (eq != std::string::npos) { name = w.substr(0, eq); v = w.substr(eq + 1); }
      auto flag = [&](bool& b, bool val) -> Status {
        if (v) return bad("option " + name + " takes no value");
        b = val;
        return Status::ok();
      };
      Status st;
      if (name == "--decompress" || name == "--uncompress") { a.command = Command::kDecompress; continue; }
      else if (name == "--compress") { a.command = Command::kCompress; continue; }
      else if (name == "--test") { a.command = Command::kTest; continue; }
      else if (name == "--help") { a.command = Command::kHelp; continue; }
      else if (name == "--version") { a.command = Command::kVersion; continue; }
      else if (name == "--stdout") st = flag(a.to_stdout, true);
      else if (name == "--force") st = flag(a.force, true);
      else if (name == "--keep") { st = flag(a.keep, true); a.remove_input = false; }
      else if (name == "--rm") { st = flag(a.remove_input, true); a.keep = false; }
      else if (name == "--json") st = flag(a.json, true);
      else if (name == "--verify") st = flag(a.verify, true);
      else if (name == "--quiet") { a.verbosity = 0; continue; }
      else if (name == "--verbose") { a.verbosity = 2; continue; }
      else if (name == "--output") { auto x = value(name, v); if (!x) return x.status(); a.output = *x; }
      else if (name == "--model") {
        auto x = value(name, v); if (!x) return x.status();
        a.model = *x; a.models.push_back(*x);
      }
      else if (name == "--threads") {
        auto x = value(name, v); if (!x) return x.status();
        auto n = parse_u32(name, *x, 256); if (!n) return n.status();
        a.threads = int(*n);
      } else if (name == "--context") {
        auto x = value(name, v); if (!x) return x.status();
        auto n = parse_u32(name, *x, 1u << 20); if (!n) return n.status();
        if (*n < 2) return bad("option --context must be at least 2");
        a.context = *n;
      } else if (name == "--frame-bytes") {
        auto x = value(name, v); if (!x) return x.status();
        auto n = parse_size(name, *x); if (!n) return n.status();
        if (*n < 1 || *n > (1ull << 30)) return bad("option --frame-bytes must be between 1 and 1G");
        a.frame_bytes = *n;
      } else if (name == "--max-frame") {
        auto x = value(name, v); if (!x) return x.status();
        auto n = parse_size(name, *x); if (!n) return n.status();
        if (*n < 1 || *n > (1ull << 30)) return bad("option --max-frame must be between 1 and 1G");
        a.max_frame = *n;
      } else if (name == "--method") {
        auto x = value(name, v); if (!x) return x.status();
        if (*x != "ac" && *x != "rank-zlib" && *x != "tbyt")
          return bad("option --method: '" + *x + "' is not one of ac, rank-zlib, tbyt");
        a.method = *x;
      } else if (name == "--sweep-context") {
        auto x = value(name, v); if (!x) return x.status();
        size_t p = 0;
        while (p <= x->size()) {
          size_t q = x->find(',', p);
          if (q == std::string::npos) q = x->size();
          auto n = parse_u32(name, x->substr(p, q - p), 1u << 20); if (!n) return n.status();
          if (*n < 2) return bad("option --sweep-context: each context must be at least 2");
          a.sweep_context.push_back(*n);
          p = q + 1;
        }
      } else if (name == "--tokens") { auto x = value(name, v); if (!x) return x.status(); a.tokens_csv = *x; }
      else if (name == "--html") { auto x = value(name, v); if (!x) return x.status(); a.html = *x; }
      else if (name == "--csv") { auto x = value(name, v); if (!x) return x.status(); a.csv = *x; }
      else if (name == "--markdown") { auto x = value(name, v); if (!x) return x.status(); a.markdown = *x; }
      else if (name == "--chart") { auto x = value(name, v); if (!x) return x.status(); a.chart = *x; }
      else return bad("unknown option " + name + " (see llmzip --help)");
      if (!st) return st;
      continue;
    }
    // Short options, possibly combined: -dcf, -t2, -o out, -m model.
    for (size_t k = 1; k < w.size(); ++k) {
      char c = w[k];
      std::optional<std::string> rest;
      if (k + 1 < w.size()) rest = w.substr(k + 1);
      auto take = [&](const std::string& opt) -> Result<std::string> {
        k = w.size();  // the value consumes the rest of this word
        return value(opt, rest);
      };
      switch (c) {
        case 'd': a.command = Command::kDecompress; break;
        case 'z': a.command = Command::kCompress; break;
        case 'c': a.to_stdout = true; break;
        case 'f': a.force = true; break;
        case 'k': a.keep = true; a.remove_input = false; break;
        case 'q': a.verbosity = 0; break;
        case 'v': a.verbosity = 2; break;
        case 'h': a.command = Command::kHelp; break;
        case 'V': a.command = Command::kVersion; break;
        case 'o': { auto x = take("-o"); if (!x) return x.status(); a.output = *x; break; }
        case 'm': { auto x = take("-m"); if (!x) return x.status(); a.model = *x; a.models.push_back(*x); break; }
        case 't': {
          auto x = take("-t"); if (!x) return x.status();
          auto n = parse_u32("-t", *x, 256); if (!n) return n.status();
          a.threads = int(*n);
          break;
        }
        default: return bad(std::string("unknown option -") + c + " (see llmzip --help)");
      }
    }
  }
  if (a.remove_input) a.verify = true;  // never delete an input whose archive was not proven to decode
  return a;
}

const char* usage_text() {
  return R"(Usage: llmzip [COMMAND] [OPTIONS] [FILE...]

Lossless compression with a language model as the predictor. With no FILE, or
when FILE is -, reads standard input and writes standard output.

Commands:
  compress      (default) FILE -> FILE.llmz, keeping FILE
  decompress    FILE.llmz -> FILE (also -d)
  test          verify FILE.llmz completely, write nothing
  info          describe FILE.llmz (model, parameters, frames, sizes, bits/byte)
  tokenize      print the model tokenizer's ids for the raw bytes of FILE
  score         bits/byte, bits/char, bits/token of FILE under the model
  distance A B  information distance of two texts under the model
  similar Q C.. rank candidate files by distance to the query
  bench         compare llmzip with classic compressors on FILE...

Options:
  -d, --decompress     decompress
  -c, --stdout         write to standard output, keep inputs
  -o, --output FILE    write to FILE (one input only)
  -f, --force          overwrite existing output files
  -k, --keep           keep input files (default)
      --rm             remove input files after success (implies --verify)
      --verify         after compressing, decode the result and compare
  -m, --model FILE     GGUF model (default: $LLMZIP_MODEL, else the built-in model)
  -t, --threads N      worker threads (default: all cores)
      --context N      tokens of context the model sees (default: model's, max 512)
      --frame-bytes N  target frame size in bytes (K/M suffixes; default 16K)
      --max-frame N    largest frame to decode (default 64K: what compress writes by default)
      --method M       ac (arithmetic coding, default), rank-zlib, tbyt
      --json           machine-readable output (info, tokenize, score, distance, similar)
  -v, --verbose        progress on a terminal, more detail
  -q, --quiet          only errors
  -h, --help           this help
  -V, --version        version

Exit status: 0 on success, 1 on any error.
)";
}

}  // namespace llmzip::cli
