#include "cli/measure_table.h"

#include <cassert>
#include <cstdio>

#include "cli/measure_text.h"

namespace llmzip::cli {

void Table::add_row(std::vector<std::string> cells) {
  assert(cells.size() == columns_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::to_text() const {
  std::vector<size_t> width(columns_.size(), 0);
  for (size_t c = 0; c < columns_.size(); ++c) {
    width[c] = utf8_length(columns_[c].name);
    for (const auto& r : rows_) width[c] = std::max(width[c], utf8_length(r[c]));
  }
  auto line = [&](auto cell_of) {
    std::string o;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& s = cell_of(c);
      const size_t pad = width[c] - utf8_length(s);
      const bool last = c + 1 == columns_.size();
      if (c) o += "  ";
      if (columns_[c].align == Align::kRight) {
        o.append(pad, ' ');
        o += s;
      } else {
        o += s;
        if (!last) o.append(pad, ' ');
      }
    }
    return o + "\n";
  };
  std::string o = line([&](size_t c) -> const std::string& { return columns_[c].name; });
  size_t total = 0;
  for (size_t c = 0; c < width.size(); ++c) total += width[c] + (c ? 2 : 0);
  o.append(total, '-');
  o += "\n";
  for (const auto& r : rows_) o += line([&](size_t c) -> const std::string& { return r[c]; });
  return o;
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"') o += '"';
    o += ch;
  }
  return o + "\"";
}

std::string Table::to_csv() const {
  std::string o;
  auto line = [&](auto cell_of) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (c) o += ',';
      o += csv_field(cell_of(c));
    }
    o += '\n';
  };
  line([&](size_t c) -> const std::string& { return columns_[c].name; });
  for (const auto& r : rows_) line([&](size_t c) -> const std::string& { return r[c]; });
  return o;
}

std::string Table::to_markdown() const {
  auto cell = [](const std::string& s) {
    std::string o;
    for (char ch : s) {
      if (ch == '|') o += '\\';
      if (ch == '\n' || ch == '\r') { o += ' '; continue; }
      o += ch;
    }
    return o;
  };
  std::string o = "|";
  for (const auto& col : columns_) o += " " + cell(col.name) + " |";
  o += "\n|";
  for (const auto& col : columns_) o += col.align == Align::kRight ? " ---: |" : " --- |";
  o += "\n";
  for (const auto& r : rows_) {
    o += "|";
    for (const auto& s : r) o += " " + cell(s) + " |";
    o += "\n";
  }
  return o;
}

std::string fmt(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

}  // namespace llmzip::cli
