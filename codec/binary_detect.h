// Which frames are clearly not text, decided from their bytes alone before
// any model time is spent on them (compress.cc codes such frames with the
// classic codecs only). Not part of the format: a decoder never needs it.
//
// A byte is "binary" when it is a NUL or another C0 control other than TAB,
// LF, VT, FF, CR and ESC, or DEL, or a byte of an invalid UTF-8 sequence
// (a stray continuation byte, a lead byte without its continuations, an
// overlong or surrogate or beyond-U+10FFFF form). A span is binary when more
// than 1 in kBinaryShare of its bytes are (10 %): executables, images and
// compressed data score 30-90 %, UTF-8 text 0, text in a legacy 8-bit
// encoding (Latin-1 accents) usually below 5 %. O(n), no allocation.
#pragma once

#include <cstdint>
#include <string_view>

namespace llmzip::codec {

inline constexpr uint64_t kBinaryShare = 10;

// Bytes of `s` that are binary in the sense above.
uint64_t binary_bytes(std::string_view s);

// binary_bytes(s) * kBinaryShare > s.size().
bool looks_binary(std::string_view s);

}  // namespace llmzip::codec
