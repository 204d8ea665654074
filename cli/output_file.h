// Safe output files: data goes to a temporary file in the destination's folder
// and is renamed over the destination only by commit(), after the caller has
// verified it. Until then an existing destination is untouched; abandon() (or
// the destructor, or SIGINT/SIGTERM) removes the temporary file.
//
// An existing destination that is not a regular file (a device such as
// /dev/null, a FIFO, a socket) is written in place, as zstd does: no temporary
// file, no rename, and it is never removed; -f is not needed for it.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/status.h"

namespace llmzip::cli {

class OutputFile {
 public:
  // kExists if `path` is an existing regular file and !force (the message
  // suggests -f); kIo naming the cause when it cannot be created or opened.
  static Result<std::unique_ptr<OutputFile>> create(const std::string& path, bool force);
  ~OutputFile();

  FILE* stream() const { return f_; }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }  // empty when in_place()
  // Written straight into a destination that is not a regular file.
  bool in_place() const { return in_place_; }
  // Flushes, syncs, copies mode/mtime from `like` if non-empty, renames into place.
  Status commit(const std::string& like = "");
  void abandon();

 private:
  OutputFile() = default;
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  bool force_ = false;
  bool in_place_ = false;
};

// Installs SIGINT/SIGTERM/SIGHUP/SIGABRT handlers that delete live temporary
// files before dying of the signal, and a SIGBUS handler (a mapped file
// truncated under us, common/mapped_file.h) that deletes them, prints one line
// naming the file and exits 1.
void install_cleanup_handlers();

}  // namespace llmzip::cli
