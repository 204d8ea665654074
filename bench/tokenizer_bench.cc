// tokenizer_bench: encode speed (MB/s on one core) of llmzip's GGUF tokenizers.
//
// Usage: tokenizer_bench [--frame BYTES] [--repeat N] [--text FILE]... [VOCAB.gguf...]
//
// The text (default: every licence text in /usr/share/common-licenses,
// about 300 KB of English on Debian, plus the testdata English texts) is cut into frames of --frame bytes (default 8192: the codec's default of 4
// bytes per context token at a 2048-token context) and each frame is encoded by a separate encode() call, as
// the codec does. "cold" is the best of --repeat (default 3) first passes,
// each with a freshly built tokenizer (its per-thread word cache starts
// empty); "warm" is the best of --repeat further passes, the steady state of a
// long input. Without
// vocabularies it runs every vocabulary in $LLMZIP_TESTDATA/vocab and
// models/stories260K.gguf.
//
// Speeds are bytes per second of this thread's CPU time (per core, fair on a
// shared machine). Output: one line per vocabulary with cold and warm MB/s, tokens,
// bytes/token, the bytes that went through byte fallback and an id checksum
// (to compare builds), then the same as CSV lines prefixed "csv,".
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// CPU time of this thread: "MB/s per core" even when other processes share
// the cores (wall time would count their share too).
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string testdata_dir() {
  if (const char* e = std::getenv("LLMZIP_TESTDATA")) return e;
  for (const char* cand : {"../shared/testdata", "../../shared/testdata"}) {
    if (std::filesystem::is_directory(cand)) return cand;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  size_t frame = 8192;
  int repeat = 3;
  std::vector<std::string> texts, vocabs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--frame" && i + 1 < argc) {
      frame = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (a == "--text" && i + 1 < argc) {
      texts.push_back(argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::fprintf(stderr, "usage: %s [--frame BYTES] [--repeat N] [--text FILE]... [VOCAB.gguf...]\n", argv[0]);
      return 0;
    } else {
      vocabs.push_back(a);
    }
  }
  const std::string td = testdata_dir();
  if (texts.empty()) {
    const std::filesystem::path lic = "/usr/share/common-licenses";
    if (std::filesystem::is_directory(lic)) {
      for (const auto& e : std::filesystem::directory_iterator(lic)) {
        if (e.is_regular_file() && !e.is_symlink()) texts.push_back(e.path().string());
      }
      std::sort(texts.begin(), texts.end());
    }
    if (!td.empty()) {
      texts.push_back(td + "/texts/plain_english.txt");
      texts.push_back(td + "/texts/stories_sample.txt");
    }
  }
  if (vocabs.empty() && !td.empty()) {
    for (const char* v : {"llama-spm", "phi-3", "llama-bpe", "qwen2", "qwen35", "gpt-2", "falcon", "starcoder",
                          "deepseek-llm", "deepseek-coder", "mpt", "refact"}) {
      vocabs.push_back(td + "/vocab/ggml-vocab-" + v + ".gguf");
    }
    vocabs.push_back(td + "/models/stories260K.gguf");
  }
  std::string text;
  for (const std::string& t : texts) text += read_file(t);
  if (text.empty() || vocabs.empty() || frame == 0 || repeat < 1) {
    std::fprintf(stderr, "nothing to do: need text, vocabularies, --frame > 0 and --repeat >= 1\n");
    return 2;
  }
  std::printf("text: %zu bytes in %zu frames of <= %zu bytes; best of %d cold and %d warm passes\n", text.size(),
              (text.size() + frame - 1) / frame, frame, repeat, repeat);
  std::vector<std::string> csv;
  int rc = 0;
  for (const std::string& path : vocabs) {
    auto file = llmzip::gguf::GgufFile::open(path);
    if (!file) {
      std::fprintf(stderr, "%s\n", file.status().to_string().c_str());
      rc = 1;
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto tok = llmzip::tokenizer::Tokenizer::from_gguf(**file);
    const double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!tok) {
      std::fprintf(stderr, "%s\n", tok.status().to_string().c_str());
      rc = 1;
      continue;
    }
    double best = 1e300, cold = 1e300;
    size_t n_tokens = 0, fallback = 0;
    uint64_t checksum = 0;
    bool failed = false;
    // Passes 0..repeat-1 are cold (each on a freshly built tokenizer, whose
    // word cache starts empty), the next `repeat` are warm.
    for (int r = 0; r < 2 * repeat && !failed; ++r) {
      if (r > 0 && r < repeat) tok = llmzip::tokenizer::Tokenizer::from_gguf(**file);
      n_tokens = fallback = 0;
      checksum = 0;
      const double s = thread_cpu_seconds();
      for (size_t off = 0; off < text.size(); off += frame) {
        llmzip::tokenizer::EncodeStats stats;
        auto ids = (*tok)->encode(std::string_view(text).substr(off, frame), &stats);
        if (!ids) {
          std::fprintf(stderr, "%s\n", ids.status().to_string().c_str());
          failed = true;
          break;
        }
        n_tokens += ids->size();
        fallback += stats.byte_fallback_bytes;
        for (int32_t id : *ids) checksum = checksum * 1000003u + static_cast<uint32_t>(id);
      }
      const double secs = thread_cpu_seconds() - s;
      if (r < repeat) {
        cold = std::min(cold, secs);
      } else {
        best = std::min(best, secs);
      }
    }
    if (failed) {
      rc = 1;
      continue;
    }
    const std::string name = std::filesystem::path(path).stem().string();
    const double mbps = static_cast<double>(text.size()) / 1e6 / best;
    const double cold_mbps = static_cast<double>(text.size()) / 1e6 / cold;
    std::printf("%-26s cold %7.2f MB/s  warm %7.2f MB/s  %8zu tokens  %5.2f B/token  fallback %zu B  load %.0f ms  ids %016llx\n",
                name.c_str(), cold_mbps, mbps, n_tokens, static_cast<double>(text.size()) / static_cast<double>(n_tokens),
                fallback, load_ms, static_cast<unsigned long long>(checksum));
    char line[256];
    std::snprintf(line, sizeof line, "csv,%s,%zu,%zu,%.3f,%.3f,%zu,%zu,%.0f", name.c_str(), text.size(), frame,
                  cold_mbps, mbps, n_tokens, fallback, load_ms);
    csv.push_back(line);
  }
  std::printf("csv,vocab,text_bytes,frame_bytes,cold_mb_per_s,warm_mb_per_s,tokens,byte_fallback_bytes,load_ms\n");
  for (const std::string& l : csv) std::printf("%s\n", l.c_str());
  return rc;
}
