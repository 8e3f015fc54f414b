// How many trace events an analysis keeps, in memory and in events.jsonl. A module that
// opens files in a tight loop for a test's whole timeout makes millions of events (one
// measured run: 5.9M events, 4.9 GB of gosandbox's memory, 1.9 GB of events.jsonl), which
// must not take the host down, least of all with several analyses in parallel. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>

#include "tracer/event.h"

namespace gs::harness {

class EventBudget {
 public:
  // Up to `keep_all` kept events everything is kept. From there, an event that repeats
  // one seen before (the same process, call, path or address, and result) is collapsed
  // into it, so a flood of one call stops growing while a write to a new path after the
  // flood is still kept; process events (fork, exec, exit) and connects (a beacon's
  // times) are always new, and socket()s differ by their fd. At `keep_max` kept events
  // nothing more is kept. Repeats are found by a hash salted per run.
  explicit EventBudget(uint64_t keep_all = 300'000, uint64_t keep_max = 1'000'000);

  enum class Admit { kKeep, kCollapse, kOverCap };
  Admit admit(const tracer::Event& e);

  uint64_t kept() const { return kept_; }
  uint64_t collapsed() const { return collapsed_; }  // repeats of kept events, not kept
  uint64_t over_cap() const { return over_cap_; }    // not kept at all: the trace is incomplete
  uint64_t keep_max() const { return keep_max_; }

 private:
  uint64_t keep_all_, keep_max_;
  uint64_t kept_ = 0, collapsed_ = 0, over_cap_ = 0;
  std::string salt_;
  std::unordered_set<uint64_t> seen_;  // keys of kept events that can repeat
};

}  // namespace gs::harness
