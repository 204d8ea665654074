#include "cli/file_checks.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace llmzip::cli {
namespace {

constexpr const char* kSuffix = ".llmz";

bool ends_with(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

Status io_error(const std::string& name, const std::string& what, int err) {
  return Status(ErrorCode::kIo, name + ": " + what + ": " + std::strerror(err));
}

const char* kind_of(mode_t m) {
  if (S_ISFIFO(m)) return "a named pipe";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::optional<std::string> skip_reason(const std::string& name, bool compressing_to_derived_name, bool force) {
  if (name == "-") return std::nullopt;
  struct stat st;
  // As zstd: a link is not followed unless -f; a FIFO reached through one is
  // how a named pipe is usually handed over, so it is kept.
  if (!force && lstat(name.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    struct stat target;
    if (stat(name.c_str(), &target) != 0 || !S_ISFIFO(target.st_mode))
      return name + ": is a symbolic link, skipped (use -f to follow it)";
  }
  if (compressing_to_derived_name && ends_with(name, kSuffix))
    return name + ": already has the " + kSuffix + " suffix, skipped (use -c or -o to compress it anyway)";
  return std::nullopt;
}

Result<InputFile> InputFile::open(const std::string& name, bool force) {
  // O_NONBLOCK: opening a FIFO nobody writes to must not hang before the
  // checks below; it is cleared again for reading.
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return io_error(name, "cannot open for reading", errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return io_error(name, "cannot stat", e);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIo, name + ": is a directory, skipped (use -r to walk it)");
  }
  if (!S_ISREG(st.st_mode) && !force) {
    ::close(fd);
    return Status(ErrorCode::kInvalidArgument,
                  name + ": is " + kind_of(st.st_mode) + ", skipped (use -f to read it, or redirect it to stdin)");
  }
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  FILE* f = fdopen(fd, "rb");
  if (!f) {
    const int e = errno;
    ::close(fd);
    return io_error(name, "cannot open for reading", e);
  }
  return InputFile(f, st, name);
}

InputFile::~InputFile() {
  if (f_) std::fclose(f_);
}

Status InputFile::check_removable(bool force) const {
  if (!regular())
    return Status(ErrorCode::kInvalidArgument, name_ + ": is " + kind_of(st_.st_mode) + ", never removed (--rm)");
  if (st_.st_nlink > 1 && !force)
    return Status(ErrorCode::kInvalidArgument,
                  name_ + ": has " + std::to_string(st_.st_nlink - 1) + " other link" + (st_.st_nlink > 2 ? "s" : "") +
                      ", not compressed with --rm (use -f to remove this name anyway)");
  return Status::ok();
}

Status InputFile::check_unchanged(uint64_t bytes_read) const {
  struct stat now, path;
  const std::string kept = name_ + ": changed while it was read, kept (the archive holds the " +
                           std::to_string(bytes_read) + " bytes read)";
  if (fstat(fileno(f_), &now) != 0) return io_error(name_, "cannot stat", errno);
  if (stat(name_.c_str(), &path) != 0) return Status(ErrorCode::kIo, name_ + ": is gone or renamed, not removed");
  const bool same = now.st_size == st_.st_size && now.st_mtim.tv_sec == st_.st_mtim.tv_sec &&
                    now.st_mtim.tv_nsec == st_.st_mtim.tv_nsec && path.st_dev == st_.st_dev &&
                    path.st_ino == st_.st_ino && uint64_t(st_.st_size) == bytes_read;
  if (!same) return Status(ErrorCode::kIo, kept);
  return Status::ok();
}

bool same_file(const struct stat& a, const std::string& b) {
  struct stat sb;
  return stat(b.c_str(), &sb) == 0 && a.st_dev == sb.st_dev && a.st_ino == sb.st_ino;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa;
  return stat(a.c_str(), &sa) == 0 && same_file(sa, b);
}

Status check_output(const std::string& out_name, const InputFile* in, const std::string& in_name,
                    const std::string& model_path) {
  if (out_name.empty()) return Status::ok();
  // Never let the output replace the input (e.g. -f -o x x): gzip refuses too.
  if (in && same_file(in->stat_at_open(), out_name))
    return Status(ErrorCode::kInvalidArgument, in_name + ": input and output are the same file");
  // Nor the model: nothing could decode anything afterwards.
  if (!model_path.empty() && same_file(model_path, out_name))
    return Status(ErrorCode::kInvalidArgument, out_name + ": is the model in use (" + model_path + "), not overwritten");
  return Status::ok();
}

}  // namespace llmzip::cli
