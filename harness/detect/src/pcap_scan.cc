// ExfilScan::scan_pcap: the capture of a run, read back with the netmon decoders, so
// bytes a payload split over many segments or datagrams are scanned as one stream. Only
// the jail's side is kept: the fake internet's answers are ours, not the module's.
#include <map>

#include "detect/honeytokens.h"
#include "netmon/dns.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"

namespace gs::detect {

namespace {

// netmon::FakeInternet::kJailAddress; spelled here so this pure library does not pull in
// the kernel side of netmon.
constexpr const char* kJailAddress = "198.18.0.2";

// The query name as the client spelled it: the parser lower-cases names, but case is
// data when a payload base64-encodes a secret into labels.
std::string wire_to_dotted(const std::vector<uint8_t>& wire) {
  std::string out;
  for (size_t i = 0; i < wire.size() && wire[i] != 0;) {
    size_t n = wire[i];
    if (i + 1 + n > wire.size()) break;
    if (!out.empty()) out += '.';
    out.append(reinterpret_cast<const char*>(wire.data() + i + 1), n);
    i += 1 + n;
  }
  return out;
}

struct FlowKey {
  uint8_t proto = 0;
  std::string dst;  // "ip:port"
  uint16_t sport = 0;
  auto operator<=>(const FlowKey&) const = default;
};

struct Flow {
  bool have_base = false;
  uint32_t base = 0;                                  // sequence number of the first payload byte
  std::map<uint32_t, std::vector<uint8_t>> segments;  // relative seq -> payload (TCP)
  std::vector<uint8_t> datagrams;                     // UDP payloads in arrival order
  size_t bytes = 0;
};

std::vector<uint8_t> assemble(const Flow& f) {
  std::vector<uint8_t> out;
  uint64_t cursor = 0;
  for (const auto& [rel, data] : f.segments) {
    uint64_t start = rel, end = rel + data.size();
    if (end <= cursor) continue;  // retransmission of bytes already placed
    size_t skip = start < cursor ? size_t(cursor - start) : 0;
    out.insert(out.end(), data.begin() + static_cast<long>(skip), data.end());
    cursor = end;
  }
  return out;
}

}  // namespace

Status ExfilScan::scan_pcap(const std::string& path, size_t max_bytes_per_flow) {
  GS_ASSIGN_OR_RETURN(auto reader, netmon::pcap::Reader::open(path));
  auto jail = netmon::IpAddr::parse(kJailAddress);
  std::map<FlowKey, Flow> flows;
  std::vector<std::string> dns_names;
  for (;;) {
    auto next = reader.next();
    if (!next) return Error{0, "read capture '" + path + "': " + next.error().message()};
    if (!*next) break;
    const netmon::pcap::Packet& pkt = **next;
    auto d = netmon::decode_packet(reader.link_type(), pkt.data);
    if (!d || !jail || d->src != *jail) continue;
    if (d->proto != netmon::kTcp && d->proto != netmon::kUdp) continue;
    if (d->proto == netmon::kUdp && d->dport == 53) {
      if (auto m = netmon::dns::parse(d->payload))
        for (const auto& q : m->questions)
          dns_names.push_back(q.wire_name.empty() ? q.name : wire_to_dotted(q.wire_name));
      continue;
    }
    FlowKey key{d->proto, d->dst.to_string() + ":" + std::to_string(d->dport), d->sport};
    Flow& f = flows[key];
    if (d->proto == netmon::kTcp) {
      if (!f.have_base && (d->tcp_flags & netmon::tcp_flag::kSyn)) {
        f.base = d->tcp_seq + 1;
        f.have_base = true;
      }
      if (d->payload.empty()) continue;
      if (!f.have_base) {  // capture started mid-flow
        f.base = d->tcp_seq;
        f.have_base = true;
      }
      if (f.bytes >= max_bytes_per_flow) continue;
      uint32_t rel = d->tcp_seq - f.base;
      auto& slot = f.segments[rel];
      if (slot.size() < d->payload.size()) {
        f.bytes += d->payload.size() - slot.size();
        slot.assign(d->payload.begin(), d->payload.end());
      }
    } else {
      if (f.bytes >= max_bytes_per_flow) continue;
      f.datagrams.insert(f.datagrams.end(), d->payload.begin(), d->payload.end());
      f.bytes += d->payload.size();
    }
  }
  for (const auto& [key, f] : flows) {
    std::vector<uint8_t> stream = key.proto == netmon::kTcp ? assemble(f) : f.datagrams;
    add(scan_bytes(stream, key.dst, key.proto == netmon::kTcp ? "tcp" : "udp"));
  }
  add(scan_dns_names(dns_names));
  return {};
}

}  // namespace gs::detect
