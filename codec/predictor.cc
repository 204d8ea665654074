#include "codec/predictor.h"

#include <algorithm>
#include <cassert>

#include "coder/range_coder.h"

namespace llmzip::codec {

// ------------------------------------------------------------------ adaptive
// The models and the mixer of docs/adaptive.md. Probabilities are integers in
// units of 2^-31 (coder::kTotal), weights and escapes in units of 2^-16.
namespace {

constexpr uint64_t kOne31 = coder::kTotal;
constexpr uint32_t kOne16 = 1u << 16;

// Components of the mixture: the model, the match model, n-grams of orders 0-3.
constexpr int kModel = 0, kMatch = 1, kOrder0 = 2;
constexpr int kOrders = 4;  // 0, 1, 2, 3
constexpr int kComponents = 2 + kOrders;

// Match lengths are bucketed for the match model's hit statistics and the mixer.
constexpr int kMatchMin = 2;  // tokens hashed to find a match
constexpr int kMatchBuckets = 6;
constexpr int kConfidenceBuckets = 4;
constexpr int kMixContexts = kMatchBuckets * kConfidenceBuckets;

int match_bucket(uint32_t len) {
  if (len == 0) return 0;
  if (len < 4) return 1;
  if (len < 8) return 2;
  if (len < 16) return 3;
  if (len < 32) return 4;
  return 5;
}

// The model's top probability in four steps: < 1/4, < 1/2, < 7/8, >= 7/8.
int confidence_bucket(uint64_t top) {
  if (top < kOne31 / 4) return 0;
  if (top < kOne31 / 2) return 1;
  if (top < kOne31 / 8 * 7) return 2;
  return 3;
}

// The model's own correction (an adaptive probability map on its top token):
// contexts are the top probability in 14 steps (finer near 1, where a wrong
// certainty is costly) times the match model's state (none / agrees with the
// top token / predicts another).
constexpr int kTopBuckets = 14;
constexpr int kApmContexts = kTopBuckets * 3;

int top_bucket(uint64_t top) {
  if (top < kOne31 / 8) return 0;
  if (top < kOne31 / 4) return 1;
  if (top < kOne31 / 2) return 2;
  // 1 - top in [2^-(k+1), 2^-k) for k = 1, 2, ...: bucket 2 + k, capped.
  const uint64_t rest = kOne31 - top;
  int k = 0;
  while (k < 11 && (rest >> (30 - k)) == 0) ++k;
  return std::min(3 + k, kTopBuckets - 1);
}

uint64_t mix_hash(uint64_t h, uint32_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

// Counts of the tokens that followed one context: up to kSlots tokens, the
// least counted one replaced when a new one comes.
struct Bucket {
  static constexpr int kSlots = 6;
  uint64_t key = 0;  // 0: empty
  uint32_t token[kSlots] = {};
  uint16_t count[kSlots] = {};
  uint32_t total = 0;
  uint8_t used = 0;
};

// Hashed contexts -> Bucket, open addressing, doubling at half load.
class ContextTable {
 public:
  const Bucket* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i];
      if (slots_[i].key == 0) return nullptr;
    }
  }
  Bucket& get(uint64_t key) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return slots_[i];
      if (slots_[i].key == 0) {
        slots_[i].key = key;
        ++used_;
        return slots_[i];
      }
    }
  }

 private:
  void grow() {
    std::vector<Bucket> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : 2 * old.size(), Bucket{});
    mask_ = slots_.size() - 1;
    for (const Bucket& b : old) {
      if (b.key == 0) continue;
      size_t i = b.key & mask_;
      while (slots_[i].key != 0) i = (i + 1) & mask_;
      slots_[i] = b;
    }
  }
  std::vector<Bucket> slots_;
  size_t mask_ = 0, used_ = 0;
};

void add_count(Bucket& b, uint32_t token) {
  int at = -1;
  for (int s = 0; s < b.used; ++s)
    if (b.token[s] == token) at = s;
  if (at < 0) {
    if (b.used < Bucket::kSlots) {
      at = b.used++;
    } else {
      at = 0;
      for (int s = 1; s < Bucket::kSlots; ++s)
        if (b.count[s] < b.count[at]) at = s;
      b.total -= b.count[at];
    }
    b.token[at] = token;
    b.count[at] = 0;
  }
  b.count[at] += 2;
  b.total += 2;
  if (b.count[at] >= 1024) {  // halve: recent counts weigh more
    b.total = 0;
    for (int s = 0; s < b.used; ++s) {
      b.count[s] = uint16_t((b.count[s] + 1) / 2);
      b.total += b.count[s];
    }
  }
}

}  // namespace

