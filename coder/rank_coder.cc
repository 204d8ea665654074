#include "coder/rank_coder.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <functional>

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

Result<RankDecoder> RankDecoder::open(std::string_view payload, uint64_t token_count) {
  auto corrupt = [](const std::string& what) { return Status(ErrorCode::kCorrupt, "rank-zlib payload: " + what); };
  const uint64_t max_bytes = token_count * 4;
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status(ErrorCode::kInternal, "rank-zlib: inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
  zs.avail_in = uInt(payload.size());
  if (payload.size() > 0xFFFFFFFFu) {
    inflateEnd(&zs);
    return corrupt("over 4 GiB");
  }
  std::string raw;
  int rc = Z_OK;
  // Grow the output as it comes, never beyond what token_count allows (+1 byte
  // to notice a stream that holds more).
  while (rc == Z_OK) {
    const size_t have = raw.size();
    if (have > max_bytes) break;
    const size_t chunk = size_t(std::min<uint64_t>(max_bytes + 1 - have, 1 << 16));
    raw.resize(have + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(raw.data() + have);
    zs.avail_out = uInt(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    raw.resize(have + chunk - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended early
  }
  const bool ended = rc == Z_STREAM_END;
  const uInt left_in = zs.avail_in;
  inflateEnd(&zs);
  if (raw.size() > max_bytes) return corrupt("more rank bytes than " + std::to_string(token_count) + " tokens allow");
  if (!ended) return corrupt("zlib stream damaged or truncated (zlib code " + std::to_string(rc) + ")");
  if (left_in != 0) return corrupt(std::to_string(left_in) + " bytes after the end of the zlib stream");

  RankDecoder d;
  d.ranks_.reserve(size_t(token_count));
  size_t i = 0;
  while (i < raw.size()) {
    uint32_t v = 0;
    int shift = 0;
    while (true) {
      if (i >= raw.size()) return corrupt("rank stream ends inside a varint");
      const uint8_t b = uint8_t(raw[i++]);
      if (shift == 28 || (b == 0 && shift > 0)) return corrupt("overlong or non-canonical varint");
      v |= uint32_t(b & 0x7F) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (d.ranks_.size() == token_count) return corrupt("more ranks than tokens");
    d.ranks_.push_back(v);
  }
  if (d.ranks_.size() != token_count)
    return corrupt("holds " + std::to_string(d.ranks_.size()) + " ranks, expected " + std::to_string(token_count));
  return d;
}

uint32_t RankDecoder::next() {
  assert(pos_ < ranks_.size());
  return ranks_[pos_++];
}

}  // namespace llmzip::coder
