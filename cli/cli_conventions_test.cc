// The command line a zstd, xz or gzip user expects (issue 14), item by item:
// command words anywhere, -t tests and -T sets threads, progress, reports that
// need -f, options that do not apply, -r, levels, -l, -S, -dcf, totals, -vv,
// per-command help, the man page / completion / README kept in step with the
// parser, one JSON document per invocation, and score measuring the model.
// End-to-end tests run the llmzip built beside them ($LLMZIP_EXE overrides)
// with the built-in model; the random-model score test needs the testdata.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/help.h"
#include "cli/progress.h"
#include "container/reader.h"
#include "testing/testutil.h"

namespace llmzip::cli {
namespace {

std::string exe() {
  const char* e = std::getenv("LLMZIP_EXE");
  if (e && *e) return e;
  char buf[4096];
  if (getcwd(buf, sizeof buf) && access((std::string(buf) + "/llmzip").c_str(), X_OK) == 0)
    return std::string(buf) + "/llmzip";
  return "";
}

struct Exec {
  int status = -1;
  std::string out, err;
};

// Runs `llmzip ARGS` in `dir` (stdin from `stdin_file`, else /dev/null).
Exec run(const std::string& dir, const std::string& args, const std::string& stdin_file = "") {
  Exec r;
  const std::string err_file = dir + "/.stderr";
  std::string cmd = "cd '" + dir + "' && env -u LLMZIP_MODEL '" + exe() + "' " + args + " 2>'" + err_file + "'";
  cmd += stdin_file.empty() ? " </dev/null" : " <'" + stdin_file + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream ef(err_file, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(ef), {});
  unlink(err_file.c_str());
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
void spit(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }
bool exists(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}
bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

// The number after "key": (first occurrence at or after `from`).
double json_number(const std::string& s, const std::string& key, size_t from = 0) {
  size_t p = s.find("\"" + key + "\":", from);
  if (p == std::string::npos) return NAN;
  return std::strtod(s.c_str() + p + key.size() + 3, nullptr);
}

// A strict JSON syntax check (RFC 8259): true when `s` is exactly one value
// followed by optional whitespace.
class JsonChecker {
 public:
  explicit JsonChecker(const std::string& s) : s_(s) {}
  bool one_document() {
    ws();
    if (!value()) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool lit(const char* w) {
    const size_t n = std::char_traits<char>::length(w);
    if (s_.compare(i_, n, w) != 0) return false;
    i_ += n;
    return true;
  }
  bool string() {
    if (s_[i_] != '"') return false;
    for (++i_; i_ < s_.size(); ++i_) {
      const unsigned char c = s_[i_];
      if (c == '"') { ++i_; return true; }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        if (s_[i_] == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
        } else if (!std::strchr("\"\\/bfnrt", s_[i_])) {
          return false;
        }
      }
    }
    return false;
  }
  bool number() {
    const size_t b = i_;
    if (s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || std::strchr(".eE+-", s_[i_]))) ++i_;
    return i_ > b && std::isdigit(static_cast<unsigned char>(s_[i_ - 1]));
  }
  bool value() {
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == close) { ++i_; return true; }
      for (;;) {
        ws();
        if (c == '{') {
          if (i_ >= s_.size() || !string()) return false;
          ws();
          if (i_ >= s_.size() || s_[i_++] != ':') return false;
        }
        if (!value()) return false;
        ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] == close) { ++i_; return true; }
        return false;
      }
    }
    if (c == '"') return string();
    if (c == 't') return lit("true");
    if (c == 'f') return lit("false");
    if (c == 'n') return lit("null");
    return number();
  }
  const std::string& s_;
  size_t i_ = 0;
};
bool one_json_document(const std::string& s) { return JsonChecker(s).one_document(); }

