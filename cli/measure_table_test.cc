#include "cli/measure_table.h"

#include <gtest/gtest.h>

#include "cli/measure_text.h"

namespace llmzip::cli {
namespace {

Table sample() {
  Table t({{"name", Table::Align::kLeft}, {"bits"}});
  t.add_row({"a,b", "1.5"});
  t.add_row({"say \"hi\"", "12.25"});
  t.add_row({"é|x", "3"});
  return t;
}

TEST(MeasureTable, TextAlignsByCodePoints) {
  EXPECT_EQ(sample().to_text(),
            "name       bits\n"
            "---------------\n"
            "a,b         1.5\n"
            "say \"hi\"  12.25\n"
            "é|x           3\n");
}

TEST(MeasureTable, CsvQuotesOnlyWhenNeeded) {
  EXPECT_EQ(sample().to_csv(), "name,bits\n\"a,b\",1.5\n\"say \"\"hi\"\"\",12.25\né|x,3\n");
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_field("cr\r"), "\"cr\r\"");
}

TEST(MeasureTable, MarkdownEscapesPipesAndMarksAlignment) {
  EXPECT_EQ(sample().to_markdown(),
            "| name | bits |\n| --- | ---: |\n| a,b | 1.5 |\n| say \"hi\" | 12.25 |\n| é\\|x | 3 |\n");
}

TEST(MeasureTable, Fmt) {
  EXPECT_EQ(fmt(1.23456, 3), "1.235");
  EXPECT_EQ(fmt(2, 0), "2");
}

TEST(MeasureText, Utf8Length) {
  EXPECT_EQ(utf8_length("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 4u);  // a é € 😀
  EXPECT_EQ(utf8_length("\xC0\x80"), 2u);  // overlong NUL: two stray bytes
  EXPECT_EQ(utf8_length("\xE2\x82"), 2u);  // truncated: each stray byte counts once
  EXPECT_EQ(utf8_length(""), 0u);
}

TEST(MeasureText, EscapeTokenTextIsReversibleAndPrintable) {
  EXPECT_EQ(escape_token_text(" the"), " the");
  EXPECT_EQ(escape_token_text("a\nb\tc\r\\"), "a\\nb\\tc\\r\\\\");
  EXPECT_EQ(escape_token_text(std::string("\x00\x1F\x7F", 3)), "\\x00\\x1F\\x7F");
  EXPECT_EQ(escape_token_text("\xC3\xA9"), "\xC3\xA9");        // valid UTF-8 kept
  EXPECT_EQ(escape_token_text("\xC3"), "\\xC3");               // half a character
  EXPECT_EQ(escape_token_text("\xA9"), "\\xA9");
}

TEST(MeasureText, HtmlEscapeNeverEmitsMarkupOrInvalidUtf8) {
  EXPECT_EQ(html_escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  EXPECT_EQ(html_escape("ok\n\t"), "ok\n\t");
  EXPECT_EQ(html_escape("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(html_escape(std::string("\x01", 1)), "\xEF\xBF\xBD");
  const std::string out = html_escape("\xE2\x82 \xC3\xA9");
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD \xC3\xA9");
}

}  // namespace
}  // namespace llmzip::cli
