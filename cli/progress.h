// One-line progress on a terminal's stderr: uncompressed bytes done (of the
// total when known), speed, current bits/byte, ETA. Redrawn at most 10 times
// a second; prints nothing when disabled.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace llmzip::cli {

class ProgressLine {
 public:
  ProgressLine(bool enabled, std::string label) : enabled_(enabled), label_(std::move(label)) {}
  ~ProgressLine() { clear(); }
  // raw_done: uncompressed bytes so far (read when compressing, decoded when
  // decompressing); raw_total: the uncompressed size, -1 if unknown;
  // bits_per_byte: the ratio so far, < 0 if not known yet.
  void update(uint64_t raw_done, int64_t raw_total, double bits_per_byte);
  void clear();
  // The text update() draws (without the carriage return and erase codes).
  static std::string format(const std::string& label, uint64_t raw_done, int64_t raw_total, double bits_per_byte,
                            double seconds);

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
