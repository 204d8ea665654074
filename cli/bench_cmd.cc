// `llmzip bench FILE... [-m MODEL]...`: for each file and model, llmzip's three
// methods (ac, rank-zlib, tbyt — LLMZip's table) and every classic compressor on
// PATH, each a real compress + decompress round trip that is checked byte for
// byte and timed. "Adjusted" sizes count the model file as part of the output,
// as "Language Modeling Is Compression" does: a model only pays off on inputs
// large enough to amortise it.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/measure_chart.h"
#include "cli/measure_classic.h"
#include "cli/measure_io.h"
#include "cli/measure_table.h"
#include "codec/codec.h"

namespace llmzip::cli {
namespace {

struct BenchRow {
  std::string file;
  uint64_t bytes = 0;
  std::string model;         // "-" for classic compressors
  uint64_t model_bytes = 0;  // counted in the adjusted size
  std::string compressor;    // "llmzip ac", "xz -9e", ...
  uint64_t packed = 0;
  double compress_s = 0, decompress_s = 0;
  bool ok = false;
};

double bpb(uint64_t packed, uint64_t bytes) { return bytes ? 8.0 * double(packed) / double(bytes) : 0.0; }
double kbps(uint64_t bytes, double s) { return s > 0 ? double(bytes) / 1024.0 / s : 0.0; }

Result<BenchRow> bench_llmzip(const codec::LoadedModel& m, const std::string& label, uint64_t model_bytes,
                              const std::string& file, const std::string& data, coder::Method method, int threads) {
  codec::Params p;
  p.threads = threads;
  p.method = method;
  BenchRow row{file, data.size(), label, model_bytes, std::string("llmzip ") + coder::method_name(method)};
  MemorySource src(data, file);
  MemorySink packed;
  auto t0 = std::chrono::steady_clock::now();
  LLMZIP_RETURN_IF_ERROR(codec::compress(m, src, packed, p));
  auto t1 = std::chrono::steady_clock::now();
  MemorySource psrc(packed.data, file + ".llmz");
  MemorySink restored;
  LLMZIP_RETURN_IF_ERROR(codec::decompress(m, psrc, restored, p));
  auto t2 = std::chrono::steady_clock::now();
  row.packed = packed.data.size();
  row.compress_s = std::chrono::duration<double>(t1 - t0).count();
  row.decompress_s = std::chrono::duration<double>(t2 - t1).count();
  row.ok = restored.data == data;
  return row;
}

// The model file's size; `requested` is the -m path ("" = the built-in model,
// whose bytes are embedded in this executable).
uint64_t model_file_bytes(const std::string& requested) {
  if (requested.empty()) return codec::builtin_model_bytes().size();
  std::error_code ec;
  const auto n = std::filesystem::file_size(requested, ec);
  return ec ? 0 : n;
}

}  // namespace

int run_bench(const Args& a) {
  if (a.files.empty())
    return report(Status(ErrorCode::kInvalidArgument, "bench needs at least one file: llmzip bench FILE... [-m MODEL]..."));
  std::vector<std::string> model_paths = a.models;
  if (model_paths.empty()) model_paths.push_back(model_path(a));
  const int threads = thread_count(a.threads);
  const bool chatty = a.verbosity >= 2;

  std::vector<std::unique_ptr<codec::LoadedModel>> models;
  std::vector<std::string> labels;
  for (const auto& p : model_paths) {
    auto m = codec::load_model(p);
    if (!m) return report(m.status());
    labels.push_back(model_label(**m, p));
    models.push_back(std::move(m).value());
  }
  // Which classic compressors this machine has; the rest are skipped quietly
  // (listed with -v) so the table shows what was really run.
  std::vector<std::pair<const ClassicCompressor*, std::string>> classics;
  for (const auto& c : classic_compressors()) {
    std::string exe = find_on_path(c.program);
    if (exe.empty()) {
      if (chatty) std::fprintf(stderr, "bench: %s not found on PATH, skipped\n", c.program.c_str());
      continue;
    }
    classics.emplace_back(&c, exe);
  }

  std::vector<BenchRow> rows;
  int rc = 0;
  for (const auto& f : a.files) {
    auto data = read_input(f);
    if (!data) {
      rc = report(data.status());
      continue;
    }
    const std::string shown = f == "-" ? "<stdin>" : f;
    for (size_t mi = 0; mi < models.size(); ++mi) {
      const auto& m = models[mi];
      const uint64_t mb = model_file_bytes(model_paths[mi]);
      for (coder::Method method : {coder::Method::kArithmetic, coder::Method::kRankZlib, coder::Method::kTokenByToken}) {
        if (chatty) std::fprintf(stderr, "bench: %s, %s, llmzip %s...\n", shown.c_str(), labels[mi].c_str(), coder::method_name(method));
        auto row = bench_llmzip(*m, labels[mi], mb, shown, *data, method, threads);
        if (!row) {
          rc = report(with_context(row.status(), shown + ": llmzip " + coder::method_name(method)));
          continue;
        }
        if (!row->ok) rc = report(Status(ErrorCode::kInternal, shown + ": llmzip " + coder::method_name(method) + ": round trip FAILED"));
        rows.push_back(*row);
      }
    }
    for (const auto& [c, exe] : classics) {
      if (chatty) std::fprintf(stderr, "bench: %s, %s...\n", shown.c_str(), c->name.c_str());
      auto run = run_classic(*c, exe, *data);
      if (!run) {
        rc = report(with_context(run.status(), shown));
        continue;
      }
      if (!run->round_trip_ok) rc = report(Status(ErrorCode::kInternal, shown + ": " + c->name + ": round trip FAILED"));
      rows.push_back({shown, data->size(), "-", 0, c->name, run->compressed_bytes, run->compress_seconds,
                      run->decompress_seconds, run->round_trip_ok});
    }
  }

  Table full({{"file", Table::Align::kLeft}, {"bytes"}, {"model", Table::Align::kLeft}, {"model_bytes"},
              {"compressor", Table::Align::kLeft}, {"compressed_bytes"}, {"bits_per_byte"}, {"adjusted_bytes"},
              {"adjusted_bits_per_byte"}, {"compress_seconds"}, {"decompress_seconds"}, {"compress_kib_per_s"},
              {"decompress_kib_per_s"}, {"threads"}, {"round_trip"}});
  Table shown_t({{"file", Table::Align::kLeft}, {"bytes"}, {"model", Table::Align::kLeft},
                 {"compressor", Table::Align::kLeft}, {"size"}, {"bits/byte"}, {"adjusted bits/byte"}, {"comp KiB/s"},
                 {"decomp KiB/s"}, {"check"}});
  for (const auto& r : rows) {
    const uint64_t adj = r.packed + r.model_bytes;
    const int threads_used = r.model == "-" ? 1 : threads;
    full.add_row({r.file, std::to_string(r.bytes), r.model, std::to_string(r.model_bytes), r.compressor,
                  std::to_string(r.packed), fmt(bpb(r.packed, r.bytes), 4), std::to_string(adj), fmt(bpb(adj, r.bytes), 4),
                  fmt(r.compress_s, 4), fmt(r.decompress_s, 4), fmt(kbps(r.bytes, r.compress_s), 2),
                  fmt(kbps(r.bytes, r.decompress_s), 2), std::to_string(threads_used), r.ok ? "ok" : "FAIL"});
    shown_t.add_row({r.file, std::to_string(r.bytes), r.model, r.compressor, std::to_string(r.packed),
                     fmt(bpb(r.packed, r.bytes), 3), fmt(bpb(adj, r.bytes), 3), fmt(kbps(r.bytes, r.compress_s), 1),
                     fmt(kbps(r.bytes, r.decompress_s), 1), r.ok ? "ok" : "FAIL"});
  }

  if (!a.csv.empty()) {
    Status st = write_report(a.csv, full.to_csv(), a.force);
    if (!st) return report(st);
  }
  if (!a.markdown.empty()) {
    Status st = write_report(a.markdown, shown_t.to_markdown(), a.force);
    if (!st) return report(st);
  }
  if (!a.chart.empty()) {
    std::vector<ChartGroup> groups;
    for (const auto& f : a.files) {
      const std::string shown = f == "-" ? "<stdin>" : f;
      const std::string base = std::filesystem::path(shown).filename().string();
      for (const auto& label : labels) {
        ChartGroup g{base + " · " + label, {}};
        for (const auto& r : rows)
          if (r.file == shown && (r.model == label || r.model == "-")) g.bars.push_back({r.compressor, bpb(r.packed, r.bytes)});
        if (!g.bars.empty()) groups.push_back(std::move(g));
      }
    }
    Status st = write_report(a.chart, render_bar_chart("llmzip bench: compressed size", "bits per byte (lower is better)",
                                                       groups, "llmzip"),
                             a.force);
    if (!st) return report(st);
  }
  if (a.json) {
    // One object per row, the CSV's columns with numbers as numbers.
    std::string o = "{\"threads\":" + std::to_string(threads) + ",\"rows\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      const BenchRow& r = rows[i];
      const uint64_t adj = r.packed + r.model_bytes;
      o += std::string(i ? "," : "") + "{\"file\":" + json_string(r.file) + ",\"bytes\":" + std::to_string(r.bytes) +
           ",\"model\":" + json_string(r.model) + ",\"model_bytes\":" + std::to_string(r.model_bytes) +
           ",\"compressor\":" + json_string(r.compressor) + ",\"compressed_bytes\":" + std::to_string(r.packed) +
           ",\"bits_per_byte\":" + fmt(bpb(r.packed, r.bytes), 6) + ",\"adjusted_bytes\":" + std::to_string(adj) +
           ",\"adjusted_bits_per_byte\":" + fmt(bpb(adj, r.bytes), 6) + ",\"compress_seconds\":" + fmt(r.compress_s, 6) +
           ",\"decompress_seconds\":" + fmt(r.decompress_s, 6) + ",\"round_trip\":" + (r.ok ? "true" : "false") + "}";
    }
    print_json(o + "]}");
  } else if (a.verbosity >= 1) {
    std::printf("threads: %d (llmzip); classic compressors single-threaded\n%s", threads, shown_t.to_text().c_str());
    std::printf("adjusted = compressed size + model file size; KiB/s = input KiB per second of wall clock\n");
  }
  return rc;
}

}  // namespace llmzip::cli
