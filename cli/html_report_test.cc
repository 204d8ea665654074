#include "cli/html_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "cli/measure_classic.h"
#include "cli/measure_text.h"
#include "tokenizer/unicode.h"

namespace llmzip::cli {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

codec::TokenScore tok(uint64_t off, uint32_t n, double bits, int32_t id = 7, uint32_t rank = 0) {
  codec::TokenScore t;
  t.offset = off;
  t.n_bytes = n;
  t.bits = bits;
  t.model_bits = bits;
  t.id = id;
  t.rank = rank;
  t.entropy_bits = 2.5;
  return t;
}

codec::ScoreResult result_of(std::string_view text, std::vector<codec::TokenScore> toks) {
  codec::ScoreResult r;
  r.n_bytes = text.size();
  r.n_chars = utf8_length(text);
  r.n_tokens = toks.size();
  r.n_frames = 1;
  for (const auto& t : toks) r.model_bits += t.bits;
  r.tokens = std::move(toks);
  return r;
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = tokenizer::decode_utf8(s, i, nullptr);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TEST(HtmlReport, BucketsFollowFixedThresholds) {
  EXPECT_EQ(html_bucket(0.0), 0);
  EXPECT_EQ(html_bucket(0.2499), 0);
  EXPECT_EQ(html_bucket(0.25), 1);
  EXPECT_EQ(html_bucket(1.9), 2);
  EXPECT_EQ(html_bucket(3.99), 3);
  EXPECT_EQ(html_bucket(7.5), 5);
  EXPECT_EQ(html_bucket(14.9), 7);
  EXPECT_EQ(html_bucket(15), 8);
  EXPECT_EQ(html_bucket(1e9), kHtmlBuckets - 1);
}

TEST(HtmlReport, OneSpanPerTokenWithItsBucketAndIndex) {
  const std::string text = "Once upon a time";
  auto r = result_of(text, {tok(0, 4, 0.1), tok(4, 5, 3.0), tok(9, 2, 9.0), tok(11, 5, 20.0)});
  const std::string html = render_html_report(text, r, {"story.txt", "stories260K", 512});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<span class=b0 data-i=0 id=s0>Once</span>"), std::string::npos);
  EXPECT_NE(html.find("<span class=b3 data-i=1 id=s1> upon</span>"), std::string::npos);
  EXPECT_NE(html.find("<span class=b6 data-i=2"), std::string::npos);
  EXPECT_NE(html.find("<span class=b8 data-i=3"), std::string::npos);
  EXPECT_EQ(count(html, "<span class=b"), 4u);
  // Summary: 32.1 bits over 16 bytes.
  EXPECT_NE(html.find("<b>2.006</b><span>bits / byte"), std::string::npos);
  EXPECT_NE(html.find("context 512 tokens"), std::string::npos);
  EXPECT_NE(html.find("stories260K"), std::string::npos);
  // The per-token table the hover card reads.
  EXPECT_NE(html.find("var T=[[7,0.100,0,2.500],[7,3.000,0,2.500],[7,9.000,0,2.500],[7,20.000,0,2.500]];"),
            std::string::npos);
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
}

TEST(HtmlReport, TextIsEscaped) {
  const std::string text = "<script>x</script>&";
  auto r = result_of(text, {tok(0, 8, 1), tok(8, 1, 1), tok(9, 9, 1), tok(18, 1, 1)});
  const std::string html = render_html_report(text, r, {"<b>.txt", "m", 0});
  EXPECT_EQ(count(html, "<script>"), 1u);  // only the page's own
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<h1>&lt;b&gt;.txt</h1>"), std::string::npos);
  EXPECT_NE(html.find(">&amp;</span>"), std::string::npos);
}

// Byte tokens that split "é" (C3 A9) are merged into one span; bits add up.
TEST(HtmlReport, TokensSplittingACharacterAreMerged) {
  const std::string text = "a\xC3\xA9z";
  auto r = result_of(text, {tok(0, 1, 1.0), tok(1, 1, 5.0, 200), tok(2, 1, 2.0, 201), tok(3, 1, 1.0)});
  const std::string html = render_html_report(text, r, {"t", "m", 0});
  EXPECT_TRUE(valid_utf8(html));
  EXPECT_NE(html.find("<span class=b5 data-i=1 data-n=2 id=s1>\xC3\xA9</span>"), std::string::npos);
  EXPECT_EQ(count(html, "<span class=b"), 3u);
  EXPECT_EQ(html.find("\xEF\xBF\xBD"), std::string::npos);  // no replacement characters
}

// Bytes no token covers (stored frames) are shown, hatched, and explained.
TEST(HtmlReport, UncoveredBytesAreMarked) {
  const std::string text = "abc\xFF\xFE" "def";
  auto r = result_of(text, {tok(0, 3, 1.0), tok(5, 3, 1.0)});
  const std::string html = render_html_report(text, r, {"t", "m", 0});
  EXPECT_NE(html.find("<u>\xEF\xBF\xBD\xEF\xBF\xBD</u>"), std::string::npos);
  EXPECT_NE(html.find("Hatched text was stored without the model"), std::string::npos);
  EXPECT_TRUE(valid_utf8(html));
}

TEST(HtmlReport, NewlinesGetAVisibleMark) {
  const std::string text = "a\nb";
  auto r = result_of(text, {tok(0, 1, 1.0), tok(1, 1, 4.5), tok(2, 1, 1.0)});
  const std::string html = render_html_report(text, r, {"t", "m", 0});
  EXPECT_NE(html.find("<span class=b4 data-i=1 id=s1><i class=nl>↵</i>\n</span>"), std::string::npos);
}

// Malformed token lists (overlaps, past the end) never produce broken pages.
TEST(HtmlReport, BadTokensAreSkipped) {
  const std::string text = "hello";
  auto r = result_of(text, {tok(0, 3, 1.0), tok(1, 3, 1.0), tok(3, 10, 1.0), tok(3, 2, 1.0)});
  const std::string html = render_html_report(text, r, {"t", "m", 0});
  EXPECT_EQ(count(html, "<span class=b"), 2u);
  EXPECT_NE(html.find(">hel</span>"), std::string::npos);
  EXPECT_NE(html.find(">lo</span>"), std::string::npos);
}

// The page renders in a real browser: headless Chromium parses it into the
// expected DOM (one span per token) and takes a screenshot. Skips without
// chromium (Debian: apt-get install chromium).
TEST(HtmlReport, RendersInHeadlessChromium) {
  std::string exe;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (exe.empty()) exe = find_on_path(name);
  if (exe.empty()) GTEST_SKIP() << "chromium not installed";

  std::string text;
  std::vector<codec::TokenScore> toks;
  for (int i = 0; i < 60; ++i) {
    const std::string w = (i % 12 == 11) ? "\n" : " word" + std::to_string(i);
    toks.push_back(tok(text.size(), uint32_t(w.size()), double(i % 17), i, uint32_t(i % 5)));
    text += w;
  }
  auto r = result_of(text, toks);
  std::string html = render_html_report(text, r, {"chromium check", "m", 64});
  // Hover the third token from a script appended to the page; the hover card
  // must then show that token's numbers (id 2, 2.00 bits, rank 2).
  const size_t end = html.rfind("</body>");
  ASSERT_NE(end, std::string::npos);
  html.insert(end,
              "<script>var s=document.querySelectorAll('#text span')[2];"
              "s.dispatchEvent(new MouseEvent('mouseover',{bubbles:true}));"
              "s.dispatchEvent(new MouseEvent('mousemove',{bubbles:true,clientX:40,clientY:40}));"
              "var t=document.getElementById('tip');"
              "document.body.setAttribute('data-hover',t.style.display+'|'+t.textContent);</script>");

  char dir[] = "/tmp/llmzip-html-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string page = std::string(dir) + "/page.html", png = std::string(dir) + "/shot.png",
                    dom = std::string(dir) + "/dom.html";
  {
    std::ofstream f(page, std::ios::binary);
    f << html;
  }
  const std::string flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,800 ";
  ASSERT_EQ(std::system((exe + flags + "--screenshot=" + png + " file://" + page + " >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(std::system((exe + flags + "--dump-dom file://" + page + " >" + dom + " 2>/dev/null").c_str()), 0);

  std::ifstream shot(png, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(shot)), {});
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), "\x89PNG\r\n\x1a\n");
  auto be32 = [&](size_t o) {
    return (uint32_t(uint8_t(bytes[o])) << 24) | (uint32_t(uint8_t(bytes[o + 1])) << 16) |
           (uint32_t(uint8_t(bytes[o + 2])) << 8) | uint32_t(uint8_t(bytes[o + 3]));
  };
  EXPECT_EQ(be32(16), 1200u);  // IHDR width
  EXPECT_EQ(be32(20), 800u);   // IHDR height
  EXPECT_GT(bytes.size(), 20000u);  // a blank page compresses to a few KB

  std::ifstream d(dom);
  const std::string parsed((std::istreambuf_iterator<char>(d)), {});
  EXPECT_EQ(count(parsed, "<span class=\"b"), toks.size());
  EXPECT_NE(parsed.find("id=\"tip\""), std::string::npos);
  EXPECT_NE(parsed.find("data-ready=\"1\""), std::string::npos);  // the inline script ran to its end
  const size_t hover = parsed.find("data-hover=\"");
  ASSERT_NE(hover, std::string::npos);
  const std::string card = parsed.substr(hover, parsed.find('"', hover + 12) - hover);
  EXPECT_NE(card.find("block|\u2423word2"), std::string::npos) << card;  // spaces shown as ␣
  EXPECT_NE(card.find("bits2.00"), std::string::npos) << card;
  EXPECT_NE(card.find("token id2"), std::string::npos) << card;
  EXPECT_NE(card.find("rank2"), std::string::npos) << card;
  EXPECT_NE(card.find("entropy2.50 bits"), std::string::npos) << card;
  std::system(("rm -rf " + std::string(dir)).c_str());
}

}  // namespace
}  // namespace llmzip::cli
