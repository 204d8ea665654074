// Command-line parsing for llmzip, following zstd/xz/gzip conventions.
//
// Contract: one table of option definitions (option_table()) is the single
// source for the parser, every help text, the man page and the bash completion
// (cli/help.h), and a test checks the README's option table against it. A
// command is chosen by a command word anywhere on the line (as git and cargo
// do: `llmzip -v test a.llmz`) or by a mode flag (-d, -z, -t, -l); a word that
// names a command is never a file unless it comes after `--`. Short flags
// combine (-dcf, -kv), values attach or follow (-T2, -T 2, --context=512),
// levels are -1..-19. An option given to a command it does not apply to is an
// error naming both (never silently ignored).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace llmzip::cli {

enum class Command { kCompress, kDecompress, kTest, kList, kInfo, kTokenize, kScore, kDistance, kSimilar, kClassify, kBench, kHelp, kVersion };

// What an option does; the parser's switch.
enum class Opt {
  kDecompress, kUncompress, kCompress, kTest, kList, kHelp, kVersion,
  kStdout, kOutput, kForce, kKeep, kRm, kVerify, kSuffix, kRecursive,
  kModel, kThreads, kContext, kFrameBytes, kMaxFrame, kMethod, kLevel, kFast, kBest, kUltra, kAdapt, kNoAdapt,
  kJson, kVerbose, kQuiet, kProgress, kNoProgress,
  kSweepContext, kTokens, kHtml, kNeighbours, kNeighbors, kCsv, kMarkdown, kChart,
};

constexpr uint32_t cmd_bit(Command c) { return 1u << int(c); }

struct OptionDef {
  Opt id;
  char short_name;        // 0: none
  const char* long_name;  // without the dashes; nullptr: none
  const char* value;      // "FILE", "N", ...; nullptr: a flag
  uint32_t commands;      // cmd_bit() of every command it applies to
  const char* help;       // one line; states the default where there is one
};
// Every option the parser accepts, in the order help texts list them.
std::span<const OptionDef> option_table();
// "-T, --threads N", "--rm", "-1 .. -19": how help texts spell an option.
std::string option_spelling(const OptionDef& o);

struct CommandDef {
  Command command;
  const char* word;       // "compress"
  const char* flag;       // the mode flag that also selects it ("-d"), or nullptr
  const char* synopsis;   // "[OPTIONS] [FILE...]"
  const char* summary;    // one line
  const char* details;    // a paragraph for `llmzip help WORD` and the man page, or nullptr
};
std::span<const CommandDef> command_table();
const CommandDef& command_def(Command c);

// Compression levels: what -1..-19 (--fast = -1, --best = -19) set, measured
// in bench/levels.csv (bench/levels.sh). Explicit --context, --frame-bytes or
// --adapt/--no-adapt override the level's value.
struct LevelSettings {
  int level;
  uint32_t context;      // tokens of context, at most the model's; 0: the default (min(model's, 512))
  uint64_t frame_bytes;  // 0: the default (codec::default_frame_bytes: input size / 64 within 16 .. 64 KiB)
  bool adapt;            // the adaptive predictor (match model + n-gram mixing)
};
constexpr int kMinLevel = 1, kMaxLevel = 19, kDefaultLevel = 9;
const LevelSettings& level_settings(int level);  // kMinLevel <= level <= kMaxLevel

struct Args {
  Command command = Command::kCompress;
  std::optional<Command> help_topic;  // `llmzip help score`, `llmzip score --help`
  std::vector<std::string> files;   // "-" means stdin
  std::string output;               // -o
  std::string model;                // -m (empty: $LLMZIP_MODEL, then built-in)
  bool to_stdout = false;           // -c
  bool force = false;               // -f
  bool keep = true;                 // -k (default) / --rm
  bool remove_input = false;        // --rm
  int verbosity = 1;                // -q: 0, default 1, -v: 2, -vv: 3
  int progress = -1;                // --progress 1, --no-progress 0, -1: on a terminal at verbosity >= 1
  int threads = 0;                  // -T (0: all cores)
  int level = 0;                    // -1..-19, --fast, --best (0: kDefaultLevel)
  uint32_t context = 0;             // --context (0: the level's)
  uint64_t frame_bytes = 0;         // --frame-bytes (0: the level's)
  std::optional<bool> adapt;        // --adapt / --no-adapt (unset: the level's)
  uint64_t max_frame = 0;           // --max-frame: largest frame a decoder accepts (0: default)
  std::string method = "ac";        // --method
  std::string suffix = ".llmz";     // -S
  bool recursive = false;           // -r
  bool json = false;                // --json
  bool verify = false;              // --verify (implied by --rm)
  // score options
  std::vector<uint32_t> sweep_context;  // --sweep-context 31,127
  std::string tokens_csv;               // --tokens out.csv
  std::string html;                     // --html out.html
  // classify options
  uint32_t neighbours = 1;              // --neighbours K: k of k-nearest
  // bench options
  std::vector<std::string> models;      // bench: -m may repeat
  std::string csv;                      // --csv out.csv
  std::string markdown;                 // --markdown out.md
  std::string chart;                    // --chart out.svg
};

// Parses argv (without argv[0]). Errors are kInvalidArgument with a message
// suitable for "llmzip: <message>".
Result<Args> parse_args(const std::vector<std::string>& argv);

}  // namespace llmzip::cli
