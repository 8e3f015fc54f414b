// Unit tests of the benchmarks' statistics (scripts/bench/median_ci.h): the interval the
// tracer benchmark judges the overhead target by.
#include <gtest/gtest.h>

#include <numeric>

#include "median_ci.h"

namespace gs::bench {
namespace {

std::vector<double> one_to(size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 1.0);
  return v;
}

TEST(MedianCi, TooFewRoundsForNinetyPercentGiveNone) {
  EXPECT_FALSE(median_ci({}).has_value());
  EXPECT_FALSE(median_ci(one_to(4)).has_value());  // [min, max] covers only 87.5%
}

TEST(MedianCi, FiveRoundsGiveMinToMax) {
  auto ci = median_ci({1.3, 1.1, 1.5, 1.2, 1.4});  // order does not matter
  ASSERT_TRUE(ci.has_value());
  EXPECT_DOUBLE_EQ(ci->lo, 1.1);
  EXPECT_DOUBLE_EQ(ci->hi, 1.5);
  EXPECT_NEAR(ci->coverage, 1 - 2.0 / 32, 1e-12);
}

// Binomial(n, 1/2): 15 rounds -> 4th smallest to 4th largest (96.5%; the 5th would be
// 88.2%), 25 rounds -> 8th to 8th (95.7%).
TEST(MedianCi, OrderStatisticsFromTheBinomial) {
  auto ci15 = median_ci(one_to(15));
  ASSERT_TRUE(ci15.has_value());
  EXPECT_DOUBLE_EQ(ci15->lo, 4);
  EXPECT_DOUBLE_EQ(ci15->hi, 12);
  EXPECT_NEAR(ci15->coverage, 1 - 2 * (1 + 15 + 105 + 455) / 32768.0, 1e-12);
  auto ci25 = median_ci(one_to(25));
  ASSERT_TRUE(ci25.has_value());
  EXPECT_DOUBLE_EQ(ci25->lo, 8);
  EXPECT_DOUBLE_EQ(ci25->hi, 18);
  EXPECT_GE(ci25->coverage, 0.90);
}

TEST(MedianCi, ManyRoundsStayFiniteAndNarrow) {
  auto ci = median_ci(one_to(5000));
  ASSERT_TRUE(ci.has_value());
  EXPECT_GE(ci->coverage, 0.90);
  EXPECT_LT(ci->coverage, 0.92);
  EXPECT_LT(ci->lo, 2500.5);
  EXPECT_GT(ci->hi, 2500.5);
  EXPECT_LT(ci->hi - ci->lo, 200);  // ~ 2 x 1.645 x sqrt(5000) / 2
}

}  // namespace
}  // namespace gs::bench