class Conventions : public ::testing::Test {
 protected:
  void SetUp() override {
    if (exe().empty()) GTEST_SKIP() << "llmzip executable not found";
    char tmpl[] = "/tmp/llmzip-conv-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    text_ = "The quick brown fox jumps over the lazy dog.\nIt was the best of times.\n";
    for (int i = 0; i < 6; ++i) text_ += "Line " + std::to_string(i) + ": compression with a language model.\n";
    spit(dir_ + "/a.txt", text_);
    // No built-in model in this build: every end-to-end test here needs one.
    Exec probe = run(dir_, "-q -c a.txt");
    if (probe.status != 0) GTEST_SKIP() << "this llmzip cannot compress with its built-in model: " << probe.err;
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::string dir_, text_;
};

// Item 1: a command word counts wherever it stands; a file named like a
// command goes after --.
TEST_F(Conventions, CommandWordsAnywhere) {
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  Exec r = run(dir_, "-v test a.txt.llmz");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.err, "a.txt.llmz: OK")) << r.err;
  EXPECT_EQ(run(dir_, "-q test a.txt.llmz").status, 0);
  EXPECT_EQ(run(dir_, "-T 1 test a.txt.llmz").status, 0);
  EXPECT_EQ(run(dir_, "a.txt.llmz test").status, 0);
  EXPECT_FALSE(exists(dir_ + "/test.llmz"));
  // "test" after -- is a file; it is compressed, not run as a command.
  spit(dir_ + "/test", "a file called test\n");
  r = run(dir_, "-- test");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(dir_ + "/test.llmz"));
  // Two different commands are an error that shows the way out.
  r = run(dir_, "test compress a.txt.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "llmzip -- compress")) << r.err;
  r = run(dir_, "-d test a.txt.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "-d and test")) << r.err;
}

// Item 2: -t is --test, -T sets threads (-T0: all cores).
TEST_F(Conventions, LowerTTestsUpperTSetsThreads) {
  ASSERT_EQ(run(dir_, "-T0 a.txt").status, 0);
  Exec r = run(dir_, "-t a.txt.llmz -v");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.err, "OK")) << r.err;
  EXPECT_EQ(run(dir_, "--test a.txt.llmz").status, 0);
  EXPECT_EQ(run(dir_, "--threads=2 -dc a.txt.llmz").out, text_);
  EXPECT_EQ(run(dir_, "-T 2 -dc a.txt.llmz").out, text_);
  r = run(dir_, "-t2 a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "-T N")) << r.err;
  EXPECT_FALSE(has(run(dir_, "--threads x a.txt").err, "unknown"));
  // A damaged archive fails -t.
  std::string z = slurp(dir_ + "/a.txt.llmz");
  z[z.size() / 2] ^= 1;
  spit(dir_ + "/bad.llmz", z);
  EXPECT_EQ(run(dir_, "-t bad.llmz").status, 1);
}

// Item 3: progress counts uncompressed bytes against the known total both
// ways, and shows bits/byte while compressing.
TEST(Progress, FormatShowsTotalPercentRatioAndEta) {
  EXPECT_EQ(ProgressLine::format("f", 5000, 10000, 2.5, 1.0), "f: 5.0 KB / 10.0 KB (50%)  5.0 KB/s  2.500 bits/byte  ETA 0m01s");
  EXPECT_EQ(ProgressLine::format("f", 90, -1, -1, 1.0), "f: 90 B  90 B/s");
}

