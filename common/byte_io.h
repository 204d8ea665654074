// Byte streams: the one abstraction every layer uses to read input and write
// output (container readers/writer, codec, CLI, library API), so compress and
// decompress stream with bounded memory whatever the size.
//
// A ByteSource hands out bytes in order; a ByteSink takes them in order. Errors
// are Status values naming the stream (kIo with the system's reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"

namespace llmzip {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf; returns how many (0 only at end of input, or n == 0).
  virtual Result<size_t> read(void* buf, size_t n) = 0;
  // Total size if known (regular file, memory), else -1. Used for progress and
  // frame sizing only, never trusted for correctness.
  virtual int64_t size_hint() const { return -1; }
  // The name used in messages ("<stdin>", a path).
  virtual const std::string& name() const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all n bytes or fails.
  virtual Status write(const void* buf, size_t n) = 0;
};

// fread from a stdio stream.
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

// read(2) from a descriptor, retrying EINTR.
class FdSource : public ByteSource {
 public:
  FdSource(int fd, std::string name, int64_t size = -1) : fd_(fd), name_(std::move(name)), size_(size) {}
  Result<size_t> read(void* buf, size_t n) override;
  int64_t size_hint() const override { return size_; }
  const std::string& name() const override { return name_; }

 private:
  int fd_;
  std::string name_;
  int64_t size_;
};

// Reads from bytes that must outlive the source.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data, std::string name = "<memory>")
      : data_(data), name_(std::move(name)) {}
  Result<size_t> read(void* buf, size_t n) override;
  int64_t size_hint() const override { return int64_t(data_.size()); }
  const std::string& name() const override { return name_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string name_;
};

// fwrite to a stdio stream; counts bytes written.
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

// write(2) to a descriptor, retrying short writes and EINTR.
class FdSink : public ByteSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status write(const void* buf, size_t n) override;

 private:
  int fd_;
  std::string name_;
};

// Appends to a string it owns (tests, library users).
class MemorySink : public ByteSink {
 public:
  Status write(const void* buf, size_t n) override {
    data.append(static_cast<const char*>(buf), n);
    return Status::ok();
  }
  std::string data;
};

// Appends to a string owned by the caller, which must outlive the sink.
class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status write(const void* buf, size_t n) override {
    out_->append(static_cast<const char*>(buf), n);
    return Status::ok();
  }

 private:
  std::string* out_;
};

// Discards everything (`llmzip test`); counts bytes.
class NullSink : public ByteSink {
 public:
  Status write(const void*, size_t n) override {
    written += n;
    return Status::ok();
  }
  uint64_t written = 0;
};

}  // namespace llmzip
