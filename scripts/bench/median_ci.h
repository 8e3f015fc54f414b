// Pure statistics for the benchmarks (tested in tests/tracer/bench_stats_test.cc).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

namespace gs::bench {

// A distribution-free confidence interval of the median of v: the k-th smallest and k-th
// largest values, k the largest order whose two-sided coverage (from Binomial(n, 1/2),
// nothing assumed about the noise) is still >= 90%. nullopt when too few rounds give 90%
// (n < 5). Rounds are independent pairs, so this is what the per-round median can claim.
struct MedianCi {
  double lo, hi, coverage;
};
inline std::optional<MedianCi> median_ci(std::vector<double> v) {
  size_t n = v.size();
  if (n < 5) return std::nullopt;
  std::sort(v.begin(), v.end());
  // pmf of B ~ Binomial(n, 1/2): how many of the n values lie below the true median
  // (in logs: C(n, i) overflows a double past n ~ 1000)
  std::vector<double> pmf(n + 1);
  for (size_t i = 0; i <= n; ++i)
    pmf[i] = std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                      std::lgamma(double(n - i) + 1) - double(n) * std::log(2.0));
  // [k-th smallest, k-th largest] misses the median when fewer than k values lie below it,
  // or fewer than k above: coverage 1 - 2 P(B <= k - 1).
  std::optional<MedianCi> best;
  double below = 0;
  for (size_t k = 1; k <= (n + 1) / 2; ++k) {
    below += pmf[k - 1];
    double coverage = 1 - 2 * below;
    if (coverage < 0.90) break;
    best = MedianCi{v[k - 1], v[n - k], coverage};
  }
  return best;
}

}  // namespace gs::bench
