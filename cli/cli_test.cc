// The llmzip executable's file handling, gzip/zstd style: names, -c/-o/-f/-k/--rm,
// stdin/stdout, exit status and one-line errors, no temporary files left behind,
// and the info/test/tokenize commands. Runs the binary built beside the test
// ($LLMZIP_EXE overrides) with the built-in model.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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

// Runs `llmzip ARGS` in `dir` with optional stdin from a file.
Exec run(const std::string& dir, const std::string& args, const std::string& stdin_file = "") {
  Exec r;
  std::string err_file = dir + "/.stderr";
  std::string cmd = "cd '" + dir + "' && '" + exe() + "' " + args + " 2>'" + err_file + "'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  else cmd += " </dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
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
void spit(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}
bool exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}
std::vector<std::string> list_dir(const std::string& d) {
  std::vector<std::string> out;
  DIR* dp = opendir(d.c_str());
  while (dirent* e = readdir(dp))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
  closedir(dp);
  return out;
}
int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (exe().empty()) GTEST_SKIP() << "llmzip executable not found";
    char tmpl[] = "/tmp/llmzip-cli-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    text_ = "The quick brown fox jumps over the lazy dog.\nIt was the best of times.\n";
    for (int i = 0; i < 6; ++i) text_ += "Line " + std::to_string(i) + ": compression with a language model.\n";
    spit(dir_ + "/a.txt", text_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  // No temporary output files may ever remain.
  void expect_no_temp_files() {
    for (const auto& n : list_dir(dir_)) EXPECT_EQ(n.find("llmzip-tmp"), std::string::npos) << n;
  }
  std::string dir_, text_;
};

