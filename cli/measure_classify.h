// Few-shot classification by compression distance (the "GPT compression and
// human-like few-shot learning" papers): each query q goes to the class of its
// nearest labelled examples e under the model (with the adaptive predictor, so
// a shared phrase beyond the context window still counts). The distance is
// the mean of the two normalized conditional costs,
//   d(q, e) = (C(q|e) / C(q) + C(e|q) / C(e)) / 2,
// near 0 for a repeat, near 1 when neither text helps the other. Unlike the
// NID of codec/distance.h (max of the two over the max of C), it does not
// let the longer or less predictable text decide alone: on a test set of
// stories, source and CSV records of different lengths the NID put a story
// nearest to a CSV file (cli/measure_classify_test.cc), this distance does not.
//
// k-nearest neighbours: the k examples at the smallest distance vote; the
// class with most votes wins, ties go to the class whose voting examples have
// the smaller summed distance, then to the smaller class name. k = 1 is the
// plain nearest-example rule.
//
// Cost: C(e) once per example, C(q) once per query, then C(q|e) and C(e|q) for
// every pair: 2 + 2 * examples model passes per query.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codec/scorer.h"
#include "common/status.h"

namespace llmzip::cli {

struct Example {
  std::string label;  // class
  std::string name;   // file name, for reports
  std::string text;
};

struct Neighbour {
  size_t example = 0;   // index into the examples
  double distance = 0;   // classify_distance
};

struct ClassScore {
  std::string label;
  int votes = 0;          // among the k nearest
  double nearest = 0;     // smallest distance of any example of the class
};

struct Classification {
  std::string label;                  // the chosen class
  std::vector<Neighbour> neighbours;  // all examples, nearest first
  std::vector<ClassScore> classes;    // every class, best first
};

class Classifier {
 public:
  // Scores every example once. `k` >= 1 (clamped to the number of examples).
  static Result<Classifier> make(const codec::LoadedModel& m, std::vector<Example> examples, size_t k,
                                 const codec::ScoreOptions& opt);

  Result<Classification> classify(std::string_view query) const;

  const std::vector<Example>& examples() const { return examples_; }
  size_t k() const { return k_; }

 private:
  Classifier(const codec::LoadedModel& m, std::vector<Example> ex, std::vector<double> bits, size_t k,
             codec::ScoreOptions opt)
      : m_(&m), examples_(std::move(ex)), bits_(std::move(bits)), k_(k), opt_(opt) {}
  const codec::LoadedModel* m_;
  std::vector<Example> examples_;
  std::vector<double> bits_;  // C(e) per example
  size_t k_;
  codec::ScoreOptions opt_;
};

// d(q, e) from C(q), C(e), C(q|e), C(e|q) (a ratio with a zero cost counts 0).
double classify_distance(double cq, double ce, double cq_given_e, double ce_given_q);

// The class decision from neighbours sorted nearest first (exposed for tests).
Classification vote(const std::vector<Example>& examples, std::vector<Neighbour> nearest_first, size_t k);

}  // namespace llmzip::cli