class AdaptiveState {
 public:
  explicit AdaptiveState(size_t n_vocab) : n_vocab_(n_vocab) {
    for (auto& w : weights_) {
      // The model starts with 3/4 of the weight, the others share the rest.
      const uint32_t other = kOne16 / 4 / (kComponents - 1);
      w.fill(other);
      w[kModel] = kOne16 - other * (kComponents - 1);
    }
    for (int b = 0; b < kMatchBuckets; ++b) {
      hits_[b] = 1;
      tries_[b] = 2;
    }
  }

  void predict(std::span<const int32_t> hist, StepTables& t);
  // Learns from token x coded under t; hist does not hold it yet.
  void update(std::span<const int32_t> hist, int32_t token, const StepTables& t);
  // After x was appended to the history: the match model follows or looks anew.
  void index(std::span<const int32_t> hist);

 private:
  // One component's view of the next token: a few tokens with probabilities
  // (summing to 2^31) taken with weight 1 - escape, the model's table with `escape`.
  struct Sparse {
    uint32_t escape = kOne16;  // 2^-16 units; kOne16: nothing but the model
    int n = 0;
    uint32_t token[Bucket::kSlots];
    uint64_t prob[Bucket::kSlots];
  };
  uint64_t context_key(std::span<const int32_t> hist, int order) const;
  static uint64_t match_key(std::span<const int32_t> hist, size_t end);
  void find_match(std::span<const int32_t> hist);
  // Probability (2^-31) component c gives `token`, with model probability p_model.
  uint64_t component_prob(int c, uint32_t token, uint64_t p_model) const;

  size_t n_vocab_;
  ContextTable orders_[kOrders];
  // Match model: hash of the last kMatchMin tokens -> the position after them.
  std::vector<uint32_t> match_table_;
  uint32_t match_ptr_ = 0, match_len_ = 0;  // predicts hist[match_ptr_] when match_len_ > 0
  uint32_t hits_[kMatchBuckets], tries_[kMatchBuckets];
  std::array<std::array<uint32_t, kComponents>, kMixContexts> weights_;
  // The model's top-token probability as observed, per APM context (2^-31
  // units; 0: not visited yet).
  std::array<uint64_t, kApmContexts> apm_{};
  // Set by predict() for update().
  Sparse parts_[kComponents];
  int mix_ctx_ = 0, apm_ctx_ = 0;
  uint32_t argmax_ = 0;
  uint64_t top_corr_ = 0;  // the corrected model's top probability
  uint64_t rest_scale_ = kOne16;  // its other tokens' scale (2^-16 units)
  // The corrected model's probability of `token` (2^-31 units).
  uint64_t corrected(const coder::FrequencyTable& model, uint32_t token) const {
    if (token == argmax_) return top_corr_;
    return (uint64_t(model.freq(token)) * rest_scale_) >> 16;
  }
  bool followed_ = false;  // set by update() for index()
};

uint64_t AdaptiveState::context_key(std::span<const int32_t> hist, int order) const {
  uint64_t h = 0x1234567u + uint64_t(order);
  for (int k = 1; k <= order; ++k) h = mix_hash(h, uint32_t(hist[hist.size() - size_t(k)]));
  return h | 1;  // never 0 (the empty slot)
}

void AdaptiveState::find_match(std::span<const int32_t> hist) {
  match_len_ = 0;
  const size_t i = hist.size();
  if (i < size_t(kMatchMin) + 1) return;
  const uint32_t cand = match_table_[match_key(hist, i) & (match_table_.size() - 1)];
  if (cand == 0 || cand >= i) return;
  // Verify (hash collisions) and measure the match backwards, up to 64 tokens.
  uint32_t len = 0;
  while (len < 64 && len < cand && hist[cand - 1 - len] == hist[i - 1 - len]) ++len;
  if (len < uint32_t(kMatchMin)) return;
  match_ptr_ = cand;
  match_len_ = len;
}