TEST_F(Cli, CompressKeepsInputAndDecompressRestoresIt) {
  Exec c = run(dir_, "a.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_TRUE(exists(dir_ + "/a.txt"));
  ASSERT_TRUE(exists(dir_ + "/a.txt.llmz"));
  // Decompressing onto the existing a.txt needs -f.
  Exec d = run(dir_, "-d a.txt.llmz");
  EXPECT_EQ(d.status, 1);
  EXPECT_EQ(count_lines(d.err), 1) << d.err;
  EXPECT_NE(d.err.find("a.txt"), std::string::npos) << d.err;
  EXPECT_NE(d.err.find("-f"), std::string::npos) << d.err;
  EXPECT_EQ(slurp(dir_ + "/a.txt"), text_);
  unlink((dir_ + "/a.txt").c_str());
  d = run(dir_, "-d a.txt.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(slurp(dir_ + "/a.txt"), text_);
  EXPECT_TRUE(exists(dir_ + "/a.txt.llmz"));  // kept by default
  // Compressing again without -f refuses; with -f replaces.
  EXPECT_EQ(run(dir_, "a.txt").status, 1);
  EXPECT_EQ(run(dir_, "-f a.txt").status, 0);
  expect_no_temp_files();
}

TEST_F(Cli, OutputKeepsOwnerGroupModeAndTime) {
  const std::string a = dir_ + "/a.txt";
  ASSERT_EQ(chmod(a.c_str(), 0640), 0);
  struct timespec ts[2] = {{1000000000, 0}, {1234567890, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, a.c_str(), ts, 0), 0);
  const bool root = geteuid() == 0;
  if (root) {
    ASSERT_EQ(chown(a.c_str(), 12345, 23456), 0);
  }
  struct stat in;
  ASSERT_EQ(stat(a.c_str(), &in), 0);
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  struct stat out;
  ASSERT_EQ(stat((a + ".llmz").c_str(), &out), 0);
  EXPECT_EQ(out.st_mode & 07777, 0640u);
  EXPECT_EQ(out.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(out.st_uid, in.st_uid);
  EXPECT_EQ(out.st_gid, in.st_gid);
  unlink(a.c_str());
  ASSERT_EQ(run(dir_, "-d a.txt.llmz").status, 0);
  struct stat back;
  ASSERT_EQ(stat(a.c_str(), &back), 0);
  EXPECT_EQ(back.st_mode & 07777, 0640u);
  EXPECT_EQ(back.st_mtim.tv_sec, 1234567890);
  EXPECT_EQ(back.st_uid, in.st_uid);
  EXPECT_EQ(back.st_gid, in.st_gid);
  if (!root) GTEST_SKIP() << "owner and mode kept; giving a file away needs root";
}

TEST_F(Cli, ConcatenatedFilesDecodeToTheConcatenation) {
  const std::string b = "A second file.\nWith two lines.\n";
  spit(dir_ + "/b.txt", b);
  // -c with several inputs writes them back to back, as gzip and zstd do.
  Exec c = run(dir_, "-c a.txt b.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  spit(dir_ + "/ab.llmz", c.out);
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  ASSERT_EQ(run(dir_, "b.txt").status, 0);
  EXPECT_EQ(slurp(dir_ + "/ab.llmz"), slurp(dir_ + "/a.txt.llmz") + slurp(dir_ + "/b.txt.llmz"));
  Exec d = run(dir_, "-dc ab.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, text_ + b);
  d = run(dir_, "-d", dir_ + "/ab.llmz");  // from a pipe
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, text_ + b);
  EXPECT_EQ(run(dir_, "test ab.llmz").status, 0);
  Exec i = run(dir_, "info --json ab.llmz");
  ASSERT_EQ(i.status, 0) << i.err;
  EXPECT_EQ(count_lines(i.out), 1) << i.out;  // one JSON document, a member per entry
  EXPECT_EQ(i.out.rfind("{\"files\":[{", 0), 0u) << i.out;
  EXPECT_NE(i.out.find("\"original_size\":" + std::to_string(b.size()) + ","), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("\"member\":2,\"members\":2,"), std::string::npos) << i.out;
  // Anything after a footer that is not a whole .llmz file is an error, and
  // decompressing to a file then leaves nothing behind.
  spit(dir_ + "/bad.llmz", slurp(dir_ + "/ab.llmz") + "junk");
  Exec e = run(dir_, "-d bad.llmz");
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("bytes after the footer"), std::string::npos) << e.err;
  EXPECT_FALSE(exists(dir_ + "/bad"));
  expect_no_temp_files();
}

TEST_F(Cli, RmRemovesInputOnlyAfterSuccess) {
  Exec c = run(dir_, "--rm a.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_FALSE(exists(dir_ + "/a.txt"));
  Exec d = run(dir_, "-d --rm a.txt.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_FALSE(exists(dir_ + "/a.txt.llmz"));
  EXPECT_EQ(slurp(dir_ + "/a.txt"), text_);
}

TEST_F(Cli, PipesAndExplicitOutput) {
  Exec c = run(dir_, "", dir_ + "/a.txt");  // stdin -> stdout
  ASSERT_EQ(c.status, 0) << c.err;
  spit(dir_ + "/piped.llmz", c.out);
  Exec d = run(dir_, "-d", dir_ + "/piped.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, text_);
  // -c writes to stdout and keeps everything; -o names the output.
  Exec cc = run(dir_, "-c a.txt");
  ASSERT_EQ(cc.status, 0);
  spit(dir_ + "/c.llmz", cc.out);
  EXPECT_EQ(run(dir_, "-dc c.llmz").out, text_);
  ASSERT_EQ(run(dir_, "-o other.llmz a.txt").status, 0);
  ASSERT_EQ(run(dir_, "-d -o back.txt other.llmz").status, 0);
  EXPECT_EQ(slurp(dir_ + "/back.txt"), text_);
  ASSERT_EQ(run(dir_, "-dc other.llmz").out, text_);
  // Several files at once.
  spit(dir_ + "/b.txt", "second file\n");
  spit(dir_ + "/empty.txt", "");
  ASSERT_EQ(run(dir_, "-f a.txt b.txt empty.txt").status, 0);
  unlink((dir_ + "/b.txt").c_str());
  unlink((dir_ + "/empty.txt").c_str());
  ASSERT_EQ(run(dir_, "-d b.txt.llmz empty.txt.llmz").status, 0);
  EXPECT_EQ(slurp(dir_ + "/b.txt"), "second file\n");
  EXPECT_TRUE(exists(dir_ + "/empty.txt"));
  EXPECT_EQ(slurp(dir_ + "/empty.txt"), "");
}

TEST_F(Cli, ErrorsAreOneLineAndLeaveNothingBehind) {
  Exec r = run(dir_, "missing.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos);
  r = run(dir_, "-d a.txt");  // wrong suffix
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("a.txt"), std::string::npos);
  r = run(dir_, "--no-such-option a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos);
  // A damaged archive: error, exit 1, no output file, no temp file.
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  std::string z = slurp(dir_ + "/a.txt.llmz");
  z[z.size() / 2] ^= 0x10;
  spit(dir_ + "/bad.llmz", z);
  r = run(dir_, "-d bad.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("bad.llmz"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir_ + "/bad"));
  r = run(dir_, "test bad.llmz");
  EXPECT_EQ(r.status, 1);
  r = run(dir_, "test a.txt.llmz");
  EXPECT_EQ(r.status, 0) << r.err;
  // Truncated.
  spit(dir_ + "/short.llmz", z.substr(0, z.size() - 7));
  EXPECT_EQ(run(dir_, "-d short.llmz").status, 1);
  EXPECT_FALSE(exists(dir_ + "/short"));
  expect_no_temp_files();
}

TEST_F(Cli, NeverDestroysTheInput) {
  // The output may not be the input itself, even with -f (and --rm).
  Exec r = run(dir_, "-f --rm -o a.txt a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("same file"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ + "/a.txt"), text_);
  // --rm from stdin with -o: verification decodes the new file, no reread of "-".
  r = run(dir_, "--rm -o piped.llmz", dir_ + "/a.txt");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run(dir_, "-dc piped.llmz").out, text_);
  // Output permissions follow the usual 0666 & ~umask for stdin input.
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/piped.llmz").c_str(), &st), 0);
  mode_t um = umask(0);
  umask(um);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~um);
}

TEST_F(Cli, InfoAndVersion) {
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  Exec i = run(dir_, "info --json a.txt.llmz");
  ASSERT_EQ(i.status, 0) << i.err;
  EXPECT_NE(i.out.find("\"original_size\":" + std::to_string(text_.size())), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("\"method\":\"ac\""), std::string::npos) << i.out;
  Exec v = run(dir_, "--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("llmzip ", 0), 0u) << v.out;
  // The format it writes is the one the file's header carries (bytes 8-9, little-endian).
  std::string head = slurp(dir_ + "/a.txt.llmz").substr(0, 10);
  ASSERT_EQ(head.size(), 10u);
  const unsigned written = static_cast<unsigned char>(head[8]) | static_cast<unsigned char>(head[9]) << 8;
  EXPECT_NE(v.out.find("writes .llmz format " + std::to_string(written) + ","), std::string::npos) << v.out;
  Exec h = run(dir_, "--help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("Usage"), std::string::npos);
}

// ops/ decides what LLMZIP_SIMD means but does not print; the command says it, once.
TEST_F(Cli, ExplainsAnLlmzipSimdItCannotHonour) {
  const char* outer = std::getenv("LLMZIP_SIMD");
  const std::string saved = outer ? outer : "";
  setenv("LLMZIP_SIMD", "neon9", 1);
  Exec v = run(dir_, "--version");
  unsetenv("LLMZIP_SIMD");
  Exec plain = run(dir_, "--version");
  if (outer) setenv("LLMZIP_SIMD", saved.c_str(), 1);
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.err.rfind("llmzip: LLMZIP_SIMD=neon9 not understood (scalar|avx2|avx512); using ", 0), 0u) << v.err;
  EXPECT_EQ(count_lines(v.err), 1) << v.err;
  EXPECT_EQ(plain.err, "");
}

TEST_F(Cli, OtherModelIsRefusedByName) {
  LLMZIP_REQUIRE_TESTDATA(td);
  std::string m = td + "/models/stories260K.gguf";
  ASSERT_EQ(run(dir_, "-m '" + m + "' -o s.llmz a.txt").status, 0);
  Exec r = run(dir_, "-d -o s.txt s.llmz");  // built-in model: wrong one
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("llmzip-default"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("s.llmz"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(dir_ + "/s.txt"));
  // $LLMZIP_MODEL picks the model too.
  Exec ok2 = run(dir_, "-d -c s.llmz", "");
  EXPECT_EQ(ok2.status, 1);
  std::string cmd = "LLMZIP_MODEL='" + m + "' '" + exe() + "' -dc '" + dir_ + "/s.llmz'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0);
  EXPECT_EQ(out, text_);
}

TEST_F(Cli, TokenizeMatchesLlamaCppIds) {
  LLMZIP_REQUIRE_TESTDATA(td);
  spit(dir_ + "/t.txt", "Hello world");
  Exec r = run(dir_, "tokenize -m '" + td + "/vocab/ggml-vocab-gpt-2.gguf' t.txt");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "15496 995\n");  // gpt-2 ids for "Hello" and " world"
  Exec j = run(dir_, "tokenize --json -m '" + td + "/vocab/ggml-vocab-gpt-2.gguf' t.txt");
  ASSERT_EQ(j.status, 0) << j.err;
  // Each token's bytes losslessly (hex) beside its text; the file is named.
  EXPECT_EQ(j.out, "{\"file\":\"t.txt\",\"model_path\":\"" + td + "/vocab/ggml-vocab-gpt-2.gguf\",\"bytes\":11,"
                   "\"ids\":[15496,995],\"tokens\":[{\"id\":15496,\"hex\":\"48656c6c6f\",\"text\":\"Hello\"},"
                   "{\"id\":995,\"hex\":\"20776f726c64\",\"text\":\" world\"}],\"byte_fallback_bytes\":0}\n");
}

}  // namespace
}  // namespace llmzip::cli
