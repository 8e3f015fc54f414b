// Beacon scoring: does a series of attempts to one destination look like an implant
// checking in? A short-run adaptation of RITA's statistic (Bowley skew and MAD dispersion
// of the intervals, regularity of the sizes, persistence over the window) tuned to stay
// high under +-30% uniform jitter with as few as 5 attempts, because an analysis window is
// minutes, not the day RITA looks at. Strobes and retry-with-backoff are told apart,
// since both repeat but mean different things. Also: DNS label entropy for tunnelling.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace gs::netmon::beacon {

struct Score {
  size_t attempts = 0;
  int64_t median_interval_ms = 0;
  double jitter = 0;          // MAD / median of the intervals (0 = perfectly regular)
  double score = 0;           // 0..1; >= 0.7 reads as "beacon"
  double confidence = 0;      // 0..1, grows with the number of attempts
  std::string kind = "none";  // "beacon" | "strobe" | "backoff" | "none"
  // Components, for reports and tuning.
  double skew = 0;  // Bowley skew of intervals, -1..1
  double interval_score = 0;
  double size_score = -1;  // -1 when no sizes were given
  double coverage = 0;     // fraction of the window the series spans
  double growth = 0;       // geometric growth factor of intervals (backoff fit)
};

inline constexpr double kBeaconThreshold = 0.7;

// attempt_times_ms: when each attempt started (failed attempts count), any order.
// sizes: bytes per attempt (same order as times) or empty. window_ms: how long the
// observation lasted; <= 0 means "just the span of the series".
Score score(std::span<const int64_t> attempt_times_ms, std::span<const int64_t> sizes,
            int64_t window_ms);

struct LabelStats {
  size_t name_length = 0;
  size_t labels = 0;
  size_t longest_label = 0;
  double subdomain_entropy = 0;    // bits per char of the labels left of the last two
  double max_label_entropy = 0;    // bits per char of the most random single label
  bool looks_like_tunnel = false;  // long, high-entropy subdomain labels
};

double shannon_entropy(std::string_view s);  // bits per character
LabelStats label_stats(std::string_view name);

}  // namespace gs::netmon::beacon
