// What llmzip may do with the files it is given, decided before any work and
// checked again before an input is removed, as gzip and zstd decide it
// (docs/robustness.md has the whole table):
// - skipped with a warning: symbolic links unless -f (zstd), and for
//   compression inputs that already have the .llmz suffix;
// - refused: directories; other non-regular inputs (FIFOs, devices, sockets)
//   unless -f or standard input; an output that is the input or the model in
//   use; --rm of the model, of a file with other hard links (unless -f), of a
//   non-regular file, or of an input that changed while it was read.
// Every message names the file and, for a failed system call, its cause.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "common/status.h"

namespace llmzip::cli {

// Why `name` is passed over rather than processed (a one-line warning without
// "llmzip: "), or nullopt. `compressing_to_derived_name`: compressing with the
// output name made from the input's (no -c, -o).
std::optional<std::string> skip_reason(const std::string& name, bool compressing_to_derived_name, bool force);

// An input opened for reading, with what it was when opened.
class InputFile {
 public:
  // kIo naming the file and the cause (strerror) when it cannot be opened; a
  // directory, or without `force` any other non-regular file, is refused.
  static Result<InputFile> open(const std::string& name, bool force);
  InputFile(InputFile&& o) noexcept : f_(o.f_), st_(o.st_), name_(std::move(o.name_)) { o.f_ = nullptr; }
  InputFile& operator=(InputFile&&) = delete;
  ~InputFile();

  FILE* stream() const { return f_; }
  bool regular() const { return S_ISREG(st_.st_mode); }
  int64_t size() const { return regular() ? int64_t(st_.st_size) : -1; }
  const struct stat& stat_at_open() const { return st_; }

  // For --rm: kInvalidArgument unless this is a regular file without other
  // hard links (those allowed with `force`).
  Status check_removable(bool force) const;
  // For --rm, after the archive is written: kIo unless the path still names
  // the file that was opened, with the size and modification time it had then
  // and `bytes_read` equal to that size.
  Status check_unchanged(uint64_t bytes_read) const;

 private:
  InputFile(FILE* f, const struct stat& st, std::string name) : f_(f), st_(st), name_(std::move(name)) {}
  FILE* f_;
  struct stat st_;
  std::string name_;
};

// Whether `a` and `b` name the same existing file (device and inode).
bool same_file(const std::string& a, const std::string& b);
bool same_file(const struct stat& a, const std::string& b);

// The output may not be the input (`in`, null for standard input) or the
// model file (`model_path`, empty for the built-in model); kInvalidArgument.
Status check_output(const std::string& out_name, const InputFile* in, const std::string& in_name,
                    const std::string& model_path);

}  // namespace llmzip::cli