TEST_F(Conventions, ProgressTracksUncompressedBytes) {
  std::string big;
  while (big.size() < 20000) big += text_;
  spit(dir_ + "/big.txt", big);
  Exec c = run(dir_, "--progress --frame-bytes 2K big.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_TRUE(has(c.err, "big.txt: ")) << c.err;
  EXPECT_TRUE(has(c.err, " / 20.")) << c.err;  // of the input's 20.x KB
  EXPECT_TRUE(has(c.err, "bits/byte")) << c.err;
  Exec d = run(dir_, "--progress -dc big.txt.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, big);
  // Decoded bytes against the original size (not compressed bytes against the file size).
  EXPECT_TRUE(has(d.err, " / 20.")) << d.err;
  EXPECT_TRUE(has(d.err, "bits/byte")) << d.err;
  // --no-progress wins; no progress either when stderr is not a terminal.
  EXPECT_FALSE(has(run(dir_, "--progress --no-progress -f big.txt").err, "\r"));
  EXPECT_FALSE(has(run(dir_, "-f big.txt").err, "\r"));
}

// Item 4: report files are outputs like any other: -f to replace one.
TEST_F(Conventions, ReportsNeedForceToReplaceAFile) {
  spit(dir_ + "/x.html", "keep me");
  spit(dir_ + "/x.csv", "keep me too");
  Exec r = run(dir_, "score --html x.html a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "x.html")) << r.err;
  EXPECT_TRUE(has(r.err, "-f")) << r.err;
  EXPECT_EQ(slurp(dir_ + "/x.html"), "keep me");
  EXPECT_EQ(run(dir_, "score --tokens x.csv a.txt").status, 1);
  EXPECT_EQ(slurp(dir_ + "/x.csv"), "keep me too");
  EXPECT_EQ(run(dir_, "score -f --html x.html --tokens x.csv a.txt").status, 0);
  EXPECT_TRUE(has(slurp(dir_ + "/x.html"), "<html"));
  EXPECT_EQ(slurp(dir_ + "/x.csv").rfind("offset,", 0), 0u);
}

// Item 5: an option that does not apply is an error naming it and the command.
TEST_F(Conventions, OptionsThatDoNotApplyAreRejected) {
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  struct Case {
    const char* args;
    const char* option;
    const char* command;
  };
  for (const Case& c : {Case{"-c --html x.html a.txt", "--html", "compress"}, Case{"info --rm a.txt.llmz", "--rm", "info"},
                        Case{"test --json a.txt.llmz", "--json", "test"}, Case{"-d --method tbyt a.txt.llmz", "--method", "decompress"},
                        Case{"list -m x.gguf a.txt.llmz", "-m", "list"}, Case{"score -19 a.txt", "-19", "score"},
                        Case{"info -c a.txt.llmz", "-c", "info"}}) {
    Exec r = run(dir_, c.args);
    EXPECT_EQ(r.status, 1) << c.args;
    EXPECT_TRUE(has(r.err, std::string("option ") + c.option + " does not apply to " + c.command)) << c.args << ": " << r.err;
  }
  EXPECT_FALSE(exists(dir_ + "/x.html"));
}

// Item 6: -r walks directories, skips links and archives, ends with a total.
TEST_F(Conventions, RecursiveWalksDirectories) {
  const std::string d = dir_ + "/tree";
  ASSERT_EQ(mkdir(d.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((d + "/sub").c_str(), 0755), 0);
  spit(d + "/one.txt", text_);
  spit(d + "/sub/two.txt", "second file\n");
  ASSERT_EQ(symlink("one.txt", (d + "/link.txt").c_str()), 0);
  ASSERT_EQ(run(dir_, "-o tree/old.llmz a.txt").status, 0);
  Exec r = run(dir_, "-r -v tree");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(d + "/one.txt.llmz"));
  EXPECT_TRUE(exists(d + "/sub/two.txt.llmz"));
  EXPECT_FALSE(exists(d + "/link.txt.llmz"));
  EXPECT_FALSE(exists(d + "/old.llmz.llmz"));
  EXPECT_TRUE(has(r.err, "link.txt: symbolic link, skipped")) << r.err;
  EXPECT_TRUE(has(r.err, "2 files compressed: ")) << r.err;
  EXPECT_TRUE(has(r.err, "2 skipped")) << r.err;
  // test and list take the archives below a directory.
  r = run(dir_, "test -r tree");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.err, "3 files tested: ")) << r.err;
  Exec l = run(dir_, "-l -r tree");
  EXPECT_EQ(l.status, 0) << l.err;
  EXPECT_TRUE(has(l.out, "3 files")) << l.out;
  // Without -r a directory is an error that names -r.
  r = run(dir_, "tree");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.err, "-r")) << r.err;
  // Decompressing -r restores the files (-f: the originals are still there).
  unlink((d + "/sub/two.txt").c_str());
  r = run(dir_, "-dr tree/sub");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(d + "/sub/two.txt"), "second file\n");
}

