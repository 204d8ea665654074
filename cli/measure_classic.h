// The classic compressors `llmzip bench` compares against (xz, zstd, bzip2,
// brotli, zpaq, gzip): each found on PATH is run as a subprocess at its
// strongest setting, timed, and round-trip checked byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace llmzip::cli {

struct ClassicCompressor {
  std::string name;     // as shown in tables: "xz -9e"
  std::string program;  // looked up on PATH
  // Pipe filters read stdin and write stdout. Archivers (zpaq) cannot: they
  // get "{in}" / "{archive}" / "{outdir}" placeholders and run in a scratch
  // directory; their size includes the archive's own headers.
  std::vector<std::string> compress_args;
  std::vector<std::string> decompress_args;
  bool archiver = false;
};

// The fixed list, strongest setting of each, in table order.
const std::vector<ClassicCompressor>& classic_compressors();

// Absolute path of `program` found on $PATH (executable regular file), or "".
std::string find_on_path(const std::string& program);

struct ClassicRun {
  uint64_t compressed_bytes = 0;
  double compress_seconds = 0;    // wall clock of the subprocess
  double decompress_seconds = 0;
  bool round_trip_ok = false;     // decompressed bytes == input
};

// Compresses `data` with `c` (found at `exe`) and decompresses it again, in a
// fresh scratch directory that is removed afterwards. A subprocess that fails
// to start or exits non-zero is an error naming the compressor; a successful
// run whose output differs from the input is reported as round_trip_ok=false.
Result<ClassicRun> run_classic(const ClassicCompressor& c, const std::string& exe, std::string_view data);

}  // namespace llmzip::cli
