// The behaviour model: tracer events of every phase joined into the report's
// `processes` (a tree of exec identities), `files` and `syscalls.denied` sections. Pure:
// it takes decoded events, so it is tested with synthetic ones and replays recorded
// events.jsonl exactly like a live run.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tracer/event.h"

namespace gs::harness {

struct TracedEvent {
  uint64_t id = 0;      // 1-based, in arrival order; findings cite these
  std::string phase;    // plan, build, init, test, run
  int64_t ms = 0;       // since the analysis started
  tracer::Event event;
};

struct Behaviour {
  nlohmann::json processes = nlohmann::json::array();
  nlohmann::json files = nlohmann::json::array();
  nlohmann::json denied = nlohmann::json::array();
};

// Phases whose file activity is the Go toolchain's, not the module's: their processes
// are kept (for completeness) but their files are not listed.
bool is_toolchain_phase(const std::string& phase);

// `denied_by_profile`: the syscalls the sandbox profile denies; failures of other
// syscalls with EPERM/EACCES/ENOSYS are the kernel's ordinary answers, not denials.
// `links`: symlinks in the jail before the run (sandbox::jail_symlinks()), which file
// paths resolve through along with the ones the run makes.
Behaviour build_behaviour(const std::vector<TracedEvent>& events,
                          const std::set<std::string>& denied_by_profile,
                          const std::map<std::string, std::string>& links = {});

// One events.jsonl line: the tracer's object plus "id", "phase" and "ms".
std::string event_line(const TracedEvent& e);

}  // namespace gs::harness
