// Frame decoder (see packet.h). Header lengths come from the packet and are checked
// against both the bytes captured and the enclosing header's length before use.
#include "netmon/packet.h"

#include "netmon/bytes.h"
#include "netmon/pcap_file.h"

namespace gs::netmon {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinQ = 0x88A8;
constexpr int kMaxVlanTags = 2;
constexpr int kMaxV6ExtHeaders = 8;

Result<uint16_t> skip_link(uint32_t link_type, ByteReader& r) {
  uint16_t ethertype = 0;
  switch (link_type) {
    case pcap::kEthernet: {
      if (!r.skip(12) || !r.u16(ethertype)) return truncated("ethernet header");
      for (int i = 0; i < kMaxVlanTags && (ethertype == kEtherVlan || ethertype == kEtherQinQ); ++i)
        if (!r.skip(2) || !r.u16(ethertype)) return truncated("vlan tag");
      return ethertype;
    }
    case pcap::kLinuxSll:
      if (!r.skip(14) || !r.u16(ethertype)) return truncated("sll header");
      return ethertype;
    case pcap::kLinuxSll2:
      if (!r.u16(ethertype) || !r.skip(18)) return truncated("sll2 header");
      return ethertype;
    case pcap::kRaw: {
      if (r.empty()) return truncated("raw ip");
      uint8_t v = r.rest()[0] >> 4;
      return v == 4 ? kEtherIpv4 : v == 6 ? kEtherIpv6 : uint16_t{0};
    }
    default:
      return error("packet: unsupported link type " + std::to_string(link_type));
  }
}

Status decode_transport(std::span<const uint8_t> l4, bool first_fragment, DecodedPacket& p) {
  ByteReader r(l4);
  if (!first_fragment) {
    p.payload = l4;
    return {};
  }
  if (p.proto == kTcp) {
    uint32_t seq, ack;
    uint8_t off, flags;
    if (!r.u16(p.sport) || !r.u16(p.dport) || !r.u32(seq) || !r.u32(ack) || !r.u8(off) ||
        !r.u8(flags))
      return truncated("tcp header");
    p.tcp_flags = flags;
    p.tcp_seq = seq;
    size_t hlen = size_t{static_cast<uint8_t>(off >> 4)} * 4;
    if (hlen < 20) return error("tcp: header length below 20");
    if (hlen > l4.size()) return truncated("tcp options");
    p.payload = l4.subspan(hlen);
  } else if (p.proto == kUdp) {
    uint16_t len;
    if (!r.u16(p.sport) || !r.u16(p.dport) || !r.u16(len) || !r.skip(2))
      return truncated("udp header");
    p.payload = r.rest().first(std::min(r.remaining(), len >= 8 ? size_t{len} - 8 : size_t{0}));
  } else {
    p.payload = l4;
  }
  return {};
}

Status decode_ipv4(ByteReader& r, DecodedPacket& p) {
  std::span<const uint8_t> ip = r.rest();
  uint8_t vihl, tos, ttl;
  uint16_t total, id, frag, csum;
  std::span<const uint8_t> src, dst;
  if (!r.u8(vihl) || !r.u8(tos) || !r.u16(total) || !r.u16(id) || !r.u16(frag) || !r.u8(ttl) ||
      !r.u8(p.proto) || !r.u16(csum) || !r.bytes(4, src) || !r.bytes(4, dst))
    return truncated("ipv4 header");
  size_t ihl = size_t{static_cast<uint8_t>(vihl & 0xF)} * 4;
  if ((vihl >> 4) != 4 || ihl < 20 || total < ihl) return error("ipv4: bad header");
  p.src = IpAddr::from_v4_bytes(src.first<4>());
  p.dst = IpAddr::from_v4_bytes(dst.first<4>());
  p.ip_length = total;
  if (ip.size() < ihl) return truncated("ipv4 options");
  size_t end = std::min<size_t>(ip.size(), total);
  bool first_fragment = (frag & 0x1FFF) == 0;
  return decode_transport(ip.subspan(ihl, end - ihl), first_fragment, p);
}

Status decode_ipv6(ByteReader& r, DecodedPacket& p) {
  uint32_t vtf;
  uint16_t plen;
  uint8_t next, hops;
  std::span<const uint8_t> src, dst;
  if (!r.u32(vtf) || !r.u16(plen) || !r.u8(next) || !r.u8(hops) || !r.bytes(16, src) ||
      !r.bytes(16, dst))
    return truncated("ipv6 header");
  if ((vtf >> 28) != 6) return error("ipv6: bad version");
  p.src = IpAddr::from_v6_bytes(src.first<16>());
  p.dst = IpAddr::from_v6_bytes(dst.first<16>());
  p.ip_length = 40u + plen;
  std::span<const uint8_t> rest = r.rest().first(std::min<size_t>(r.remaining(), plen));
  bool first_fragment = true;
  for (int i = 0; i < kMaxV6ExtHeaders; ++i) {
    if (next != 0 && next != 43 && next != 44 && next != 60) break;
    ByteReader e(rest);
    uint8_t nh, len;
    if (!e.u8(nh) || !e.u8(len)) return truncated("ipv6 extension header");
    size_t hlen = next == 44 ? 8 : (size_t{len} + 1) * 8;
    if (next == 44 && rest.size() >= 4) first_fragment = ((rest[2] << 8 | rest[3]) & 0xFFF8) == 0;
    if (rest.size() < hlen) return truncated("ipv6 extension header");
    rest = rest.subspan(hlen);
    next = nh;
  }
  p.proto = next;
  return decode_transport(rest, first_fragment, p);
}

}  // namespace

Result<DecodedPacket> decode_packet(uint32_t link_type, std::span<const uint8_t> frame) {
  ByteReader r(frame);
  GS_ASSIGN_OR_RETURN(uint16_t ethertype, skip_link(link_type, r));
  DecodedPacket p;
  if (ethertype == kEtherIpv4)
    GS_TRY(decode_ipv4(r, p));
  else if (ethertype == kEtherIpv6)
    GS_TRY(decode_ipv6(r, p));
  else
    return error("packet: not IP (ethertype " + std::to_string(ethertype) + ")");
  return p;
}

}  // namespace gs::netmon
