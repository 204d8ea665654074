#include "cli/measure_classic.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace llmzip::cli {
namespace {

namespace fs = std::filesystem;

// Runs exe with args; stdin from `in_path` (or /dev/null), stdout to
// `out_path` (or /dev/null), stderr discarded, working directory `cwd`.
// Returns the wall-clock seconds, or an error if it could not run or failed.
Result<double> run_process(const std::string& name, const std::string& exe, const std::vector<std::string>& args,
                           const std::string& in_path, const std::string& out_path, const std::string& cwd) {
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed (the parent may have worker threads).
  std::vector<std::string> argv_s;
  argv_s.push_back(exe);
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  const char* in = in_path.empty() ? "/dev/null" : in_path.c_str();
  const char* out = out_path.empty() ? "/dev/null" : out_path.c_str();

  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return Status(ErrorCode::kIo, name + ": cannot start (fork: " + std::strerror(errno) + ")");
  if (pid == 0) {
    const int fi = open(in, O_RDONLY);
    const int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int fe = open("/dev/null", O_WRONLY);
    if (fi < 0 || fo < 0 || fe < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(cwd.c_str()) != 0)
      _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status(ErrorCode::kIo, name + ": waitpid failed");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                              : "killed by signal " + std::to_string(WTERMSIG(status));
    return Status(ErrorCode::kIo, name + ": " + exe + " failed (" + why + ")");
  }
  return secs;
}

std::vector<std::string> substitute(const std::vector<std::string>& args, const std::string& in,
                                    const std::string& archive, const std::string& outdir) {
  std::vector<std::string> o;
  for (const auto& a : args) {
    if (a == "{in}") o.push_back(in);
    else if (a == "{archive}") o.push_back(archive);
    else if (a == "{outdir}") o.push_back(outdir);
    else o.push_back(a);
  }
  return o;
}

Result<std::string> read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status(ErrorCode::kIo, path + ": cannot open for reading");
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// A scratch directory removed when this goes out of scope.
class ScratchDir {
 public:
  static Result<ScratchDir> create() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/llmzip-bench-XXXXXX";
    if (!mkdtemp(tmpl.data())) return Status(ErrorCode::kIo, tmpl + ": cannot create scratch directory");
    return ScratchDir(tmpl);
  }
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace

const std::vector<ClassicCompressor>& classic_compressors() {
  static const std::vector<ClassicCompressor> k = {
      {"gzip -9", "gzip", {"-9", "-c", "-n"}, {"-d", "-c"}, false},
      {"bzip2 -9", "bzip2", {"-9", "-c"}, {"-d", "-c"}, false},
      {"xz -9e", "xz", {"-9e", "-c", "-T1"}, {"-d", "-c"}, false},
      {"zstd --ultra -22", "zstd", {"--ultra", "-22", "-c", "-q", "--single-thread"}, {"-d", "-c", "-q"}, false},
      {"brotli -q 11", "brotli", {"-q", "11", "-c"}, {"-d", "-c"}, false},
      // zpaq only writes archives; "in" is the member name, so the archive
      // carries that name and zpaq's block headers (a few hundred bytes).
      {"zpaq -m5", "zpaq", {"a", "{archive}", "in", "-m5"}, {"x", "{archive}", "-to", "{outdir}"}, true},
  };
  return k;
}

std::string find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* p = std::getenv("PATH");
  std::string path = p ? p : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string cand = dir + "/" + program;
    struct stat st;
    if (stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(cand.c_str(), X_OK) == 0) return cand;
    start = end + 1;
  }
  return "";
}

Result<ClassicRun> run_classic(const ClassicCompressor& c, const std::string& exe, std::string_view data) {
  auto dir = ScratchDir::create();
  if (!dir) return dir.status();
  const std::string d = dir->path();
  // An archiver's file is named after the program (archive.zpaq): zpaq adds
  // ".zpaq" to a name without an extension, and we must find the file.
  const std::string in = d + "/in", outdir = d + "/out", unpacked = d + "/unpacked";
  const std::string packed = c.archiver ? d + "/archive." + c.program : d + "/packed";
  {
    std::ofstream f(in, std::ios::binary);
    f.write(data.data(), std::streamsize(data.size()));
    if (!f) return Status(ErrorCode::kIo, in + ": cannot write scratch copy of the input");
  }
  ClassicRun run;
  std::string restored_path;
  if (c.archiver) {
    auto t = run_process(c.name, exe, substitute(c.compress_args, "in", packed, outdir), "", "", d);
    if (!t) return t.status();
    run.compress_seconds = *t;
    std::error_code ec;
    fs::create_directory(outdir, ec);
    auto u = run_process(c.name, exe, substitute(c.decompress_args, "in", packed, outdir), "", "", d);
    if (!u) return u.status();
    run.decompress_seconds = *u;
    restored_path = outdir + "/in";
  } else {
    auto t = run_process(c.name, exe, c.compress_args, in, packed, d);
    if (!t) return t.status();
    run.compress_seconds = *t;
    auto u = run_process(c.name, exe, c.decompress_args, packed, unpacked, d);
    if (!u) return u.status();
    run.decompress_seconds = *u;
    restored_path = unpacked;
  }
  std::error_code ec;
  const auto size = fs::file_size(packed, ec);
  if (ec) return Status(ErrorCode::kIo, c.name + ": produced no output file");
  run.compressed_bytes = size;
  auto restored = read_all(restored_path);
  run.round_trip_ok = restored && *restored == data;
  return run;
}

}  // namespace llmzip::cli
