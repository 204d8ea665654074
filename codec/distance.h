// Compression-based distance between texts with the model as the compressor
// (the "GPT compression" information-distance papers): C(x) is the model's
// bits for x alone, C(x|y) the bits for x when y precedes it in the context,
// C(xy) the bits for the concatenation, as C(x) + C(y|x). With the adaptive
// predictor (the default) the match model sees all of the preceding text, so
// a repeat beyond the context window is recognised: distance(x, x) is near 0.
#pragma once

#include <string_view>

#include "codec/scorer.h"
#include "common/status.h"

namespace llmzip::codec {

struct Distance {
  double cx = 0, cy = 0;        // C(x), C(y)
  double cx_given_y = 0;        // C(x|y)
  double cy_given_x = 0;        // C(y|x)
  double cxy = 0;               // C(xy) = C(x) + C(y|x): x then y as one sequence
  double nid = 0;               // max(C(x|y), C(y|x)) / max(C(x), C(y))
  double ncd = 0;               // (C(xy) - min(C(x), C(y))) / max(C(x), C(y))
};

// Fills nid and ncd from the five measured quantities. Both are 0 when
// max(C(x), C(y)) is 0 (two empty texts are identical). Neither is clamped:
// with a real model they may leave [0, 1] slightly, and hiding that would hide
// what the model did.
Distance distance_from_bits(double cx, double cy, double cx_given_y, double cy_given_x, double cxy);

// Measures all five quantities with `m` (four model passes; three when
// `known_cx` gives C(x), as `similar` does for its query).
Result<Distance> measure_distance(const LoadedModel& m, std::string_view x, std::string_view y,
                                  const ScoreOptions& opt, const double* known_cx = nullptr);

}  // namespace llmzip::codec
