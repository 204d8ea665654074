#include "common/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstring>

namespace llmzip {
namespace {

// Live mappings for path_at(): fixed storage, so a signal handler can read
// them without allocating or locking. A slot is published by setting `used`
// last and retired by clearing it first.
constexpr int kMaxMappings = 16;
struct Mapping {
  const uint8_t* begin;
  size_t size;
  char path[4096];
  volatile sig_atomic_t used;
};
Mapping g_mappings[kMaxMappings];

void register_mapping(const uint8_t* begin, size_t size, const std::string& path) {
  for (Mapping& m : g_mappings) {
    if (m.used || path.size() >= sizeof m.path) continue;
    m.begin = begin;
    m.size = size;
    std::memcpy(m.path, path.c_str(), path.size() + 1);
    m.used = 1;
    return;
  }
}

void unregister_mapping(const uint8_t* begin) {
  for (Mapping& m : g_mappings)
    if (m.used && m.begin == begin) m.used = 0;
}

}  // namespace

const char* MappedFile::path_at(const void* addr) {
  const uint8_t* a = static_cast<const uint8_t*>(addr);
  for (const Mapping& m : g_mappings)
    if (m.used && a >= m.begin && a < m.begin + m.size) return m.path;
  return nullptr;
}

Result<std::unique_ptr<MappedFile>> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(ErrorCode::kIo, path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status(ErrorCode::kIo, path + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIo, path + ": not a regular file");
  }
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Status(ErrorCode::kIo, path + ": cannot map: " + std::strerror(e));
    }
    f->data_ = static_cast<const uint8_t*>(p);
    f->owned_ = true;
    register_mapping(f->data_, f->size_, path);
  }
  ::close(fd);
  return f;
}

std::unique_ptr<MappedFile> MappedFile::borrow(const uint8_t* data, size_t size, std::string name) {
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->data_ = data;
  f->size_ = size;
  f->path_ = std::move(name);
  return f;
}

MappedFile::~MappedFile() {
  if (owned_ && data_) {
    unregister_mapping(data_);
    munmap(const_cast<uint8_t*>(data_), size_);
  }
}

}  // namespace llmzip
