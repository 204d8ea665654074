// llmzip info FILE.llmz [--json]: what a file holds, read from its header,
// index and footer (no model needed; every structure is validated). A file of
// several .llmz files back to back is described member by member. And
// llmzip -l: the same read, one row per file and a total (as xz -l, zstd -l).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/measure_io.h"
#include "cli/measure_table.h"
#include "common/mapped_file.h"
#include "common/sha256.h"
#include "container/reader.h"

namespace llmzip::cli {
namespace {

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

// An archive's bytes: mapped from a file, or read from standard input ("-").
struct ArchiveBytes {
  std::unique_ptr<MappedFile> mapped;
  std::string owned;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

Result<ArchiveBytes> load(const std::string& path) {
  ArchiveBytes b;
  if (path == "-") {
    auto t = read_input("-");
    if (!t) return t.status();
    b.owned = std::move(t).value();
    b.data = reinterpret_cast<const uint8_t*>(b.owned.data());
    b.size = b.owned.size();
    return b;
  }
  auto mf = MappedFile::open(path);
  if (!mf) return mf.status();
  b.mapped = std::move(mf).value();
  b.data = b.mapped->data();
  b.size = b.mapped->size();
  return b;
}

// The files of an archive: one, or each of several back to back, validated.
struct Member {
  container::ArchiveReader reader;
  uint64_t size;
};
Result<std::vector<Member>> members_of(const ArchiveBytes& b, const std::string& path) {
  std::vector<Member> out;
  auto r = container::ArchiveReader::open(b.data, b.size, path);
  if (r) {
    out.push_back({std::move(r).value(), b.size});
    return out;
  }
  // Not one file: perhaps several back to back. Otherwise the error above.
  // The front-to-back reader says what is wrong as test does (e.g. bytes
  // after the footer that are no .llmz file, rather than "no footer").
  auto spans = member_spans(b.data, b.size, path);
  if (!spans) return spans.status();
  if (spans->size() < 2) return r.status();
  for (size_t k = 0; k < spans->size(); ++k) {
    const auto [off, len] = (*spans)[k];
    const std::string name = path + " (member " + std::to_string(k + 1) + " at byte " + std::to_string(off) + ")";
    auto m = container::ArchiveReader::open(b.data + off, size_t(len), name);
    if (!m) return m.status();
    out.push_back({std::move(m).value(), len});
  }
  return out;
}

// Model names come from the file: keep control bytes off the terminal.
std::string shown(std::string_view s) {
  std::string o;
  for (unsigned char c : s) o += (c < 0x20 || c == 0x7F) ? '?' : char(c);
  return o;
}

// Percent and bits per byte of `packed` bytes for `raw` ones (0 for none).
double ratio(uint64_t packed, uint64_t raw) { return raw ? 100.0 * double(packed) / double(raw) : 0.0; }
double bpb(uint64_t packed, uint64_t raw) { return raw ? 8.0 * double(packed) / double(raw) : 0.0; }

// What info shows of one member: totals over its frames, the kinds present
// ("3 coded, 1 zstd" and, for JSON, "coded":3,"zstd":1) and the rates.
struct MemberSummary {
  uint64_t tokens = 0, stored = 0, payload = 0;
  std::string kind_list, kind_json;
  double bits_per_byte = 0, bits_per_token = 0, percent = 0;
};

MemberSummary summarize(const container::ArchiveReader& r, uint64_t file_size) {
  MemberSummary m;
  uint64_t kinds[container::kMaxFrameKind + 1] = {};
  for (size_t i = 0; i < r.frame_count(); ++i) {
    m.tokens += r.entry(i).token_count;
    // bits/token: the payloads of the frames that have tokens (not the classic or stored ones).
    if (container::frame_kind_has_tokens(r.frame_header(i).kind)) m.payload += r.entry(i).payload_size;
    ++kinds[size_t(r.frame_header(i).kind)];
  }
  m.stored = kinds[size_t(container::FrameKind::kStored)];
  for (size_t k = 0; k <= container::kMaxFrameKind; ++k) {
    if (!kinds[k]) continue;
    const char* name = container::frame_kind_name(container::FrameKind(k));
    m.kind_list += (m.kind_list.empty() ? "" : ", ") + std::to_string(kinds[k]) + " " + name;
    m.kind_json += std::string(m.kind_json.empty() ? "" : ",") + "\"" + name + "\":" + std::to_string(kinds[k]);
  }
  const uint64_t original = r.footer().total_original_size;
  m.bits_per_byte = bpb(file_size, original);
  m.bits_per_token = bpb(m.payload, m.tokens);
  m.percent = ratio(file_size, original);
  return m;
}

// Describes one file; member > 0 numbers it within a concatenation of `members`.
std::string info_json(const std::string& path, const container::ArchiveReader& r, uint64_t file_size, size_t member,
                      size_t members) {
  const auto& h = r.header();
  const auto& f = r.footer();
  const MemberSummary m = summarize(r, file_size);
  char b[1536];
  std::snprintf(b, sizeof b,
                "{\"file\":%s,\"member\":%zu,\"members\":%zu,\"format_version\":%u,\"model\":%s,\"model_sha256\":\"%s\","
                "\"numerics_version\":%u,\"coder_version\":%u,\"method\":\"%s\",\"n_vocab\":%u,\"context\":%u,\"start_token\":%s,"
                "\"space_prefix\":%s,\"adaptive\":%s,\"frame_bytes\":%u,\"frames\":%zu,\"frame_kinds\":{%s},\"stored_frames\":%llu,"
                "\"tokens\":%llu,\"original_size\":%llu,\"compressed_size\":%llu,\"bits_per_byte\":%.6f,"
                "\"bits_per_token\":%.6f}",
                json_string(path).c_str(), member, members, unsigned(h.format_version),
                json_string(h.model_name).c_str(), Sha256::hex(h.model_sha256).c_str(), h.numerics_version,
                unsigned(h.coder_version), coder::method_name(h.method), h.n_vocab, h.n_ctx,
                h.has_start_token() ? std::to_string(h.start_token).c_str() : "null",
                h.space_prefix() ? "true" : "false", h.adaptive() ? "true" : "false", h.frame_bytes, r.frame_count(),
                m.kind_json.c_str(), (unsigned long long)m.stored, (unsigned long long)m.tokens,
                (unsigned long long)f.total_original_size, (unsigned long long)file_size, m.bits_per_byte,
                m.bits_per_token);
  return b;
}

void print_info(const std::string& path, const container::ArchiveReader& r, uint64_t file_size, size_t member,
                size_t members) {
  const auto& h = r.header();
  const auto& f = r.footer();
  const MemberSummary m = summarize(r, file_size);
  if (members > 1)
    std::printf("%s (member %zu of %zu)\n", path.c_str(), member, members);
  else
    std::printf("%s\n", path.c_str());
  std::printf("  model           %s (sha256 %s)\n", printable(h.model_name).c_str(), Sha256::hex(h.model_sha256).c_str());
  std::printf("  engine          format version %u, numerics version %u, coder version %u, method %s, adaptive %s\n",
              unsigned(h.format_version), h.numerics_version, unsigned(h.coder_version), coder::method_name(h.method),
              h.adaptive() ? "on" : "off");
  std::printf("  context         %u tokens, vocabulary %u, frames of ~%u bytes\n", h.n_ctx, h.n_vocab, h.frame_bytes);
  std::printf("  frames          %zu%s%s%s\n", r.frame_count(), m.kind_list.empty() ? "" : " (", m.kind_list.c_str(),
              m.kind_list.empty() ? "" : ")");
  std::printf("  tokens          %llu\n", (unsigned long long)m.tokens);
  std::printf("  original size   %llu bytes\n", (unsigned long long)f.total_original_size);
  std::printf("  compressed size %llu bytes (%.2f%%)\n", (unsigned long long)file_size, m.percent);
  std::printf("  bits per byte   %.4f (payload only: %.4f bits/token)\n", m.bits_per_byte, m.bits_per_token);
}

// One -l row: a whole file (members summed).
struct ListRow {
  std::string file;
  uint64_t members = 0, frames = 0, stored = 0, compressed = 0, original = 0;
  std::string model;  // "a, b" when members differ
};

std::string list_json(const ListRow& r) {
  return "{\"file\":" + json_string(r.file) + ",\"members\":" + std::to_string(r.members) +
         ",\"frames\":" + std::to_string(r.frames) + ",\"stored_frames\":" + std::to_string(r.stored) +
         ",\"compressed_size\":" + std::to_string(r.compressed) + ",\"original_size\":" + std::to_string(r.original) +
         ",\"ratio_percent\":" + fmt(ratio(r.compressed, r.original), 4) +
         ",\"bits_per_byte\":" + fmt(bpb(r.compressed, r.original), 6) + ",\"model\":" + json_string(r.model) + "}";
}

}  // namespace

int run_info(const Args& a) {
  if (a.files.empty()) return report(Status(ErrorCode::kInvalidArgument, "info needs a FILE.llmz"));
  int rc = 0;
  std::string docs;
  for (const auto& f : a.files) {
    const std::string name = f == "-" ? "<stdin>" : f;
    auto b = load(f);
    if (!b) { rc = report(b.status()); continue; }
    auto ms = members_of(*b, name);
    if (!ms) { rc = report(ms.status()); continue; }
    for (size_t k = 0; k < ms->size(); ++k) {
      const Member& m = (*ms)[k];
      if (a.json) docs += (docs.empty() ? "" : ",") + info_json(name, m.reader, m.size, k + 1, ms->size());
      else print_info(name, m.reader, m.size, k + 1, ms->size());
    }
  }
  if (a.json) print_json("{\"files\":[" + docs + "]}");
  return rc;
}

int run_list(const Args& a) {
  int rc = 0;
  size_t skipped = 0;
  const std::vector<std::string> inputs = expand_inputs(a, &rc, &skipped);
  std::vector<ListRow> rows;
  for (const auto& f : inputs) {
    const std::string name = f == "-" ? "<stdin>" : f;
    if (f == "-" && isatty(STDIN_FILENO)) {
      rc = report(Status(ErrorCode::kInvalidArgument,
                         "refusing to read compressed data from a terminal (give FILE.llmz... or redirect)"));
      continue;
    }
    auto b = load(f);
    if (!b) { rc = report(b.status()); continue; }
    auto ms = members_of(*b, name);
    if (!ms) { rc = report(ms.status()); continue; }
    ListRow row;
    row.file = name;
    for (const Member& m : *ms) {
      ++row.members;
      row.frames += m.reader.frame_count();
      for (size_t i = 0; i < m.reader.frame_count(); ++i)
        row.stored += m.reader.frame_header(i).kind == container::FrameKind::kStored;
      row.compressed += m.size;
      row.original += m.reader.footer().total_original_size;
      const std::string model = shown(m.reader.header().model_name);
      if (row.model.find(model) == std::string::npos) row.model += (row.model.empty() ? "" : ", ") + model;
    }
    rows.push_back(row);
  }
  ListRow total;
  total.file = std::to_string(rows.size()) + " files";
  for (const auto& r : rows) {
    total.members += r.members;
    total.frames += r.frames;
    total.stored += r.stored;
    total.compressed += r.compressed;
    total.original += r.original;
  }
  if (a.json) {
    std::string o = "{\"files\":[";
    for (size_t i = 0; i < rows.size(); ++i) o += (i ? "," : "") + list_json(rows[i]);
    o += "],\"total\":" + list_json(total) + "}";
    print_json(o);
    return rc;
  }
  if (a.verbosity == 0 || rows.empty()) return rc;
  Table t({{"frames"}, {"stored"}, {"compressed"}, {"original"}, {"ratio"}, {"bits/byte"},
           {"model", Table::Align::kLeft}, {"file", Table::Align::kLeft}});
  auto add = [&](const ListRow& r) {
    t.add_row({std::to_string(r.frames), std::to_string(r.stored), std::to_string(r.compressed),
               std::to_string(r.original), fmt(ratio(r.compressed, r.original), 2) + "%",
               fmt(bpb(r.compressed, r.original), 3), r.model, r.file});
  };
  for (const auto& r : rows) add(r);
  if (rows.size() > 1) {
    total.model = "";
    add(total);
  }
  std::fputs(t.to_text().c_str(), stdout);
  return rc;
}

}  // namespace llmzip::cli
