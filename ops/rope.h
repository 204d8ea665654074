// Rotary position embeddings, normal (adjacent pairs, Llama) and NEOX (halves,
// Qwen2), with optional per-pair frequency factors (rope_freqs.weight of
// Llama-3.x files) and linear position scaling.
//
// Angles are computed in double with our own exp/log/sincos (numerics.h) and
// rounded once to float, so they are exact to float precision for any position
// and identical on every machine:
//   inv_freq_i = exp_f64(-(2i / n_dims) * log_f64(freq_base))        (i < n_dims/2)
//   theta_i    = ((double)pos * freq_scale) * inv_freq_i / factor_i
//   c_i = (float)cos(theta_i), s_i = (float)sin(theta_i)
// Rotation of a pair (x0, x1) (float ops): x0' = x0*c - x1*s, x1' = x0*s + x1*c.
// Pairs: normal (x[2i], x[2i+1]); NEOX (x[i], x[i + n_dims/2]). Elements at
// index >= n_dims are left unchanged.
#pragma once

#include <vector>

namespace llmzip::ops {

class Rope {
 public:
  // n_dims even, > 0. factors: empty or n_dims/2 positive finite values.
  Rope(int n_dims, bool neox, double freq_base, double freq_scale, std::vector<float> factors);

  int n_dims() const { return n_dims_; }
  // Fills cs[2i] = cos, cs[2i+1] = sin for pos; cs holds n_dims floats.
  void angles(int pos, float* cs) const;
  // Rotates n_heads heads of head_dim floats laid out back to back at x.
  void apply(float* x, int n_heads, int head_dim, const float* cs) const;

 private:
  int n_dims_;
  bool neox_;
  double freq_scale_;
  std::vector<double> inv_freq_;  // already divided by the factor
};

}  // namespace llmzip::ops
