// `llmzip score [-m MODEL] FILE...`: what the model thinks of a text, without
// writing an archive. Bits are those of the `ac` coder (codec/scorer.h), so
// bits/byte here is the compressed size llmzip would reach, and bits/char is
// LLMZip's entropy upper bound H_ub = (1/N_c) sum -log2 q(x_i).
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/html_report.h"
#include "cli/measure_io.h"
#include "cli/measure_table.h"
#include "cli/measure_text.h"
#include "codec/scorer.h"

namespace llmzip::cli {
namespace {

struct ScoreRow {
  std::string file;
  uint32_t context = 0;
  codec::ScoreResult r;
};

double per(double bits, uint64_t n) { return n ? bits / double(n) : 0.0; }

std::string json_row(const ScoreRow& row) {
  const auto& r = row.r;
  std::string o = "{\"file\":" + json_string(row.file) + ",\"context\":" + std::to_string(row.context) +
                  ",\"bytes\":" + std::to_string(r.n_bytes) + ",\"chars\":" + std::to_string(r.n_chars) +
                  ",\"tokens\":" + std::to_string(r.n_tokens) + ",\"frames\":" + std::to_string(r.n_frames) +
                  ",\"bits\":" + fmt(r.total_bits, 3) + ",\"bits_per_byte\":" + fmt(per(r.total_bits, r.n_bytes), 6) +
                  ",\"bits_per_char\":" + fmt(per(r.total_bits, r.n_chars), 6) +
                  ",\"bits_per_token\":" + fmt(per(r.total_bits, r.n_tokens), 6) + "}";
  return o;
}

std::string tokens_csv(std::string_view text, const codec::ScoreResult& r) {
  Table t({{"offset"}, {"token_id"}, {"text", Table::Align::kLeft}, {"bits"}, {"rank"}, {"entropy_bits"}});
  for (const auto& k : r.tokens) {
    const std::string_view bytes = k.offset + k.n_bytes <= text.size() ? text.substr(k.offset, k.n_bytes) : "";
    t.add_row({std::to_string(k.offset), std::to_string(k.id), escape_token_text(bytes), fmt(k.bits, 4),
               std::to_string(k.rank), fmt(k.entropy_bits, 4)});
  }
  return t.to_csv();
}

}  // namespace

int run_score(const Args& a) {
  std::vector<std::string> files = a.files;
  if (files.empty()) files.push_back("-");
  const bool per_token = !a.tokens_csv.empty() || !a.html.empty();
  if (per_token && files.size() != 1)
    return report(Status(ErrorCode::kInvalidArgument, "--tokens and --html need exactly one input file"));

  auto model = codec::load_model(model_path(a));
  if (!model) return report(model.status());
  const codec::LoadedModel& m = **model;

  const codec::ScoreOptions base = score_options(a);

  std::vector<uint32_t> contexts = a.sweep_context;
  if (contexts.empty()) contexts.push_back(a.context);

  std::vector<ScoreRow> rows;
  int rc = 0;
  for (const auto& f : files) {
    auto text = read_input(f);
    if (!text) {
      rc = report(text.status());
      continue;
    }
    const std::string shown = f == "-" ? "<stdin>" : f;
    for (uint32_t ctx : contexts) {
      codec::ScoreOptions opt = base;
      opt.context = ctx;
      // Without a sweep the one pass also yields the per-token detail.
      opt.per_token = per_token && a.sweep_context.empty();
      auto r = codec::score(m, *text, opt);
      if (!r) {
        rc = report(Status(r.status().code(), shown + ": " + r.status().message()));
        break;
      }
      rows.push_back({shown, effective_context(m, ctx), std::move(r).value()});
    }
    if (!per_token) continue;
    codec::ScoreResult detail;
    if (a.sweep_context.empty() && !rows.empty()) {
      detail = rows.back().r;
    } else {
      codec::ScoreOptions opt = base;
      opt.per_token = true;
      auto r = codec::score(m, *text, opt);
      if (!r) return report(Status(r.status().code(), shown + ": " + r.status().message()));
      detail = std::move(r).value();
    }
    if (!a.tokens_csv.empty()) {
      Status st = write_report(a.tokens_csv, tokens_csv(*text, detail));
      if (!st) return report(st);
    }
    if (!a.html.empty()) {
      HtmlReportInfo info{shown, model_label(m, model_path(a)), effective_context(m, a.context)};
      Status st = write_report(a.html, render_html_report(*text, detail, info));
      if (!st) return report(st);
    }
    for (auto& row : rows) row.r.tokens.clear();  // not printed; free the memory
  }

  if (a.json) {
    std::string o = "{\"model\":" + json_string(m.name) + ",\"model_path\":" + json_string(m.path) + ",\"results\":[";
    for (size_t i = 0; i < rows.size(); ++i) o += (i ? "," : "") + json_row(rows[i]);
    o += "]}\n";
    std::fputs(o.c_str(), stdout);
    return rc;
  }
  if (a.verbosity == 0 || rows.empty()) return rc;
  Table t({{"file", Table::Align::kLeft}, {"context"}, {"bytes"}, {"chars"}, {"tokens"}, {"bits"}, {"bits/byte"},
           {"bits/char"}, {"bits/token"}});
  for (const auto& row : rows) {
    const auto& r = row.r;
    t.add_row({row.file, std::to_string(row.context), std::to_string(r.n_bytes), std::to_string(r.n_chars),
               std::to_string(r.n_tokens), fmt(r.total_bits, 1), fmt(per(r.total_bits, r.n_bytes), 4),
               fmt(per(r.total_bits, r.n_chars), 4), fmt(per(r.total_bits, r.n_tokens), 3)});
  }
  if (files.size() > 1 && a.sweep_context.empty() && rows.size() > 1) {
    // Sums over the files (each file is scored on its own, from a fresh context).
    codec::ScoreResult sum;
    for (const auto& row : rows) {
      sum.n_bytes += row.r.n_bytes;
      sum.n_chars += row.r.n_chars;
      sum.n_tokens += row.r.n_tokens;
      sum.total_bits += row.r.total_bits;
    }
    t.add_row({"total", "", std::to_string(sum.n_bytes), std::to_string(sum.n_chars), std::to_string(sum.n_tokens),
               fmt(sum.total_bits, 1), fmt(per(sum.total_bits, sum.n_bytes), 4), fmt(per(sum.total_bits, sum.n_chars), 4),
               fmt(per(sum.total_bits, sum.n_tokens), 3)});
  }
  std::printf("model: %s (%s)\n%s", printable(m.name).c_str(), printable(m.path).c_str(), t.to_text().c_str());
  std::printf("bits/char is LLMZip's entropy upper bound H_ub; bits are the ac coder's (compressed size ~ bits/8).\n");
  return rc;
}

}  // namespace llmzip::cli
