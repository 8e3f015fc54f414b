// Beacon scoring (see beacon.h). RITA scores a day of connections with Bowley skew and
// MAD/median of intervals and sizes; with 4-10 intervals those statistics are noisy
// (Bowley skew of 4 samples can be anything), so here the skew weight grows with the
// sample, and a tolerance-band statistic (share of intervals, and of time, within a
// factor of 2 of the median) carries most of the weight: it is exactly 1 for a +-30%
// jittered timer (1.3/0.7 < 2) and ~0.35 for a Poisson process whatever the sample size.
#include "netmon/beacon.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <vector>

namespace gs::netmon::beacon {
namespace {

constexpr int64_t kStrobeMeanIntervalMs = 1000;
constexpr size_t kStrobeMinAttempts = 10;
constexpr double kBandFactor = 2.0;       // "near the median": within a factor of 2
constexpr double kDispersionScale = 0.6;  // MAD/median at which dispersion scores 0
constexpr double kBackoffMinGrowth = 1.4;

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

// Linear-interpolated quantile of sorted data.
double quantile(const std::vector<double>& s, double q) {
  if (s.empty()) return 0;
  double pos = q * static_cast<double>(s.size() - 1);
  size_t lo = static_cast<size_t>(pos);
  size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return quantile(v, 0.5);
}

double mad_of(const std::vector<double>& v, double med) {
  std::vector<double> dev;
  dev.reserve(v.size());
  for (double x : v) dev.push_back(std::fabs(x - med));
  return median_of(std::move(dev));
}

double bowley(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double q1 = quantile(v, 0.25), q2 = quantile(v, 0.5), q3 = quantile(v, 0.75);
  if (q3 - q1 <= 1e-9) return 0;  // all alike: no skew at all
  return (q3 + q1 - 2 * q2) / (q3 - q1);
}

// RITA-style regularity of a series: 1 for identical values.
double regularity(const std::vector<double>& v, double& med_out, double& mad_ratio_out,
                  double& skew_out) {
  double med = median_of(v);
  med_out = med;
  double mad = mad_of(v, med);
  double ratio = med > 0 ? mad / med : (mad > 0 ? 1.0 : 0.0);
  mad_ratio_out = ratio;
  skew_out = bowley(v);
  // Share of intervals near the median, and share of the whole span they cover: bursts
  // (many tiny intervals, a few long gaps) pass the first and fail the second.
  double in_band = 0, in_band_time = 0, total_time = 0;
  for (double x : v) {
    total_time += x;
    if (x * kBandFactor < med || x > med * kBandFactor) continue;
    in_band += 1;
    in_band_time += x;
  }
  double band_count = v.empty() ? 0 : in_band / static_cast<double>(v.size());
  double band_time = total_time > 0 ? in_band_time / total_time : band_count;
  double band = std::min(band_count, band_time);
  double dispersion = clamp01(1 - ratio / kDispersionScale);
  // Bowley skew of a few uniform-jittered intervals swings anywhere in -1..1, so its
  // weight grows slowly with the sample, to 0.15 at 20 intervals.
  double w_skew = 0.15 * clamp01((static_cast<double>(v.size()) - 4) / 16);
  double w_band = 0.55, w_disp = 0.45 - w_skew;
  // Clamped: the weights sum to 1 only up to rounding (a fuzzer found 1.0000000000000002).
  return clamp01(w_band * band + w_disp * dispersion + w_skew * (1 - std::fabs(skew_out)));
}

// Least-squares fit of log(interval) against index: growth factor and R^2.
void fit_growth(const std::vector<double>& iv, double& growth, double& r2) {
  growth = 0;
  r2 = 0;
  std::vector<double> y;
  for (double x : iv) {
    if (x <= 0) return;
    y.push_back(std::log(x));
  }
  double n = static_cast<double>(y.size()), sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    double x = static_cast<double>(i);
    sx += x, sy += y[i], sxx += x * x, sxy += x * y[i], syy += y[i] * y[i];
  }
  double vx = n * sxx - sx * sx, vy = n * syy - sy * sy;
  if (vx <= 0) return;
  double slope = (n * sxy - sx * sy) / vx;
  growth = std::exp(slope);
  r2 = vy > 0 ? (n * sxy - sx * sy) * (n * sxy - sx * sy) / (vx * vy) : 0;
}

bool is_backoff(const std::vector<double>& iv, Score& s) {
  if (iv.size() < 3) return false;
  double r2;
  fit_growth(iv, s.growth, r2);
  if (s.growth < kBackoffMinGrowth || r2 < 0.8) return false;
  size_t growing = 0;
  for (size_t i = 1; i < iv.size(); ++i)
    if (iv[i] > iv[i - 1] * 1.15) ++growing;
  return growing * 4 >= (iv.size() - 1) * 3;
}

double size_score(std::span<const int64_t> sizes) {
  if (sizes.size() < 2) return -1;
  std::vector<double> v(sizes.begin(), sizes.end());
  double med, ratio, skew;
  double r = regularity(v, med, ratio, skew);
  if (med <= 0) return std::all_of(v.begin(), v.end(), [](double x) { return x == 0; }) ? 1.0 : r;
  return r;
}

}  // namespace

