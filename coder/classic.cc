#include "coder/classic.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <lzma.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <memory>

namespace llmzip::coder {
namespace {

Status corrupt(Classic c, const std::string& what) {
  return Status(ErrorCode::kCorrupt, std::string(classic_name(c)) + " payload: " + what);
}
Status failed(Classic c, const std::string& what) {
  return Status(ErrorCode::kInternal, std::string(classic_name(c)) + " encoder: " + what);
}

// The LZMA2 dictionary for a frame of n bytes: no distance can exceed n, so
// both sides size it from n (format.md 7.4) and a forged payload cannot ask for more.
uint32_t lzma_dict_size(uint64_t n) {
  return uint32_t(std::clamp<uint64_t>(n, LZMA_DICT_SIZE_MIN, uint64_t(1) << 30));
}

// Brotli window bits covering n bytes (window = 2^bits - 16), 10 ... 24.
int brotli_window_bits(uint64_t n) {
  int bits = 10;
  while (bits < 24 && (uint64_t(1) << bits) - 16 < n) ++bits;
  return bits;
}

// The raw filter chain of a payload (format.md 7.4): LZMA2 alone, or for
// lzma-x86 the x86 branch converter (start offset 0) in front of it. `opt`
// must outlive the chain.
struct LzmaChain {
  lzma_filter f[3];
  LzmaChain(Classic c, lzma_options_lzma* opt) {
    int k = 0;
    if (c == Classic::kLzmaX86) f[k++] = {LZMA_FILTER_X86, nullptr};
    f[k++] = {LZMA_FILTER_LZMA2, opt};
    f[k] = {LZMA_VLI_UNKNOWN, nullptr};
  }
};

Result<std::string> lzma_encode_preset(Classic c, std::string_view in, uint32_t preset) {
  lzma_options_lzma opt;
  if (lzma_lzma_preset(&opt, preset)) return failed(c, "no preset " + std::to_string(preset));
  opt.dict_size = lzma_dict_size(in.size());
  const LzmaChain chain(c, &opt);
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_raw_encoder(&s, chain.f) != LZMA_OK) return failed(c, "cannot initialise");
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
  std::string out(in.size() + in.size() / 16 + 128, '\0');
  s.next_in = reinterpret_cast<const uint8_t*>(in.data());
  s.avail_in = in.size();
  s.next_out = reinterpret_cast<uint8_t*>(out.data());
  s.avail_out = out.size();
  for (;;) {
    const lzma_ret r = lzma_code(&s, LZMA_FINISH);
    if (r == LZMA_STREAM_END) break;
    if (r != LZMA_OK) return failed(c, "code " + std::to_string(int(r)));
    if (s.avail_out == 0) {
      const size_t done = out.size();
      out.resize(done * 2);
      s.next_out = reinterpret_cast<uint8_t*>(out.data()) + done;
      s.avail_out = out.size() - done;
    }
  }
  out.resize(s.total_out);
  return out;
}

// kMax: the smaller of presets 9e and 9 (the extreme search is not always
// better, e.g. on executables); kFast: 9 behind the x86 converter (executables),
// 9e without it (data, where it is smaller for about 15 % more time: Debian's
// libicudata, 31 MB, 7,455,816 -> 7,444,216 bytes, xz 11.0 -> 12.7 s); kQuick: 1.
Result<std::string> lzma_encode(Classic c, std::string_view in, Effort effort) {
  if (effort == Effort::kQuick) return lzma_encode_preset(c, in, 1);
  if (effort == Effort::kFast && c == Classic::kLzma) return lzma_encode_preset(c, in, 9 | LZMA_PRESET_EXTREME);
  auto normal = lzma_encode_preset(c, in, 9);
  if (!normal || effort == Effort::kFast) return normal;
  auto extreme = lzma_encode_preset(c, in, 9 | LZMA_PRESET_EXTREME);
  if (!extreme) return extreme;
  return extreme->size() <= normal->size() ? std::move(extreme) : std::move(normal);
}

// The output of a classic decoder: room for the size the frame header records,
// not initialised, so that pages are touched only as the decoder writes them.
// A forged size with a short stream then costs what the stream decodes to,
// not what the header claims (a std::string would zero all of it first).
class OutputBuffer {
 public:
  explicit OutputBuffer(uint64_t n) : p_(new uint8_t[n ? n : 1]) {}
  uint8_t* data() { return p_.get(); }
  std::string take(uint64_t n) const { return std::string(reinterpret_cast<const char*>(p_.get()), n); }

 private:
  std::unique_ptr<uint8_t[]> p_;
};

Result<std::string> lzma_decode(Classic c, std::string_view payload, uint64_t n) {
  lzma_options_lzma opt{};
  opt.dict_size = lzma_dict_size(n);
  const LzmaChain chain(c, &opt);
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_raw_decoder(&s, chain.f) != LZMA_OK)
    return Status(ErrorCode::kInternal, std::string(classic_name(c)) + " decoder: cannot initialise");
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
  // One byte of room beyond n: a stream that writes it is longer than the frame.
  OutputBuffer out(n + 1);
  s.next_in = reinterpret_cast<const uint8_t*>(payload.data());
  s.avail_in = payload.size();
  s.next_out = out.data();
  s.avail_out = n + 1;
  // liblzma answers LZMA_BUF_ERROR when the input ends before the end marker.
  lzma_ret r;
  do r = lzma_code(&s, LZMA_FINISH);
  while (r == LZMA_OK && s.avail_out > 0);
  if (s.total_out > n) return corrupt(c, "decodes to more than the frame's " + std::to_string(n) + " bytes");
  if (r != LZMA_STREAM_END) return corrupt(c, "damaged stream (liblzma code " + std::to_string(int(r)) + ")");
  if (s.avail_in != 0) return corrupt(c, std::to_string(s.avail_in) + " bytes after the end of the stream");
  if (s.total_out != n)
    return corrupt(c, "decodes to " + std::to_string(s.total_out) + " bytes, the frame has " + std::to_string(n));
  return out.take(n);
}

