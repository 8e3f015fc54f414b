// Link, network and transport header decoding for captured frames (Ethernet with VLAN
// tags, Linux cooked capture, raw IP; IPv4, IPv6 with extension headers; TCP, UDP, ICMP).
// It yields the 5-tuple and payload the flow table and the sniffers need.
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "netmon/ip.h"

namespace gs::netmon {

enum IpProto : uint8_t { kIcmp = 1, kTcp = 6, kUdp = 17, kIcmp6 = 58 };

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
}

struct DecodedPacket {
  IpAddr src, dst;
  uint8_t proto = 0;
  uint16_t sport = 0, dport = 0;  // zero for non-TCP/UDP and for later IPv4 fragments
  uint8_t tcp_flags = 0;
  uint32_t tcp_seq = 0;
  uint32_t ip_length = 0;            // IP header + payload, as the header says
  std::span<const uint8_t> payload;  // transport payload present in the capture
};

// Decodes one captured frame. Frames that are not IP (ARP, ...) give an error.
Result<DecodedPacket> decode_packet(uint32_t link_type, std::span<const uint8_t> frame);

}  // namespace gs::netmon
