// The Decoder (decompression's step loop and window slide) against the
// Evaluator (compression's): for the same token sequences both must hand out
// the same frequency table for every token, whatever the context window, the
// start-token setting, the number of sequences and threads.
#include "codec/decoder.h"

#include <gtest/gtest.h>

#include <random>

#include "codec/evaluator.h"
#include "codec/loaded_model.h"

namespace llmzip::codec {
namespace {

class DecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = load_model("");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value().release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static LoadedModel* model_;
};
LoadedModel* DecoderTest::model_ = nullptr;

std::vector<std::vector<int32_t>> random_sequences(size_t n, size_t max_len, int32_t n_vocab, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<int32_t>> seqs(n);
  for (auto& q : seqs) {
    q.resize(1 + rng() % max_len);
    for (auto& t : q) t = int32_t(rng() % uint32_t(n_vocab));
  }
  return seqs;
}

TEST_F(DecoderTest, SameTablesAsTheEvaluator) {
  const model::Model& m = *model_->model;
  auto seqs = random_sequences(5, 70, int32_t(m.n_vocab()), 7);
  // A sequence with long repeats, so the adaptive predictor's match model and
  // counts take part (random tokens barely repeat).
  std::vector<int32_t> rep;
  for (int k = 0; k < 6; ++k)
    for (int32_t t : seqs[0]) rep.push_back(t);
  seqs.push_back(rep);
  for (bool adaptive : {false, true})
  for (bool has_start : {true, false}) {
    for (uint32_t n_ctx : {9u, 512u}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(::testing::Message() << "adaptive " << adaptive << " start " << has_start << " n_ctx "
                                          << n_ctx << " threads " << threads);
        ThreadPool pool(threads);
        const EvalSettings s{n_ctx, has_start, 1, adaptive};
        std::vector<std::vector<uint64_t>> want(seqs.size());
        Evaluator ev(m, s, pool);
        ASSERT_TRUE(ev.run(seqs, [&](size_t q, size_t i, const coder::FrequencyTable& t, int) {
                        EXPECT_EQ(i, want[q].size());
                        want[q].push_back(t.hash());
                        return Status::ok();
                      }).is_ok());

        Decoder dec(m, s, pool);
        ASSERT_GE(dec.max_sequences(), seqs.size());
        std::vector<uint64_t> lengths;
        for (const auto& q : seqs) lengths.push_back(q.size());
        std::vector<std::vector<uint64_t>> got(seqs.size());
        size_t steps = 0;
        Status st = dec.run(
            lengths,
            [&](size_t q, const coder::FrequencyTable& t, int) -> Result<int32_t> {
              got[q].push_back(t.hash());
              return seqs[q][got[q].size() - 1];
            },
            [&] { ++steps; });
        ASSERT_TRUE(st.is_ok()) << st.to_string();
        EXPECT_EQ(got, want);
        for (size_t q = 0; q < seqs.size(); ++q)
          EXPECT_TRUE(std::equal(seqs[q].begin(), seqs[q].end(), dec.tokens(q).begin(), dec.tokens(q).end()));
        // One token per sequence per step: the longest sequence sets the count
        // (plus steps that only refill a restarted window).
        size_t longest = 0;
        for (const auto& q : seqs) longest = std::max(longest, q.size());
        EXPECT_GE(steps, longest - (has_start ? 0 : 1));
      }
    }
  }
}

TEST_F(DecoderTest, StopsAtTheFirstError) {
  const model::Model& m = *model_->model;
  ThreadPool pool(2);
  Decoder dec(m, EvalSettings{16, true, 1}, pool);
  const std::vector<uint64_t> lengths = {30, 30, 30};
  std::vector<size_t> calls(3, 0);
  Status st = dec.run(lengths, [&](size_t q, const coder::FrequencyTable&, int) -> Result<int32_t> {
    if (q == 1 && calls[q] == 5) return Status(ErrorCode::kCorrupt, "frame 1: bad payload");
    ++calls[q];
    return int32_t(3);
  });
  EXPECT_EQ(st.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(st.message(), "frame 1: bad payload");
  EXPECT_EQ(calls[1], 5u);
  EXPECT_LE(calls[0], 6u);  // the run stopped at that step
}

}  // namespace
}  // namespace llmzip::codec
