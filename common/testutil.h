// Helpers for tests: where the shared reference data lives.
#pragma once

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

}  // namespace llmzip::testutil

// In a gtest body: binds `dir` to the testdata directory or skips the test.
#define LLMZIP_REQUIRE_TESTDATA(dir)                                          \
  auto dir##_opt = ::llmzip::testutil::testdata_dir();                        \
  if (!dir##_opt) GTEST_SKIP() << "reference testdata not found (set LLMZIP_TESTDATA)"; \
  const std::string dir = *dir##_opt