void AdaptiveState::predict(std::span<const int32_t> hist, StepTables& t) {
  const coder::FrequencyTable& model = t.model_;
  const size_t n = n_vocab_;
  // The model's frequencies and its top one.
  t.freqs_.resize(n);
  uint32_t top = 0, argmax = 0;
  for (size_t j = 0; j < n; ++j) {
    const uint32_t f = model.freq(uint32_t(j));
    if (f > top) {
      top = f;
      argmax = uint32_t(j);
    }
  }

  // Each component's sparse prediction.
  for (auto& p : parts_) p = Sparse{};
  if (match_len_ > 0) {
    Sparse& m = parts_[kMatch];
    const int b = match_bucket(match_len_);
    m.n = 1;
    m.token[0] = uint32_t(hist[match_ptr_]);
    m.prob[0] = kOne31;
    m.escape = kOne16 - uint32_t((uint64_t(hits_[b]) * (kOne16 - 64)) / tries_[b]);
  }
  for (int o = 0; o < kOrders; ++o) {
    if (hist.size() < size_t(o)) continue;
    const Bucket* b = orders_[o].find(context_key(hist, o));
    if (!b || b->total == 0) continue;
    Sparse& s = parts_[kOrder0 + o];
    s.n = b->used;
    for (int k = 0; k < b->used; ++k) {
      s.token[k] = b->token[k];
      s.prob[k] = uint64_t(b->count[k]) * kOne31 / b->total;
    }
    // Escape as in PPM method C: distinct / (distinct + seen), counts in steps of 2.
    const uint64_t seen = b->total / 2, distinct = b->used;
    s.escape = uint32_t(std::max<uint64_t>(distinct * kOne16 / (distinct + seen), 256));
  }
  mix_ctx_ = match_bucket(match_len_) * kConfidenceBuckets + confidence_bucket(top);
  const auto& w = weights_[mix_ctx_];

  // The model's correction: its top probability moves halfway to what was
  // observed in this context, the other tokens scale to make room (by at most
  // 16x, and the top keeps at least n units so the sums below stay in range).
  argmax_ = argmax;
  const int match_state = match_len_ == 0 ? 0 : uint32_t(hist[match_ptr_]) == argmax ? 1 : 2;
  apm_ctx_ = top_bucket(top) * 3 + match_state;
  if (apm_[apm_ctx_] == 0) apm_[apm_ctx_] = top;
  const uint64_t rest = kOne31 - top;  // >= n - 1 >= 1
  uint64_t corr = (uint64_t(top) + 3 * apm_[apm_ctx_]) / 4;
  corr = std::clamp<uint64_t>(corr, std::max<uint64_t>(n, kOne31 > 16 * rest ? kOne31 - 16 * rest : 0), kOne31 - rest / 16);
  corr = std::max<uint64_t>(corr, n);
  top_corr_ = corr;
  rest_scale_ = ((kOne31 - corr) << 16) / rest;

  // Coefficients: the model's table gets a, component c's sparse part b[c].
  uint64_t a = w[kModel];
  uint64_t bc[kComponents] = {};
  for (int c = 1; c < kComponents; ++c) {
    a += (uint64_t(w[c]) * parts_[c].escape) >> 16;
    bc[c] = (uint64_t(w[c]) * (kOne16 - parts_[c].escape)) >> 16;
  }
  // f = 1 + a * (f_model - 1) + sum_c b_c * M * sparse_c, M = 2^31 - n: every
  // token >= 1, the sum <= 2^31; the rest goes to the model's top token.
  const uint64_t mass = kOne31 - n;
  uint32_t* f = t.freqs_.data();
  uint64_t sum = 0;
  // Corrected model: top - n + 1 + sum over the others of (f - 1) * scale
  // <= 2^31 - n, so the bound on the total below is the uncorrected one.
  const uint64_t a_rest = (a * rest_scale_) >> 16;
  for (size_t j = 0; j < n; ++j) {
    f[j] = uint32_t(1 + ((uint64_t(model.freq(uint32_t(j)) - 1) * a_rest) >> 16));
    sum += f[j];
  }
  sum -= f[argmax];
  f[argmax] = uint32_t(1 + (((top_corr_ - n) * a) >> 16));
  sum += f[argmax];
  for (int c = 1; c < kComponents; ++c) {
    const Sparse& s = parts_[c];
    for (int k = 0; k < s.n; ++k) {
      const uint64_t add = uint64_t((unsigned __int128)s.prob[k] * bc[c] * mass >> 47);
      f[s.token[k]] += uint32_t(add);
      sum += add;
    }
  }
  assert(sum <= kOne31);
  f[argmax] += uint32_t(kOne31 - sum);
  t.mix_.build_from_freqs(f, n);
  t.mixed_ = true;
}

uint64_t AdaptiveState::component_prob(int c, uint32_t token, uint64_t p_model) const {
  if (c == kModel) return p_model;
  const Sparse& s = parts_[c];
  uint64_t sparse = 0;
  for (int k = 0; k < s.n; ++k)
    if (s.token[k] == token) sparse += s.prob[k];
  return ((sparse * (kOne16 - s.escape)) >> 16) + ((p_model * s.escape) >> 16);
}

