#include "codec/io.h"

#include <cerrno>
#include <cstring>

namespace llmzip::codec {

Result<size_t> FileSource::read(void* buf, size_t n) {
  size_t got = std::fread(buf, 1, n, f_);
  if (got < n && std::ferror(f_))
    return Status(ErrorCode::kIo, name_ + ": read error: " + std::strerror(errno));
  return got;
}

Status FileSink::write(const void* buf, size_t n) {
  if (n && std::fwrite(buf, 1, n, f_) != n)
    return Status(ErrorCode::kIo, name_ + ": write error: " + std::strerror(errno));
  written_ += n;
  return Status::ok();
}

Result<size_t> MemorySource::read(void* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

}  // namespace llmzip::codec
