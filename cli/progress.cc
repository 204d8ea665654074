#include "cli/progress.h"

#include <cstdio>

namespace llmzip::cli {

std::string human_bytes(double b) {
  char buf[32];
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.1f KB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", b);
  return buf;
}

std::string ProgressLine::format(const std::string& label, uint64_t raw_done, int64_t raw_total, double bits_per_byte,
                                 double seconds) {
  const double speed = seconds > 0 ? double(raw_done) / seconds : 0;
  std::string s = label + ": " + human_bytes(double(raw_done));
  if (raw_total > 0) s += " / " + human_bytes(double(raw_total));
  char b[96];
  if (raw_total > 0) {
    std::snprintf(b, sizeof b, " (%.0f%%)", 100.0 * double(raw_done) / double(raw_total));
    s += b;
  }
  s += "  " + human_bytes(speed) + "/s";
  if (bits_per_byte >= 0) {
    std::snprintf(b, sizeof b, "  %.3f bits/byte", bits_per_byte);
    s += b;
  }
  if (raw_total > 0 && raw_done > 0 && speed > 0 && uint64_t(raw_total) >= raw_done) {
    const double eta = (double(raw_total) - double(raw_done)) / speed;
    std::snprintf(b, sizeof b, "  ETA %dm%02ds", int(eta) / 60, int(eta) % 60);
    s += b;
  }
  return s;
}

void ProgressLine::update(uint64_t raw_done, int64_t raw_total, double bits_per_byte) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const std::string line = "\r" + format(label_, raw_done, raw_total, bits_per_byte, secs) + "\x1b[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::clear() {
  if (enabled_ && drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace llmzip::cli
