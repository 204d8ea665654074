// Read-only memory map of a whole file. Moves, never copies. A zero-length file
// maps to an empty span (data() may be nullptr). If the file is truncated while
// mapped, touching the lost pages raises SIGBUS: the program's handler can name
// the file with path_at().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace llmzip {

class MappedFile {
 public:
  // Errors: kIo naming the path and errno text.
  static Result<std::unique_ptr<MappedFile>> open(const std::string& path);
  // Wraps bytes already in memory (tests, embedded model). The buffer must outlive it.
  static std::unique_ptr<MappedFile> borrow(const uint8_t* data, size_t size, std::string name);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // The path of the live mapping (from open()) that holds `addr`, or nullptr.
  // Async-signal-safe: for a SIGBUS handler to name the file that shrank
  // under us (a model copied over while in use). Up to 16 mappings are known.
  static const char* path_at(const void* addr);

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool owned_ = false;
  std::string path_;
};

}  // namespace llmzip
