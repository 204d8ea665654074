// The CR LF transform of coded-lf frames (docs/format.md section 3.2): a
// model that has never seen `\r` codes the frame with LF line endings, and a
// small record says exactly which LFs had a CR before them. Any byte string
// goes through unchanged: a lone CR, or a CR before a CR LF, is ordinary
// text; mixed endings cost one varint per change between CR LF and LF.
//
//   record = r_0 r_1 ... r_k   (varints; r_0 >= 0, r_i >= 1 for i >= 1)
// Walking the text's LFs in order: the first r_0 had a CR, the next r_1 did
// not, the next r_2 did, and so on; the runs cover every LF exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace llmzip::codec {

struct LfText {
  std::string text;    // the frame with every CR LF replaced by LF
  std::string record;  // the runs above
};

// The transform of `frame`, or nullopt when it holds no CR LF (nothing to gain).
std::optional<LfText> to_lf(std::string_view frame);

// Checks `record` (canonical runs) and returns the number of CRs it puts
// back, so a decoder knows the text's length (original size - CRs) before
// decoding it. kCorrupt naming what is wrong.
Result<uint64_t> lf_record_crs(std::string_view record);

// The original bytes: CR inserted before each LF the record marks. kCorrupt
// when the record's runs do not cover exactly the text's LFs.
Result<std::string> from_lf(std::string_view text, std::string_view record);

// A coded-lf payload: varint(record size), the record, the coder's payload.
std::string join_lf_payload(std::string_view record, std::string_view coded);
struct LfPayload {
  std::string_view record, coded;
};
// The inverse; kCorrupt when the record size runs past the payload.
Result<LfPayload> split_lf_payload(std::string_view payload);

}  // namespace llmzip::codec
