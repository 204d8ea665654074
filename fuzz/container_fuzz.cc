// fuzz-libs: llmzip_container llmzip_common
// Fuzzes both .llmz readers: any input must give a Status or a valid file, never
// a crash. A file the archive reader accepts must also pass the stream reader
// with the same frames (the two validate the same rules).
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "container/reader.h"

using namespace llmzip::container;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto archive = ArchiveReader::open(data, size, "fuzz.llmz");
  bool archive_ok = archive.is_ok() && archive->verify_payloads().is_ok();
  if (archive.is_ok()) {
    for (size_t i = 0; i < archive->frame_count(); ++i) (void)archive->frame(i);
    if (archive->footer().total_original_size > 0) (void)archive->frame_at_original_offset(0);
  }

  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto stream = StreamReader::open(StreamReader::memory_source(bytes), "fuzz.llmz");
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
