// Beacon scoring on synthetic series: what an implant's check-in loop, a strobe, a retry
// loop with backoff and ordinary irregular traffic look like to the scorer.
#include "netmon/beacon.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace gs::netmon::beacon {
namespace {

std::vector<int64_t> series(int n, int64_t start, auto next_interval) {
  std::vector<int64_t> t{start};
  for (int i = 1; i < n; ++i) t.push_back(t.back() + next_interval(i));
  return t;
}

TEST(Beacon, FixedIntervalScoresNearOne) {
  auto t = series(10, 5000, [](int) { return 30000; });
  auto s = score(t, {}, t.back() + 30000);
  EXPECT_EQ(s.kind, "beacon");
  EXPECT_GT(s.score, 0.95);
  EXPECT_EQ(s.median_interval_ms, 30000);
  EXPECT_EQ(s.jitter, 0);
  EXPECT_EQ(s.attempts, 10u);
  EXPECT_GT(s.confidence, 0.7);
}

TEST(Beacon, ScoreStaysWithinZeroAndOne) {
  // Regression: perfectly regular series once scored 1.0000000000000002 (fuzzer).
  for (int n = 3; n <= 40; ++n) {
    auto t = series(n, 0, [](int) { return 30000; });
    std::vector<int64_t> sizes(t.size(), 0x5a5a5a5a5a5a5a5a);
    auto s = score(t, sizes, 0);
    EXPECT_LE(s.score, 1.0) << n;
    EXPECT_GE(s.score, 0.0) << n;
  }
}

TEST(Beacon, ThirtyPercentJitterStillScoresHighFromFiveAttempts) {
  for (int n : {5, 6, 8, 12, 20}) {
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> jitter(-0.3, 0.3);
      auto t = series(n, 0, [&](int) { return static_cast<int64_t>(60000 * (1 + jitter(rng))); });
      std::vector<int64_t> sizes(t.size(), 310);
      auto s = score(t, sizes, t.back() + 60000);
      EXPECT_GT(s.score, 0.7) << "n=" << n << " seed=" << seed << " jitter=" << s.jitter;
      EXPECT_EQ(s.kind, "beacon") << "n=" << n << " seed=" << seed;
    }
  }
}

TEST(Beacon, ExponentialIntervalsScoreLow) {
  double total = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    std::mt19937_64 rng(seed);
    std::exponential_distribution<double> gap(1.0 / 30000);
    auto t = series(25, 0, [&](int) { return static_cast<int64_t>(gap(rng)) + 1; });
    auto s = score(t, {}, t.back() + 30000);
    EXPECT_LT(s.score, 0.7) << "seed=" << seed;
    EXPECT_NE(s.kind, "beacon") << "seed=" << seed;
    total += s.score;
  }
  EXPECT_LT(total / 30, 0.5);
}

TEST(Beacon, SingleShotAndPairScoreZero) {
  std::vector<int64_t> one{1000};
  auto s = score(one, {}, 600000);
  EXPECT_EQ(s.score, 0);
  EXPECT_EQ(s.kind, "none");
  std::vector<int64_t> two{1000, 31000};
  s = score(two, {}, 600000);
  EXPECT_EQ(s.score, 0);
  EXPECT_EQ(s.confidence, 0);
  EXPECT_EQ(score({}, {}, 0).attempts, 0u);
}

TEST(Beacon, StrobeIsRecognised) {
  auto t = series(50, 0, [](int i) { return 100 + (i % 3) * 20; });
  auto s = score(t, {}, 60000);
  EXPECT_EQ(s.kind, "strobe");
  EXPECT_GE(s.score, 0.9);
}

TEST(Beacon, BackoffIsRecognisedAndCapped) {
  auto t = series(7, 0, [](int i) { return 1000 << (i - 1); });  // 1,2,4,8,16,32 s
  auto s = score(t, {}, t.back() + 1000);
  EXPECT_EQ(s.kind, "backoff");
  EXPECT_NEAR(s.growth, 2.0, 0.05);
  EXPECT_LE(s.score, 0.5);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  auto jittered = series(6, 0, [&](int i) {
    return static_cast<int64_t>(500 * std::pow(1.6, i) * (1 + jitter(rng)));
  });
  EXPECT_EQ(score(jittered, {}, 0).kind, "backoff");
}

TEST(Beacon, BurstyTrafficIsNotABeacon) {
  // Bursts of 4 quick requests (a page load) at irregular times.
  std::vector<int64_t> t;
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> gap(5000, 120000);
  int64_t now = 0;
  for (int b = 0; b < 6; ++b) {
    now += gap(rng);
    for (int i = 0; i < 4; ++i) t.push_back(now + i * 40);
  }
  auto s = score(t, {}, now + 10000);
  EXPECT_LT(s.score, 0.6);
  EXPECT_EQ(s.kind, "none");
}

TEST(Beacon, IrregularSizesLowerTheScore) {
  auto t = series(12, 0, [](int) { return 10000; });
  std::vector<int64_t> same(12, 200), wild{10, 9000, 3, 400, 77777, 12, 5000, 1, 650, 30000, 8, 2};
  auto regular = score(t, same, t.back() + 10000);
  auto irregular = score(t, wild, t.back() + 10000);
  EXPECT_GT(regular.score, irregular.score);
  EXPECT_EQ(regular.size_score, 1.0);
  EXPECT_LT(irregular.size_score, 0.6);
}

TEST(Beacon, LowCoverageLowersTheScore) {
  auto t = series(6, 0, [](int) { return 10000; });
  auto full = score(t, {}, 60000);
  auto brief = score(t, {}, 3600000);  // six check-ins then silence for an hour
  EXPECT_GT(full.score, brief.score);
  EXPECT_LT(brief.coverage, 0.05);
}

TEST(Entropy, ShannonAndTunnelHeuristic) {
  EXPECT_DOUBLE_EQ(shannon_entropy(""), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0);
  EXPECT_DOUBLE_EQ(shannon_entropy("ab"), 1);
  EXPECT_NEAR(shannon_entropy("0123456789abcdef"), 4.0, 1e-9);

  auto plain = label_stats("www.example.test");
  EXPECT_EQ(plain.labels, 3u);
  EXPECT_EQ(plain.longest_label, 7u);
  EXPECT_FALSE(plain.looks_like_tunnel);

  auto exfil = label_stats("mzxw6ytboi2dcnrxgq3tmmzrgeztcnjz.a7f3k9q2m1x8c4v6b0n5.t.exfil.test.");
  EXPECT_TRUE(exfil.looks_like_tunnel);
  EXPECT_EQ(exfil.longest_label, 32u);
  EXPECT_GT(exfil.max_label_entropy, 3.5);
  EXPECT_EQ(exfil.name_length, 66u);
}

}  // namespace
}  // namespace gs::netmon::beacon
