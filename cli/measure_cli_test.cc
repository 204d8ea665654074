// End to end: the llmzip executable's score, distance, similar and bench
// commands on the testdata's trained model (stories260K). The executable is
// looked up as $LLMZIP_EXE, else ./llmzip (ctest runs these tests in the
// build's cli/ folder, beside it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/measure_classic.h"
#include "testing/testutil.h"

namespace llmzip::cli {
namespace {

std::string exe() {
  const char* e = std::getenv("LLMZIP_EXE");
  if (e && *e) return e;
  for (const char* p : {"./llmzip", "../cli/llmzip"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

struct Output {
  int status = -1;
  std::string out;
};

Output run(const std::string& args) {
  Output r;
  // -m is explicit in every test; the built-in test must not pick up $LLMZIP_MODEL.
  FILE* p = popen(("env -u LLMZIP_MODEL " + exe() + " " + args + " 2>/dev/null").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// The number after "key": in a JSON text (first occurrence after `from`).
double json_number(const std::string& s, const std::string& key, size_t from = 0) {
  size_t p = s.find("\"" + key + "\":", from);
  if (p == std::string::npos) return NAN;
  p += key.size() + 3;
  while (p < s.size() && s[p] == ' ') ++p;
  return std::strtod(s.c_str() + p, nullptr);
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Inverse of escape_token_text (\n \t \r \\ \xNN).
std::string unescape(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) { o += s[i]; continue; }
    const char c = s[++i];
    if (c == 'n') o += '\n';
    else if (c == 't') o += '\t';
    else if (c == 'r') o += '\r';
    else if (c == '\\') o += '\\';
    else if (c == 'x') { o += char(std::stoi(s.substr(i + 1, 2), nullptr, 16)); i += 2; }
  }
  return o;
}

// Splits one CSV line (RFC 4180 quoting, no embedded newlines needed here).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> f(1);
  bool q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { f.back() += '"'; ++i; }
      else if (c == '"') q = false;
      else f.back() += c;
    } else if (c == '"') q = true;
    else if (c == ',') f.emplace_back();
    else f.back() += c;
  }
  return f;
}

class MeasureCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = testutil::testdata_dir();
    if (!d) GTEST_SKIP() << "reference testdata not found (set LLMZIP_TESTDATA)";
    ASSERT_NE(exe(), "") << "llmzip executable not found: build the llmzip target or set LLMZIP_EXE";
    model_ = *d + "/models/stories260K.gguf";
    story_ = *d + "/texts/stories_sample.txt";
    english_ = *d + "/texts/plain_english.txt";
    char tmpl[] = "/tmp/llmzip-measure-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) std::system(("rm -rf " + tmp_).c_str());
  }
  std::string model_, story_, english_, tmp_;
};

TEST_F(MeasureCli, ScoreJsonNumbersAreConsistent) {
  Output r = run("score --json -T 2 -m " + model_ + " " + story_);
  ASSERT_EQ(r.status, 0) << r.out;
  const double bytes = json_number(r.out, "bytes"), chars = json_number(r.out, "chars"),
               tokens = json_number(r.out, "tokens"), bits = json_number(r.out, "model_bits");
  EXPECT_EQ(bytes, double(slurp(story_).size()));
  EXPECT_EQ(chars, bytes);  // the sample is ASCII
  EXPECT_GT(tokens, 100);
  EXPECT_GT(bits, 100);
  EXPECT_NEAR(json_number(r.out, "bits_per_byte"), bits / bytes, 1e-5);
  EXPECT_NEAR(json_number(r.out, "bits_per_char"), bits / chars, 1e-5);
  EXPECT_NEAR(json_number(r.out, "bits_per_token"), bits / tokens, 1e-5);
  EXPECT_EQ(json_number(r.out, "context"), 512);
  // A trained model on its own genre beats 2 bits/byte; English prose of
  // another kind costs it clearly more.
  EXPECT_LT(bits / bytes, 2.0);
  Output e = run("score --json -T 2 -m " + model_ + " " + english_);
  ASSERT_EQ(e.status, 0);
  EXPECT_GT(json_number(e.out, "bits_per_byte"), bits / bytes + 0.5);
}

// Score agrees with compress: the ac payload is the scored bits rounded up,
// within the coder's overhead, for one frame and for many.
TEST_F(MeasureCli, ScoreAgreesWithCompressedPayload) {
  for (const char* frame : {"", "--frame-bytes 200 "}) {
    Output s = run(std::string("score --json -T 2 ") + frame + "-m " + model_ + " " + story_);
    ASSERT_EQ(s.status, 0);
    const std::string arc = tmp_ + "/s.llmz";
    ASSERT_EQ(run(std::string("-f -q -T 2 ") + frame + "-m " + model_ + " -o " + arc + " " + story_).status, 0);
    Output info = run("info --json " + arc);
    ASSERT_EQ(info.status, 0);
    const double frames = json_number(info.out, "frames");
    EXPECT_EQ(frames, json_number(s.out, "frames")) << frame;
    EXPECT_EQ(json_number(info.out, "tokens"), json_number(s.out, "tokens")) << frame;
    const double payload_bits = json_number(info.out, "bits_per_token") * json_number(info.out, "tokens");
    const double bits = json_number(s.out, "container_bits");
    EXPECT_GE(payload_bits, bits - 0.5) << frame;
    EXPECT_LE(payload_bits, bits * 1.001 + 16 * frames) << frame;
  }
}

TEST_F(MeasureCli, TokensCsvReassemblesTheTextAndSumsToTheTotal) {
  const std::string csv = tmp_ + "/t.csv";
  Output r = run("score --json -T 2 -m " + model_ + " --tokens " + csv + " " + story_);
  ASSERT_EQ(r.status, 0);
  std::istringstream in(slurp(csv));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "offset,token_id,text,model_bits,coder_bits,stored,rank,entropy_bits");
  std::string text;
  double model_sum = 0, coder_sum = 0;
  size_t n = 0, top = 0;
  while (std::getline(in, line)) {
    const auto f = csv_split(line);
    ASSERT_EQ(f.size(), 8u) << line;
    EXPECT_EQ(std::stoull(f[0]), text.size());  // offsets are contiguous
    text += unescape(f[2]);
    const double bits = std::stod(f[3]);
    EXPECT_GE(bits, 0);
    EXPECT_GE(std::stod(f[4]), 0);
    EXPECT_EQ(f[5], "0");  // the model codes its own genre: no frame stored
    EXPECT_GE(std::stod(f[7]), 0);
    model_sum += bits;
    coder_sum += std::stod(f[4]);
    top += f[6] == "0";
    ++n;
  }
  EXPECT_EQ(text, slurp(story_));
  EXPECT_EQ(double(n), json_number(r.out, "tokens"));
  EXPECT_NEAR(model_sum, json_number(r.out, "model_bits"), 0.01 + n * 0.00005);
  EXPECT_NEAR(coder_sum, json_number(r.out, "coder_bits"), 0.01 + n * 0.00005);
  EXPECT_GT(top, n / 2);  // the model's first choice is usually right on its own genre
}