Score score(std::span<const int64_t> attempt_times_ms, std::span<const int64_t> sizes,
            int64_t window_ms) {
  Score s;
  s.attempts = attempt_times_ms.size();
  if (s.attempts < 2) return s;
  std::vector<int64_t> t(attempt_times_ms.begin(), attempt_times_ms.end());
  std::sort(t.begin(), t.end());
  std::vector<double> iv;
  // In doubles: int64 differences of hostile or garbage times could overflow.
  for (size_t i = 1; i < t.size(); ++i)
    iv.push_back(static_cast<double>(t[i]) - static_cast<double>(t[i - 1]));
  double med, skew;
  double regular = regularity(iv, med, s.jitter, skew);
  s.median_interval_ms = med < 9e18 ? std::llround(med) : INT64_MAX;
  s.skew = skew;
  double span = static_cast<double>(t.back()) - static_cast<double>(t.front());
  double window = window_ms > 0 ? static_cast<double>(window_ms) : span + med;
  s.coverage = window > 0 ? clamp01((span + med) / window) : 0;
  // Two attempts give one interval, which shows nothing about regularity.
  s.confidence = s.attempts < 3 ? 0 : 1 - std::exp(-(static_cast<double>(s.attempts) - 2) / 5);
  if (s.attempts < 3) return s;

  if (s.attempts >= kStrobeMinAttempts &&
      span / static_cast<double>(iv.size()) <= kStrobeMeanIntervalMs) {
    s.kind = "strobe";
    s.interval_score = regular;
    s.score = 1.0;
    return s;
  }
  if (med <= 0) return s;  // a burst at one instant
  s.interval_score = regular;
  s.size_score = size_score(sizes.size() == t.size() ? sizes : std::span<const int64_t>());
  double combined = s.size_score < 0 ? regular : 0.8 * regular + 0.2 * s.size_score;
  double scored = combined * (0.6 + 0.4 * s.coverage);
  if (is_backoff(iv, s)) {
    // A client retrying with backoff repeats too, but is as likely benign: cap it.
    s.kind = "backoff";
    s.score = std::min(scored, 0.5);
    return s;
  }
  s.score = clamp01(scored);
  s.kind = s.score >= kBeaconThreshold ? "beacon" : "none";
  return s;
}

double shannon_entropy(std::string_view str) {
  if (str.empty()) return 0;
  std::array<size_t, 256> counts{};
  for (unsigned char c : str) ++counts[c];
  double h = 0, n = static_cast<double>(str.size());
  for (size_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

LabelStats label_stats(std::string_view name) {
  LabelStats st;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  st.name_length = name.size();
  std::vector<std::string_view> labels;
  while (!name.empty()) {
    size_t dot = name.find('.');
    labels.push_back(name.substr(0, dot));
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  st.labels = labels.size();
  std::string sub;
  for (size_t i = 0; i < labels.size(); ++i) {
    st.longest_label = std::max(st.longest_label, labels[i].size());
    if (labels[i].size() >= 8)
      st.max_label_entropy = std::max(st.max_label_entropy, shannon_entropy(labels[i]));
    if (i + 2 < labels.size()) sub += labels[i];
  }
  st.subdomain_entropy = shannon_entropy(sub);
  // Base32/base64/hex chunks of 30+ characters, or long subdomain strings, with the
  // entropy of encoded data rather than words.
  st.looks_like_tunnel = (st.longest_label >= 30 && st.max_label_entropy >= 3.5) ||
                         (sub.size() >= 60 && st.subdomain_entropy >= 3.8);
  return st;
}

}  // namespace gs::netmon::beacon
