#include "cli/measure_io.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cli/output_file.h"
#include "codec/codec.h"

namespace llmzip::cli {

Result<std::string> read_input(const std::string& name) {
  const bool std_in = name == "-";
  const std::string shown = std_in ? "<stdin>" : name;
  FILE* f = std_in ? stdin : std::fopen(name.c_str(), "rb");
  if (!f) return Status(ErrorCode::kIo, shown + ": cannot open for reading (" + std::strerror(errno) + ")");
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  const bool err = std::ferror(f);
  if (!std_in) std::fclose(f);
  if (err) return Status(ErrorCode::kIo, shown + ": read error after " + std::to_string(data.size()) + " bytes");
  return data;
}

Status write_report(const std::string& path, const std::string& content, bool force) {
  auto out = OutputFile::create(path, force);
  if (!out) return out.status();
  if (std::fwrite(content.data(), 1, content.size(), (*out)->stream()) != content.size())
    return Status(ErrorCode::kIo, path + ": write error");
  LLMZIP_RETURN_IF_ERROR((*out)->commit());
  // The temporary file was private (0600); a report is an ordinary file.
  const mode_t mask = umask(0);
  umask(mask);
  chmod(path.c_str(), 0666 & ~mask);
  return Status::ok();
}

uint32_t effective_context(const codec::LoadedModel& m, uint32_t requested) {
  if (requested) return requested;
  const int train = m.model ? m.model->config().n_ctx_train : 0;
  return train > 0 ? std::min<uint32_t>(uint32_t(train), codec::kDefaultContext) : codec::kDefaultContext;
}

std::string model_label(const codec::LoadedModel& m, const std::string& requested) {
  if (requested.empty()) return printable(m.name) + " (built-in)";  // general.name is the file's text
  return std::filesystem::path(requested).filename().string();
}

int thread_count(int requested) {
  if (requested > 0) return requested;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

codec::ScoreOptions score_options(const Args& a) {
  codec::ScoreOptions o;
  o.context = a.context;
  o.frame_bytes = a.frame_bytes;
  o.threads = thread_count(a.threads);
  o.adapt = a.adapt.value_or(true);
  return o;
}

}  // namespace llmzip::cli
