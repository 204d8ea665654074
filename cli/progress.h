// One-line progress on a terminal's stderr: bytes done, speed, current ratio,
// ETA. Redrawn at most 10 times a second; prints nothing when disabled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace llmzip::cli {

class ProgressLine {
 public:
  ProgressLine(bool enabled, std::string label) : enabled_(enabled), label_(std::move(label)) {}
  ~ProgressLine() { clear(); }
  // settled_in/out: the input and output of completed frames (for the ratio).
  void update(uint64_t in_done, uint64_t out_done, int64_t in_total, uint64_t settled_in, uint64_t settled_out,
              bool decompressing);
  void clear();

 private:
  bool enabled_;
  std::string label_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

// "1.5 MB", "312 KB", "87 B"
std::string human_bytes(double b);

}  // namespace llmzip::cli
