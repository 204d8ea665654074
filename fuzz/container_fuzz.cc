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
  // Frames: as long as headers parse and payloads fit.
  size_t off = hs;
  const uint16_t version = uint16_t(p[8] | p[9] << 8);
  while (off < size && frame_kind_known(p[off], version)) {
    auto fh = parse_frame_header(p + off, size - off, off, "reseal", version);
    if (!fh) break;
    if (fh->header.payload_size > size - off - fh->size) break;
    const std::string_view payload(f.data() + off + fh->size, size_t(fh->header.payload_size));
    if (fh->header.kind == FrameKind::kStored) store_le32(p + off + fh->size - 8, original_checksum(payload));
    store_le32(p + off + fh->size - 4, compute_frame_checksum(p + off, fh->size, payload));
    off += fh->size + size_t(fh->header.payload_size);
  }
  // The index: from here to the footer.
  if (size >= kFooterSize && size - kFooterSize >= off + kMinIndexSize &&
      std::string_view(f).substr(off, 4) == "LZIX") {
    const size_t len = size - kFooterSize - off;
    store_le32(p + off + len - 4, xxh64_32(p + off, len - 4));
  }
  if (size >= kFooterSize) store_le32(p + size - 8, xxh64_32(p + size - kFooterSize, 24));
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

  // The stream reader agrees on single files: the first member read to its
  // footer with nothing after it. What follows a footer is read as further
  // members (a concatenation), which must fail cleanly or end exactly at the
  // end of the input.
  bool stream_ok = false;
  size_t frames = 0;
  int member = 0;
  uint64_t last_offset = 0, end = 0;
  MemorySource src(file, "fuzz.llmz");
  Status st = StreamReader::for_each_member(
      src, "fuzz.llmz", [&](StreamReader& r) -> Status {
        if (++member > 1 && r.member_offset() <= last_offset) __builtin_trap();
        last_offset = r.member_offset();
        StreamReader::Frame f;
        while (true) {
          auto more = r.next(&f);
          if (!more) return more.status();
          if (!*more) break;
          if (member == 1) ++frames;
        }
        if (member == 1) stream_ok = !r.has_next_member();
        end = r.bytes_read();
        return Status::ok();
      });
  if (st.is_ok() && end != file.size()) __builtin_trap();
  if (archive_ok != stream_ok) __builtin_trap();
  if (archive_ok && frames != archive->frame_count()) __builtin_trap();
  return 0;
}