// Item 7: levels map to real settings, recorded in the header; a level that
// does not exist is a clear error.
TEST_F(Conventions, LevelsSetContextFrameSizeAndAdaptation) {
  std::string big;
  while (big.size() < 6000) big += text_;
  spit(dir_ + "/big.txt", big);
  struct Case {
    std::string opt;
    int level;
  };
  for (const Case& c : {Case{"-1", 1}, Case{"--fast", 1}, Case{"-5", 5}, Case{"-19", 19}, Case{"--best", 19},
                        Case{"--ultra -19", 19}, Case{"-12", 12}}) {
    const LevelSettings& lv = level_settings(c.level);
    ASSERT_EQ(run(dir_, c.opt + " -f -o l.llmz big.txt").status, 0) << c.opt;
    Exec i = run(dir_, "info --json l.llmz");
    ASSERT_EQ(i.status, 0);
    EXPECT_EQ(json_number(i.out, "context"), lv.context ? lv.context : 512) << c.opt;
    // A small input may be written as one classic frame as long as itself
    // (codec/compress.cc whole_input_choice), which records its own size.
    if (lv.frame_bytes && json_number(i.out, "frames") > 1) {
      EXPECT_EQ(json_number(i.out, "frame_bytes"), double(lv.frame_bytes)) << c.opt;
    }
    EXPECT_TRUE(has(i.out, std::string("\"adaptive\":") + (lv.adapt ? "true" : "false"))) << c.opt << i.out;
    EXPECT_EQ(run(dir_, "-dc l.llmz").out, big) << c.opt;
  }
  EXPECT_EQ(level_settings(kDefaultLevel).context, 0u);  // the default level is today's default
  // Explicit options override the level.
  ASSERT_EQ(run(dir_, "-1 --context 100 --adapt -f -o l.llmz big.txt").status, 0);
  Exec i = run(dir_, "info --json l.llmz");
  EXPECT_EQ(json_number(i.out, "context"), 100);
  EXPECT_TRUE(has(i.out, "\"adaptive\":true"));
  ASSERT_EQ(run(dir_, "--no-adapt -f -o l.llmz big.txt").status, 0);
  EXPECT_TRUE(has(run(dir_, "info --json l.llmz").out, "\"adaptive\":false"));
  for (const char* bad : {"-20", "-0", "-22 --ultra"}) {
    Exec r = run(dir_, std::string(bad) + " big.txt");
    EXPECT_EQ(r.status, 1) << bad;
    EXPECT_TRUE(has(r.err, "does not exist")) << r.err;
    EXPECT_TRUE(has(r.err, "-19")) << r.err;
  }
  // Stronger levels compress this repetitive text at least as well.
  ASSERT_EQ(run(dir_, "-1 -f -o l1.llmz big.txt").status, 0);
  ASSERT_EQ(run(dir_, "-19 -f -o l19.llmz big.txt").status, 0);
  EXPECT_LT(slurp(dir_ + "/l19.llmz").size(), slurp(dir_ + "/l1.llmz").size());
}

// Item 8: -l lists one row per file and a total, from files or stdin.
TEST_F(Conventions, ListGivesOneRowPerFileAndTotals) {
  spit(dir_ + "/b.txt", "another file\nwith two lines\n");
  ASSERT_EQ(run(dir_, "a.txt b.txt").status, 0);
  Exec l = run(dir_, "-l a.txt.llmz b.txt.llmz");
  ASSERT_EQ(l.status, 0) << l.err;
  EXPECT_TRUE(has(l.out, "a.txt.llmz\n")) << l.out;
  EXPECT_TRUE(has(l.out, "b.txt.llmz\n")) << l.out;
  EXPECT_TRUE(has(l.out, "2 files\n")) << l.out;
  const std::string total = std::to_string(text_.size() + 28);
  EXPECT_TRUE(has(l.out, " " + total + " ")) << l.out;  // the original sizes summed
  Exec j = run(dir_, "--list --json a.txt.llmz b.txt.llmz");
  ASSERT_EQ(j.status, 0);
  EXPECT_TRUE(one_json_document(j.out)) << j.out;
  EXPECT_EQ(json_number(j.out, "original_size", j.out.find("\"total\"")), double(text_.size() + 28));
  EXPECT_EQ(json_number(j.out, "compressed_size", j.out.find("\"total\"")),
            double(slurp(dir_ + "/a.txt.llmz").size() + slurp(dir_ + "/b.txt.llmz").size()));
  Exec s = run(dir_, "-l", dir_ + "/a.txt.llmz");
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_TRUE(has(s.out, "<stdin>")) << s.out;
  EXPECT_TRUE(has(s.out, " " + std::to_string(text_.size()) + " ")) << s.out;
  Exec bad = run(dir_, "-l a.txt");
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(has(bad.err, "a.txt")) << bad.err;
}

