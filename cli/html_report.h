// `llmzip score --html`: one self-contained page (inline CSS and a few lines of
// inline script, no external assets) that shows the scored text with every
// token shaded by the bits the model spent on it, its numbers on hover, a
// legend, the summary numbers at the top, a histogram of token costs and the
// most surprising tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec/scorer.h"

namespace llmzip::cli {

struct HtmlReportInfo {
  std::string title;       // usually the file name
  std::string model;       // model name shown in the header
  uint32_t context = 0;    // context window used (tokens); 0: not shown
};

// Token costs are bucketed on fixed bit thresholds (not on the page's own
// range) so pages of different texts and models compare at a glance.
inline constexpr int kHtmlBuckets = 9;
// Bucket of a token that cost `bits`: 0 (< 0.25 bits) .. kHtmlBuckets-1 (>= 15 bits).
int html_bucket(double bits);

// Renders `text` with `r.tokens` (per-token scores; offsets index into
// `text`), shaded and summed by the model's own bits (TokenScore::model_bits,
// ScoreResult::model_bits). Bytes covered by no token (frames the tokenizer cannot express) are
// shown unshaded and marked. Tokens that split a UTF-8 character are merged
// with their neighbours into one shaded span so the page never shows broken
// characters; the span's tooltip gives the summed bits. Any bytes are
// accepted; the page is always valid UTF-8.
std::string render_html_report(std::string_view text, const codec::ScoreResult& r, const HtmlReportInfo& info);

}  // namespace llmzip::cli
