// The report's `network` section: outbound attempts seen by the tracer (connect and
// sendto, failed ones included) joined with what the fake internet logged (bytes, SNI,
// HTTP, DNS names), aggregated per destination, plus DNS queries and beacon scores per
// (program, destination): a program is an exec identity (the path it exec'd, else its
// comm), so a loop that starts a new process per attempt is still one series, and two
// programs at one destination are two. Pure: records and events in, JSON out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "behaviour.h"
#include "netmon/fake_internet.h"

namespace gs::harness {

struct PhaseNetwork {
  std::string phase;
  std::string target;
  netmon::FakeInternetRecords records;
};

// window_ms: the observation window (for the beacon score's persistence term).
nlohmann::json build_network(const std::vector<PhaseNetwork>& phases,
                             const std::vector<TracedEvent>& events, int64_t window_ms);

}  // namespace gs::harness