// Item 9: -S, -dcf pass-through, a total line, -vv, --progress/--no-progress.
TEST_F(Conventions, SuffixPassThroughTotalsAndVerbosity) {
  Exec r = run(dir_, "-S .lz a.txt");
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_TRUE(exists(dir_ + "/a.txt.lz"));
  unlink((dir_ + "/a.txt").c_str());
  r = run(dir_, "-d --suffix=.lz a.txt.lz");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(dir_ + "/a.txt"), text_);
  EXPECT_EQ(run(dir_, "-d a.txt.lz").status, 1);  // not the default suffix
  // -dcf: plain data passes through, archives decode, as zcat -f.
  Exec p = run(dir_, "-dcf a.txt");
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(p.out, text_);
  EXPECT_EQ(run(dir_, "-dcf a.txt.lz").out, text_);
  EXPECT_EQ(run(dir_, "-dcf", dir_ + "/a.txt").out, text_);     // from a pipe
  EXPECT_EQ(run(dir_, "-dcf", dir_ + "/a.txt.lz").out, text_);  // a pipe holding an archive
  spit(dir_ + "/e.txt", "");
  EXPECT_EQ(run(dir_, "-dcf e.txt").out, "");
  EXPECT_EQ(run(dir_, "-dc a.txt").status, 1);  // without -f it is an error
  // A total line for several files.
  spit(dir_ + "/b.txt", "second\n");
  r = run(dir_, "-v a.txt b.txt");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(has(r.err, "2 files compressed: ")) << r.err;
  EXPECT_TRUE(has(r.err, " %")) << r.err;
  // -vv says more than -v.
  Exec v = run(dir_, "-v -f a.txt"), vv = run(dir_, "-vv -f a.txt");
  ASSERT_EQ(vv.status, 0) << vv.err;
  EXPECT_TRUE(has(vv.err, "frames")) << vv.err;
  EXPECT_TRUE(has(vv.err, "KiB/s")) << vv.err;
  EXPECT_TRUE(has(vv.err, "context 512")) << vv.err;
  EXPECT_FALSE(has(v.err, "KiB/s")) << v.err;
  EXPECT_GT(vv.err.size(), v.err.size());
}

// Item 12: every command has its own help listing its options; every option
// the parser accepts is in the general help; defaults are the code's.
TEST_F(Conventions, EveryCommandHasItsHelp) {
  Exec s = run(dir_, "score --help");
  ASSERT_EQ(s.status, 0);
  for (const char* o : {"--tokens", "--html", "--sweep-context", "--context", "--no-adapt", "--json"})
    EXPECT_TRUE(has(s.out, o)) << o;
  EXPECT_FALSE(has(s.out, "--csv"));
  EXPECT_EQ(run(dir_, "help score").out, s.out);
  EXPECT_EQ(run(dir_, "-h score").out, s.out);
  Exec b = run(dir_, "help bench");
  for (const char* o : {"--csv", "--markdown", "--chart"}) EXPECT_TRUE(has(b.out, o)) << o;
  EXPECT_TRUE(has(run(dir_, "-d --help").out, "Usage: llmzip decompress"));
  Exec h = run(dir_, "--help");
  for (const auto& o : option_table()) {
    if (o.long_name) {
      EXPECT_TRUE(has(h.out, std::string("--") + o.long_name)) << o.long_name;
    }
    if (o.short_name) {
      EXPECT_TRUE(has(h.out, std::string("-") + o.short_name + ",")) << o.short_name;
    }
  }
  for (const auto& c : command_table()) EXPECT_TRUE(has(h.out, std::string("  ") + c.word + " ")) << c.word;
  EXPECT_TRUE(has(h.out, "-1 .. -19"));
  EXPECT_TRUE(has(h.out, "input size /"));  // --frame-bytes: the real default (input size / 8)
  EXPECT_EQ(run(dir_, "help nosuch").status, 1);
}