// LLMZip's memory sweep: more context, fewer bits, on a text that needs it.
TEST_F(MeasureCli, SweepContextGivesOneRowPerContext) {
  Output r = run("score --json -T 2 --sweep-context 31,127,511 -m " + model_ + " " + story_);
  ASSERT_EQ(r.status, 0);
  std::vector<double> ctx, bits;
  for (size_t p = r.out.find("{\"file\""); p != std::string::npos; p = r.out.find("{\"file\"", p + 1)) {
    ctx.push_back(json_number(r.out, "context", p));
    bits.push_back(json_number(r.out, "model_bits", p));
  }
  ASSERT_EQ(ctx.size(), 3u);
  EXPECT_EQ(ctx, (std::vector<double>{31, 127, 511}));
  EXPECT_GT(bits[0], bits[1]);
  EXPECT_GT(bits[1], bits[2]);
  Output t = run("score -T 2 --sweep-context 31,127,511 -m " + model_ + " " + story_);
  Output total = run("score -T 2 -m " + model_ + " " + story_ + " " + english_);
  ASSERT_EQ(total.status, 0);
  EXPECT_NE(total.out.find("\ntotal "), std::string::npos) << total.out;
  ASSERT_EQ(t.status, 0);
  EXPECT_NE(t.out.find("bits/char"), std::string::npos);
  EXPECT_NE(t.out.find("   31 "), std::string::npos);
}

