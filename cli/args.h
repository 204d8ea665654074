// Command-line parsing for llmzip, following zstd/gzip conventions: a command
// word (compress, decompress, info, test, tokenize, score, ...) or -d; combined
// short flags (-dc, -kf); values attached or separate (-t2, -t 2, --context=512).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace llmzip::cli {

enum class Command { kCompress, kDecompress, kTest, kInfo, kTokenize, kScore, kDistance, kSimilar, kBench, kHelp, kVersion };

struct Args {
  Command command = Command::kCompress;
  std::vector<std::string> files;   // "-" means stdin
  std::string output;               // -o
  std::string model;                // -m (empty: $LLMZIP_MODEL, then built-in)
  bool to_stdout = false;           // -c
  bool force = false;               // -f
  bool keep = true;                 // -k (default) / --rm
  bool remove_input = false;        // --rm
  int verbosity = 1;                // -q: 0, default 1, -v: 2
  int threads = 0;                  // -t (0: all cores)
  uint32_t context = 0;             // --context (0: model default)
  uint64_t frame_bytes = 0;         // --frame-bytes (0: default)
  uint64_t max_frame = 0;           // --max-frame: largest frame a decoder accepts (0: default)
  std::string method = "ac";        // --method
  bool json = false;                // --json
  bool verify = false;              // --verify (implied by --rm)
  // score options
  std::vector<uint32_t> sweep_context;  // --sweep-context 31,127
  std::string tokens_csv;               // --tokens out.csv
  std::string html;                     // --html out.html
  // bench options
  std::vector<std::string> models;      // bench: -m may repeat
  std::string csv;                      // --csv out.csv
  std::string markdown;                 // --markdown out.md
  std::string chart;                    // --chart out.svg
};

// Parses argv (without argv[0]). Errors are kInvalidArgument with a message
// suitable for "llmzip: <message>".
Result<Args> parse_args(const std::vector<std::string>& argv);

const char* usage_text();

}  // namespace llmzip::cli
