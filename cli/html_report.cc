#include "cli/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cli/measure_text.h"
#include "tokenizer/unicode.h"

namespace llmzip::cli {
namespace {

// Upper bounds (exclusive) of buckets 0..7; bucket 8 is everything above.
// Chosen around where text models spend their bits: most tokens of fluent
// text cost under 4 bits, surprises 10+.
constexpr double kBucketTop[kHtmlBuckets - 1] = {0.25, 1, 2, 4, 6, 8, 11, 15};
constexpr const char* kBucketEdge[kHtmlBuckets] = {"0", ".25", "1", "2", "4", "6", "8", "11", "15"};
constexpr const char* kBucketLabel[kHtmlBuckets] = {"&lt;0.25", "0.25–1", "1–2", "2–4", "4–6",
                                                    "6–8",      "8–11",   "11–15", "≥15"};
// A light-to-dark yellow-orange-brown ramp (ColorBrewer YlOrBr, 9 classes):
// readable black text on the light half, white on the dark half.
constexpr const char* kBucketColor[kHtmlBuckets] = {"#ffffe5", "#fff7bc", "#fee391", "#fec44f", "#fe9929",
                                                    "#ec7014", "#cc4c02", "#993404", "#662506"};

std::string num(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string with_commas(uint64_t v) {
  std::string s = std::to_string(v), o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) o += ',';
    o += s[i];
  }
  return o;
}

// A run of text shown as one span: one token, several tokens that together
// make whole characters, or bytes no token covers (first_token < 0).
struct Segment {
  uint64_t begin = 0, end = 0;
  long first_token = -1;
  size_t n_tokens = 0;
  double bits = 0;
};

std::vector<Segment> segments_of(std::string_view text, const std::vector<codec::TokenScore>& toks) {
  // Positions where a character starts (or the text ends): a span may only
  // end there, otherwise the page would show half a character.
  std::vector<bool> boundary(text.size() + 1, false);
  for (size_t i = 0; i < text.size();) {
    boundary[i] = true;
    const size_t n = tokenizer::decode_utf8(text, i, nullptr);
    i += n == 0 ? 1 : n;
  }
  boundary[text.size()] = true;

  std::vector<Segment> segs;
  uint64_t pos = 0;
  for (size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    // Tokens that overlap what is already shown, or run past the text, cannot
    // come from a correct scorer; skip them rather than render garbage.
    if (t.offset < pos || t.offset + t.n_bytes > text.size() || t.n_bytes == 0) continue;
    if (t.offset > pos) segs.push_back({pos, t.offset, -1, 0, 0});
    Segment s{t.offset, t.offset + t.n_bytes, long(i), 1, t.model_bits};
    while (!boundary[s.end] && i + 1 < toks.size() && toks[i + 1].offset == s.end && toks[i + 1].n_bytes > 0 &&
           s.end + toks[i + 1].n_bytes <= text.size()) {
      ++i;
      s.end += toks[i].n_bytes;
      s.bits += toks[i].model_bits;
      ++s.n_tokens;
    }
    segs.push_back(s);
    pos = s.end;
  }
  if (pos < text.size()) segs.push_back({pos, text.size(), -1, 0, 0});
  return segs;
}

// Escaped text of a span; line breaks get a faint ↵ so a shaded newline token
// is visible at all.
std::string span_text(std::string_view bytes) {
  std::string o;
  size_t start = 0;
  for (size_t i = 0; i <= bytes.size(); ++i) {
    if (i == bytes.size() || bytes[i] == '\n') {
      o += html_escape(bytes.substr(start, i - start));
      if (i < bytes.size()) o += "<i class=nl>↵</i>\n";
      start = i + 1;
    }
  }
  return o;
}

// Spaces as U+2423 so a token that is (or starts with) a space is visible in a list.
std::string visible_spaces(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == ' ') o += "\u2423";
    else o += c;
  }
  return o;
}

