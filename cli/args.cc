#include "cli/args.h"

#include <cerrno>
#include <cstdlib>

namespace llmzip::cli {
namespace {

using C = Command;
constexpr uint32_t kCodec = cmd_bit(C::kCompress) | cmd_bit(C::kDecompress) | cmd_bit(C::kTest);
constexpr uint32_t kWrite = cmd_bit(C::kCompress) | cmd_bit(C::kDecompress);
constexpr uint32_t kModelUsers = kCodec | cmd_bit(C::kTokenize) | cmd_bit(C::kScore) | cmd_bit(C::kDistance) |
                                 cmd_bit(C::kSimilar) | cmd_bit(C::kClassify) | cmd_bit(C::kBench);
constexpr uint32_t kMeasure = cmd_bit(C::kScore) | cmd_bit(C::kDistance) | cmd_bit(C::kSimilar) | cmd_bit(C::kClassify);
constexpr uint32_t kAll = ~0u;
constexpr uint32_t kJsonUsers = cmd_bit(C::kList) | cmd_bit(C::kInfo) | cmd_bit(C::kTokenize) | kMeasure |
                                cmd_bit(C::kBench);

constexpr OptionDef kOptions[] = {
    {Opt::kDecompress, 'd', "decompress", nullptr, cmd_bit(C::kDecompress), "decompress FILE.llmz -> FILE"},
    {Opt::kUncompress, 0, "uncompress", nullptr, cmd_bit(C::kDecompress), "the same as --decompress"},
    {Opt::kCompress, 'z', "compress", nullptr, cmd_bit(C::kCompress), "compress (the default)"},
    {Opt::kTest, 't', "test", nullptr, cmd_bit(C::kTest), "verify FILE.llmz completely, write nothing"},
    {Opt::kList, 'l', "list", nullptr, cmd_bit(C::kList), "one line per FILE.llmz: frames, sizes, ratio, model"},
    {Opt::kStdout, 'c', "stdout", nullptr, kWrite, "write to standard output, keep inputs"},
    {Opt::kOutput, 'o', "output", "FILE", kWrite, "write to FILE (one input only)"},
    {Opt::kForce, 'f', "force", nullptr, kCodec | cmd_bit(C::kScore) | cmd_bit(C::kBench),
     "overwrite existing outputs; with -dc, pass data that is not .llmz through unchanged"},
    {Opt::kKeep, 'k', "keep", nullptr, kWrite, "keep input files (the default)"},
    {Opt::kRm, 0, "rm", nullptr, kWrite, "remove input files after success (compressing: implies --verify)"},
    {Opt::kVerify, 0, "verify", nullptr, cmd_bit(C::kCompress), "decode the new archive completely before it replaces anything"},
    {Opt::kSuffix, 'S', "suffix", "SUF", kCodec | cmd_bit(C::kList), "suffix of compressed files (default: .llmz)"},
    {Opt::kRecursive, 'r', "recursive", nullptr, kCodec | cmd_bit(C::kList),
     "walk directories; skips symbolic links (and, compressing, files that already have the suffix)"},
    {Opt::kModel, 'm', "model", "FILE", kModelUsers,
     "GGUF model (default: $LLMZIP_MODEL, else the built-in model); bench: may repeat"},
    {Opt::kThreads, 'T', "threads", "N", kModelUsers & ~cmd_bit(C::kTokenize),
     "worker threads; 0 = all cores (the default); output does not depend on it"},
    {Opt::kLevel, 0, nullptr, nullptr, cmd_bit(C::kCompress),
     "compression level: context, frame size, adaptation (default: -9; table in llmzip(1))"},
    {Opt::kFast, 0, "fast", nullptr, cmd_bit(C::kCompress), "the same as -1"},
    {Opt::kBest, 0, "best", nullptr, cmd_bit(C::kCompress), "the same as -19"},
    {Opt::kUltra, 0, "ultra", nullptr, cmd_bit(C::kCompress),
     "accepted for zstd scripts: -19 is already the strongest level"},
    {Opt::kContext, 0, "context", "N", cmd_bit(C::kCompress) | kMeasure,
     "tokens of context the model sees (default: the level's; -9: min(model's, 512))"},
    {Opt::kFrameBytes, 0, "frame-bytes", "N", cmd_bit(C::kCompress) | cmd_bit(C::kScore),
     "target frame size, K/M suffixes (default: the level's; -9: input size / 64 within 16K .. 64K, 64K from a pipe)"},
    {Opt::kMaxFrame, 0, "max-frame", "N", kCodec,
     "largest frame to decode, K/M suffixes (default 4M: the largest frame compress writes; a bound on the work a forged file can buy)"},
    {Opt::kAdapt, 0, "adapt", nullptr, cmd_bit(C::kCompress) | kMeasure,
     "mix the model with a match model and n-grams of the frame (the default)"},
    {Opt::kNoAdapt, 0, "no-adapt", nullptr, cmd_bit(C::kCompress) | kMeasure, "the model alone"},
    {Opt::kMethod, 0, "method", "M", cmd_bit(C::kCompress), "ac (arithmetic coding, the default), rank-zlib, tbyt"},
    {Opt::kJson, 0, "json", nullptr, kJsonUsers, "one JSON document on standard output, errors included"},
    {Opt::kProgress, 0, "progress", nullptr, kCodec, "show progress even when standard error is not a terminal"},
    {Opt::kNoProgress, 0, "no-progress", nullptr, kCodec, "never show progress"},
    {Opt::kSweepContext, 0, "sweep-context", "N,N..", cmd_bit(C::kScore), "one row per context length"},
    {Opt::kTokens, 0, "tokens", "FILE", cmd_bit(C::kScore),
     "write every token as CSV: offset, id, text, model and coder bits, rank, entropy"},
    {Opt::kHtml, 0, "html", "FILE", cmd_bit(C::kScore), "write an HTML page shading each token by its surprisal"},
    {Opt::kNeighbours, 0, "neighbours", "K", cmd_bit(C::kClassify), "k of k-nearest (default: 1)"},
    {Opt::kNeighbors, 0, "neighbors", "K", cmd_bit(C::kClassify), "the same as --neighbours"},
    {Opt::kCsv, 0, "csv", "FILE", cmd_bit(C::kBench), "write the full table as CSV"},
    {Opt::kMarkdown, 0, "markdown", "FILE", cmd_bit(C::kBench), "write the table as markdown"},
    {Opt::kChart, 0, "chart", "FILE", cmd_bit(C::kBench), "write a bar chart of bits/byte as SVG"},
    {Opt::kVerbose, 'v', "verbose", nullptr, kAll, "more detail: -v a line per file and table hashes, -vv timings and settings"},
    {Opt::kQuiet, 'q', "quiet", nullptr, kAll, "only errors"},
    {Opt::kHelp, 'h', "help", nullptr, kAll, "help (of the command given with it)"},
    {Opt::kVersion, 'V', "version", nullptr, kAll, "print the version"},
};

constexpr CommandDef kCommands[] = {
    {C::kCompress, "compress", "-z", "[OPTIONS] [FILE...]", "FILE -> FILE.llmz, keeping FILE (the default command)",
     "With no FILE, or FILE -, reads standard input and writes standard output. Several inputs with -c "
     "give their archives back to back, which decompress to the concatenation."},
    {C::kDecompress, "decompress", "-d", "[OPTIONS] [FILE.llmz...]", "FILE.llmz -> FILE",
     "Every frame's checksum is verified before its bytes are written; the output appears only when complete. "
     "Archives back to back decode to the concatenation. With -c -f, input that is not an archive is copied "
     "through unchanged (as zcat -f)."},
    {C::kTest, "test", "-t", "[OPTIONS] FILE.llmz...", "decode FILE.llmz completely and check it, write nothing", nullptr},
    {C::kList, "list", "-l", "[OPTIONS] [FILE.llmz...]",
     "one row per file (frames, sizes, ratio, bits/byte, model) and totals; - or no FILE reads standard input",
     nullptr},
    {C::kInfo, "info", nullptr, "[OPTIONS] FILE.llmz...", "everything a FILE.llmz header, index and footer say",
     nullptr},
    {C::kTokenize, "tokenize", nullptr, "[OPTIONS] [FILE]", "the model tokenizer's ids for the bytes of FILE",
     "--json adds each token's bytes (as hex, lossless) and its text."},
    {C::kScore, "score", nullptr, "[OPTIONS] [FILE...]", "bits the model needs for FILE: per byte, char, token",
     "For every token: the model's own bits (LLMZip's entropy bound H_ub), beside them what the adaptive coder "
     "spends and what the container would store (a frame the model would expand is stored at 8 bits a byte)."},
    {C::kDistance, "distance", nullptr, "[OPTIONS] A B", "information distance of two texts under the model",
     nullptr},
    {C::kSimilar, "similar", nullptr, "[OPTIONS] QUERY CANDIDATE...", "rank candidates by distance to the query",
     nullptr},
    {C::kClassify, "classify", nullptr, "[OPTIONS] EXAMPLES QUERY...",
     "assign each query file to a class of labelled examples by k-nearest distance",
     "EXAMPLES is a folder with one folder per class holding that class's example files."},
    {C::kBench, "bench", nullptr, "[OPTIONS] FILE...",
     "llmzip's three methods against the classic compressors on PATH, as verified round trips", nullptr},
    {C::kHelp, "help", "-h", "[COMMAND]", "this help, or a command's", nullptr},
    {C::kVersion, "version", "-V", "", "print the version", nullptr},
};

// Levels (bench/levels.csv, measured by bench/levels.sh): with the small
// built-in model compression speed hardly depends on them; decompression is
// what slows down, with context (attention over the window) and with larger
// frames (fewer of them to decode side by side). Ratio improves with both and
// with adaptation; past -9 frame size gains more than context, so it grows
// first. Fast levels use small frames (4-8 KiB): more of them decode side by
// side. Level contexts above the model's own are clamped to it.
constexpr LevelSettings kLevels[] = {
    {1, 64, 4096, false},      {2, 64, 4096, true},       {3, 128, 8192, true},      {4, 192, 8192, true},
    {5, 256, 16384, true},     {6, 320, 0, true},         {7, 384, 0, true},         {8, 448, 0, true},
    {9, 0, 0, true},           {10, 512, 32768, true},    {11, 512, 65536, true},    {12, 768, 65536, true},
    {13, 1024, 65536, true},   {14, 1024, 131072, true},  {15, 1024, 262144, true},  {16, 1024, 524288, true},
    {17, 1024, 1048576, true}, {18, 1024, 2097152, true}, {19, 1024, 4194304, true},
};
static_assert(sizeof kLevels / sizeof kLevels[0] == kMaxLevel - kMinLevel + 1);

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
  for (const auto& c : kCommands)
    if (w == c.word) return c.command;
  return std::nullopt;
}

const OptionDef* find_long(const std::string& name) {
  for (const auto& o : kOptions)
    if (o.long_name && name == o.long_name) return &o;
  return nullptr;
}
const OptionDef* find_short(char c) {
  for (const auto& o : kOptions)
    if (o.short_name == c) return &o;
  return nullptr;
}
const OptionDef* find_id(Opt id) {
  for (const auto& o : kOptions)
    if (o.id == id) return &o;
  return nullptr;
}

// The commands an option applies to, for an error message: "score, bench".
std::string command_list(uint32_t mask) {
  std::string s;
  for (const auto& c : kCommands)
    if (mask & cmd_bit(c.command)) s += (s.empty() ? "" : ", ") + std::string(c.word);
  return s;
}

// Parser state beyond Args: which command was chosen how, and what was given.
struct Given {
  Opt id;
  std::string spelled;  // as on the command line, for messages
};

class Parser {
 public:
  explicit Parser(const std::vector<std::string>& argv) : argv_(argv) {}
  Result<Args> run();

