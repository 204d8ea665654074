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
#include <sys/sysmacros.h>
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
#include "gguf/gguf.h"
#include "testing/gguf_writer.h"

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
    std::vector<std::string> all{exe()};  // before chdir: exe() may look in the working directory
    all.insert(all.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.c_str()) != 0) _exit(127);
      int in = open("/dev/null", O_RDONLY);
      int err = open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int out = open("/dev/null", O_WRONLY);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
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
  Exec big = run(dir_, "-c --frame-bytes 8M a.txt");
  ASSERT_EQ(big.status, 0) << big.err;
  EXPECT_TRUE(contains(big.err, "--max-frame=8388608")) << big.err;
}

TEST_F(Harden, OutOfMemoryNamesTheFile) {
  // Issue 10 item 6: under ulimit -v the one-line message must say which file,
  // whether memory or threads run out first; nothing is left behind.
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than any ulimit -v here";
#endif
  for (const char* limit : {"100000", "30000"}) {
    Exec r = run(dir_, "a.txt", "/dev/null", std::string("ulimit -v ") + limit);
    EXPECT_EQ(r.status, 1) << limit << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_TRUE(contains(r.err, "llmzip: a.txt: ")) << r.err;
    EXPECT_FALSE(exists(path("a.txt.llmz")));
    expect_no_temp_files();
  }
}


// ---------------------------------------------------------------- data loss and clobbering

TEST_F(Harden, RmKeepsAnInputThatChangedWhileItWasCompressed) {
  // Issue 10 item 1: the input grows while it is compressed and verified.
  std::string big;
  while (big.size() < 3000) big += text_;
  spit(path("g.txt"), big);
  Background bg(dir_, {"--rm", "g.txt"});
  // The temporary output appears once the model is loaded: compression runs.
  bool started = false;
  for (int i = 0; i < 3000 && !started && bg.running(); ++i) {
    for (const auto& n : list_dir(dir_)) started |= contains(n, "llmzip-tmp");
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(started) << "llmzip finished before the input could be changed";
  {
    std::ofstream f(path("g.txt"), std::ios::binary | std::ios::app);
    f << "more\n";
  }
  Exec r = bg.wait();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "g.txt: changed while it was read, kept")) << r.err;
  EXPECT_EQ(slurp(path("g.txt")), big + "more\n");
  EXPECT_TRUE(exists(path("g.txt.llmz")));  // the archive of what was read is kept too
  expect_no_temp_files();
  // Unchanged, --rm still removes the input once the archive is proven.
  Exec ok = run(dir_, "--rm a.txt");
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_FALSE(exists(path("a.txt")));
  Exec d = run(dir_, "-dc a.txt.llmz");
  EXPECT_EQ(d.out, text_);
}

