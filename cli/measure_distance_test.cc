#include "cli/measure_distance.h"

#include <gtest/gtest.h>

#include "common/testutil.h"

namespace llmzip::cli {
namespace {

TEST(MeasureDistance, FormulasFromBits) {
  // C(x)=100, C(y)=80, C(x|y)=30, C(y|x)=20, C(xy)=120.
  const Distance d = distance_from_bits(100, 80, 30, 20, 120);
  EXPECT_DOUBLE_EQ(d.nid, 30.0 / 100.0);
  EXPECT_DOUBLE_EQ(d.ncd, (120.0 - 80.0) / 100.0);
  EXPECT_DOUBLE_EQ(d.cx, 100);
  EXPECT_DOUBLE_EQ(d.cy_given_x, 20);
}

TEST(MeasureDistance, SymmetricInItsArguments) {
  const Distance a = distance_from_bits(100, 80, 30, 20, 120);
  const Distance b = distance_from_bits(80, 100, 20, 30, 120);
  EXPECT_DOUBLE_EQ(a.nid, b.nid);
  EXPECT_DOUBLE_EQ(a.ncd, b.ncd);
}

TEST(MeasureDistance, UnrelatedTextsAreNearOneIdenticalNearZero) {
  // Context does not help: C(x|y) = C(x), C(xy) = C(x) + C(y).
  const Distance far = distance_from_bits(100, 60, 100, 60, 160);
  EXPECT_DOUBLE_EQ(far.nid, 1.0);
  EXPECT_DOUBLE_EQ(far.ncd, 1.0);
  // A copy costs almost nothing after the original.
  const Distance same = distance_from_bits(100, 100, 2, 2, 102);
  EXPECT_DOUBLE_EQ(same.nid, 0.02);
  EXPECT_DOUBLE_EQ(same.ncd, 0.02);
}

TEST(MeasureDistance, EmptyTextsAreAtDistanceZero) {
  const Distance d = distance_from_bits(0, 0, 0, 0, 0);
  EXPECT_EQ(d.nid, 0.0);
  EXPECT_EQ(d.ncd, 0.0);
}

// With the real trained model of the testdata, a story is closer to a
// paraphrase of itself than to another story of the same kind.
TEST(MeasureDistance, ParaphraseIsCloserThanUnrelatedStory) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  auto m = codec::load_model(dir + "/models/stories260K.gguf");
  ASSERT_TRUE(m) << m.status().message();
  const std::string story =
      "Once upon a time, there was a little girl named Lily. She loved to play with her red ball in the park. "
      "One day, the ball rolled into a big pond. Lily was sad. A kind frog jumped out and gave the ball back to "
      "her. Lily smiled and said, \"Thank you, frog!\" They became best friends.";
  const std::string paraphrase =
      "Once upon a time, a little girl called Lily loved playing with her red ball in the park. One day the "
      "ball rolled into a big pond and Lily was sad. Then a kind frog jumped out and gave her ball back. Lily "
      "smiled and said, \"Thank you, frog!\" The frog and Lily became best friends.";
  const std::string other =
      "Tom had a big blue truck. Every morning he drove it around the house and made loud noises. His mom "
      "gave him a cookie and a glass of milk. Tom was happy. He shared the cookie with his dog, Max, and they "
      "took a nap in the sun.";
  codec::ScoreOptions opt;
  opt.threads = 2;
  auto near = measure_distance(**m, story, paraphrase, opt);
  ASSERT_TRUE(near) << near.status().message();
  auto far = measure_distance(**m, story, other, opt);
  ASSERT_TRUE(far) << far.status().message();
  EXPECT_LT(near->nid, far->nid);
  EXPECT_LT(near->ncd, far->ncd);
  // The conditional bits really use the context: knowing the paraphrase
  // makes the story cheaper than knowing nothing.
  EXPECT_LT(near->cx_given_y, near->cx);
  EXPECT_GT(near->cx, 0);
  // known_cx gives the same answer as measuring C(x) again.
  auto again = measure_distance(**m, story, paraphrase, opt, &near->cx);
  ASSERT_TRUE(again);
  EXPECT_DOUBLE_EQ(again->nid, near->nid);
}

}  // namespace
}  // namespace llmzip::cli
