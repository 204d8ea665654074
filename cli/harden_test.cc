// The llmzip executable against a hostile or careless world (issue 10, and
// issue 14 items 10-11): inputs that change while they are read, outputs that
// are devices, FIFOs or the model itself, links, forged archives that claim
// hours of work, a model file truncated under the running program, untrusted
// strings on the terminal, and error messages that say why. Runs the binary
// built beside the test ($LLMZIP_EXE overrides) with the built-in model.
// docs/robustness.md lists every case with the test that holds it.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "codec/codec.h"
#include "container/format.h"

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
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  double seconds = 0;
};

// Runs `llmzip ARGS` through the shell in `dir`, stdin from /dev/null unless given.
// `shell` runs first in the same shell (e.g. a ulimit).
Exec run(const std::string& dir, const std::string& args, const std::string& stdin_file = "/dev/null",
         const std::string& shell = "") {
  Exec r;
  const std::string err_file = dir + "/.stderr";
  const std::string cmd = "cd '" + dir + "' && " + (shell.empty() ? "" : shell + " && ") + "'" + exe() + "' " + args +
                          " 2>'" + err_file + "' <'" + stdin_file + "'";
  const auto t0 = std::chrono::steady_clock::now();
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream ef(err_file, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(ef), {});
  unlink(err_file.c_str());
  return r;
}

// The same, started in the background: wait() collects it.
class Background {
 public:
  Background(const std::string& dir, const std::vector<std::string>& args) : err_file_(dir + "/.stderr-bg") {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.c_str()) != 0) _exit(127);
      int in = open("/dev/null", O_RDONLY);
      int err = open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int out = open("/dev/null", O_WRONLY);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<std::string> all{exe()};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      wait();
    }
  }
  bool running() {
    if (waited_) return false;
    int st;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      waited_ = true;
      exit_.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return false;
    }
    return true;
  }
  Exec wait() {
    if (!waited_) {
      int st = 0;
      waitpid(pid_, &st, 0);
      waited_ = true;
      exit_.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    std::ifstream ef(err_file_, std::ios::binary);
    exit_.err.assign(std::istreambuf_iterator<char>(ef), {});
    unlink(err_file_.c_str());
    return exit_;
  }

 private:
  std::string err_file_;
  pid_t pid_ = -1;
  bool waited_ = false;
  Exec exit_;
};

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
  return lstat(p.c_str(), &st) == 0;
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
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class Harden : public ::testing::Test {
 protected:
  void SetUp() override {
    if (exe().empty()) GTEST_SKIP() << "llmzip executable not found";
    char tmpl[] = "/tmp/llmzip-harden-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    text_ = "The quick brown fox jumps over the lazy dog.\nIt was the best of times.\n";
    for (int i = 0; i < 6; ++i) text_ += "Line " + std::to_string(i) + ": compression with a language model.\n";
    spit(dir_ + "/a.txt", text_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  void expect_no_temp_files() {
    for (const auto& n : list_dir(dir_)) EXPECT_FALSE(contains(n, "llmzip-tmp")) << n;
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_, text_;
};

// ---------------------------------------------------------------- work bombs

// A file of the given frames, whatever they claim: header, frames, index, footer.
std::string forged_file(const container::FileHeader& h, const container::FrameHeader& f, std::string_view payload) {
  std::string file = container::serialize_file_header(h);
  const std::string fh = container::serialize_frame_header(f, payload);
  container::IndexEntry e{file.size(), fh.size() + payload.size(), f.original_size, f.token_count, payload.size()};
  file += fh;
  file += payload;
  container::Footer ft;
  ft.index_offset = file.size();
  ft.frame_count = 1;
  ft.total_original_size = f.original_size;
  file += container::serialize_index(&e, 1);
  file += container::serialize_footer(ft);
  return file;
}

TEST_F(Harden, ForgedFrameSizeFailsFastNamingFileFrameAndFlag) {
  // Issue 10 item 5: a tiny archive claiming a 2^30-byte, 2^30-token frame.
  auto m = codec::load_model("");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  auto h = codec::make_header(**m, codec::Params{});
  ASSERT_TRUE(h.is_ok());
  h->frame_bytes = uint32_t(1) << 30;
  container::FrameHeader f;
  f.original_size = f.token_count = uint64_t(1) << 30;
  const std::string payload(400, 'Z');
  f.payload_size = payload.size();
  spit(path("bomb.llmz"), forged_file(*h, f, payload));
  for (const char* cmd : {"test", "-dc", "-df"}) {
    Exec r = run(dir_, std::string(cmd) + " bomb.llmz");
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_LT(r.seconds, 5.0) << cmd;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_TRUE(contains(r.err, "bomb.llmz: frame 0 at byte ")) << r.err;
    EXPECT_TRUE(contains(r.err, "--max-frame=1073741824")) << r.err;
    EXPECT_TRUE(r.out.empty()) << cmd;
  }
  EXPECT_FALSE(exists(path("bomb")));
  expect_no_temp_files();
}

TEST_F(Harden, MaxFrameRaisesAndLowersTheDecoderLimit) {
  Exec c = run(dir_, "--frame-bytes 200 a.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  Exec d = run(dir_, "-dc --max-frame 100 a.txt.llmz");
  EXPECT_EQ(d.status, 1);
  EXPECT_TRUE(contains(d.err, "--max-frame=200")) << d.err;
  d = run(dir_, "-dc --max-frame=200 a.txt.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, text_);
  // Frames above the default limit: compress says what decompressing needs.
  Exec big = run(dir_, "-c --frame-bytes 100K a.txt");
  ASSERT_EQ(big.status, 0) << big.err;
  EXPECT_TRUE(contains(big.err, "--max-frame=102400")) << big.err;
}

TEST_F(Harden, OutOfMemoryNamesTheFile) {
  // Issue 10 item 6: under ulimit -v the one-line message must say which file,
  // whether memory or threads run out first; nothing is left behind.
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than any ulimit -v here";
#endif
  for (const char* limit : {"150000", "30000"}) {
    Exec r = run(dir_, "a.txt", "/dev/null", std::string("ulimit -v ") + limit);
    EXPECT_EQ(r.status, 1) << limit << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_TRUE(contains(r.err, "llmzip: a.txt: ")) << r.err;
    EXPECT_FALSE(exists(path("a.txt.llmz")));
    expect_no_temp_files();
  }
}

}  // namespace
}  // namespace llmzip::cli
