// llmzip info FILE.llmz [--json]: what a file holds, read from its header,
// index and footer (no model needed; every structure is validated). A file of
// several .llmz files back to back is described member by member.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "common/mapped_file.h"
#include "container/reader.h"

namespace llmzip::cli {
namespace {

std::string hex(const uint8_t* d, size_t n) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) { s += k[d[i] >> 4]; s += k[d[i] & 15]; }
  return s;
}

// (offset, size) of each file in a concatenation, found front to back.
Result<std::vector<std::pair<uint64_t, uint64_t>>> member_spans(const uint8_t* data, size_t size,
                                                                const std::string& path) {
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  MemorySource src({reinterpret_cast<const char*>(data), size}, path);
  Status st = container::StreamReader::for_each_member(
      src, path,
      [&](container::StreamReader& r) -> Status {
        container::StreamReader::Frame f;
        for (;;) {
          auto more = r.next(&f);
          if (!more) return more.status();
          if (!*more) break;
        }
        spans.emplace_back(r.member_offset(), r.bytes_read() - r.member_offset());
        return Status::ok();
      });
  if (!st) return st;
  return spans;
}

// Describes one file; member > 0 numbers it within a concatenation of `members`.
void print_info(const Args& a, const std::string& path, const container::ArchiveReader* r, uint64_t file_size,
                size_t member, size_t members) {
  const auto& h = r->header();
  const auto& f = r->footer();
  uint64_t tokens = 0, stored = 0, payload = 0;
  for (size_t i = 0; i < r->frame_count(); ++i) {
    tokens += r->entry(i).token_count;
    payload += r->entry(i).payload_size;
    if (r->frame_header(i).kind == container::FrameKind::kStored) ++stored;
  }
  const double bpb = f.total_original_size ? 8.0 * double(file_size) / double(f.total_original_size) : 0.0;
  const double bpt = tokens ? 8.0 * double(payload) / double(tokens) : 0.0;
  if (a.json) {
    std::printf(
        "{\"file\": %s, \"format_version\": %u, \"model\": %s, \"model_sha256\": \"%s\", \"numerics_version\": %u, "
        "\"method\": \"%s\", \"n_vocab\": %u, \"context\": %u, \"start_token\": %s, \"space_prefix\": %s, "
        "\"frame_bytes\": %u, \"frames\": %zu, \"stored_frames\": %llu, \"tokens\": %llu, \"original_size\": %llu, "
        "\"compressed_size\": %llu, \"bits_per_byte\": %.6f, \"bits_per_token\": %.6f%s}\n",
        json_string(path).c_str(), unsigned(container::kFormatVersion), json_string(h.model_name).c_str(),
        hex(h.model_sha256.data(), 32).c_str(), h.numerics_version, coder::method_name(h.method), h.n_vocab,
        h.n_ctx, h.has_start_token() ? std::to_string(h.start_token).c_str() : "null",
        h.space_prefix() ? "true" : "false", h.frame_bytes, r->frame_count(), (unsigned long long)stored,
        (unsigned long long)tokens, (unsigned long long)f.total_original_size, (unsigned long long)file_size, bpb, bpt,
        members > 1 ? (", \"member\": " + std::to_string(member) + ", \"members\": " + std::to_string(members)).c_str()
                    : "");
    return;
  }
  if (members > 1)
    std::printf("%s (member %zu of %zu)\n", path.c_str(), member, members);
  else
    std::printf("%s\n", path.c_str());
  std::printf("  model           %s (sha256 %s)\n", printable(h.model_name).c_str(),  // from the file
              hex(h.model_sha256.data(), 32).c_str());
  std::printf("  engine          numerics version %u, coder version %u, method %s\n", h.numerics_version,
              unsigned(h.coder_version), coder::method_name(h.method));
  std::printf("  context         %u tokens, vocabulary %u, frames of ~%u bytes\n", h.n_ctx, h.n_vocab, h.frame_bytes);
  std::printf("  frames          %zu (%llu stored uncoded)\n", r->frame_count(), (unsigned long long)stored);
  std::printf("  tokens          %llu\n", (unsigned long long)tokens);
  std::printf("  original size   %llu bytes\n", (unsigned long long)f.total_original_size);
  std::printf("  compressed size %llu bytes (%.2f%%)\n", (unsigned long long)file_size,
              f.total_original_size ? 100.0 * double(file_size) / double(f.total_original_size) : 0.0);
  std::printf("  bits per byte   %.4f (payload only: %.4f bits/token)\n", bpb, bpt);
}

int info_one(const Args& a, const std::string& path) {
  auto mf = MappedFile::open(path);
  if (!mf) return report(mf.status());
  const uint8_t* data = (*mf)->data();
  const size_t size = (*mf)->size();
  auto r = container::ArchiveReader::open(data, size, path);
  if (r) {
    print_info(a, path, &*r, size, 1, 1);
    return 0;
  }
  // Not one file: perhaps several back to back. Otherwise the error above.
  auto spans = member_spans(data, size, path);
  if (!spans || spans->size() < 2) return report(r.status());
  for (size_t k = 0; k < spans->size(); ++k) {
    const auto [off, len] = (*spans)[k];
    const std::string name = path + " (member " + std::to_string(k + 1) + " at byte " + std::to_string(off) + ")";
    auto m = container::ArchiveReader::open(data + off, size_t(len), name);
    if (!m) return report(m.status());
    print_info(a, path, &*m, len, k + 1, spans->size());
  }
  return 0;
}

}  // namespace

int run_info(const Args& a) {
  if (a.files.empty()) return report(Status(ErrorCode::kInvalidArgument, "info needs a FILE.llmz"));
  int rc = 0;
  for (const auto& f : a.files) rc |= info_one(a, f);
  return rc;
}

}  // namespace llmzip::cli