TEST_F(MeasureCli, HtmlHasOneSpanPerToken) {
  const std::string html = tmp_ + "/s.html";
  Output r = run("score --json -T 2 -m " + model_ + " --html " + html + " " + story_);
  ASSERT_EQ(r.status, 0);
  const std::string page = slurp(html);
  size_t spans = 0;
  for (size_t p = page.find("<span class=b"); p != std::string::npos; p = page.find("<span class=b", p + 1)) ++spans;
  EXPECT_EQ(double(spans), json_number(r.out, "tokens"));  // ASCII: no merged spans
  EXPECT_NE(page.find("bits / char"), std::string::npos);
}

TEST_F(MeasureCli, UsageErrorsExitOne) {
  EXPECT_EQ(run("score -m " + model_ + " --html " + tmp_ + "/x.html " + story_ + " " + english_).status, 1);
  EXPECT_EQ(run("score -m " + model_ + " " + tmp_ + "/missing.txt").status, 1);
  EXPECT_EQ(run("distance -m " + model_ + " " + story_).status, 1);
  EXPECT_EQ(run("similar -m " + model_ + " " + story_).status, 1);
  EXPECT_EQ(run("bench").status, 1);
  EXPECT_EQ(run("score -m " + tmp_ + "/no-model.gguf " + story_).status, 1);
}

TEST_F(MeasureCli, SimilarRanksTheParaphraseFirst) {
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(tmp_ + "/" + name) << text;
    return tmp_ + "/" + name;
  };
  // A story, a paraphrase of it and another story of the same kind. (Not a
  // text of another genre: stories260K barely copies from its context, so
  // against a long, expensive text the normalised distance is ~1 + boundary
  // cost / a large C(y), which can undercut a true paraphrase.)
  const std::string q = write("q.txt",
      "Once upon a time, there was a little dog named Spot. Spot had a shiny red ball. Every day, Spot "
      "played with the red ball in the big green park. One day, the red ball rolled into the pond. Spot "
      "was sad. A kind duck swam to the ball and pushed it back to Spot. Spot was happy and said thank you "
      "to the duck. Spot and the duck played with the red ball all day.\n");
  const std::string para = write("para.txt",
      "Once upon a time, a little dog called Spot had a shiny red ball. Spot played with his red ball in "
      "the big green park every day. One day, his red ball rolled into the pond, and Spot was sad. Then a "
      "kind duck swam to the ball and pushed it back to Spot. Spot was happy. He said thank you to the "
      "duck, and Spot and the duck played with the red ball all day.\n");
  const std::string other = write("other.txt",
      "Once upon a time, there was a girl named Sue. Sue liked to bake cakes with her mom in the kitchen. "
      "One morning, they made a big chocolate cake for her dad. Sue put a yellow candle on top. When dad "
      "came home, he smiled and gave Sue a big hug. They ate the cake together and laughed. It was the "
      "best day ever.\n");
  Output r = run("similar --json -T 2 -m " + model_ + " " + q + " " + other + " " + para);
  ASSERT_EQ(r.status, 0) << r.out;
  const size_t first = r.out.find("\"rank\":1,");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(para, first), r.out.find("\"file\":", first) + 8) << r.out;
  EXPECT_LT(json_number(r.out, "nid", first), json_number(r.out, "nid", r.out.find("\"rank\":2,")));
  Output d = run("distance --json -T 2 -m " + model_ + " " + q + " " + para);
  ASSERT_EQ(d.status, 0);
  EXPECT_NEAR(json_number(d.out, "nid"), json_number(r.out, "nid", first), 1e-6);
}