void AdaptiveState::update(std::span<const int32_t> hist, int32_t token, const StepTables& t) {
  const uint32_t x = uint32_t(token);
  const uint64_t p_mix = t.mix_.freq(x);
  const uint64_t p_model = corrected(t.model_, x);

  // Mixer: w_c <- w_c * (1 + (p_c / p - 1) / 4) (an exponentiated-gradient
  // step on the coded loss, linearised), then renormalized with a floor, so no
  // component is ever shut out for good.
  auto& w = weights_[mix_ctx_];
  uint64_t raw[kComponents], total = 0;
  for (int c = 0; c < kComponents; ++c) {
    const uint64_t ratio = std::min<uint64_t>((component_prob(c, x, p_model) << 16) / p_mix, uint64_t(16) << 16);
    // In 2^-16: 1 + (ratio - 1) / 4 >= 3/4.
    const uint64_t factor = kOne16 - kOne16 / 4 + ratio / 4;
    raw[c] = std::max<uint64_t>((uint64_t(w[c]) * factor) >> 16, 1);
    total += raw[c];
  }
  constexpr uint32_t kFloor = kOne16 / 512;
  uint32_t given = 0;
  for (int c = 0; c < kComponents; ++c) {
    w[c] = kFloor + uint32_t(raw[c] * (kOne16 - kFloor * kComponents) / total);
    given += w[c];
  }
  w[kModel] += kOne16 - given;

  // The model's correction learns whether its top token came.
  {
    const int64_t target = x == argmax_ ? int64_t(kOne31) : 0;
    int64_t e = int64_t(apm_[apm_ctx_]);
    e += (target - e) / 32;
    apm_[apm_ctx_] = uint64_t(std::max<int64_t>(e, 1));
  }

  // Match model statistics, then follow or drop the match.
  if (match_len_ > 0) {
    const int b = match_bucket(match_len_);
    tries_[b] += 1;
    if (uint32_t(hist[match_ptr_]) == x) hits_[b] += 1;
    if (tries_[b] > 4096) {
      tries_[b] = (tries_[b] + 1) / 2;
      hits_[b] = (hits_[b] + 1) / 2;
    }
  }
  followed_ = match_len_ > 0 && uint32_t(hist[match_ptr_]) == x;

  // n-gram counts for the contexts before x.
  for (int o = 0; o < kOrders; ++o)
    if (hist.size() >= size_t(o)) add_count(orders_[o].get(context_key(hist, o)), x);
}

uint64_t AdaptiveState::match_key(std::span<const int32_t> hist, size_t end) {
  uint64_t h = 0;
  for (int k = 1; k <= kMatchMin; ++k) h = mix_hash(h, uint32_t(hist[end - size_t(k)]));
  return h;
}

void AdaptiveState::index(std::span<const int32_t> hist) {
  const size_t i = hist.size();
  if (match_table_.empty()) match_table_.assign(size_t(1) << 12, 0);
  if (i > match_table_.size() / 2 && match_table_.size() < (size_t(1) << 22)) {
    // Grow, rebuilt from the history as if inserted one by one (latest wins).
    match_table_.assign(match_table_.size() * 4, 0);
    for (size_t e = size_t(kMatchMin); e < i; ++e)
      match_table_[match_key(hist, e) & (match_table_.size() - 1)] = uint32_t(e);
  }
  if (followed_) {
    ++match_ptr_;
    if (match_len_ < 65535) ++match_len_;
  } else {
    find_match(hist);  // before indexing position i, so it cannot find itself
  }
  if (i >= size_t(kMatchMin)) match_table_[match_key(hist, i) & (match_table_.size() - 1)] = uint32_t(i);
}

// ------------------------------------------------------------------ Predictor

Predictor::Predictor(size_t n_vocab, bool adaptive)
    : n_vocab_(n_vocab), state_(adaptive ? std::make_unique<AdaptiveState>(n_vocab) : nullptr) {}
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;
Predictor::~Predictor() = default;

void Predictor::predict(const float* logits, StepTables& t) {
  if (logits == nullptr) {
    t.model_.build_uniform(n_vocab_);
  } else {
    t.model_.build_from_logits(logits, n_vocab_);
  }
  t.mixed_ = false;
  if (state_) state_->predict(history_, t);
}

void Predictor::update(int32_t token, const StepTables& t) {
  if (state_) state_->update(history_, token, t);
  history_.push_back(token);
  if (state_) state_->index(history_);
}

}  // namespace llmzip::codec