const char* kStyle = R"CSS(
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--accent:#cc4c02}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:#fff}
header{padding:22px 32px 14px;border-bottom:1px solid var(--line);background:linear-gradient(180deg,#fffdf5,#fff)}
h1{margin:0 0 2px;font-size:21px;font-weight:650;word-break:break-all}
h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 10px;font-weight:600}
.sub{color:var(--muted);font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:112px}
.card b{display:block;font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}
.card span{font-size:12px;color:var(--muted)}
.card.hl{background:#fff4e5;border-color:#f5c58a}
main{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:28px;padding:20px 32px 40px}
@media (max-width:900px){main{grid-template-columns:1fr}}
.legend{display:flex;align-items:center;gap:0;margin:0 0 14px;font-size:12px;color:var(--muted);flex-wrap:wrap}
.legend .sw{display:inline-flex;flex-direction:column;align-items:center;min-width:54px}
.legend .sw i{display:block;width:100%;height:14px;border:1px solid rgba(0,0,0,.08)}
.legend .sw:first-child i{border-radius:4px 0 0 4px}.legend .sw:last-child i{border-radius:0 4px 4px 0}
.legend .cap{margin-right:12px;font-weight:600;color:var(--ink)}
#text{white-space:pre-wrap;word-wrap:break-word;font:15px/1.95 ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;
  border:1px solid var(--line);border-radius:8px;padding:16px 18px;background:#fff}
#text span{border-radius:3px;padding:1px 0;box-decoration-break:clone;-webkit-box-decoration-break:clone;cursor:default}
#text span:hover{outline:2px solid #0969da;outline-offset:0}
#text span:target{outline:3px solid #0969da;animation:flash 1.2s ease-out 2}
@keyframes flash{50%{outline-color:transparent}}
#text u{text-decoration:none;color:#8c959f;background:repeating-linear-gradient(45deg,#f6f8fa,#f6f8fa 4px,#eaeef2 4px,#eaeef2 8px)}
i.nl{font-style:normal;color:rgba(0,0,0,.28);font-size:11px}
.b6 i.nl,.b7 i.nl,.b8 i.nl{color:rgba(255,255,255,.55)}
)CSS"
                     R"CSS(
.b0{background:#ffffe5}.b1{background:#fff7bc}.b2{background:#fee391}.b3{background:#fec44f}.b4{background:#fe9929}
.b5{background:#ec7014;color:#fff}.b6{background:#cc4c02;color:#fff}.b7{background:#993404;color:#fff}.b8{background:#662506;color:#fff}
aside section{margin-bottom:26px}
.hist text{font:11px system-ui,sans-serif;fill:var(--muted)}
table.top{border-collapse:collapse;width:100%;font-size:13px}
table.top td{padding:3px 6px;border-bottom:1px solid #eef1f4;font-variant-numeric:tabular-nums}
table.top td:first-child{font-family:ui-monospace,monospace;max-width:150px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
table.top td.r{text-align:right}
table.top a{color:inherit;text-decoration:none}
table.top tr:hover{background:var(--card)}
.note{font-size:12px;color:var(--muted);line-height:1.45}
#tip{position:fixed;z-index:10;pointer-events:none;display:none;background:#1f2328;color:#fff;border-radius:8px;padding:9px 12px;
  font:12.5px/1.5 system-ui,sans-serif;box-shadow:0 6px 24px rgba(0,0,0,.25);max-width:340px}
#tip .tt{font:13px ui-monospace,monospace;background:rgba(255,255,255,.12);padding:1px 6px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
#tip table{border-collapse:collapse;margin-top:6px}
#tip td{padding:0 10px 0 0;font-variant-numeric:tabular-nums}
#tip td:first-child{color:#9da7b3}
footer{padding:0 32px 28px;color:var(--muted);font-size:12px}
)CSS";

// Hover card: reads the token table T (offset-free: id, bits, rank, entropy
// per token) by the span's data-i / data-n.
const char* kScript = R"JS(
(function(){
var tip=document.getElementById('tip'),box=document.getElementById('text');
function esc(s){return s.replace(/[&<>]/g,function(c){return{'&':'&amp;','<':'&lt;','>':'&gt;'}[c]});}
function shown(s){return esc(s.replace(/\u21b5\n/g,'\\n').replace(/\t/g,'\\t').replace(/ /g,'\u2423'));}
function row(k,v){return '<tr><td>'+k+'</td><td>'+v+'</td></tr>';}
box.addEventListener('mouseover',function(e){
  var s=e.target.closest('span');if(!s||!box.contains(s)){tip.style.display='none';return;}
  var h='<span class=tt>'+shown(s.textContent)+'</span>';
  if(s.dataset.i===undefined){h+='<table>'+row('stored','bytes the tokenizer could not express; 8 bits each')+'</table>';}
  else{var i=+s.dataset.i,n=+(s.dataset.n||1),bits=0;
    for(var k=i;k<i+n;k++)bits+=T[k][1];
    h+='<table>'+row('bits',bits.toFixed(2)+(n>1?' ('+n+' tokens)':''))+row('probability',Math.pow(2,-bits).toPrecision(3));
    for(var k=i;k<i+n;k++){var t=T[k];
      h+=row(n>1?'token '+(k-i+1):'token id',t[0]+(n>1?' · '+t[1].toFixed(2)+' bits':''))+row('rank',t[2]+(t[2]==0?' (top choice)':''))+row('entropy',t[3].toFixed(2)+' bits');}
    h+='</table>';}
  tip.innerHTML=h;tip.style.display='block';
});
box.addEventListener('mousemove',function(e){
  var x=e.clientX+14,y=e.clientY+16,w=tip.offsetWidth,hh=tip.offsetHeight;
  if(x+w>innerWidth-8)x=innerWidth-w-8; if(y+hh>innerHeight-8)y=e.clientY-hh-12;
  tip.style.left=x+'px';tip.style.top=y+'px';
});
box.addEventListener('mouseleave',function(){tip.style.display='none';});
document.body.setAttribute('data-ready','1');
})();
)JS";

}  // namespace

int html_bucket(double bits) {
  for (int b = 0; b < kHtmlBuckets - 1; ++b)
    if (bits < kBucketTop[b]) return b;
  return kHtmlBuckets - 1;
}

std::string render_html_report(std::string_view text, const codec::ScoreResult& r, const HtmlReportInfo& info) {
  const auto& toks = r.tokens;
  const std::vector<Segment> segs = segments_of(text, toks);

  // Histogram over buckets: tokens and bits in each.
  uint64_t tok_in[kHtmlBuckets] = {};
  double bits_in[kHtmlBuckets] = {};
  double token_bits = 0;
  for (const auto& t : toks) {
    const int b = html_bucket(t.model_bits);
    ++tok_in[b];
    bits_in[b] += t.model_bits;
    token_bits += t.model_bits;
  }

  // The most surprising spans, linked from the side panel.
  std::vector<size_t> top;
  for (size_t i = 0; i < segs.size(); ++i)
    if (segs[i].first_token >= 0) top.push_back(i);
  const size_t n_top = std::min<size_t>(12, top.size());
  std::partial_sort(top.begin(), top.begin() + long(n_top), top.end(), [&](size_t a, size_t b) {
    return segs[a].bits != segs[b].bits ? segs[a].bits > segs[b].bits : a < b;
  });
  top.resize(n_top);
  std::vector<bool> anchored(segs.size(), false);
  for (size_t i : top) anchored[i] = true;

  const double bpb = r.n_bytes ? r.model_bits / double(r.n_bytes) : 0;
  const double bpc = r.n_chars ? r.model_bits / double(r.n_chars) : 0;
  const double bpt = r.n_tokens ? r.model_bits / double(r.n_tokens) : 0;

  std::string o;
  o.reserve(text.size() * 6 + toks.size() * 48 + 16384);
  o += "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<meta name=viewport content=\"width=device-width,initial-scale=1\">\n";
  o += "<title>" + html_escape(info.title) + " · llmzip score</title>\n<style>";
  o += kStyle;
  o += "</style></head><body>\n<header><h1>" + html_escape(info.title) + "</h1>\n<div class=sub>scored by <b>" +
       html_escape(info.model) + "</b>";
  if (info.context) o += " · context " + std::to_string(info.context) + " tokens";
  o += " · " + with_commas(r.n_frames) + (r.n_frames == 1 ? " frame" : " frames") + "</div>\n<div class=cards>\n";
  auto card = [&](const std::string& value, const std::string& label, bool hl = false) {
    o += std::string("<div class=\"card") + (hl ? " hl" : "") + "\"><b>" + value + "</b><span>" + label + "</span></div>\n";
  };
  card(num(bpb, 3), "bits / byte", true);
  card(num(bpc, 3), "bits / char (H<sub>ub</sub>)", true);
  card(num(bpt, 2), "bits / token");
  card(with_commas(uint64_t(std::llround(r.model_bits))), "total bits ≈ " + with_commas(uint64_t(std::ceil(r.model_bits / 8))) + " bytes");
  card(with_commas(r.n_tokens), "tokens");
  card(with_commas(r.n_bytes), "bytes");
  card(with_commas(r.n_chars), "characters");
  o += "</div></header>\n<main><div>\n<div class=legend><span class=cap>bits per token</span>";
  for (int b = 0; b < kHtmlBuckets; ++b)
    o += std::string("<span class=sw><i style=\"background:") + kBucketColor[b] + "\"></i>" + kBucketLabel[b] + "</span>";
  o += "</div>\n<div id=text>";
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment& s = segs[i];
    const std::string body = span_text(text.substr(s.begin, s.end - s.begin));
    if (s.first_token < 0) {
      o += "<u>" + body + "</u>";
      continue;
    }
    o += "<span class=b" + std::to_string(html_bucket(s.bits)) +
         " data-i=" + std::to_string(s.first_token);
    if (s.n_tokens > 1) o += " data-n=" + std::to_string(s.n_tokens);
    if (anchored[i]) o += " id=s" + std::to_string(i);
    o += ">" + body + "</span>";
  }
  o += "</div></div>\n<aside>\n<section><h2>Where the bits go</h2>\n";

  // Histogram: bar height = share of tokens; caption = share of bits.
  {
    const int W = 300, H = 150, base = 112, bw = 28, gap = 4, x0 = 8;
    uint64_t max_tok = 1;
    for (auto c : tok_in) max_tok = std::max(max_tok, c);
    o += "<svg class=hist width=" + std::to_string(W) + " height=" + std::to_string(H) + " viewBox=\"0 0 " +
         std::to_string(W) + " " + std::to_string(H) + "\" role=img aria-label=\"histogram of token costs\">\n";
    for (int b = 0; b < kHtmlBuckets; ++b) {
      const int x = x0 + b * (bw + gap);
      const int h = int(std::lround(96.0 * double(tok_in[b]) / double(max_tok)));
      o += "<rect x=" + std::to_string(x) + " y=" + std::to_string(base - h) + " width=" + std::to_string(bw) +
           " height=" + std::to_string(std::max(h, 1)) + " rx=2 fill=\"" + kBucketColor[b] +
           "\" stroke=\"rgba(0,0,0,.15)\"><title>" + kBucketLabel[b] + " bits: " + with_commas(tok_in[b]) +
           " tokens, " + num(token_bits > 0 ? 100 * bits_in[b] / token_bits : 0, 1) + "% of the bits</title></rect>\n";
      const double pct = toks.empty() ? 0 : 100.0 * double(tok_in[b]) / double(toks.size());
      o += "<text x=" + std::to_string(x + bw / 2) + " y=" + std::to_string(base - h - 4) + " text-anchor=middle>" +
           num(pct, pct < 10 ? 1 : 0) + "</text>\n";
      // Band edges as ticks under the bars' left edges (full labels would collide).
      o += "<text x=" + std::to_string(x) + " y=" + std::to_string(base + 14) + " text-anchor=middle>" +
           kBucketEdge[b] + "</text>\n";
    }
    o += "<text x=8 y=" + std::to_string(base + 34) + ">% of tokens per cost band (edges in bits)</text>\n</svg>\n";
    o += "<div class=note>";
    double share_hi = 0;
    for (int b = 5; b < kHtmlBuckets; ++b) share_hi += bits_in[b];
    uint64_t n_hi = 0;
    for (int b = 5; b < kHtmlBuckets; ++b) n_hi += tok_in[b];
    o += "Tokens above 6 bits are " + num(toks.empty() ? 0 : 100.0 * double(n_hi) / double(toks.size()), 1) +
         "% of the tokens and carry " + num(token_bits > 0 ? 100 * share_hi / token_bits : 0, 1) + "% of the bits.";
    o += "</div></section>\n";
  }

  o += "<section><h2>Most surprising</h2>\n<table class=top>\n";
  for (size_t i : top) {
    const Segment& s = segs[i];
    const auto& t = toks[size_t(s.first_token)];
    o += "<tr><td><a href=\"#s" + std::to_string(i) + "\">" +
         html_escape(visible_spaces(escape_token_text(text.substr(s.begin, s.end - s.begin)))) +
         "</a></td><td class=r>" +
         num(s.bits, 1) + " bits</td><td class=r>rank " + std::to_string(t.rank) + "</td></tr>\n";
  }
  o += "</table></section>\n<section><h2>Reading the page</h2><div class=note>Each shaded span is one token; its colour is "
       "−log<sub>2</sub> of the probability the model gave it (its own table, without the adaptive predictor), "
       "measured with integer frequencies as the coder uses them: the model's bits, whatever compress would store. "
       "<code>llmzip score</code> reports beside them what the coder spends. Hover a token for its id, "
       "probability, rank (0 = the model's first choice) and the entropy of the model's prediction at that point. "
       "Bits per character is LLMZip's entropy upper bound H<sub>ub</sub>.";
  bool has_raw = false;
  for (const auto& s : segs) has_raw |= s.first_token < 0;
  if (has_raw) o += " Hatched text was stored without the model (8 bits per byte).";
  o += "</div></section>\n</aside></main>\n<footer>llmzip score · " + with_commas(toks.size()) +
       " tokens</footer>\n<div id=tip></div>\n<script>\nvar T=[";
  for (size_t i = 0; i < toks.size(); ++i) {
    const auto& t = toks[i];
    if (i) o += ',';
    o += '[' + std::to_string(t.id) + ',' + num(t.model_bits, 3) + ',' + std::to_string(t.rank) + ',' + num(t.entropy_bits, 3) + ']';
  }
  o += "];";
  o += kScript;
  o += "</script>\n</body></html>\n";
  return o;
}

}  // namespace llmzip::cli
