// The HTML report: one self-contained page (inline CSS and SVG, no script, no external
// resource) that shows a security researcher the verdict, the findings, what the module's
// own processes did and a timeline of every outbound attempt, so a beacon is visible at a
// glance. Everything taken from the report is treated as hostile text and escaped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gs::harness::html {

// One outbound connect/sendto/sendmsg seen by the tracer (not loopback, not DNS).
struct Attempt {
  int64_t ms = 0;  // since the analysis started, like every time in the report
  std::string ip;  // as the tracer printed it
  uint16_t port = 0;
  std::string proto;      // "tcp" or "udp" from the socket() that made the fd; "" unknown
  std::string op;         // "connect", "sendto" or "sendmsg"
  std::string phase;      // "init", "test", "run", ...
  bool ok = true;         // false when the syscall failed (EINPROGRESS counts as ok)
  int64_t event_id = -1;  // the event's id in events.jsonl

  // "ip:port", with brackets around IPv6 addresses; the timeline's row key.
  std::string destination() const;
};

// A hostile module can aim at any number of destinations as often as it likes; the page
// must stay small enough to open, so reading stops counting past these caps.
inline constexpr std::size_t max_attempts_per_destination = 2000;
inline constexpr std::size_t max_destinations = 256;
// Longer lines are not events our tracer writes; they are skipped unparsed.
inline constexpr std::size_t max_event_line_bytes = 64 * 1024;

// Reads events.jsonl (one JSON object per line) and returns the outbound attempts in file
// order. Malformed lines are skipped; never throws.
std::vector<Attempt> attempts_from_events(std::istream& events_jsonl);

// The whole report.html document. With no attempts the timeline falls back to the first,
// last and attempt count of each connection in report.network. Never throws.
std::string render(const nlohmann::json& report, const std::vector<Attempt>& attempts);

}  // namespace gs::harness::html
