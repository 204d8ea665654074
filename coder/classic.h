// Classic (model-free) codecs for frames no model predicts well: lzma (raw
// LZMA2, liblzma), brotli (libbrotli), zstd (libzstd) and lzma-x86 (LZMA2
// behind liblzma's x86 branch converter, for executables), as docs/format.md
// section 7.4 defines their payloads. The codec tries them per frame and keeps
// the smallest (codec/compress.cc).
//
// Decoding is for untrusted payloads: the output is exactly `original_size`
// bytes or an error (kCorrupt naming the codec), never more; memory is
// O(original_size) plus the libraries' fixed state (brotli's window is at most
// 16 MiB, lzma's dictionary is sized from original_size, zstd decodes into the
// output buffer). The payload must be consumed exactly: bytes after the end of
// the stream are corruption, so every payload has one meaning.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace llmzip::coder {

enum class Classic : uint8_t { kLzma, kBrotli, kZstd, kLzmaX86 };
inline constexpr Classic kClassics[] = {Classic::kLzma, Classic::kBrotli, Classic::kZstd, Classic::kLzmaX86};

// "lzma", "brotli", "zstd", "lzma-x86".
const char* classic_name(Classic c);

// How hard the encoder works. kMax: the smaller of xz -9e and -9, brotli -q 11,
// zstd --ultra -22 (each with its window fitted to the input). kFast, for
// long frames already known not to be text, where speed matters (binaries
// compress at >= 1 MB/s): lzma -9, brotli -q 7, zstd -15 (the codec tries
// only brotli and one of lzma and lzma-x86 there, chosen by a kQuick probe).
// kQuick: lzma -1, brotli -q 1, zstd -1, for estimates. Decoders do not care.
enum class Effort : uint8_t { kMax, kFast, kQuick };

// The payload for `in` (non-empty). kInternal only when a library fails.
Result<std::string> classic_encode(Classic c, std::string_view in, Effort effort = Effort::kMax);

// The `original_size` bytes (>= 1) that `payload` decodes to.
Result<std::string> classic_decode(Classic c, std::string_view payload, uint64_t original_size);

}  // namespace llmzip::coder
