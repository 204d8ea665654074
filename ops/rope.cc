#include "ops/rope.h"

#include <cassert>
#include <cstddef>

#include "ops/numerics.h"

namespace llmzip::ops {

Rope::Rope(int n_dims, bool neox, double freq_base, double freq_scale, std::vector<float> factors)
    : n_dims_(n_dims), neox_(neox), freq_scale_(freq_scale) {
  assert(n_dims > 0 && n_dims % 2 == 0);
  assert(factors.empty() || static_cast<int>(factors.size()) == n_dims / 2);
  const double log_base = log_f64(freq_base);
  inv_freq_.resize(n_dims / 2);
  for (int i = 0; i < n_dims / 2; ++i) {
    const double inv = exp_f64(-(static_cast<double>(2 * i) / n_dims) * log_base);
    inv_freq_[i] = factors.empty() ? inv : inv / static_cast<double>(factors[i]);
  }
}

void Rope::angles(int pos, float* cs) const {
  const double p = static_cast<double>(pos) * freq_scale_;
  for (int i = 0; i < n_dims_ / 2; ++i) {
    double s, c;
    sincos_f64(p * inv_freq_[i], &s, &c);
    cs[2 * i] = static_cast<float>(c);
    cs[2 * i + 1] = static_cast<float>(s);
  }
}

void Rope::apply(float* x, int n_heads, int head_dim, const float* cs) const {
  assert(n_dims_ <= head_dim);
  const int half = n_dims_ / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<size_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const int a = neox_ ? i : 2 * i;
      const int b = neox_ ? i + half : 2 * i + 1;
      const float c = cs[2 * i], s = cs[2 * i + 1];
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

}  // namespace llmzip::ops
