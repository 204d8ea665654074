#include "testing/testutil.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace llmzip::testutil {

std::optional<std::string> testdata_dir() {
  for (const char* var : {"LLMZIP_TESTDATA", "LLMZIP_TESTDATA_DEFAULT"}) {
    const char* v = std::getenv(var);
    if (!v || !*v) continue;
    struct stat st;
    std::string p(v);
    if (stat((p + "/README.md").c_str(), &st) == 0) return p;
  }
#ifdef LLMZIP_TESTDATA_BUILTIN
  struct stat st;
  std::string p(LLMZIP_TESTDATA_BUILTIN);
  if (stat((p + "/README.md").c_str(), &st) == 0) return p;
#endif
  return std::nullopt;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "test helper: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// Value of "key" in a flat JSON object line: a number, or a string's contents.
double json_num(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const size_t at = line.find(k);
  if (at == std::string::npos) return NAN;
  return std::strtod(line.c_str() + at + k.size(), nullptr);
}
std::string json_str(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  const size_t at = line.find(k);
  if (at == std::string::npos) return "";
  const size_t end = line.find('"', at + k.size());
  return line.substr(at + k.size(), end - at - k.size());
}

}  // namespace

std::vector<int32_t> Golden::tokens() const {
  std::vector<int32_t> out;
  for (const GoldenLine& l : lines) out.push_back(l.token);
  if (!lines.empty()) out.push_back(lines.back().next);
  return out;
}

Golden read_golden(const std::string& path) {
  Golden g;
  std::istringstream in(read_file(path));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (header) {
      g.total_bits = json_num(line, "total_bits");
      g.n_tokens = static_cast<int>(json_num(line, "n_tokens"));
      g.text = json_str(line, "text");
      header = false;
      continue;
    }
    g.lines.push_back({static_cast<int>(json_num(line, "pos")), static_cast<int32_t>(json_num(line, "token")),
                       static_cast<int32_t>(json_num(line, "next")), json_num(line, "logprob")});
  }
  return g;
}

double log_softmax_at(const float* logits, int n, int idx) {
  double mx = -INFINITY;
  for (int i = 0; i < n; ++i) mx = std::max(mx, static_cast<double>(logits[i]));
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - mx);
  return static_cast<double>(logits[idx]) - mx - std::log(sum);
}

}  // namespace llmzip::testutil