// Reads a FIFO while `writer` runs: the bytes written into it.
std::string drain_fifo(const std::string& fifo, Background& writer) {
  const int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  std::string got;
  if (fd < 0) return got;
  char buf[4096];
  for (;;) {
    const bool alive = writer.running();
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, size_t(n));
    if (!alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  close(fd);
  return got;
}

TEST_F(Harden, OutputsThatAreNotRegularFilesAreWrittenInPlace) {
  // Issue 10 item 2: -f -o onto a device or FIFO replaced it with a regular file.
  ASSERT_EQ(mkfifo(path("out.fifo").c_str(), 0644), 0);
  Background bg(dir_, {"-f", "-o", "out.fifo", "a.txt"});
  const std::string z = drain_fifo(path("out.fifo"), bg);
  Exec r = bg.wait();
  ASSERT_EQ(r.status, 0) << r.err;
  struct stat st;
  ASSERT_EQ(lstat(path("out.fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  spit(path("z.llmz"), z);
  Exec d = run(dir_, "-dc z.llmz");
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, text_);
  expect_no_temp_files();
  // Full device on stdout: the message gives the cause.
  Exec full = run(dir_, "-c a.txt >/dev/full");
  EXPECT_EQ(full.status, 1);
  EXPECT_TRUE(contains(full.err, "<stdout>: write error: No space left on device")) << full.err;
  if (geteuid() != 0) return;  // device nodes of our own need root
  ASSERT_EQ(mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(mknod(path("full").c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
  Exec c = run(dir_, "-f -o null a.txt");
  EXPECT_EQ(c.status, 0) << c.err;
  Exec dn = run(dir_, "-d -f -o null z.llmz");
  EXPECT_EQ(dn.status, 0) << dn.err;
  Exec df = run(dir_, "-o full --rm a.txt");  // no -f needed, never removed, input kept
  EXPECT_EQ(df.status, 1);
  EXPECT_TRUE(contains(df.err, "full: write failed: No space left on device")) << df.err;
  for (const char* dev : {"null", "full"}) {
    ASSERT_EQ(lstat(path(dev).c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << dev;
  }
  EXPECT_EQ(slurp(path("a.txt")), text_);
  expect_no_temp_files();
}

TEST_F(Harden, TheModelInUseIsNeverOverwrittenOrRemoved) {
  // Issue 10 item 3: -f --rm -o MODEL.gguf in.txt overwrote the model and
  // deleted the input.
  const std::string_view model = codec::builtin_model_bytes();
  ASSERT_FALSE(model.empty());
  spit(path("m.gguf"), std::string(model));
  Exec r = run(dir_, "-f --rm -m m.gguf -o m.gguf a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "m.gguf: is the model in use")) << r.err;
  EXPECT_EQ(slurp(path("m.gguf")), std::string(model));
  EXPECT_EQ(slurp(path("a.txt")), text_);
  // Through another name (a hard link) too, and as decompression's output.
  ASSERT_EQ(link(path("m.gguf").c_str(), path("same.gguf").c_str()), 0);
  r = run(dir_, "-f -m m.gguf -o same.gguf a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "is the model in use")) << r.err;
  ASSERT_EQ(run(dir_, "-m m.gguf a.txt").status, 0);
  r = run(dir_, "-d -f -m m.gguf -o m.gguf a.txt.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(slurp(path("m.gguf")), std::string(model));
  // Compressing the model itself with --rm would leave nothing to decode it with.
  r = run(dir_, "-f --rm -m m.gguf m.gguf");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "m.gguf: is the model in use, not removed")) << r.err;
  EXPECT_TRUE(exists(path("m.gguf")));
  expect_no_temp_files();
}

TEST_F(Harden, InputsThatAreNotRegularFilesNeedForceAndAreNeverRemoved) {
  // Issue 10 item 4: a FIFO with --rm was deleted; /dev/zero ran forever,
  // writing a temporary file into /dev; a hard-linked input was unlinked.
  ASSERT_EQ(mkfifo(path("p").c_str(), 0644), 0);
  Exec r = run(dir_, "p");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "p: is a named pipe, skipped (use -f")) << r.err;
  r = run(dir_, "-f --rm p");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "p: is a named pipe, never removed")) << r.err;
  struct stat st;
  ASSERT_EQ(lstat(path("p").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  r = run(dir_, "-c /dev/zero");
  EXPECT_EQ(r.status, 1);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_TRUE(contains(r.err, "/dev/zero: is a character device, skipped")) << r.err;
  EXPECT_TRUE(r.out.empty());
  // Read with -f: a FIFO is a stream like standard input.
  Background writer(dir_, {"-c", "-f", "p"});
  {
    std::ofstream f(path("p"), std::ios::binary);
    f << text_;
  }
  Exec w = writer.wait();
  EXPECT_EQ(w.status, 0) << w.err;
  // Hard links: --rm removes only a name that is the file's last, unless -f.
  ASSERT_EQ(link(path("a.txt").c_str(), path("b.txt").c_str()), 0);
  r = run(dir_, "--rm a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "a.txt: has 1 other link, not compressed with --rm (use -f")) << r.err;
  EXPECT_TRUE(exists(path("a.txt")));
  EXPECT_FALSE(exists(path("a.txt.llmz")));
  r = run(dir_, "-f --rm a.txt");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(exists(path("a.txt")));
  EXPECT_EQ(slurp(path("b.txt")), text_);
  expect_no_temp_files();
}

TEST_F(Harden, SymlinksAndCompressedInputsAreSkippedAsZstdDoes) {
  // Issue 14 item 10: a warning for each, exit status 0 if anything else was
  // done, 1 when every input was skipped; -f follows links.
  ASSERT_EQ(symlink("a.txt", path("l.txt").c_str()), 0);
  Exec r = run(dir_, "l.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "llmzip: l.txt: is a symbolic link, skipped (use -f to follow it)\n");
  EXPECT_FALSE(exists(path("l.txt.llmz")));
  spit(path("b.txt"), text_);
  r = run(dir_, "l.txt b.txt");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "l.txt: is a symbolic link, skipped")) << r.err;
  EXPECT_TRUE(exists(path("b.txt.llmz")));
  r = run(dir_, "-q l.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.err.empty()) << r.err;
  r = run(dir_, "-f l.txt");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(path("l.txt.llmz")));
  // Already compressed.
  r = run(dir_, "b.txt.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "llmzip: b.txt.llmz: already has the .llmz suffix, skipped (use -c or -o to compress it anyway)\n");
  r = run(dir_, "b.txt.llmz a.txt");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(path("a.txt.llmz")));
  EXPECT_FALSE(exists(path("b.txt.llmz.llmz")));
  r = run(dir_, "-c b.txt.llmz");
  EXPECT_EQ(r.status, 0) << r.err;
  // A link is not followed for decompression either.
  ASSERT_EQ(symlink("b.txt.llmz", path("lb.llmz").c_str()), 0);
  r = run(dir_, "-dc lb.llmz");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "lb.llmz: is a symbolic link, skipped")) << r.err;
}

TEST_F(Harden, FileErrorsCarryTheirCause) {
  // Issue 14 item 11 and issue 10 item 11: strerror in every file message.
  Exec r = run(dir_, "missing.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "llmzip: missing.txt: cannot open for reading: No such file or directory\n");
  r = run(dir_, "-o nodir/x.llmz a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "nodir/x.llmz: cannot create a temporary file beside it: No such file or directory"))
      << r.err;
  if (geteuid() != 0) {  // root reads anything
    spit(path("noread.txt"), "x");
    chmod(path("noread.txt").c_str(), 0);
    r = run(dir_, "noread.txt");
    EXPECT_EQ(r.err, "llmzip: noread.txt: cannot open for reading: Permission denied\n");
  }
}

// ---------------------------------------------------------------- faults

TEST_F(Harden, ModelTruncatedWhileMappedIsOneLineAndNoTempFile) {
  // Issue 10 item 9: a model copied over while in use gave SIGBUS (exit 135)
  // and left the hidden temporary file behind.
  spit(path("m.gguf"), std::string(codec::builtin_model_bytes()));
  std::string big;
  while (big.size() < 4000) big += text_;
  spit(path("in.txt"), big);
  Background bg(dir_, {"-m", "m.gguf", "in.txt"});
  bool started = false;
  for (int i = 0; i < 3000 && !started && bg.running(); ++i) {
    for (const auto& n : list_dir(dir_)) started |= contains(n, "llmzip-tmp");
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(started) << "llmzip finished before the model could be truncated";
  ASSERT_EQ(truncate(path("m.gguf").c_str(), 0), 0);
  Exec r = bg.wait();
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err, "llmzip: m.gguf: truncated or overwritten while in use (bus error); output removed\n");
  EXPECT_FALSE(exists(path("in.txt.llmz")));
  EXPECT_EQ(slurp(path("in.txt")), big);
  expect_no_temp_files();
}

// ---------------------------------------------------------------- untrusted text

// The built-in model with general.name (and, if given, one more key) replaced.
std::string model_named(const std::string& name, const std::string& extra_key = "") {
  const std::string_view b = codec::builtin_model_bytes();
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "builtin");
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  gguf::GgufWriter w;
  w.add_string("general.name", name);
  for (const auto& [key, val] : (*f)->metadata())
    if (key != "general.name") w.add_value(key, val);
  if (!extra_key.empty()) {
    w.add_u32(extra_key, 1);
    w.add_u32(extra_key, 2);  // a duplicate: the file is refused, quoting the key
  }
  for (const auto& t : (*f)->tensors())
    w.add_tensor(t.name, t.ttype(), std::vector<uint64_t>(t.ne, t.ne + t.n_dims),
                 std::string(reinterpret_cast<const char*>(t.data), t.nbytes));
  return w.finish();
}

TEST_F(Harden, UntrustedTextNeverReachesTheTerminalRaw) {
  // Issue 10 item 10: terminal escapes in a model's general.name were printed
  // raw. Every path: mismatch messages both ways, info, score, GGUF errors.
  const std::string evil = "\x1b]0;pwned\x07\x1b[2J\xc2\x9b" "EVIL";
  const std::string shown = "\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9bEVIL";
  spit(path("evil.gguf"), model_named(evil));
  spit(path("dup.gguf"), model_named("ok", "key\x1b[31m"));
  Exec c = run(dir_, "a.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  c = run(dir_, "-m evil.gguf -o e.llmz a.txt");
  ASSERT_EQ(c.status, 0) << c.err;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"-dc -m evil.gguf a.txt.llmz", shown},  // model in use
      {"-dc e.llmz", shown},                   // model named by the archive
      {"info e.llmz", shown},
      {"score -m evil.gguf a.txt", shown},
      {"-c -m dup.gguf a.txt", "key\\x1b[31m"},
  };
  for (const auto& [args, want] : cases) {
    Exec r = run(dir_, args);
    const std::string all = r.out + r.err;
    EXPECT_EQ(all.find('\x1b'), std::string::npos) << args << ": " << all;
    EXPECT_EQ(all.find('\x07'), std::string::npos) << args;
    EXPECT_EQ(all.find("\xc2\x9b"), std::string::npos) << args;
    EXPECT_TRUE(contains(all, want)) << args << ": " << all;
  }
}

// ---------------------------------------------------------------- messages

TEST_F(Harden, MessagesSayTheTruth) {
  // Issue 10 item 11: --context's real minimum; info validates as test does
  // (trailing garbage named as such, oversized frames refused).
  Exec r = run(dir_, "--context 0 a.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "llmzip: option --context must be at least 8\n");
  ASSERT_EQ(run(dir_, "a.txt").status, 0);
  spit(path("g.llmz"), slurp(path("a.txt.llmz")) + "garbage");
  Exec t = run(dir_, "test g.llmz");
  Exec i = run(dir_, "info g.llmz");
  EXPECT_EQ(t.status, 1);
  EXPECT_EQ(i.status, 1);
  EXPECT_TRUE(contains(i.err, "bytes after the footer that do not start another .llmz file")) << i.err;
  EXPECT_EQ(i.err, t.err);
  // A frame longer than the header's frame size: both refuse it.
  auto m = codec::load_model("");
  ASSERT_TRUE(m.is_ok());
  auto h = codec::make_header(**m, codec::Params{});
  ASSERT_TRUE(h.is_ok());
  h->frame_bytes = 100;
  container::FrameHeader f;
  f.original_size = 1000;
  f.token_count = 10;
  const std::string payload(20, 'Z');
  f.payload_size = payload.size();
  spit(path("big.llmz"), forged_file(*h, f, payload));
  t = run(dir_, "test big.llmz");
  i = run(dir_, "info big.llmz");
  EXPECT_EQ(t.status, 1);
  EXPECT_EQ(i.status, 1) << i.out;
  EXPECT_TRUE(contains(i.err, "frame 0 of 1000 bytes exceeds the file's frame size 100")) << i.err;
  EXPECT_TRUE(contains(t.err, "frame 0 of 1000 bytes exceeds the file's frame size 100")) << t.err;
}

}  // namespace
}  // namespace llmzip::cli
