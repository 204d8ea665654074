#include "cli/measure_classify.h"

#include <algorithm>
#include <map>


namespace llmzip::cli {

double classify_distance(double cq, double ce, double cq_given_e, double ce_given_q) {
  const double a = cq > 0 ? cq_given_e / cq : 0, b = ce > 0 ? ce_given_q / ce : 0;
  return (a + b) / 2;
}

Classification vote(const std::vector<Example>& examples, std::vector<Neighbour> nearest_first, size_t k) {
  Classification c;
  c.neighbours = std::move(nearest_first);
  struct Tally {
    int votes = 0;
    double vote_sum = 0;
    double nearest = 0;
    bool seen = false;
  };
  std::map<std::string, Tally> tally;  // every class, even without votes
  for (const Example& e : examples) tally[e.label];
  for (size_t i = 0; i < c.neighbours.size(); ++i) {
    Tally& t = tally[examples[c.neighbours[i].example].label];
    if (!t.seen) {
      t.nearest = c.neighbours[i].distance;
      t.seen = true;
    }
    if (i < k) {
      ++t.votes;
      t.vote_sum += c.neighbours[i].distance;
    }
  }
  std::vector<std::pair<std::string, Tally>> order(tally.begin(), tally.end());  // sorted by name
  std::stable_sort(order.begin(), order.end(), [](const auto& p, const auto& q) {
    if (p.second.votes != q.second.votes) return p.second.votes > q.second.votes;
    if (p.second.votes > 0 && p.second.vote_sum != q.second.vote_sum) return p.second.vote_sum < q.second.vote_sum;
    if (p.second.votes == 0 && p.second.nearest != q.second.nearest) return p.second.nearest < q.second.nearest;
    return false;  // the name order of the map
  });
  for (const auto& [label, t] : order) c.classes.push_back({label, t.votes, t.nearest});
  if (!c.classes.empty()) c.label = c.classes[0].label;
  return c;
}

Result<Classifier> Classifier::make(const codec::LoadedModel& m, std::vector<Example> examples, size_t k,
                                    const codec::ScoreOptions& opt) {
  if (examples.empty()) return Status(ErrorCode::kInvalidArgument, "classify needs at least one labelled example");
  if (k == 0) return Status(ErrorCode::kInvalidArgument, "classify: the number of neighbours must be at least 1");
  std::vector<double> bits;
  bits.reserve(examples.size());
  for (const Example& e : examples) {
    auto s = codec::score(m, e.text, opt);
    if (!s) return with_context(s.status(), e.name);
    bits.push_back(s->total_bits);
  }
  k = std::min(k, examples.size());
  return Classifier(m, std::move(examples), std::move(bits), k, opt);
}

Result<Classification> Classifier::classify(std::string_view query) const {
  auto sq = codec::score(*m_, query, opt_);
  if (!sq) return sq.status();
  const double cq = sq->total_bits;
  std::vector<Neighbour> n;
  n.reserve(examples_.size());
  for (size_t i = 0; i < examples_.size(); ++i) {
    const std::string& e = examples_[i].text;
    auto q_e = codec::conditional_bits(*m_, query, e, opt_);
    if (!q_e) return q_e.status();
    auto e_q = codec::conditional_bits(*m_, e, query, opt_);
    if (!e_q) return e_q.status();
    n.push_back({i, classify_distance(cq, bits_[i], *q_e, *e_q)});
  }
  // Nearest first; equal distances keep the examples' order.
  std::stable_sort(n.begin(), n.end(), [](const Neighbour& a, const Neighbour& b) { return a.distance < b.distance; });
  return vote(examples_, std::move(n), k_);
}

}  // namespace llmzip::cli