 private:
  Status select(Command c, const std::string& spelled);
  Status apply(const OptionDef& o, const std::string& spelled, const std::optional<std::string>& v);
  Result<std::string> value(const std::string& spelled, const std::optional<std::string>& inline_v);

  const std::vector<std::string>& argv_;
  size_t i_ = 0;
  Args a_;
  std::optional<Command> chosen_;
  std::string chosen_by_;
  bool help_ = false, version_ = false;
  std::vector<Given> given_;
};

Status Parser::select(Command c, const std::string& spelled) {
  if (c == C::kHelp) { help_ = true; return Status::ok(); }
  if (c == C::kVersion) { version_ = true; return Status::ok(); }
  if (chosen_ && *chosen_ != c)
    return bad(chosen_by_ + " and " + spelled + " ask for different commands (" + command_def(*chosen_).word + ", " +
               command_def(c).word + "); a file named like a command goes after --, as in: llmzip -- " +
               command_def(c).word);
  chosen_ = c;
  chosen_by_ = spelled;
  return Status::ok();
}

Result<std::string> Parser::value(const std::string& spelled, const std::optional<std::string>& inline_v) {
  if (inline_v) return *inline_v;
  if (i_ + 1 >= argv_.size()) return bad("option " + spelled + " needs a value");
  return argv_[++i_];
}

Status Parser::apply(const OptionDef& o, const std::string& spelled, const std::optional<std::string>& v) {
  given_.push_back({o.id, spelled});
  auto val = [&]() { return value(spelled, v); };
  switch (o.id) {
    case Opt::kDecompress: case Opt::kUncompress: return select(C::kDecompress, spelled);
    case Opt::kCompress: return select(C::kCompress, spelled);
    case Opt::kTest: return select(C::kTest, spelled);
    case Opt::kList: return select(C::kList, spelled);
    case Opt::kHelp: return select(C::kHelp, spelled);
    case Opt::kVersion: return select(C::kVersion, spelled);
    case Opt::kStdout: a_.to_stdout = true; break;
    case Opt::kForce: a_.force = true; break;
    case Opt::kKeep: a_.keep = true; a_.remove_input = false; break;
    case Opt::kRm: a_.remove_input = true; a_.keep = false; break;
    case Opt::kVerify: a_.verify = true; break;
    case Opt::kRecursive: a_.recursive = true; break;
    case Opt::kJson: a_.json = true; break;
    case Opt::kAdapt: a_.adapt = true; break;
    case Opt::kNoAdapt: a_.adapt = false; break;
    case Opt::kProgress: a_.progress = 1; break;
    case Opt::kNoProgress: a_.progress = 0; break;
    case Opt::kQuiet: a_.verbosity = 0; break;
    case Opt::kVerbose: a_.verbosity = a_.verbosity < 2 ? 2 : a_.verbosity + 1; break;
    case Opt::kFast: a_.level = kMinLevel; break;
    case Opt::kBest: a_.level = kMaxLevel; break;
    case Opt::kUltra: break;
    case Opt::kLevel: break;  // parsed by the caller
    case Opt::kOutput: { auto x = val(); if (!x) return x.status(); a_.output = *x; break; }
    case Opt::kModel: { auto x = val(); if (!x) return x.status(); a_.model = *x; a_.models.push_back(*x); break; }
    case Opt::kSuffix: {
      auto x = val(); if (!x) return x.status();
      if (x->empty() || x->find('/') != std::string::npos)
        return bad("option " + spelled + ": '" + *x + "' is not a suffix (it must be non-empty, without /)");
      a_.suffix = *x;
      break;
    }
    case Opt::kThreads: {
      auto x = val(); if (!x) return x.status();
      auto n = parse_u32(spelled, *x, 256); if (!n) return n.status();
      a_.threads = int(*n);
      break;
    }
    case Opt::kContext: {
      auto x = val(); if (!x) return x.status();
      auto n = parse_u32(spelled, *x, 1u << 20); if (!n) return n.status();
      if (*n < 8) return bad("option --context must be at least 8");
      a_.context = *n;
      break;
    }
    case Opt::kFrameBytes: {
      auto x = val(); if (!x) return x.status();
      auto n = parse_size(spelled, *x); if (!n) return n.status();
      if (*n < 1 || *n > (1ull << 30)) return bad("option --frame-bytes must be between 1 and 1G");
      a_.frame_bytes = *n;
      break;
    }
    case Opt::kMaxFrame: {
      auto x = val(); if (!x) return x.status();
      auto n = parse_size(spelled, *x); if (!n) return n.status();
      if (*n < 1 || *n > (1ull << 30)) return bad("option --max-frame must be between 1 and 1G");
      a_.max_frame = *n;
      break;
    }
    case Opt::kMethod: {
      auto x = val(); if (!x) return x.status();
      if (*x != "ac" && *x != "rank-zlib" && *x != "tbyt")
        return bad("option --method: '" + *x + "' is not one of ac, rank-zlib, tbyt");
      a_.method = *x;
      break;
    }
    case Opt::kSweepContext: {
      auto x = val(); if (!x) return x.status();
      size_t p = 0;
      while (p <= x->size()) {
        size_t q = x->find(',', p);
        if (q == std::string::npos) q = x->size();
        auto n = parse_u32(spelled, x->substr(p, q - p), 1u << 20); if (!n) return n.status();
        if (*n < 8) return bad("option --sweep-context: each context must be at least 8");
        a_.sweep_context.push_back(*n);
        p = q + 1;
      }
      break;
    }
    case Opt::kNeighbours: case Opt::kNeighbors: {
      auto x = val(); if (!x) return x.status();
      auto n = parse_u32(spelled, *x, 1u << 20); if (!n) return n.status();
      if (*n < 1) return bad("option " + spelled + " must be at least 1");
      a_.neighbours = *n;
      break;
    }
    case Opt::kTokens: { auto x = val(); if (!x) return x.status(); a_.tokens_csv = *x; break; }
    case Opt::kHtml: { auto x = val(); if (!x) return x.status(); a_.html = *x; break; }
    case Opt::kCsv: { auto x = val(); if (!x) return x.status(); a_.csv = *x; break; }
    case Opt::kMarkdown: { auto x = val(); if (!x) return x.status(); a_.markdown = *x; break; }
    case Opt::kChart: { auto x = val(); if (!x) return x.status(); a_.chart = *x; break; }
  }
  if (!o.value && v) return bad("option " + spelled + " takes no value");
  return Status::ok();
}

Result<Args> Parser::run() {
  bool only_files = false;
  for (; i_ < argv_.size(); ++i_) {
    const std::string& w = argv_[i_];
    if (only_files || w == "-" || w.size() < 2 || w[0] != '-') {
      if (!only_files) {
        if (auto c = command_word(w)) {
          if (help_ && *c != C::kHelp) {
            a_.help_topic = *c;  // `llmzip help score`
            continue;
          }
          if (*c == C::kHelp && chosen_) a_.help_topic = chosen_;  // `llmzip score help`
          LLMZIP_RETURN_IF_ERROR(select(*c, w));
          continue;
        }
      }
      a_.files.push_back(w);
      continue;
    }
    if (w == "--") { only_files = true; continue; }
    if (w.rfind("--", 0) == 0) {
      std::string name = w.substr(2);
      std::optional<std::string> v;
      size_t eq = name.find('=');
      if (eq != std::string::npos) { v = name.substr(eq + 1); name = name.substr(0, eq); }
      const OptionDef* o = find_long(name);
      if (!o) return bad("unknown option --" + name + " (see llmzip --help)");
      LLMZIP_RETURN_IF_ERROR(apply(*o, "--" + name, v));
      continue;
    }
    // Short options, possibly combined: -dcf, -T2, -o out, -19, -9v.
    for (size_t k = 1; k < w.size(); ++k) {
      const char c = w[k];
      if (c >= '0' && c <= '9') {
        size_t e = k;
        while (e < w.size() && w[e] >= '0' && w[e] <= '9') ++e;
        const std::string digits = w.substr(k, e - k);
        const int level = digits.size() > 3 ? 1000 : std::atoi(digits.c_str());
        if (level < kMinLevel || level > kMaxLevel)
          return bad("level -" + digits + " does not exist: llmzip has levels -" + std::to_string(kMinLevel) +
                     " (fastest) to -" + std::to_string(kMaxLevel) + " (strongest; --best), default -" +
                     std::to_string(kDefaultLevel));
        given_.push_back({Opt::kLevel, "-" + digits});
        a_.level = level;
        k = e - 1;
        continue;
      }
      if (c == 't' && k + 1 < w.size() && w[k + 1] >= '0' && w[k + 1] <= '9')
        return bad(w + ": -t is --test, as in zstd, xz and gzip; threads are -T N (" + "-T" + w.substr(k + 1) + ")");
      const OptionDef* o = find_short(c);
      if (!o) return bad(std::string("unknown option -") + c + " (see llmzip --help)");
      const std::string spelled = std::string("-") + c;
      if (o->value) {
        std::optional<std::string> rest;
        if (k + 1 < w.size()) rest = w.substr(k + 1);
        LLMZIP_RETURN_IF_ERROR(apply(*o, spelled, rest));
        break;  // the value consumed the rest of this word
      }
      LLMZIP_RETURN_IF_ERROR(apply(*o, spelled, std::nullopt));
    }
  }
  if (version_ && !help_) { a_.command = C::kVersion; return a_; }
  if (help_) {
    a_.command = C::kHelp;
    if (!a_.help_topic && chosen_) a_.help_topic = chosen_;
    if (!a_.files.empty() && !a_.help_topic) return bad("help: '" + a_.files[0] + "' is not a command (see llmzip --help)");
    return a_;
  }
  a_.command = chosen_.value_or(C::kCompress);
  // An option that does not apply to the command is an error, never ignored.
  for (const Given& g : given_) {
    const OptionDef* o = find_id(g.id);
    if (!(o->commands & cmd_bit(a_.command)))
      return bad("option " + g.spelled + " does not apply to " + command_def(a_.command).word + " (it is for " +
                 command_list(o->commands) + "; see llmzip help " + command_def(a_.command).word + ")");
  }
  if (a_.remove_input && a_.command == C::kCompress) a_.verify = true;  // never delete an input whose archive was not proven to decode
  return a_;
}

}  // namespace

std::span<const OptionDef> option_table() { return kOptions; }
std::span<const CommandDef> command_table() { return kCommands; }

const CommandDef& command_def(Command c) {
  for (const auto& d : kCommands)
    if (d.command == c) return d;
  return kCommands[0];
}

std::string option_spelling(const OptionDef& o) {
  if (o.id == Opt::kLevel) return "-" + std::to_string(kMinLevel) + " .. -" + std::to_string(kMaxLevel);
  std::string s;
  if (o.short_name) s += std::string("-") + o.short_name;
  if (o.long_name) s += (s.empty() ? "--" : ", --") + std::string(o.long_name);
  if (o.value) s += std::string(" ") + o.value;
  return s;
}

const LevelSettings& level_settings(int level) {
  if (level < kMinLevel || level > kMaxLevel) level = kDefaultLevel;
  return kLevels[level - kMinLevel];
}

Result<Args> parse_args(const std::vector<std::string>& argv) { return Parser(argv).run(); }

}  // namespace llmzip::cli
