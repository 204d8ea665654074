#include "codec/text_transforms.h"

#include "container/format.h"
#include "container/varint.h"

namespace llmzip::codec {
namespace {

Status corrupt(const std::string& what) { return Status(ErrorCode::kCorrupt, "transformed frame: " + what); }

// Builds a record from the marks of the items in order.
class RunWriter {
 public:
  void add(bool marked) {
    if (marked != marked_run_) {
      container::put_varint(record_, run_);
      marked_run_ = marked;
      run_ = 0;
    }
    ++run_;
  }
  std::string finish() {
    container::put_varint(record_, run_);
    return std::move(record_);
  }

 private:
  std::string record_;
  bool marked_run_ = true;  // r_0 counts marked items
  uint64_t run_ = 0;
};

// Reads a record's marks one item at a time; check() validates it whole first.
class RunReader {
 public:
  explicit RunReader(std::string_view record) : p_(reinterpret_cast<const uint8_t*>(record.data())), n_(record.size()) {}
  // Canonical runs; *items = their sum, *marked = the sum of the even ones.
  static Status check(std::string_view record, const char* what, uint64_t* items, uint64_t* marked) {
    if (record.empty()) return corrupt(std::string(what) + " record is empty");
    const auto* p = reinterpret_cast<const uint8_t*>(record.data());
    *items = *marked = 0;
    for (size_t at = 0, i = 0; at < record.size(); ++i) {
      const container::VarintResult v = container::decode_varint(p + at, record.size() - at);
      if (v.error != container::VarintError::kNone)
        return corrupt(std::string(what) + " record: " + container::varint_error_text(v.error));
      if (i > 0 && v.value == 0) return corrupt(std::string(what) + " record: empty run after the first");
      if (v.value > container::kMaxFrameOriginalSize) return corrupt(std::string(what) + " record: run too long");
      *items += v.value;
      if (i % 2 == 0) *marked += v.value;
      at += v.size;
    }
    return Status::ok();
  }
  // The next item's mark; false once the runs are used up (*more = false).
  bool next(bool* more) {
    while (left_ == 0) {
      if (at_ >= n_) {
        *more = false;
        return false;
      }
      const container::VarintResult v = container::decode_varint(p_ + at_, n_ - at_);
      at_ += v.size;
      left_ = v.value;
      marked_ = !marked_;
    }
    --left_;
    *more = true;
    return marked_;
  }
  bool used_up() {
    bool more;
    next(&more);
    return !more;
  }

 private:
  const uint8_t* p_;
  size_t n_, at_ = 0;
  uint64_t left_ = 0;
  bool marked_ = false;  // flipped before the first run
};

// CR LF -> LF, or nullopt without any CR LF.
std::optional<std::pair<std::string, std::string>> crlf_to_lf(std::string_view s) {
  if (s.find("\r\n") == std::string_view::npos) return std::nullopt;
  std::string text;
  text.reserve(s.size());
  RunWriter runs;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (s[i] == '\n') runs.add(i > 0 && s[i - 1] == '\r');
    text += s[i];
  }
  return std::pair{std::move(text), runs.finish()};
}

// Leading tabs -> 4 spaces each, on lines of k >= 1 tabs then < 4 spaces; or
// nullopt when no line qualifies.
std::optional<std::pair<std::string, std::string>> tabs_to_spaces(std::string_view s) {
  std::string text;
  text.reserve(s.size() + s.size() / 4);
  RunWriter runs;
  bool any = false;
  for (size_t i = 0; i < s.size();) {
    size_t tabs = 0, spaces = 0;
    while (i + tabs < s.size() && s[i + tabs] == '\t') ++tabs;
    while (i + tabs + spaces < s.size() && s[i + tabs + spaces] == ' ') ++spaces;
    const bool convert = tabs >= 1 && spaces < 4;
    if (convert) {
      text.append(4 * tabs, ' ');
      any = true;
    } else {
      text.append(s.substr(i, tabs));
    }
    text.append(spaces, ' ');
    if (convert || (tabs == 0 && spaces > 0)) runs.add(convert);  // a line of the result led by a space
    i += tabs + spaces;
    const size_t lf = s.find('\n', i);
    const size_t end = lf == std::string_view::npos ? s.size() : lf + 1;
    text.append(s.substr(i, end - i));
    i = end;
  }
  if (!any) return std::nullopt;
  return std::pair{std::move(text), runs.finish()};
}

Result<std::string> undo_tabs(std::string_view text, std::string_view record) {
  std::string out;
  out.reserve(text.size());
  RunReader runs(record);
  for (size_t i = 0; i < text.size();) {
    size_t spaces = 0;
    while (i + spaces < text.size() && text[i + spaces] == ' ') ++spaces;
    if (spaces > 0) {
      bool more;
      const bool marked = runs.next(&more);
      if (!more) return corrupt("tabs record covers fewer lines than the text has");
      if (marked) {
        if (spaces < 4) return corrupt("tabs record marks a line with fewer than 4 leading spaces");
        out.append(spaces / 4, '\t');
        out.append(spaces % 4, ' ');
      } else {
        out.append(spaces, ' ');
      }
    }
    i += spaces;
    const size_t lf = text.find('\n', i);
    const size_t end = lf == std::string_view::npos ? text.size() : lf + 1;
    out.append(text.substr(i, end - i));
    i = end;
  }
  if (!runs.used_up()) return corrupt("tabs record covers more lines than the text has");
  return out;
}

Result<std::string> undo_crlf(std::string_view text, std::string_view record) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  RunReader runs(record);
  for (size_t pos = 0;;) {
    const size_t lf = text.find('\n', pos);
    if (lf == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    bool more;
    const bool cr = runs.next(&more);
    if (!more) return corrupt("CRLF record covers fewer line feeds than the text has");
    out.append(text.substr(pos, lf - pos));
    if (cr) out += '\r';
    out += '\n';
    pos = lf + 1;
  }
  if (!runs.used_up()) return corrupt("CRLF record covers more line feeds than the text has");
  return out;
}

}  // namespace

