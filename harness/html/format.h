// Number and time formatting shared by the page's sections, so a time reads the same in
// the timeline, the tables and the process tree.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace gs::harness::html {

// A time or duration in ms for people: "477 ms", "1.477 s", "2 min 05 s".
inline std::string format_ms(int64_t ms) {
  char buf[48];
  if (ms < 0) return "-" + format_ms(-ms);
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 120000) {
    std::snprintf(buf, sizeof buf, "%.3f s", static_cast<double>(ms) / 1000.0);
  } else {
    std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>((ms / 1000) % 60));
  }
  return buf;
}

inline std::string format_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

inline std::string format_bytes(int64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  if (n < 1024 * 1024) return format_fixed(static_cast<double>(n) / 1024.0, 1) + " KiB";
  return format_fixed(static_cast<double>(n) / (1024.0 * 1024.0), 1) + " MiB";
}

}  // namespace gs::harness::html
