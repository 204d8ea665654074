#include "ops/numerics.h"

#include <cassert>

namespace llmzip::ops {
namespace {

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // upper bits of ln 2 (exact products with small ints)
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;

double round_half_even_f64(double x) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52
  return (x + magic) - magic;
}

double ldexp_int(double y, int n) {
  // y * 2^n for n in [-1022, 1023] by building the power directly.
  const uint64_t bits = static_cast<uint64_t>(n + 1023) << 52;
  return y * std::bit_cast<double>(bits);
}

}  // namespace

double exp_f64(double x) {
  assert(x <= 700.0 && x >= -700.0);
  const double n = round_half_even_f64(x * kInvLn2);
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;  // |r| <= 0.347
  // Taylor series to r^16: truncation error < 1e-19 relative.
  double p = 1.0 / 20922789888000.0;  // 1/16!
  const double inv_fact[] = {1.0 / 1307674368000.0, 1.0 / 87178291200.0, 1.0 / 6227020800.0,
                             1.0 / 479001600.0,     1.0 / 39916800.0,    1.0 / 3628800.0,
                             1.0 / 362880.0,        1.0 / 40320.0,       1.0 / 5040.0,
                             1.0 / 720.0,           1.0 / 120.0,         1.0 / 24.0,
                             1.0 / 6.0,             1.0 / 2.0,           1.0,
                             1.0};
  for (double c : inv_fact) p = p * r + c;
  return ldexp_int(p, static_cast<int>(n));
}

double log_f64(double x) {
  assert(x > 0);
  uint64_t bits = std::bit_cast<uint64_t>(x);
  int e = static_cast<int>((bits >> 52) & 0x7ff);
  if (e == 0) {  // subnormal: scale up by 2^54
    x *= 18014398509481984.0;
    bits = std::bit_cast<uint64_t>(x);
    e = static_cast<int>((bits >> 52) & 0x7ff) - 54;
  }
  e -= 1023;
  // m in [1, 2); move to [sqrt(1/2), sqrt(2)).
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++e;
  }
  // log m = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.1716; series to z^31.
  const double z = (m - 1.0) / (m + 1.0);
  const double z2 = z * z;
  double s = 1.0 / 31.0;
  for (int k = 29; k >= 1; k -= 2) s = s * z2 + 1.0 / k;
  const double log_m = 2.0 * z * s;
  return (static_cast<double>(e) * kLn2Hi + log_m) + static_cast<double>(e) * kLn2Lo;
}

void sincos_f64(double x, double* s, double* c) {
  assert(x <= 1e6 && x >= -1e6);  // k * kPio2_{1,2} exact for |k| < 2^20
  // x = k * pi/2 + r, with pi/2 split in three parts (Cody-Waite).
  constexpr double kTwoOverPi = 6.36619772367581382433e-01;
  constexpr double kPio2_1 = 1.57079632673412561417e+00;   // first 33 bits of pi/2
  constexpr double kPio2_2 = 6.07710050630396597660e-11;   // next 33 bits
  constexpr double kPio2_3 = 2.02226624871116645580e-21;   // next 33 bits
  const double k = round_half_even_f64(x * kTwoOverPi);
  const double r = ((x - k * kPio2_1) - k * kPio2_2) - k * kPio2_3;  // |r| <= pi/4 (+tiny)
  const double r2 = r * r;
  // Taylor series; at |r| <= 0.786 the first omitted terms are < 1e-18.
  double ps = -1.0 / 121645100408832000.0;  // -1/19!
  const double sin_c[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                          -1.0 / 39916800.0,       1.0 / 362880.0,         -1.0 / 5040.0,
                          1.0 / 120.0,             -1.0 / 6.0,             1.0};
  for (double co : sin_c) ps = ps * r2 + co;
  const double sn = ps * r;
  double pc = 1.0 / 2432902008176640000.0;  // 1/20!
  const double cos_c[] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0,
                          1.0 / 479001600.0,         -1.0 / 3628800.0,       1.0 / 40320.0,
                          -1.0 / 720.0,              1.0 / 24.0,             -1.0 / 2.0,
                          1.0};
  for (double co : cos_c) pc = pc * r2 + co;
  const double cs = pc;
  const int q = static_cast<int>(static_cast<int64_t>(k) & 3);
  switch (q) {
    case 0: *s = sn; *c = cs; break;
    case 1: *s = cs; *c = -sn; break;
    case 2: *s = -sn; *c = -cs; break;
    default: *s = -cs; *c = sn; break;
  }
}

}  // namespace llmzip::ops
