// Byte streams for the codec: a source it reads input from and a sink it writes
// output to, so compress/decompress stream with bounded memory whatever the size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/status.h"

namespace llmzip::codec {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes; returns how many (0 only at end of input).
  virtual Result<size_t> read(void* buf, size_t n) = 0;
  // Total size if known (regular file), else -1. Used for progress only.
  virtual int64_t size_hint() const { return -1; }
  virtual const std::string& name() const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(const void* buf, size_t n) = 0;
};

// stdio-backed implementations; errors name `name`.
class FileSource : public ByteSource {
 public:
  FileSource(FILE* f, std::string name, int64_t size = -1) : f_(f), name_(std::move(name)), size_(size) {}
  Result<size_t> read(void* buf, size_t n) override;
  int64_t size_hint() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  FILE* f_;
  std::string name_;
  int64_t size_;
};

class FileSink : public ByteSink {
 public:
  FileSink(FILE* f, std::string name) : f_(f), name_(std::move(name)) {}
  Status write(const void* buf, size_t n) override;
  uint64_t written() const { return written_; }

 private:
  FILE* f_;
  std::string name_;
  uint64_t written_ = 0;
};

// In-memory implementations (tests, library users).
class MemorySource : public ByteSource {
 public:
  MemorySource(std::string_view data, std::string name = "<memory>") : data_(data), name_(std::move(name)) {}
  Result<size_t> read(void* buf, size_t n) override;
  int64_t size_hint() const override { return int64_t(data_.size()); }
  const std::string& name() const override { return name_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string name_;
};

class MemorySink : public ByteSink {
 public:
  Status write(const void* buf, size_t n) override {
    data.append(static_cast<const char*>(buf), n);
    return Status::ok();
  }
  std::string data;
};

// Discards everything (the `test` command); counts bytes.
class NullSink : public ByteSink {
 public:
  Status write(const void*, size_t n) override { written += n; return Status::ok(); }
  uint64_t written = 0;
};

}  // namespace llmzip::codec
