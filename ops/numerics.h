// Own elementary functions, so no libm result (which differs between libc
// versions and CPUs) ever feeds the coder.
//
// exp_f32 is part of the kernel contract (kernels.h): SIMD versions must perform
// exactly this sequence of float operations (separate mul/add, no FMA). The
// double-precision functions are used for RoPE angles; they are plain IEEE
// double arithmetic, so they are deterministic everywhere, and accurate to a few
// ulp of double (tested against libm).
#pragma once

#include <bit>
#include <cstdint>

namespace llmzip::ops {

// Round half to even of a float with |x| < 2^22, by the 1.5*2^23 trick.
inline float round_half_even_f32(float x) {
  const float magic = 12582912.0f;  // 1.5 * 2^23
  return (x + magic) - magic;
}

// e^x for float. Sequence (every step one float op):
//   x = x < -87.0f ? -87.0f : x;  x = x > 88.0f ? 88.0f : x   (NaN stays NaN -> NaN result)
//   n = round_half_even_f32(x * 1.44269504088896341f)
//   r = x - n * 0.693359375f;  r = r - n * -2.12194440e-4f
//   z = r * r
//   p = 1.9875691500e-4f;  p = p*r + 1.3981999507e-3f;  p = p*r + 8.3334519073e-3f;
//   p = p*r + 4.1665795894e-2f;  p = p*r + 1.6666665459e-1f;  p = p*r + 5.0000001201e-1f
//   y = p * z + r + 1.0f                  (((p*z) + r) + 1)
//   result = y * 2^n                      (2^n built from exponent bits; n in [-126, 127])
// Relative error below 2e-7 over the clamped range.
inline float exp_f32(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float n = round_half_even_f32(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * z + r + 1.0f;
  // NaN input gives a NaN result (y is NaN); the guard only avoids the
  // undefined float->int conversion of NaN.
  const int32_t ni = n == n ? static_cast<int32_t>(n) : 0;
  const float scale = std::bit_cast<float>(static_cast<uint32_t>(ni + 127) << 23);
  return y * scale;
}

// Double-precision helpers (not in any SIMD contract).
double exp_f64(double x);   // |x| <= 700
double log_f64(double x);   // x > 0, finite
void sincos_f64(double x, double* s, double* c);  // |x| <= 1e6

// Natural log of a positive finite float (for scores/log-probs outside the
// coder's integer path); computed via log_f64 and rounded once.
inline float log_f32(float x) { return static_cast<float>(log_f64(static_cast<double>(x))); }

}  // namespace llmzip::ops
