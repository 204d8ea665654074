#include "coder/rank_coder.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <string>

namespace llmzip::coder {

namespace {
constexpr uint32_t kSmallRank = 32;
}  // namespace

uint32_t rank_of(const FrequencyTable& t, uint32_t token) {
  assert(token < t.size());
  const uint32_t* c = t.cumulative();
  const uint32_t ft = c[token + 1] - c[token];
  uint32_t rank = 0;
  const size_t n = t.size();
  for (size_t j = 0; j < n; ++j) {
    const uint32_t f = c[j + 1] - c[j];
    rank += (f > ft) | ((f == ft) & (j < token));
  }
  return rank;
}

int64_t token_of_rank(const FrequencyTable& t, uint32_t rank, std::vector<uint32_t>& scratch) {
  const size_t n = t.size();
  if (rank >= n) return -1;
  const uint32_t* c = t.cumulative();
  if (rank < kSmallRank) {
    // Usual case with a good model: keep the best rank+1 (freq, id) pairs in
    // order while scanning once. Ids come in increasing order, so a later id
    // displaces a kept one only with a strictly higher frequency.
    uint32_t best_f[kSmallRank], best_id[kSmallRank];
    uint32_t kept = 0;
    const uint32_t want = rank + 1;
    for (size_t j = 0; j < n; ++j) {
      const uint32_t f = c[j + 1] - c[j];
      if (kept == want && f <= best_f[kept - 1]) continue;
      uint32_t pos = kept < want ? kept++ : kept - 1;
      while (pos > 0 && best_f[pos - 1] < f) {
        best_f[pos] = best_f[pos - 1];
        best_id[pos] = best_id[pos - 1];
        --pos;
      }
      best_f[pos] = f;
      best_id[pos] = uint32_t(j);
    }
    return int64_t(best_id[rank]);
  }
  // The frequency F at that rank, then the (rank - #{f > F})-th id with f == F.
  scratch.resize(n);
  for (size_t j = 0; j < n; ++j) scratch[j] = c[j + 1] - c[j];
  std::nth_element(scratch.begin(), scratch.begin() + rank, scratch.end(), std::greater<uint32_t>());
  const uint32_t F = scratch[rank];
  uint32_t greater = 0;
  for (size_t j = 0; j < n; ++j) greater += (c[j + 1] - c[j]) > F;
  uint32_t k = rank - greater;
  for (size_t j = 0; j < n; ++j) {
    if (c[j + 1] - c[j] == F) {
      if (k == 0) return int64_t(j);
      --k;
    }
  }
  assert(false && "rank selection inconsistent");
  return -1;
}

void RankEncoder::add(uint32_t rank) {
  while (rank >= 0x80) {
    varints_.push_back(char(0x80 | (rank & 0x7F)));
    rank >>= 7;
  }
  varints_.push_back(char(rank));
  ++count_;
}

Result<std::string> RankEncoder::finish(int level) {
  uLongf bound = compressBound(uLong(varints_.size()));
  std::string out(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                     reinterpret_cast<const Bytef*>(varints_.data()), uLong(varints_.size()), level);
  if (rc != Z_OK) return Status(ErrorCode::kInternal, "rank-zlib: zlib compress2 failed: " + std::to_string(rc));
  out.resize(bound);
  varints_.clear();
  count_ = 0;
  return out;
}

// Varints inflated from a zlib stream on demand, a buffer at a time.
struct RankDecoder::Stream {
  enum Got { kValue, kEnd, kBad };

  explicit Stream(std::string_view payload) {
    ok_init = inflateInit(&zs) == Z_OK;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
    zs.avail_in = uInt(payload.size());
  }
  ~Stream() {
    if (ok_init) inflateEnd(&zs);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The next inflated byte, -1 at the stream's end, -2 when zlib fails.
  int byte() {
    while (pos == len) {
      if (ended) return -1;
      if (rc != Z_OK) return -2;
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      len = sizeof buf - zs.avail_out;
      pos = 0;
      if (rc == Z_STREAM_END) ended = true;
    }
    return buf[pos++];
  }

  // One canonical varint into *v; kEnd exactly at the stream's end; kBad with *why.
  Got varint(uint32_t* v, std::string* why) {
    uint32_t x = 0;
    for (int shift = 0;; shift += 7) {
      const int b = byte();
      if (b == -1 && shift == 0) return kEnd;
      if (b < 0) {
        *why = b == -1 ? "rank stream ends inside a varint"
                       : rc == Z_BUF_ERROR ? "zlib stream truncated"
                                           : "zlib stream damaged (zlib code " + std::to_string(rc) + ")";
        return kBad;
      }
      if (shift == 28 || (b == 0 && shift > 0)) {
        *why = "overlong or non-canonical varint";
        return kBad;
      }
      x |= uint32_t(b & 0x7F) << shift;
      if (!(b & 0x80)) break;
    }
    *v = x;
    return kValue;
  }

  z_stream zs{};
  bool ok_init = false;
  int rc = Z_OK;
  bool ended = false;
  uint8_t buf[4096];
  size_t pos = 0, len = 0;
};

RankDecoder::RankDecoder() = default;
RankDecoder::~RankDecoder() = default;
RankDecoder::RankDecoder(RankDecoder&&) noexcept = default;
RankDecoder& RankDecoder::operator=(RankDecoder&&) noexcept = default;

Result<RankDecoder> RankDecoder::open(std::string_view payload, uint64_t token_count) {
  auto corrupt = [](const std::string& what) { return Status(ErrorCode::kCorrupt, "rank-zlib payload: " + what); };
  if (payload.size() > 0xFFFFFFFFu) return corrupt("over 4 GiB");
  // Validate everything before the first token is decoded, storing nothing: a
  // forged count or a zlib bomb costs at most one inflation of token_count
  // varints, never memory in proportion to either.
  {
    Stream check(payload);
    if (!check.ok_init) return Status(ErrorCode::kInternal, "rank-zlib: inflateInit failed");
    uint64_t count = 0;
    for (;;) {
      uint32_t v;
      std::string why;
      const Stream::Got g = check.varint(&v, &why);
      if (g == Stream::kEnd) break;
      if (g == Stream::kBad) return corrupt(why);
      if (++count > token_count) return corrupt("more ranks than the frame's " + std::to_string(token_count) + " tokens");
    }
    if (count != token_count)
      return corrupt("holds " + std::to_string(count) + " ranks, expected " + std::to_string(token_count));
    if (check.zs.avail_in != 0)
      return corrupt(std::to_string(check.zs.avail_in) + " bytes after the end of the zlib stream");
  }
  RankDecoder d;
  d.left_ = token_count;
  if (token_count > 0) {
    d.stream_ = std::make_unique<Stream>(payload);
    if (!d.stream_->ok_init) return Status(ErrorCode::kInternal, "rank-zlib: inflateInit failed");
  }
  return d;
}

uint32_t RankDecoder::next() {
  assert(left_ > 0 && stream_);
  --left_;
  uint32_t v = 0;
  std::string why;
  const Stream::Got g = stream_->varint(&v, &why);
  assert(g == Stream::kValue && "payload changed since open() validated it");
  (void)g;
  return v;
}

}  // namespace llmzip::coder
