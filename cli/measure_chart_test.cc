#include "cli/measure_chart.h"

#include <gtest/gtest.h>

namespace llmzip::cli {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(MeasureChart, OneBarPerValueAndOneLegendEntryPerSeries) {
  std::vector<ChartGroup> groups = {
      {"a.txt · m", {{"llmzip ac", 1.25}, {"llmzip tbyt", 1.5}, {"xz -9e", 2.75}}},
      {"b.txt · m", {{"llmzip ac", 1.0}, {"xz -9e", 3.0}}},
  };
  const std::string svg = render_bar_chart("bench <1>", "bits per byte", groups, "llmzip");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>\n"), std::string::npos);
  EXPECT_EQ(count(svg, "<title>"), 5u);      // one per bar
  EXPECT_EQ(count(svg, "rx=\"2\" fill="), 3u + 5u);  // 3 legend swatches + 5 bars
  EXPECT_NE(svg.find("bench &lt;1&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("bench <1>"), std::string::npos);
  EXPECT_NE(svg.find(">2.750<tspan"), std::string::npos);
  // The smallest bar of each group is labelled in bold.
  EXPECT_NE(svg.find("font-weight=\"bold\">1.250<"), std::string::npos);
  EXPECT_NE(svg.find("font-weight=\"bold\">1.000<"), std::string::npos);
  EXPECT_NE(svg.find("font-weight=\"bold\" fill=\"#1f2328\">a.txt · m</text>"), std::string::npos);
  // The same series has the same colour in both groups; llmzip is warm, xz cool.
  EXPECT_EQ(count(svg, "fill=\"#e6550d\"><title>llmzip ac"), 2u);
  EXPECT_EQ(count(svg, "fill=\"#3182bd\"><title>xz -9e"), 2u);
  // Axis runs to a round number covering the largest value (3.0 -> ticks of 0.5).
  EXPECT_NE(svg.find(">3.0</text>"), std::string::npos);
}

TEST(MeasureChart, BarLengthIsProportional) {
  const std::string svg = render_bar_chart("t", "v", {{"g", {{"x", 1.0}, {"y", 2.0}}}}, "");
  // Plot width is 960 - 20 - 170 = 770 px; axis max 2.0 -> y spans 770, x 385.
  EXPECT_NE(svg.find("width=\"385.0\" height=\"15\""), std::string::npos);
  EXPECT_NE(svg.find("width=\"770.0\" height=\"15\""), std::string::npos);
}

TEST(MeasureChart, EmptyInputIsStillAValidSvg) {
  const std::string svg = render_bar_chart("t", "v", {}, "llmzip");
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace llmzip::cli
