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

void ProgressLine::update(uint64_t in_done, uint64_t out_done, int64_t in_total, uint64_t settled_in,
                          uint64_t settled_out, bool decompressing) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  // Speed is measured on the uncompressed side in both directions.
  double raw = decompressing ? double(out_done) : double(in_done);
  double speed = secs > 0 ? raw / secs : 0;
  char line[256];
  int n = std::snprintf(line, sizeof line, "\r%s: %s", label_.c_str(), human_bytes(double(in_done)).c_str());
  if (in_total > 0) n += std::snprintf(line + n, sizeof line - n, " / %s", human_bytes(double(in_total)).c_str());
  n += std::snprintf(line + n, sizeof line - n, "  %s/s", human_bytes(speed).c_str());
  if (settled_in > 0 && settled_out > 0) {
    double bpb = decompressing ? 8.0 * double(settled_in) / double(settled_out)
                               : 8.0 * double(settled_out) / double(settled_in);
    n += std::snprintf(line + n, sizeof line - n, "  %.3f bits/byte", bpb);
  }
  if (in_total > 0 && in_done > 0 && speed > 0 && !decompressing) {
    double eta = (double(in_total) - double(in_done)) / speed;
    n += std::snprintf(line + n, sizeof line - n, "  ETA %dm%02ds", int(eta) / 60, int(eta) % 60);
  } else if (in_total > 0 && in_done > 0 && decompressing && secs > 0) {
    double eta = secs * (double(in_total) / double(in_done) - 1.0);
    n += std::snprintf(line + n, sizeof line - n, "  ETA %dm%02ds", int(eta) / 60, int(eta) % 60);
  }
  std::snprintf(line + n, sizeof line - n, "\x1b[K");
  std::fputs(line, stderr);
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
