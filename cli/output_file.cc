#include "cli/output_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/mapped_file.h"

namespace llmzip::cli {
namespace {

// Temp paths alive right now, for the signal handler. A fixed array keeps the
// handler async-signal-safe (no allocation, no locks there).
constexpr int kMaxLive = 8;
char g_live[kMaxLive][4096];
volatile sig_atomic_t g_live_used[kMaxLive];

int register_live(const std::string& p) {
  for (int i = 0; i < kMaxLive; ++i)
    if (!g_live_used[i] && p.size() < sizeof(g_live[i])) {
      std::memcpy(g_live[i], p.c_str(), p.size() + 1);
      g_live_used[i] = 1;
      return i;
    }
  return -1;
}
void unregister_live(const std::string& p) {
  for (int i = 0; i < kMaxLive; ++i)
    if (g_live_used[i] && p == g_live[i]) g_live_used[i] = 0;
}

void remove_live() {
  for (int i = 0; i < kMaxLive; ++i)
    if (g_live_used[i]) unlink(g_live[i]);
}

void on_signal(int sig) {
  remove_live();
  signal(sig, SIG_DFL);
  raise(sig);
}

void put(const char* s) {
  if (write(STDERR_FILENO, s, std::strlen(s)) < 0) {}
}

// A mapped file (the model, an archive given to info) lost pages under us:
// someone truncated or copied over it while we used it. Not a crash of ours:
// one line naming the file, temporary files removed, exit 1.
void on_bus_error(int, siginfo_t* info, void*) {
  // Several worker threads may fault at once: the first reports and exits,
  // the others wait for it.
  static std::atomic<bool> reporting{false};
  if (reporting.exchange(true)) {
    for (;;) pause();
  }
  remove_live();
  const char* path = MappedFile::path_at(info->si_addr);
  put("llmzip: ");
  put(path ? path : "a file in use");
  put(": truncated or overwritten while in use (bus error); output removed\n");
  _exit(1);
}

std::string dir_of(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "." : (s == 0 ? "/" : p.substr(0, s));
}
std::string base_of(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

}  // namespace

void install_cleanup_handlers() {
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGHUP, on_signal);
  signal(SIGABRT, on_signal);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_bus_error;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, nullptr);
}

Result<std::unique_ptr<OutputFile>> OutputFile::create(const std::string& path, bool force) {
  struct stat st;
  std::unique_ptr<OutputFile> o(new OutputFile());
  o->path_ = path;
  o->force_ = force;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status(ErrorCode::kIo, path + ": is a directory");
    if (!S_ISREG(st.st_mode)) {
      // A device, FIFO or socket: replacing it by a regular file (as root,
      // /dev/null or /dev/full) would be a disaster; write into it.
      const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd < 0) return Status(ErrorCode::kIo, path + ": cannot open for writing: " + std::strerror(errno));
      o->f_ = fdopen(fd, "wb");
      if (!o->f_) {
        const int e = errno;
        close(fd);
        return Status(ErrorCode::kIo, path + ": cannot open for writing: " + std::strerror(e));
      }
      o->in_place_ = true;
      return o;
    }
    if (!force) return Status(ErrorCode::kExists, path + ": already exists (use -f to overwrite)");
  }
  std::string tmpl = dir_of(path) + "/." + base_of(path) + ".llmzip-tmp-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd < 0) return Status(ErrorCode::kIo, path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  o->tmp_ = buf.data();
  register_live(o->tmp_);
  // mkstemp makes the file 0600; give it the usual 0666 & ~umask (commit()
  // copies the input's mode over this when there is an input file).
  mode_t um = umask(0);
  umask(um);
  fchmod(fd, 0666 & ~um);
  o->f_ = fdopen(fd, "wb");
  if (!o->f_) {
    int e = errno;
    close(fd);
    o->abandon();
    return Status(ErrorCode::kIo, path + ": cannot open temporary file: " + std::strerror(e));
  }
  return o;
}

Status OutputFile::commit(const std::string& like) {
  if (!f_) return Status(ErrorCode::kInternal, path_ + ": output already closed");
  if (in_place_) {
    const bool ok = std::fflush(f_) == 0;
    const int e = errno;
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || !closed) return Status(ErrorCode::kIo, path_ + ": write failed: " + std::strerror(ok ? errno : e));
    return Status::ok();
  }
  bool ok = std::fflush(f_) == 0 && fsync(fileno(f_)) == 0;
  int e = errno;
  ok = (std::fclose(f_) == 0) && ok;
  f_ = nullptr;
  if (!ok) {
    abandon();
    return Status(ErrorCode::kIo, path_ + ": write failed: " + std::strerror(e));
  }
  struct stat st;
  if (!like.empty() && stat(like.c_str(), &st) == 0) {
    // Owner and group as gzip and zstd keep them: only root can give a file
    // away, but an owner can set any group it belongs to. Ownership first,
    // since chown() clears the set-id bits. If the group could not be kept, the
    // group the file got may get no more than others do.
    mode_t mode = st.st_mode & 07777;
    if (chown(tmp_.c_str(), st.st_uid, st.st_gid) != 0 && chown(tmp_.c_str(), uid_t(-1), st.st_gid) != 0)
      mode = (mode & ~mode_t(S_ISGID | 070)) | ((mode & 07) << 3);
    chmod(tmp_.c_str(), mode);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    utimensat(AT_FDCWD, tmp_.c_str(), ts, 0);
  }
  // Without -f, never replace a file that appeared meanwhile: link() fails if the
  // destination exists, rename() would silently overwrite it.
  if (!force_) {
    int e2 = 0;
    if (link(tmp_.c_str(), path_.c_str()) == 0) {
      unlink(tmp_.c_str());
    } else if ((e2 = errno) == EPERM || e2 == ENOTSUP || e2 == EOPNOTSUPP || e2 == EXDEV) {
      // No hard links on this filesystem (vfat, exFAT, some network shares):
      // check, then rename. A file created in between would be replaced, the
      // best these filesystems allow.
      struct stat st2;
      if (lstat(path_.c_str(), &st2) == 0) {
        abandon();
        return Status(ErrorCode::kExists, path_ + ": already exists (use -f to overwrite)");
      }
      if (rename(tmp_.c_str(), path_.c_str()) != 0) {
        int e3 = errno;
        abandon();
        return Status(ErrorCode::kIo, path_ + ": cannot rename the temporary file into place: " + std::strerror(e3));
      }
    } else {
      abandon();
      return Status(e2 == EEXIST ? ErrorCode::kExists : ErrorCode::kIo,
                    path_ + (e2 == EEXIST ? ": already exists (use -f to overwrite)"
                                          : std::string(": cannot create: ") + std::strerror(e2)));
    }
  } else if (rename(tmp_.c_str(), path_.c_str()) != 0) {
    int e2 = errno;
    abandon();
    return Status(ErrorCode::kIo, path_ + ": cannot rename the temporary file into place: " + std::strerror(e2));
  }
  unregister_live(tmp_);
  tmp_.clear();
  return Status::ok();
}

void OutputFile::abandon() {
  if (f_) { std::fclose(f_); f_ = nullptr; }
  if (!tmp_.empty()) {
    unlink(tmp_.c_str());
    unregister_live(tmp_);
    tmp_.clear();
  }
}

OutputFile::~OutputFile() { abandon(); }

}  // namespace llmzip::cli
