// Read-only memory map of a whole file. Moves, never copies. A zero-length file
// maps to an empty span (data() may be nullptr).
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

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool owned_ = false;
  std::string path_;
};

}  // namespace llmzip