// Every option in the table parses, with and without its value, for a
// command it applies to; and none is accepted for a command it does not.
TEST(OptionTable, EveryOptionParsesWhereItApplies) {
  for (const auto& o : option_table()) {
    if (o.id == Opt::kHelp || o.id == Opt::kVersion || o.id == Opt::kLevel) continue;
    for (const auto& c : command_table()) {
      if (c.command == Command::kHelp || c.command == Command::kVersion) continue;
      std::vector<std::string> argv = {c.word};
      argv.push_back(o.long_name ? std::string("--") + o.long_name : std::string("-") + o.short_name);
      if (o.value) argv.push_back(o.id == Opt::kMethod ? "tbyt" : o.id == Opt::kSuffix ? ".x" : "64");
      auto r = parse_args(argv);
      const bool selects = o.id == Opt::kDecompress || o.id == Opt::kUncompress || o.id == Opt::kCompress ||
                           o.id == Opt::kTest || o.id == Opt::kList;
      const bool applies = o.commands & cmd_bit(c.command);
      if (selects) continue;  // a mode flag beside another command word is a conflict, tested above
      EXPECT_EQ(bool(r), applies) << argv[0] << " " << argv[1] << ": " << r.status().message();
    }
  }
  auto r = parse_args({"-19v", "-T0", "x"});
  ASSERT_TRUE(r) << r.status().message();
  EXPECT_EQ(r->level, 19);
  EXPECT_EQ(r->verbosity, 2);
  EXPECT_EQ(r->threads, 0);
  r = parse_args({"-vv", "-q", "-v", "x"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verbosity, 2);
  EXPECT_EQ(parse_args({"-vvv"})->verbosity, 4);
}

std::string source(const std::string& rel) { return slurp(std::string(LLMZIP_SOURCE_DIR) + "/" + rel); }

// Item 13: the man page and the completion are what the table generates; the
// README's option table lists exactly the options the parser has.
TEST(Docs, ManPageAndCompletionAreGeneratedFromTheTable) {
  const std::string man = source("docs/llmzip.1");
  EXPECT_EQ(man, man_page(source("bench/levels.csv")))
      << "docs/llmzip.1 is stale: build/cli/llmzip_docs man bench/levels.csv > docs/llmzip.1";
  EXPECT_EQ(source("docs/llmzip.bash"), bash_completion())
      << "docs/llmzip.bash is stale: build/cli/llmzip_docs bash > docs/llmzip.bash";
  for (const auto& o : option_table())
    if (o.long_name) {
      std::string roff = "\\-\\-";  // every dash of the name is escaped in roff
      for (const char* p = o.long_name; *p; ++p) roff += *p == '-' ? std::string("\\-") : std::string(1, *p);
      EXPECT_TRUE(has(man, roff)) << o.long_name;
    }
  for (int l = kMinLevel; l <= kMaxLevel; ++l)
    EXPECT_EQ(count(source("bench/levels.csv"), "\n" + std::to_string(l) + ","), 2u) << "level " << l;
  const std::string bash = bash_completion();
  for (const auto& c : command_table()) EXPECT_TRUE(has(bash, c.word)) << c.word;
}

TEST(Docs, ReadmeOptionTableMatchesTheParser) {
  const std::string readme = source("README.md");
  const size_t begin = readme.find("| option | meaning |");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = readme.find("\n\n", begin);
  const std::string table = readme.substr(begin, end - begin);
  // Every option spelled in the table's first column exists; every option exists in the table.
  std::set<std::string> in_table;
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string first = line.substr(2, line.find(" |", 2) - 2);
    for (size_t p = first.find('`'); p != std::string::npos; p = first.find('`', p + 1)) {
      const size_t q = first.find('`', p + 1);
      std::string spelled = first.substr(p + 1, q - p - 1);
      spelled = spelled.substr(0, spelled.find(' '));
      spelled = spelled.substr(0, spelled.find('='));
      in_table.insert(spelled);
      p = q;
    }
  }
  for (const auto& o : option_table()) {
    if (o.id == Opt::kLevel) {
      EXPECT_TRUE(in_table.count("-1")) << "levels";
      continue;
    }
    if (o.long_name) {
      EXPECT_TRUE(in_table.count(std::string("--") + o.long_name)) << "README lacks --" << o.long_name;
    }
    if (o.short_name) {
      EXPECT_TRUE(in_table.count(std::string("-") + o.short_name)) << "README lacks -" << o.short_name;
    }
  }
  for (const auto& s : in_table) {
    bool known = s == "-1" || s == "-19";
    for (const auto& o : option_table()) {
      known |= o.long_name && s == std::string("--") + o.long_name;
      known |= o.short_name && s == std::string("-") + o.short_name;
    }
    for (const auto& c : command_table()) known |= s == c.word;
    EXPECT_TRUE(known) << "README lists " << s << ", which the parser does not know";
  }
  // Item 14: where the binary is and how to install it.
  EXPECT_TRUE(has(readme, "build/cli/llmzip"));
  EXPECT_TRUE(has(readme, "cmake --install"));
}

