#include "common/byte_io.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace llmzip {

Result<size_t> FileSource::read(void* buf, size_t n) {
  const size_t got = std::fread(buf, 1, n, f_);
  if (got < n && std::ferror(f_)) return Status(ErrorCode::kIo, name_ + ": read error: " + std::strerror(errno));
  return got;
}

Result<size_t> FdSource::read(void* buf, size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) return size_t(got);
    if (errno != EINTR) return Status(ErrorCode::kIo, name_ + ": read error: " + std::strerror(errno));
  }
}

Result<size_t> MemorySource::read(void* buf, size_t n) {
  const size_t k = std::min(n, data_.size() - pos_);
  if (k) std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

Status FileSink::write(const void* buf, size_t n) {
  if (n && std::fwrite(buf, 1, n, f_) != n)
    return Status(ErrorCode::kIo, name_ + ": write error: " + std::strerror(errno));
  written_ += n;
  return Status::ok();
}

Status FdSink::write(const void* buf, size_t n) {
  const char* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t k = ::write(fd_, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return Status(ErrorCode::kIo, name_ + ": write error: " + std::strerror(errno));
    p += k;
    n -= size_t(k);
  }
  return Status::ok();
}

}  // namespace llmzip
