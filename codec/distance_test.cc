#include "codec/distance.h"

#include <gtest/gtest.h>

#include "testing/testutil.h"

namespace llmzip::codec {
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
      "Once upon a time, there was a little dog named Spot. Spot had a shiny red ball. Every day, Spot "
      "played with the red ball in the big green park. One day, the red ball rolled into the pond. Spot "
      "was sad. A kind duck swam to the ball and pushed it back to Spot. Spot was happy and said thank you "
      "to the duck. Spot and the duck played with the red ball all day.\n";
  const std::string paraphrase =
      "Once upon a time, a little dog called Spot had a shiny red ball. Spot played with his red ball in "
      "the big green park every day. One day, his red ball rolled into the pond, and Spot was sad. Then a "
      "kind duck swam to the ball and pushed it back to Spot. Spot was happy. He said thank you to the "
      "duck, and Spot and the duck played with the red ball all day.\n";
  const std::string other =
      "Once upon a time, there was a girl named Sue. Sue liked to bake cakes with her mom in the kitchen. "
      "One morning, they made a big chocolate cake for her dad. Sue put a yellow candle on top. When dad "
      "came home, he smiled and gave Sue a big hug. They ate the cake together and laughed. It was the "
      "best day ever.\n";
  codec::ScoreOptions opt;
  opt.threads = 2;
  auto near = measure_distance(**m, story, paraphrase, opt);
  ASSERT_TRUE(near) << near.status().message();
  auto far = measure_distance(**m, story, other, opt);
  ASSERT_TRUE(far) << far.status().message();
  EXPECT_LT(near->nid, far->nid);
  EXPECT_LT(near->ncd, far->ncd);
  // The paraphrase is the more useful context for the story. (This tiny
  // model barely copies from its context, so C(x|y) is not below C(x) here;
  // the ordering is what it can show.)
  EXPECT_LT(near->cx_given_y, far->cx_given_y);
  EXPECT_GT(near->cx, 0);
  // known_cx gives the same answer as measuring C(x) again.
  auto again = measure_distance(**m, story, paraphrase, opt, &near->cx);
  ASSERT_TRUE(again);
  EXPECT_DOUBLE_EQ(again->nid, near->nid);
}

}  // namespace
}  // namespace llmzip::codec
