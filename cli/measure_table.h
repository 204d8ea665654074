// Tables for the measuring commands (score, distance, similar, bench): one list
// of rows rendered three ways — aligned text for a terminal, CSV (RFC 4180) for
// tools, and a GitHub markdown table for the README — so the three never
// disagree about what was measured.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmzip::cli {

class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string name;
    Align align = Align::kRight;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Appends a row; it must have exactly one cell per column (a bug otherwise).
  void add_row(std::vector<std::string> cells);

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }

  // Columns padded to their widest cell, two spaces apart, a dashed rule under
  // the header. Widths count UTF-8 code points, not bytes.
  std::string to_text() const;
  // Header line then one line per row, "\n" line ends; fields quoted only when
  // they contain a comma, a quote, CR or LF (quotes doubled).
  std::string to_csv() const;
  // GitHub-flavoured markdown; '|' in cells escaped, right-aligned columns
  // marked "---:".
  std::string to_markdown() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// One CSV field, quoted when needed (RFC 4180).
std::string csv_field(std::string_view s);

// printf("%.*f") into a std::string.
std::string fmt(double v, int decimals);

}  // namespace llmzip::cli
