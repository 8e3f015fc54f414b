// The one interface behind which events arrive: live from the kernel (Session) or
// replayed from a recorded events.jsonl (ReplaySource), so analysis code and its tests
// do not care which.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "tracer/event.h"
#include "tracer/syscall_table.h"

namespace gs::tracer {

struct Stats {
  uint64_t events = 0;     // events decoded and delivered
  uint64_t malformed = 0;  // records/lines that failed to decode (should stay 0)
  std::array<uint64_t, kCategoryCount> drops{};  // lost to a full ring buffer, by Category
  uint64_t dropped() const;
  bool complete() const { return dropped() == 0 && malformed == 0; }
};
// {"events", "lost", "complete", "malformed", "drops": {"process": n, "file": n, ...}}
nlohmann::json to_json(const Stats& s);

class EventSource {
 public:
  using Callback = std::function<void(const Event&)>;
  virtual ~EventSource() = default;
  // Waits up to timeout_ms for events and delivers what is available; returns how many.
  virtual Result<int> poll(int timeout_ms, const Callback& cb) = 0;
  // Delivers everything still pending without waiting.
  virtual Result<int> drain(const Callback& cb) = 0;
  virtual Stats stats() const = 0;
};

// Replays an events.jsonl file (one to_jsonl() object per line, blank lines skipped).
class ReplaySource : public EventSource {
 public:
  static Result<std::unique_ptr<ReplaySource>> open(const std::string& path);
  Result<int> poll(int timeout_ms, const Callback& cb) override;
  Result<int> drain(const Callback& cb) override;
  Stats stats() const override { return stats_; }

 private:
  ReplaySource() = default;
  std::ifstream in_;
  Stats stats_;
};

}  // namespace gs::tracer