TEST_F(MeasureCli, BenchRoundTripsEveryMethodAndCompressor) {
  const std::string csv = tmp_ + "/b.csv", md = tmp_ + "/b.md", svg = tmp_ + "/b.svg";
  Output r = run("bench -q -T 2 -m " + model_ + " --csv " + csv + " --markdown " + md + " --chart " + svg + " " + story_);
  ASSERT_EQ(r.status, 0);
  std::istringstream in(slurp(csv));
  std::string line;
  std::getline(in, line);
  const auto head = csv_split(line);
  ASSERT_EQ(head[4], "compressor");
  ASSERT_EQ(head[5], "compressed_bytes");
  std::vector<std::string> names;
  while (std::getline(in, line)) {
    const auto f = csv_split(line);
    ASSERT_EQ(f.size(), head.size());
    EXPECT_EQ(f.back(), "ok") << line;
    EXPECT_EQ(f[1], std::to_string(slurp(story_).size()));
    names.push_back(f[4]);
    if (f[4] == "xz -9e") {
      // The size is what xz really writes.
      FILE* p = popen(("xz -9e -c -T1 < " + story_ + " | wc -c").c_str(), "r");
      unsigned long long n = 0;
      ASSERT_EQ(std::fscanf(p, "%llu", &n), 1);
      pclose(p);
      EXPECT_EQ(f[5], std::to_string(n));
    }
    if (f[4].rfind("llmzip", 0) == 0) {
      EXPECT_EQ(std::stoull(f[7]), std::stoull(f[5]) + std::stoull(f[3]));
    }
  }
  for (const char* m : {"llmzip ac", "llmzip rank-zlib", "llmzip tbyt"})
    EXPECT_NE(std::find(names.begin(), names.end(), m), names.end()) << m;
  size_t classics = 0;
  for (const auto& c : classic_compressors()) classics += !find_on_path(c.program).empty();
  EXPECT_EQ(names.size(), 3 + classics);
  EXPECT_NE(slurp(md).find("| llmzip ac |"), std::string::npos);
  Output j = run("bench --json -T 2 -m " + model_ + " " + story_);
  ASSERT_EQ(j.status, 0);
  size_t ok = 0;
  for (size_t p = j.out.find("\"round_trip\":true"); p != std::string::npos; p = j.out.find("\"round_trip\":true", p + 1)) ++ok;
  EXPECT_EQ(ok, names.size());
  EXPECT_NE(slurp(svg).find("</svg>"), std::string::npos);
}

// The same commands on the built-in model (skipped when this build has none).
TEST(MeasureCliBuiltin, ScoreDistanceAndBenchWork) {
  ASSERT_NE(exe(), "") << "llmzip executable not found: build the llmzip target or set LLMZIP_EXE";
  char tmpl[] = "/tmp/llmzip-measure-builtin-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, a = dir + "/a.txt", b = dir + "/b.txt";
  std::ofstream(a) << "The quick brown fox jumps over the lazy dog. The dog sleeps in the sun all day long.\n";
  std::ofstream(b) << "A quick brown fox jumped over a lazy dog, and the dog slept in the sun all day.\n";
  Output probe = run("score -q -T 2 " + a);
  if (probe.status != 0) {
    std::system(("rm -rf " + dir).c_str());
    GTEST_SKIP() << "this llmzip has no built-in model";
  }
  Output sc = run("score --json -T 2 " + a);
  ASSERT_EQ(sc.status, 0);
  EXPECT_EQ(json_number(sc.out, "bytes"), 85);
  EXPECT_GT(json_number(sc.out, "model_bits"), 0);
  Output d = run("distance --json -T 2 " + a + " " + b);
  ASSERT_EQ(d.status, 0);
  EXPECT_GT(json_number(d.out, "nid"), 0);
  Output bench = run("bench --json -q -T 2 -m \"\" " + a);
  ASSERT_EQ(bench.status, 0) << bench.out;
  EXPECT_NE(bench.out.find("\"compressor\":\"llmzip tbyt\""), std::string::npos);
  EXPECT_EQ(bench.out.find("\"round_trip\":false"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace llmzip::cli
