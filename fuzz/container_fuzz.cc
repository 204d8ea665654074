// fuzz-libs: llmzip_container llmzip_common
// Fuzzes both .llmz readers: any input must give a Status or a valid file, never
// a crash. A file the archive reader accepts must also pass the stream reader
// with the same frames (the two validate the same rules).
//
// Input byte 0 selects a mode: even = the rest is the file as is; odd = the
// rest is first "resealed" (every checksum recomputed where the structure can
// be followed), so that the fuzzer gets past the checksums and exercises the
// field and consistency checks behind them.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/le_io.h"
#include "container/checksum.h"
#include "container/reader.h"

using namespace llmzip;
using namespace llmzip::container;

namespace {

void reseal(std::string& f) {
  uint8_t* p = reinterpret_cast<uint8_t*>(f.data());
  const size_t size = f.size();
  if (size < kFileHeaderFixedSize) return;
  const size_t hs = kFileHeaderFixedSize + p[18];
  if (hs > size) return;
  store_le32(p + hs - 4, xxh64_32(p, hs - 4));
  size_t off = hs;
  while (size - off >= kFrameHeaderSize && std::string_view(f).substr(off, 4) == "LZFR") {
    const uint64_t payload = load_le64(p + off + 24);
    if (payload > size - off - kFrameHeaderSize) break;
    const uint64_t sum = xxh64(p + off + kFrameHeaderSize, payload);
    store_le64(p + off + 40, sum);
    if (p[off + 4] == 1) store_le64(p + off + 32, sum);
    store_le32(p + off + 48, xxh64_32(p + off, 48));
    off += kFrameHeaderSize + payload;
  }
  if (size - off >= kIndexFixedSize && std::string_view(f).substr(off, 4) == "LZIX") {
    const uint64_t count = load_le64(p + off + 8);
    if (count <= (size - off - kIndexFixedSize) / kIndexEntrySize) {
      const size_t len = 16 + count * kIndexEntrySize;
      store_le64(p + off + len, xxh64(p + off, len));
    }
  }
  if (size >= kFooterSize) store_le32(p + size - 8, xxh64_32(p + size - kFooterSize, 32));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) reseal(file);
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(file.data());

  auto archive = ArchiveReader::open(bytes, file.size(), "fuzz.llmz");
  bool archive_ok = archive.is_ok() && archive->verify_payloads().is_ok();
  if (archive.is_ok()) {
    for (size_t i = 0; i < archive->frame_count(); ++i) (void)archive->frame(i);
    if (archive->footer().total_original_size > 0) {
      size_t last = archive->frame_at_original_offset(archive->footer().total_original_size - 1);
      if (last + 1 != archive->frame_count()) __builtin_trap();
    }
  }

  auto stream = StreamReader::open(StreamReader::memory_source(file), "fuzz.llmz");
  bool stream_ok = false;
  size_t frames = 0;
  if (stream.is_ok()) {
    StreamReader::Frame f;
    while (true) {
      auto more = stream->next(&f);
      if (!more) break;
      if (!*more) {
        stream_ok = true;
        break;
      }
      ++frames;
    }
  }
  if (archive_ok != stream_ok) __builtin_trap();
  if (archive_ok && frames != archive->frame_count()) __builtin_trap();
  return 0;
}
