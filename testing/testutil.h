// Helpers for tests: where the shared reference data lives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmzip::testutil {

// Directory of the reference test data: $LLMZIP_TESTDATA, else the default that
// CMake passes as $LLMZIP_TESTDATA_DEFAULT (../shared/testdata next to the repo).
// Returns nullopt when the directory does not exist; tests then GTEST_SKIP().
std::optional<std::string> testdata_dir();

// Reads a whole file; aborts the test binary on failure (test-only helper).
std::string read_file(const std::string& path);

// A golden log-probability file (testdata/golden/*.jsonl and
// models/*.golden.jsonl): a header line, then one line per position.
struct GoldenLine {
  int pos;
  int32_t token, next;
  double logprob;  // ln p(next | tokens up to pos)
};
struct Golden {
  double total_bits = 0;
  int n_tokens = 0;
  std::string text;  // the header's "text"
  std::vector<GoldenLine> lines;
  // The whole token sequence: each line's token, then the last line's next.
  std::vector<int32_t> tokens() const;
};
Golden read_golden(const std::string& path);  // aborts if unreadable, as read_file

// ln softmax(logits)[idx], in double.
double log_softmax_at(const float* logits, int n, int idx);

}  // namespace llmzip::testutil

// In a gtest body: binds `dir` to the testdata directory or skips the test.
#define LLMZIP_REQUIRE_TESTDATA(dir)                                          \
  auto dir##_opt = ::llmzip::testutil::testdata_dir();                        \
  if (!dir##_opt) GTEST_SKIP() << "reference testdata not found (set LLMZIP_TESTDATA)"; \
  const std::string dir = *dir##_opt
