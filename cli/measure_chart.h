// `llmzip bench --chart out.svg`: a grouped horizontal bar chart written as a
// standalone SVG (no scripts, no external fonts), one group per file × model,
// one bar per compressor, so ratios of llmzip and the classic compressors can
// be compared at a glance and the file diffed in git.
#pragma once

#include <string>
#include <vector>

namespace llmzip::cli {

struct ChartBar {
  std::string series;  // compressor name; the same name gets the same colour in every group
  double value = 0;    // e.g. bits per byte (>= 0; negative values are drawn as 0)
};

struct ChartGroup {
  std::string label;   // e.g. "plain_english.txt · stories260K"
  std::vector<ChartBar> bars;
};

// Series whose name starts with `highlight_prefix` get warm colours, the rest
// cool greys/blues. `title` and `value_label` (the axis caption) are escaped.
std::string render_bar_chart(const std::string& title, const std::string& value_label,
                             const std::vector<ChartGroup>& groups, const std::string& highlight_prefix);

}  // namespace llmzip::cli
