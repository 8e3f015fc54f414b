// Flow accounting (see flow.h).
#include "netmon/flow.h"

#include <algorithm>

namespace gs::netmon {
namespace {

void count(FlowStats& s, const DecodedPacket& p, int64_t ts_us, bool outbound) {
  s.last_us = std::max(s.last_us, ts_us);
  s.first_us = std::min(s.first_us, ts_us);
  if (outbound) {
    ++s.packets_out;
    s.bytes_out += p.ip_length;
    s.payload_out += p.payload.size();
    s.tcp_flags_out |= p.tcp_flags;
  } else {
    ++s.packets_in;
    s.bytes_in += p.ip_length;
    s.payload_in += p.payload.size();
    s.tcp_flags_in |= p.tcp_flags;
  }
}

}  // namespace

void FlowTable::add(const DecodedPacket& p, int64_t ts_us) {
  FlowKey key{p.proto, p.src, p.sport, p.dst, p.dport};
  if (auto it = flows_.find(key); it != flows_.end()) return count(it->second, p, ts_us, true);
  if (auto it = flows_.find(key.reversed()); it != flows_.end())
    return count(it->second, p, ts_us, false);
  if (flows_.size() >= max_flows_) {
    ++dropped_;
    return;
  }
  // A SYN-ACK seen first (capture started mid-handshake) names the responder as source.
  using namespace tcp_flag;
  bool syn_ack = p.proto == kTcp && (p.tcp_flags & (kSyn | kAck)) == (kSyn | kAck);
  FlowKey stored = syn_ack ? key.reversed() : key;
  FlowStats& s = flows_[stored];
  s.first_us = s.last_us = ts_us;
  count(s, p, ts_us, !syn_ack);
}

std::vector<Flow> FlowTable::flows() const {
  std::vector<Flow> out;
  out.reserve(flows_.size());
  for (const auto& [k, s] : flows_) out.push_back({k, s});
  std::stable_sort(out.begin(), out.end(), [](const Flow& a, const Flow& b) {
    return a.stats.first_us < b.stats.first_us;
  });
  return out;
}

}  // namespace gs::netmon