std::optional<TransformedText> transform_text(std::string_view frame, uint8_t allowed) {
  TransformedText t;
  std::string cur(frame);
  if (allowed & kTransformCrLf) {
    if (auto r = crlf_to_lf(cur)) {
      t.set |= kTransformCrLf;
      cur = std::move(r->first);
      t.crlf_record = std::move(r->second);
    }
  }
  if (allowed & kTransformTabs) {
    if (auto r = tabs_to_spaces(cur)) {
      t.set |= kTransformTabs;
      cur = std::move(r->first);
      t.tabs_record = std::move(r->second);
    }
  }
  if (t.set == 0) return std::nullopt;
  t.text = std::move(cur);
  return t;
}

std::string join_transformed_payload(const TransformedText& t, std::string_view coded) {
  std::string p(1, char(t.set));
  for (const std::string* r : {&t.crlf_record, &t.tabs_record}) {
    if (r == &t.crlf_record ? !(t.set & kTransformCrLf) : !(t.set & kTransformTabs)) continue;
    container::put_varint(p, r->size());
    p += *r;
  }
  p += coded;
  return p;
}

Result<TransformedPayload> split_transformed_payload(std::string_view payload) {
  TransformedPayload out;
  if (payload.empty()) return corrupt("empty payload");
  out.set = uint8_t(payload[0]);
  if (out.set == 0 || (out.set & ~kKnownTransforms))
    return corrupt("transform set " + std::to_string(out.set) + " (known: 1 CRLF, 2 TABS; reserved bits must be 0)");
  size_t at = 1;
  for (uint8_t bit : {kTransformCrLf, kTransformTabs}) {
    if (!(out.set & bit)) continue;
    const char* what = bit == kTransformCrLf ? "CRLF" : "tabs";
    const container::VarintResult v =
        container::decode_varint(reinterpret_cast<const uint8_t*>(payload.data()) + at, payload.size() - at);
    if (v.error != container::VarintError::kNone)
      return corrupt(std::string(what) + " record size: " + container::varint_error_text(v.error));
    at += v.size;
    if (v.value > payload.size() - at)
      return corrupt(std::string(what) + " record of " + std::to_string(v.value) + " bytes runs past the payload");
    const std::string_view record = payload.substr(at, size_t(v.value));
    at += size_t(v.value);
    uint64_t items, marked;
    LLMZIP_RETURN_IF_ERROR(RunReader::check(record, what, &items, &marked));
    if (bit == kTransformCrLf) {
      out.crlf_record = record;
      out.crs = marked;
    } else {
      out.tabs_record = record;
    }
  }
  out.coded = payload.substr(at);
  return out;
}

Result<std::string> untransform_text(std::string_view text, const TransformedPayload& p) {
  std::string cur(text);
  if (p.set & kTransformTabs) {
    auto r = undo_tabs(cur, p.tabs_record);
    if (!r) return r.status();
    cur = std::move(r).value();
  }
  if (p.set & kTransformCrLf) {
    auto r = undo_crlf(cur, p.crlf_record);
    if (!r) return r.status();
    cur = std::move(r).value();
  }
  return cur;
}

}  // namespace llmzip::codec
