#include "cli/measure_classic.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace llmzip::cli {
namespace {

std::string text_sample() {
  std::string s;
  for (int i = 0; i < 200; ++i) s += "The quick brown fox jumps over the lazy dog " + std::to_string(i % 17) + ".\n";
  return s;
}

TEST(MeasureClassic, FindOnPath) {
  EXPECT_NE(find_on_path("sh"), "");
  EXPECT_EQ(find_on_path("llmzip-no-such-program-42"), "");
  EXPECT_EQ(find_on_path("/bin/sh"), "/bin/sh");
}

// Every compressor present on this machine round-trips and compresses text.
TEST(MeasureClassic, EachAvailableCompressorRoundTrips) {
  const std::string data = text_sample();
  int found = 0;
  for (const auto& c : classic_compressors()) {
    const std::string exe = find_on_path(c.program);
    if (exe.empty()) continue;
    ++found;
    auto run = run_classic(c, exe, data);
    ASSERT_TRUE(run) << c.name << ": " << run.status().message();
    EXPECT_TRUE(run->round_trip_ok) << c.name;
    EXPECT_GT(run->compressed_bytes, 0u) << c.name;
    EXPECT_LT(run->compressed_bytes, data.size() / 4) << c.name;
    EXPECT_GT(run->compress_seconds, 0.0);
    EXPECT_GT(run->decompress_seconds, 0.0);
  }
  if (found == 0) GTEST_SKIP() << "no classic compressor on PATH";
}

// The measured size is the compressor's real output size.
TEST(MeasureClassic, SizeMatchesDirectRun) {
  const std::string exe = find_on_path("gzip");
  if (exe.empty()) GTEST_SKIP() << "gzip not on PATH";
  const std::string data = text_sample();
  const ClassicCompressor* gzip = nullptr;
  for (const auto& c : classic_compressors())
    if (c.program == "gzip") gzip = &c;
  ASSERT_NE(gzip, nullptr);
  auto run = run_classic(*gzip, exe, data);
  ASSERT_TRUE(run);
  char path[] = "/tmp/llmzip-classic-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  FILE* f = fdopen(fd, "wb");
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  FILE* p = popen(("gzip -9 -c -n < " + std::string(path) + " | wc -c").c_str(), "r");
  ASSERT_NE(p, nullptr);
  unsigned long long n = 0;
  ASSERT_EQ(std::fscanf(p, "%llu", &n), 1);
  pclose(p);
  std::remove(path);
  EXPECT_EQ(run->compressed_bytes, n);
}

TEST(MeasureClassic, FailingProgramIsAnErrorNamingIt) {
  const std::string exe = find_on_path("false");
  if (exe.empty()) GTEST_SKIP() << "false not on PATH";
  ClassicCompressor c{"broken", "false", {}, {}, false};
  auto run = run_classic(c, exe, "abc");
  ASSERT_FALSE(run);
  EXPECT_NE(run.status().message().find("broken"), std::string::npos);
  EXPECT_NE(run.status().message().find("exit status 1"), std::string::npos);
}

// A "decompressor" that loses bytes is caught by the round-trip check.
TEST(MeasureClassic, LossyRoundTripIsReported) {
  const std::string exe = find_on_path("head");
  if (exe.empty()) GTEST_SKIP() << "head not on PATH";
  ClassicCompressor c{"lossy", "head", {"-c", "1000000"}, {"-c", "3"}, false};
  auto run = run_classic(c, exe, "abcdef");
  ASSERT_TRUE(run) << run.status().message();
  EXPECT_EQ(run->compressed_bytes, 6u);
  EXPECT_FALSE(run->round_trip_ok);
}

TEST(MeasureClassic, ListIsTheIssuesStrongestSettings) {
  std::vector<std::string> names;
  for (const auto& c : classic_compressors()) names.push_back(c.name);
  for (const char* want : {"xz -9e", "zstd --ultra -22", "bzip2 -9", "brotli -q 11", "zpaq -m5"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

}  // namespace
}  // namespace llmzip::cli
