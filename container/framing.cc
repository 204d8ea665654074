#include "container/framing.h"

#include <cassert>

namespace llmzip::container {

size_t next_frame_length(std::string_view rest, size_t target) {
  assert(target >= 1);
  if (rest.size() <= target) return rest.size();
  const size_t lo = (target + 1) / 2;  // ceil(T/2): the shortest frame
  // A newline at index p in [lo-1, T-1] gives a frame of p+1 bytes.
  for (size_t p = target; p-- > lo - 1;) {
    if (rest[p] == '\n') return p + 1;
  }
  // Otherwise cut before a byte that starts a character, at q in [lo, T].
  for (size_t q = target + 1; q-- > lo;) {
    if ((uint8_t(rest[q]) & 0xC0) != 0x80) return q;
  }
  return target;
}

uint64_t window_start(uint64_t i, uint32_t n_ctx, bool has_start_token) {
  assert(n_ctx >= 8);
  const uint64_t p = has_start_token ? 1 : 0;
  const uint64_t r = n_ctx / 2;
  const uint64_t first_restart = uint64_t(n_ctx) + 1 - p;  // first i whose window would not fit
  const uint64_t step = first_restart - r;                 // D = C + 1 - P - R
  if (i < first_restart) return 0;
  return step * ((i - first_restart) / step + 1);
}

}  // namespace llmzip::container
