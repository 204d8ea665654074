// `llmzip score [-m MODEL] FILE...`: what the model thinks of a text, without
// writing an archive (codec/scorer.h). The headline bits are the model's own,
// over every token: bits/char is LLMZip's entropy upper bound
// H_ub = (1/N_c) sum -log2 q(x_i). Beside them: the coder's bits (the adaptive
// predictor, what `ac` spends) and the container's with the model's coding alone.
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
  return "{\"file\":" + json_string(row.file) + ",\"context\":" + std::to_string(row.context) +
         ",\"bytes\":" + std::to_string(r.n_bytes) + ",\"chars\":" + std::to_string(r.n_chars) +
         ",\"tokens\":" + std::to_string(r.n_tokens) + ",\"frames\":" + std::to_string(r.n_frames) +
         ",\"stored_frames\":" + std::to_string(r.stored_frames) + ",\"unscored_bytes\":" + std::to_string(r.unscored_bytes) +
         ",\"model_bits\":" + fmt(r.model_bits, 3) + ",\"bits_per_byte\":" + fmt(per(r.model_bits, r.n_bytes), 6) +
         ",\"bits_per_char\":" + fmt(per(r.model_bits, r.n_chars), 6) +
         ",\"bits_per_token\":" + fmt(per(r.model_bits, r.n_tokens), 6) + ",\"coder_bits\":" + fmt(r.coder_bits, 3) +
         ",\"coder_bits_per_byte\":" + fmt(per(r.coder_bits, r.n_bytes), 6) +
         ",\"container_bits\":" + fmt(r.total_bits, 3) +
         ",\"container_bits_per_byte\":" + fmt(per(r.total_bits, r.n_bytes), 6) + "}";
}

std::string tokens_csv(std::string_view text, const codec::ScoreResult& r) {
  Table t({{"offset"}, {"token_id"}, {"text", Table::Align::kLeft}, {"model_bits"}, {"coder_bits"}, {"stored"},
           {"rank"}, {"entropy_bits"}});
  for (const auto& k : r.tokens) {
    const std::string_view bytes = k.offset + k.n_bytes <= text.size() ? text.substr(k.offset, k.n_bytes) : "";
    t.add_row({std::to_string(k.offset), std::to_string(k.id), escape_token_text(bytes), fmt(k.model_bits, 4),
               fmt(k.bits, 4), k.stored ? "1" : "0", std::to_string(k.rank), fmt(k.entropy_bits, 4)});
  }
  return t.to_csv();
}

void add_table_row(Table& t, const std::string& file, const std::string& context, const codec::ScoreResult& r) {
  t.add_row({file, context, std::to_string(r.n_bytes), std::to_string(r.n_chars), std::to_string(r.n_tokens),
             fmt(r.model_bits, 1), fmt(per(r.model_bits, r.n_bytes), 4), fmt(per(r.model_bits, r.n_chars), 4),
             fmt(per(r.model_bits, r.n_tokens), 3), fmt(per(r.coder_bits, r.n_bytes), 4),
             fmt(per(r.total_bits, r.n_bytes), 4)});
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
        rc = report(with_context(r.status(), shown));
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
      if (!r) return report(with_context(r.status(), shown));
      detail = std::move(r).value();
    }
    if (!a.tokens_csv.empty()) {
      Status st = write_report(a.tokens_csv, tokens_csv(*text, detail), a.force);
      if (!st) return report(st);
    }
    if (!a.html.empty()) {
      HtmlReportInfo info{shown, model_label(m, model_path(a)), effective_context(m, a.context)};
      Status st = write_report(a.html, render_html_report(*text, detail, info), a.force);
      if (!st) return report(st);
    }
    for (auto& row : rows) row.r.tokens.clear();  // not printed; free the memory
  }

  if (a.json) {
    std::string o = "{\"model\":" + json_string(m.name) + ",\"model_path\":" + json_string(m.path) + ",\"results\":[";
    for (size_t i = 0; i < rows.size(); ++i) o += (i ? "," : "") + json_row(rows[i]);
    print_json(o + "]}");
    return rc;
  }
  if (a.verbosity == 0 || rows.empty()) return rc;
  Table t({{"file", Table::Align::kLeft}, {"context"}, {"bytes"}, {"chars"}, {"tokens"}, {"model bits"}, {"bits/byte"},
           {"bits/char"}, {"bits/token"}, {"coder bits/byte"}, {"container bits/byte"}});
  for (const auto& row : rows) add_table_row(t, row.file, std::to_string(row.context), row.r);
  if (files.size() > 1 && a.sweep_context.empty() && rows.size() > 1) {
    // Sums over the files (each file is scored on its own, from a fresh context).
    codec::ScoreResult sum;
    for (const auto& row : rows) {
      sum.n_bytes += row.r.n_bytes;
      sum.n_chars += row.r.n_chars;
      sum.n_tokens += row.r.n_tokens;
      sum.model_bits += row.r.model_bits;
      sum.coder_bits += row.r.coder_bits;
      sum.total_bits += row.r.total_bits;
    }
    add_table_row(t, "total", "", sum);
  }
  std::printf("model: %s (%s)\n%s", printable(m.name).c_str(), printable(m.path).c_str(), t.to_text().c_str());
  std::printf(
      "bits are the model's own (bits/char is LLMZip's entropy bound H_ub); coder: the adaptive predictor the ac\n"
      "coder uses; container: the coder's bits, frames it would expand stored at 8 bits/byte (compress can\n"
      "write less: it also tries lzma, brotli, zstd and the CR LF and tab transforms on every frame).\n");
  return rc;
}

}  // namespace llmzip::cli