// Item 15: one JSON document per invocation, errors inside it with their code.
TEST_F(Conventions, JsonIsOneDocumentWithErrorsInside) {
  spit(dir_ + "/b.txt", "second\n");
  ASSERT_EQ(run(dir_, "a.txt b.txt").status, 0);
  Exec i = run(dir_, "info --json a.txt.llmz b.txt.llmz");
  ASSERT_EQ(i.status, 0);
  EXPECT_TRUE(one_json_document(i.out)) << i.out;
  EXPECT_EQ(count(i.out, "\"file\":"), 2u);
  Exec e = run(dir_, "info --json a.txt.llmz missing.llmz");
  EXPECT_EQ(e.status, 1);
  EXPECT_TRUE(one_json_document(e.out)) << e.out;
  EXPECT_TRUE(has(e.out, "\"errors\":[{\"code\":\"io\",\"code_value\":1,")) << e.out;
  EXPECT_TRUE(has(e.out, "missing.llmz")) << e.out;
  Exec c = run(dir_, "info --json a.txt");  // not an archive
  EXPECT_EQ(c.status, 1);
  EXPECT_TRUE(one_json_document(c.out)) << c.out;
  EXPECT_TRUE(has(c.out, "\"code\":\"bad_magic\"")) << c.out;
  Exec p = run(dir_, "score --json --no-such-option a.txt");  // does not even parse
  EXPECT_EQ(p.status, 1);
  EXPECT_TRUE(one_json_document(p.out)) << p.out;
  EXPECT_TRUE(has(p.out, "\"code\":\"invalid_argument\"")) << p.out;
  Exec s = run(dir_, "score --json a.txt missing.txt");
  EXPECT_EQ(s.status, 1);
  EXPECT_TRUE(one_json_document(s.out)) << s.out;
  EXPECT_TRUE(has(s.out, "\"results\":[{\"file\":\"a.txt\"")) << s.out;
  EXPECT_TRUE(has(s.out, "\"errors\":[")) << s.out;
  // distance names its texts as similar does: query, file.
  Exec d = run(dir_, "distance --json a.txt b.txt");
  ASSERT_EQ(d.status, 0);
  EXPECT_TRUE(one_json_document(d.out)) << d.out;
  EXPECT_TRUE(has(d.out, "\"query\":\"a.txt\",\"file\":\"b.txt\"")) << d.out;
  Exec sim = run(dir_, "similar --json a.txt b.txt");
  EXPECT_TRUE(one_json_document(sim.out)) << sim.out;
  EXPECT_TRUE(has(sim.out, "\"query\":\"a.txt\",\"candidates\":[{\"rank\":1,\"file\":\"b.txt\"")) << sim.out;
  for (const char* cmd : {"-l --json a.txt.llmz", "tokenize --json a.txt", "score --json a.txt"}) {
    Exec r = run(dir_, cmd);
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_TRUE(one_json_document(r.out)) << cmd << ": " << r.out;
  }
  // tokenize --json: the pieces' bytes in hex concatenate to the input.
  Exec t = run(dir_, "tokenize --json a.txt");
  std::string bytes;
  for (size_t q = t.out.find("\"hex\":\""); q != std::string::npos; q = t.out.find("\"hex\":\"", q + 1)) {
    for (size_t k = q + 7; t.out[k] != '"'; k += 2) bytes += char(std::stoi(t.out.substr(k, 2), nullptr, 16));
  }
  EXPECT_EQ(bytes, text_);
  EXPECT_TRUE(has(t.out, "\"file\":\"a.txt\""));
}

