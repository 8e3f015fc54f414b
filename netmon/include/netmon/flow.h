// Flow table: packets grouped by 5-tuple with the direction fixed by whoever spoke
// first (for TCP, the SYN sender), so "bytes out" always means bytes the code under
// analysis sent. Bounded: past max_flows new flows are counted as dropped, not stored.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <vector>

#include "netmon/ip.h"
#include "netmon/packet.h"

namespace gs::netmon {

struct FlowKey {
  uint8_t proto = 0;
  IpAddr src;
  uint16_t sport = 0;
  IpAddr dst;
  uint16_t dport = 0;
  auto operator<=>(const FlowKey&) const = default;
  FlowKey reversed() const { return {proto, dst, dport, src, sport}; }
};

struct FlowStats {
  int64_t first_us = 0;
  int64_t last_us = 0;
  uint64_t packets_out = 0, bytes_out = 0;   // initiator -> responder, IP bytes
  uint64_t packets_in = 0, bytes_in = 0;     // responder -> initiator
  uint64_t payload_out = 0, payload_in = 0;  // transport payload bytes
  uint8_t tcp_flags_out = 0, tcp_flags_in = 0;
};

struct Flow {
  FlowKey key;
  FlowStats stats;
};

class FlowTable {
 public:
  explicit FlowTable(size_t max_flows = 100000) : max_flows_(max_flows) {}

  void add(const DecodedPacket& p, int64_t ts_us);
  std::vector<Flow> flows() const;  // ordered by first_us
  size_t size() const { return flows_.size(); }
  uint64_t dropped() const { return dropped_; }

 private:
  std::map<FlowKey, FlowStats> flows_;
  size_t max_flows_;
  uint64_t dropped_ = 0;
};

}  // namespace gs::netmon
