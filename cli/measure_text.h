// Byte strings shown to people by the measuring commands: token text in a CSV,
// in an HTML page, or in a terminal table. Model input is arbitrary bytes (a
// token may even split a UTF-8 sequence), so every helper here accepts any
// bytes and never produces invalid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmzip::cli {

// Validity is tokenizer::decode_utf8's (tokenizer/unicode.h): strict,
// shortest-form UTF-8; every byte that does not start a valid sequence is
// treated on its own.

// Code points in s; each byte that is not part of a valid sequence counts as one.
size_t utf8_length(std::string_view s);

// Token text made printable on one line: backslash, control bytes and bytes
// that are not valid UTF-8 become C escapes (\n, \t, \r, \\, \xNN); valid
// UTF-8 stays as it is. Reversible, so a CSV of tokens still says exactly
// which bytes each token stood for.
std::string escape_token_text(std::string_view bytes);

// Text for an HTML text node or attribute value: & < > " ' escaped; bytes that
// are not valid UTF-8 become U+FFFD (the page must stay valid UTF-8); other
// control characters except \n and \t become U+FFFD as well.
std::string html_escape(std::string_view bytes);

}  // namespace llmzip::cli