// info's bits/token is the payload of the frames that have tokens over their
// tokens: the classic and stored frames of a mixed file do not count.
TEST_F(Conventions, InfoBitsPerTokenCountsOnlyFramesWithTokens) {
  const std::string path = std::string(LLMZIP_SOURCE_DIR) + "/codec/testdata/v2_mixed.llmz";
  const std::string bytes = slurp(path);
  auto r = container::ArchiveReader::open(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  uint64_t coded_payload = 0, other = 0;
  for (size_t i = 0; i < r->frame_count(); ++i)
    (container::frame_kind_has_tokens(r->frame_header(i).kind) ? coded_payload : other) += r->entry(i).payload_size;
  ASSERT_GT(other, 0u);  // the file has classic or stored frames
  Exec e = run(dir_, "info --json '" + path + "'");
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_NEAR(json_number(e.out, "bits_per_token") * json_number(e.out, "tokens"), 8.0 * double(coded_payload), 0.01);
}

// Item 16: a model worse than 8 bits/byte still gets its numbers: every token
// scored with the model's bits, beside them the coder's and the container's.
TEST_F(Conventions, ScoreMeasuresTheModelNotTheContainer) {
  LLMZIP_REQUIRE_TESTDATA(td);
  const std::string model = td + "/models/rand-llama-tied.Q8_0.gguf";
  const std::string text = td + "/texts/plain_english.txt";
  const double bytes = double(slurp(text).size());
  // --no-adapt: the coder is the model alone, so it too is worse than 8 bits/byte.
  Exec r = run(dir_, "score --json --no-adapt -T 2 -m '" + model + "' --tokens t.csv '" + text + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  const double tokens = json_number(r.out, "tokens"), model_bits = json_number(r.out, "model_bits");
  EXPECT_GT(tokens, 100);
  EXPECT_GT(model_bits, 8.0 * bytes);  // a random model: worse than storing the bytes
  EXPECT_NEAR(json_number(r.out, "bits_per_byte"), model_bits / bytes, 1e-5);
  EXPECT_NEAR(json_number(r.out, "bits_per_token"), model_bits / tokens, 1e-5);
  EXPECT_GT(json_number(r.out, "coder_bits"), 0);
  // The container stores every frame: exactly 8 bits a byte.
  EXPECT_EQ(json_number(r.out, "container_bits"), 8.0 * bytes);
  EXPECT_EQ(json_number(r.out, "stored_frames"), json_number(r.out, "frames"));
  // One CSV row per token, each with the model's bits, marked as stored.
  std::istringstream csv(slurp(dir_ + "/t.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "offset,token_id,text,model_bits,coder_bits,stored,rank,entropy_bits");
  size_t n = 0;
  double sum = 0;
  while (std::getline(csv, line)) {
    ++n;
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    ASSERT_GE(f.size(), 8u) << line;  // (a quoted text cell with a comma splits in two: count from the end)
    sum += std::stod(f[f.size() - 5]);
    EXPECT_EQ(f[f.size() - 3], "1") << line;
  }
  EXPECT_EQ(double(n), tokens);
  EXPECT_GT(sum, 0.9 * model_bits);
  // The model's bits do not depend on the adaptive predictor beside it.
  Exec ad = run(dir_, "score --json --adapt -T 2 -m '" + model + "' '" + text + "'");
  ASSERT_EQ(ad.status, 0) << ad.err;
  EXPECT_EQ(json_number(ad.out, "model_bits"), model_bits);
  EXPECT_EQ(json_number(ad.out, "tokens"), tokens);
  // The human table shows the same three numbers.
  Exec h = run(dir_, "score --no-adapt -m '" + model + "' '" + text + "'");
  ASSERT_EQ(h.status, 0);
  EXPECT_TRUE(has(h.out, "coder bits/byte")) << h.out;
  EXPECT_TRUE(has(h.out, "8.0000\n")) << h.out;  // the container column
}

}  // namespace
}  // namespace llmzip::cli