Result<std::string> brotli_encode(std::string_view in, Effort effort) {
  std::string out(BrotliEncoderMaxCompressedSize(in.size()), '\0');
  size_t size = out.size();
  const int quality = effort == Effort::kMax ? BROTLI_MAX_QUALITY : effort == Effort::kFast ? 7 : 1;
  if (!BrotliEncoderCompress(quality, brotli_window_bits(in.size()), BROTLI_MODE_GENERIC, in.size(),
                             reinterpret_cast<const uint8_t*>(in.data()), &size, reinterpret_cast<uint8_t*>(out.data())))
    return failed(Classic::kBrotli, "BrotliEncoderCompress failed");
  out.resize(size);
  return out;
}

Result<std::string> brotli_decode(std::string_view payload, uint64_t n) {
  std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> d(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
  if (!d) return Status(ErrorCode::kInternal, "brotli decoder: cannot initialise");
  OutputBuffer out(n + 1);  // as for lzma: one byte of room to notice a longer stream
  size_t avail_in = payload.size(), avail_out = n + 1;
  const uint8_t* next_in = reinterpret_cast<const uint8_t*>(payload.data());
  uint8_t* next_out = out.data();
  const BrotliDecoderResult r = BrotliDecoderDecompressStream(d.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
  switch (r) {
    case BROTLI_DECODER_RESULT_SUCCESS: break;
    case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
      return corrupt(Classic::kBrotli, "decodes to more than the frame's " + std::to_string(n) + " bytes");
    case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: return corrupt(Classic::kBrotli, "stream is truncated");
    default:
      return corrupt(Classic::kBrotli, std::string("damaged stream (") +
                                           BrotliDecoderErrorString(BrotliDecoderGetErrorCode(d.get())) + ")");
  }
  if (avail_in != 0) return corrupt(Classic::kBrotli, std::to_string(avail_in) + " bytes after the end of the stream");
  if (avail_out != 1)
    return corrupt(Classic::kBrotli, avail_out == 0 ? "decodes to more than the frame's " + std::to_string(n) + " bytes"
                                                    : "decodes to " + std::to_string(n + 1 - avail_out) +
                                                          " bytes, the frame has " + std::to_string(n));
  return out.take(n);
}

Result<std::string> zstd_encode(std::string_view in, Effort effort) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> c(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!c) return failed(Classic::kZstd, "cannot initialise");
  // No checksum, no content size, no dictionary id: the frame header records
  // the size and checksums the bytes (format.md 7.4).
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel,
                         effort == Effort::kMax ? ZSTD_maxCLevel() : effort == Effort::kFast ? 15 : 1);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 0);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_dictIDFlag, 0);
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t r = ZSTD_compress2(c.get(), out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(r)) return failed(Classic::kZstd, ZSTD_getErrorName(r));
  out.resize(r);
  return out;
}

Result<std::string> zstd_decode(std::string_view payload, uint64_t n) {
  // Exactly one Zstandard frame (not a skippable one), nothing after it.
  static constexpr uint8_t kMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
  if (payload.size() < 4 || !std::equal(kMagic, kMagic + 4, reinterpret_cast<const uint8_t*>(payload.data())))
    return corrupt(Classic::kZstd, "does not start with a Zstandard frame (magic 28 b5 2f fd)");
  const size_t frame = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
  if (ZSTD_isError(frame)) return corrupt(Classic::kZstd, std::string("damaged frame (") + ZSTD_getErrorName(frame) + ")");
  if (frame != payload.size())
    return corrupt(Classic::kZstd, std::to_string(payload.size() - frame) + " bytes after the end of the frame");
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!d) return Status(ErrorCode::kInternal, "zstd decoder: cannot initialise");
  // One-shot decoding writes into `out` and uses it as the window: the memory
  // is n bytes whatever window size the frame header claims.
  OutputBuffer out(n);
  const size_t r = ZSTD_decompressDCtx(d.get(), out.data(), n, payload.data(), payload.size());
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
      return corrupt(Classic::kZstd, "decodes to more than the frame's " + std::to_string(n) + " bytes");
    return corrupt(Classic::kZstd, std::string("damaged frame (") + ZSTD_getErrorName(r) + ")");
  }
  if (r != n) return corrupt(Classic::kZstd, "decodes to " + std::to_string(r) + " bytes, the frame has " + std::to_string(n));
  return out.take(n);
}

}  // namespace

const char* classic_name(Classic c) {
  switch (c) {
    case Classic::kLzma: return "lzma";
    case Classic::kBrotli: return "brotli";
    case Classic::kZstd: return "zstd";
    case Classic::kLzmaX86: return "lzma-x86";
  }
  return "unknown";
}

Result<std::string> classic_encode(Classic c, std::string_view in, Effort effort) {
  switch (c) {
    case Classic::kLzma:
    case Classic::kLzmaX86: return lzma_encode(c, in, effort);
    case Classic::kBrotli: return brotli_encode(in, effort);
    case Classic::kZstd: return zstd_encode(in, effort);
  }
  return failed(c, "unknown codec");
}

Result<std::string> classic_decode(Classic c, std::string_view payload, uint64_t original_size) {
  switch (c) {
    case Classic::kLzma:
    case Classic::kLzmaX86: return lzma_decode(c, payload, original_size);
    case Classic::kBrotli: return brotli_decode(payload, original_size);
    case Classic::kZstd: return zstd_decode(payload, original_size);
  }
  return corrupt(c, "unknown codec");
}

}  // namespace llmzip::coder
