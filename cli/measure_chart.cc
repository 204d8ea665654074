#include "cli/measure_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli/measure_text.h"

namespace llmzip::cli {
namespace {

std::string num(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

// A tick step of 1, 2 or 5 times a power of ten giving about `n` ticks.
double nice_step(double max, int n) {
  if (max <= 0) return 1;
  const double raw = max / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

}  // namespace

std::string render_bar_chart(const std::string& title, const std::string& value_label,
                             const std::vector<ChartGroup>& groups, const std::string& highlight_prefix) {
  // Series in order of first appearance; colour by position within its kind.
  std::vector<std::string> series;
  for (const auto& g : groups)
    for (const auto& b : g.bars)
      if (std::find(series.begin(), series.end(), b.series) == series.end()) series.push_back(b.series);
  static const char* kWarm[] = {"#e6550d", "#fd8d3c", "#a63603", "#fdae6b", "#7f2704"};
  static const char* kCool[] = {"#3182bd", "#6baed6", "#31a354", "#756bb1", "#636363", "#9ecae1", "#74c476", "#969696"};
  std::vector<std::string> colour(series.size());
  size_t warm = 0, cool = 0;
  for (size_t i = 0; i < series.size(); ++i) {
    const bool hot = !highlight_prefix.empty() && series[i].rfind(highlight_prefix, 0) == 0;
    colour[i] = hot ? kWarm[warm++ % 5] : kCool[cool++ % 8];
  }
  auto colour_of = [&](const std::string& s) {
    return colour[size_t(std::find(series.begin(), series.end(), s) - series.begin())];
  };

  double max_v = 0;
  for (const auto& g : groups)
    for (const auto& b : g.bars) max_v = std::max(max_v, b.value);
  const double step = nice_step(max_v, 6);
  const double axis_max = std::max(step, std::ceil(max_v / step) * step);

  // Group labels sit above their bars (file names are long); each bar is
  // labelled at its end with its value and series, so the chart reads without
  // the legend too.
  const int width = 960, left = 20, right = 170, bar_h = 15, bar_gap = 3, group_gap = 18, label_h = 20;
  const int legend_rows = int((series.size() + 4) / 5);
  const int top = 54 + legend_rows * 20;
  int height = top;
  for (const auto& g : groups) height += label_h + int(g.bars.size()) * (bar_h + bar_gap) + group_gap;
  height += 40;
  const double plot_w = width - left - right;
  auto xpos = [&](double v) { return left + plot_w * std::max(0.0, v) / axis_max; };

  std::string o;
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
       "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  o += "<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\" fill=\"#1f2328\">" + html_escape(title) + "</text>\n";

  // Legend, five entries per row.
  for (size_t i = 0; i < series.size(); ++i) {
    const int lx = 16 + int(i % 5) * 185, ly = 44 + int(i / 5) * 20;
    o += "<rect x=\"" + std::to_string(lx) + "\" y=\"" + std::to_string(ly) + "\" width=\"12\" height=\"12\" rx=\"2\" fill=\"" +
         colour[i] + "\"/><text x=\"" + std::to_string(lx + 17) + "\" y=\"" + std::to_string(ly + 10) +
         "\" fill=\"#1f2328\">" + html_escape(series[i]) + "</text>\n";
  }

  // Grid and axis labels.
  const int plot_bottom = height - 40;
  for (double t = 0; t <= axis_max + step / 2; t += step) {
    const double x = xpos(t);
    o += "<line x1=\"" + num(x, 1) + "\" y1=\"" + std::to_string(top - 6) + "\" x2=\"" + num(x, 1) + "\" y2=\"" +
         std::to_string(plot_bottom) + "\" stroke=\"" + (t == 0 ? "#8c959f" : "#e5e8eb") + "\"/>\n";
    o += "<text x=\"" + num(x, 1) + "\" y=\"" + std::to_string(plot_bottom + 15) + "\" text-anchor=\"middle\" fill=\"#59636e\">" +
         num(t, step < 1 ? (step < 0.1 ? 2 : 1) : 0) + "</text>\n";
  }
  o += "<text x=\"" + num(left + plot_w / 2, 1) + "\" y=\"" + std::to_string(plot_bottom + 32) +
       "\" text-anchor=\"middle\" fill=\"#59636e\">" + html_escape(value_label) + "</text>\n";

  int y = top;
  for (const auto& g : groups) {
    o += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y + 13) +
         "\" font-weight=\"bold\" fill=\"#1f2328\">" + html_escape(g.label) + "</text>\n";
    y += label_h;
    // The best (smallest) bar of the group is labelled in bold.
    double best = INFINITY;
    for (const auto& b : g.bars) best = std::min(best, b.value);
    for (const auto& b : g.bars) {
      const double x1 = xpos(b.value);
      o += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y) + "\" width=\"" + num(std::max(x1 - left, 1.0), 1) +
           "\" height=\"" + std::to_string(bar_h) + "\" rx=\"2\" fill=\"" + colour_of(b.series) + "\"><title>" +
           html_escape(b.series) + ": " + num(b.value, 3) + "</title></rect>\n";
      o += "<text x=\"" + num(x1 + 5, 1) + "\" y=\"" + std::to_string(y + bar_h - 3) + "\" fill=\"#1f2328\"" +
           (b.value == best ? " font-weight=\"bold\"" : "") + ">" + num(b.value, 3) + "<tspan fill=\"#8c959f\" font-weight=\"normal\">  " +
           html_escape(b.series) + "</tspan></text>\n";
      y += bar_h + bar_gap;
    }
    y += group_gap - bar_gap;
  }
  o += "</svg>\n";
  return o;
}

}  // namespace llmzip::cli
