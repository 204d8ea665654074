#include "codec/distance.h"

#include <algorithm>
#include <string>

namespace llmzip::codec {

Distance distance_from_bits(double cx, double cy, double cx_given_y, double cy_given_x, double cxy) {
  Distance d{cx, cy, cx_given_y, cy_given_x, cxy, 0, 0};
  const double hi = std::max(cx, cy), lo = std::min(cx, cy);
  if (hi > 0) {
    d.nid = std::max(cx_given_y, cy_given_x) / hi;
    d.ncd = (cxy - lo) / hi;
  }
  return d;
}

Result<Distance> measure_distance(const LoadedModel& m, std::string_view x, std::string_view y,
                                  const ScoreOptions& opt, const double* known_cx) {
  double cx = 0;
  if (known_cx) {
    cx = *known_cx;
  } else {
    auto s = score(m, x, opt);
    if (!s) return s.status();
    cx = s->total_bits;
  }
  auto sy = score(m, y, opt);
  if (!sy) return sy.status();
  auto x_y = conditional_bits(m, x, y, opt);
  if (!x_y) return x_y.status();
  auto y_x = conditional_bits(m, y, x, opt);
  if (!y_x) return y_x.status();
  // C(xy) by the chain rule: x, then y with x before it in the same sequence
  // (one predictor, so the match model and counts learnt from x serve y).
  return distance_from_bits(cx, sy->total_bits, *x_y, *y_x, cx + *y_x);
}

}  // namespace llmzip::codec
