// The reversible text transforms of "transformed" frames (docs/format.md
// section 3.2): where the model is blind, the frame is coded as a text it
// predicts better plus a small exact record per transform.
//
// - CRLF: every CR LF becomes LF; the record says which LFs had a CR. A lone
//   CR, or a CR before a CR LF, is ordinary text.
// - TABS (after CRLF): a line whose leading whitespace is k >= 1 tabs then
//   fewer than 4 spaces gets each of those tabs as 4 spaces; the record says,
//   of the lines of the result that start with a space, which were converted.
//
// Both records are the same run-length code:
//   record = r_0 r_1 ... r_k   (varints; r_0 >= 0, r_i >= 1 for i >= 1)
// over the items in order (LFs; space-led lines): the first r_0 are marked,
// the next r_1 not, then r_2 marked, and so on; the runs cover every item.
// Measured (bench/testset, docs/format.md 3.2): a CR LF copy of a text costs
// 37 % more than its LF copy without CRLF, 0.5 % with it; tab-indented Python
// 19 % more than its space-indented copy without TABS, 2 % less with it. Runs
// of spaces and capital letters did not pay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace llmzip::codec {

inline constexpr uint8_t kTransformCrLf = 1 << 0;
inline constexpr uint8_t kTransformTabs = 1 << 1;
inline constexpr uint8_t kKnownTransforms = kTransformCrLf | kTransformTabs;

struct TransformedText {
  uint8_t set = 0;                       // kTransform* bits applied (never 0)
  std::string text;                      // what the model codes
  std::string crlf_record, tabs_record;  // for the bits in `set`
};

// The transforms that apply to `frame` (`allowed` bits only), or nullopt when none does.
std::optional<TransformedText> transform_text(std::string_view frame, uint8_t allowed = kKnownTransforms);

// A transformed frame's payload: u8 set, for each bit of set in order
// varint(record size) and the record, then the coder's payload.
std::string join_transformed_payload(const TransformedText& t, std::string_view coded);

struct TransformedPayload {
  uint8_t set = 0;
  std::string_view crlf_record, tabs_record, coded;
  uint64_t crs = 0;  // CRs the CRLF record puts back
};
// The inverse, with each record's runs checked. kCorrupt naming what is wrong.
Result<TransformedPayload> split_transformed_payload(std::string_view payload);

// The original bytes of decoded `text` (undoes TABS, then CRLF). kCorrupt
// when a record's runs do not cover exactly its items.
Result<std::string> untransform_text(std::string_view text, const TransformedPayload& p);

}  // namespace llmzip::codec
