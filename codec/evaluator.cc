#include "codec/evaluator.h"

#include <algorithm>

#include "codec/framing.h"
#include "codec/limits.h"
#include "codec/predictor.h"

namespace llmzip::codec {

Evaluator::Evaluator(const model::Model& m, const EvalSettings& s, ThreadPool& pool)
    : model_(m), s_(s), pool_(pool) {
  batch_tokens_ = batch_tokens_within_budget(m);
  // Enough slots that a batch can hold several windows.
  n_slots_ = slots_within_budget(m, s.n_ctx, s.kv_type, kMaxSlots);
  cache_ = std::make_unique<model::KvCache>(m, n_slots_, int(s.n_ctx), s.kv_type);
  tables_.resize(pool.size());
}

Evaluator::~Evaluator() = default;

namespace {
// One window of one sequence, being fed to a slot.
struct Job {
  size_t seq;
  Window w;
  uint64_t fed = 0;   // inputs fed so far (start token included)
  uint64_t n_in = 0;  // inputs to feed: P + (end - 1 - begin)
  int slot = -1;
};
}  // namespace

Status Evaluator::run(std::span<const std::vector<int32_t>> seqs, const TableVisitor& visit,
                      const std::function<void(uint64_t, uint64_t)>& after_batch) {
  const uint64_t P = s_.has_start ? 1 : 0;
  const size_t vocab = size_t(model_.n_vocab());

  std::vector<Predictor> preds;
  preds.reserve(seqs.size());
  for (size_t q = 0; q < seqs.size(); ++q) preds.emplace_back(vocab, s_.adaptive);
  // Codes token i of sequence q under `logits` (nullptr: no model input).
  auto step = [&](size_t q, uint64_t i, const float* logits, int thread) -> Status {
    StepTables& tab = tables_[thread];
    preds[q].predict(logits, tab);
    LLMZIP_RETURN_IF_ERROR(visit(q, i, tab.coded(), thread));
    preds[q].update(seqs[q][i], tab);
    return Status::ok();
  };

  // Tokens predicted without any input (P = 0, first token of a sequence) use
  // the uniform table; visit them first, in sequence order, before the model's.
  std::vector<Job> jobs;
  uint64_t total = 0, done = 0;
  for (const auto& q : seqs) total += q.size();
  for (size_t q = 0; q < seqs.size(); ++q) {
    for (const Window& w : context_windows(seqs[q].size(), s_.n_ctx, s_.has_start)) {
      Job j{q, w};
      j.n_in = P + (w.end - 1 - w.begin);
      if (j.n_in == 0) {
        // Only possible for the first token with P = 0: it is coded uniformly.
        LLMZIP_RETURN_IF_ERROR(step(q, 0, nullptr, 0));
        continue;
      }
      if (P == 0 && w.begin == 0 && w.first == 0) LLMZIP_RETURN_IF_ERROR(step(q, 0, nullptr, 0));
      jobs.push_back(j);
    }
  }

  // Feed jobs in order through the slots; a batch takes tokens from up to
  // n_slots_ active jobs. Jobs of one sequence are fed in order, so its
  // tables come out in token order.
  size_t next_job = 0;
  std::vector<Job*> active;
  std::vector<int> free_slots;
  for (int s = n_slots_ - 1; s >= 0; --s) free_slots.push_back(s);
  std::vector<model::BatchEntry> batch;
  // For each wanted row: its sequence, the token it predicts, and its row of logits.
  struct Row {
    size_t seq;
    uint64_t token;
    size_t logits_row;
  };
  std::vector<Row> rows;
  if (!jobs.empty()) logits_.resize(size_t(batch_tokens_) * vocab);  // at most 64 MB, only when needed

  while (next_job < jobs.size() || !active.empty()) {
    while (!free_slots.empty() && next_job < jobs.size()) {
      Job& j = jobs[next_job++];
      j.slot = free_slots.back();
      free_slots.pop_back();
      cache_->clear(j.slot);
      active.push_back(&j);
    }
    batch.clear();
    rows.clear();
    // The batch is shared among the sequences that can take tokens, so that
    // their tables (coded one sequence per thread) keep every thread busy: a
    // sequence's first unfinished window may take tokens; a later window of
    // the same sequence only once the one before it is fully fed (its rows
    // then still come in token order). Passes repeat while the batch has room.
    // Which tokens share a batch never changes a result (model.h), only speed.
    size_t eligible = 0;
    for (size_t a = 0; a < active.size(); ++a)
      if (a == 0 || active[a - 1]->seq != active[a]->seq) ++eligible;
    const int share = int((size_t(batch_tokens_) + eligible - 1) / (eligible ? eligible : 1));
    for (bool fed_any = true; fed_any && int(batch.size()) < batch_tokens_;) {
      fed_any = false;
      for (size_t a = 0; a < active.size() && int(batch.size()) < batch_tokens_; ++a) {
        Job* j = active[a];
        if (a > 0 && active[a - 1]->seq == j->seq && active[a - 1]->fed < active[a - 1]->n_in) continue;
        const auto& t = seqs[j->seq];
        for (int taken = 0; taken < share && j->fed < j->n_in && int(batch.size()) < batch_tokens_; ++taken) {
          uint64_t k = j->fed;  // input index within the window
          model::BatchEntry e;
          e.token = (P && k == 0) ? s_.start_token : t[j->w.begin + k - P];
          e.slot = j->slot;
          e.pos = int32_t(k);
          // Input k predicts token begin + k + 1 - P.
          uint64_t predicted = j->w.begin + k + 1 - P;
          e.want_logits = predicted >= j->w.first && predicted < j->w.end;
          if (e.want_logits) rows.push_back({j->seq, predicted, rows.size()});
          batch.push_back(e);
          ++j->fed;
          fed_any = true;
        }
      }
    }
    if (!batch.empty()) {
      LLMZIP_RETURN_IF_ERROR(model_.forward(batch, *cache_, pool_, logits_.data()));
    }
    // Visit rows: rows of one sequence in order on one thread; sequences spread
    // over threads in contiguous groups. The stable sort gathers each
    // sequence's rows, which the batch holds in token order.
    if (!rows.empty()) {
      std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.seq < b.seq; });
      std::vector<size_t> starts;  // row index where a new sequence begins
      for (size_t r = 0; r < rows.size(); ++r)
        if (r == 0 || rows[r].seq != rows[r - 1].seq) starts.push_back(r);
      starts.push_back(rows.size());
      LLMZIP_RETURN_IF_ERROR(pool_.parallel_for_status(starts.size() - 1, [&](size_t g, int thread) -> Status {
        for (size_t r = starts[g]; r < starts[g + 1]; ++r)
          LLMZIP_RETURN_IF_ERROR(step(rows[r].seq, rows[r].token, logits_.data() + rows[r].logits_row * vocab, thread));
        return Status::ok();
      }));
      done += rows.size();
      if (after_batch) after_batch(done, total);
    }
    // Retire finished jobs.
    for (size_t a = 0; a < active.size();) {
      if (active[a]->fed == active[a]->n_in) {
        free_slots.push_back(active[a]->slot);
        active.erase(active.begin() + a);
      } else {
        ++a;
      }
    }
  }
  return Status::ok();
}

}  // namespace llmzip::codec
