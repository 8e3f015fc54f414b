// Test helpers that craft wire bytes: TLS ClientHellos and Ethernet/IPv4/IPv6 frames with
// TCP or UDP, so parser and pcap-replay tests run on known input without root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netmon/ip.h"

namespace gs::netmon::testing {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put24(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline void append(Bytes& b, const Bytes& x) { b.insert(b.end(), x.begin(), x.end()); }
inline Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A ClientHello as a Go 1.19 client sends it: TLS 1.0 record, legacy 1.2, GREASE-free.
inline Bytes client_hello(const std::string& sni, const std::vector<std::string>& alpn,
                          bool tls13 = true, size_t record_split = 0) {
  Bytes ext;
  if (!sni.empty()) {
    Bytes e;
    put16(e, static_cast<uint16_t>(sni.size() + 3));
    e.push_back(0);
    put16(e, static_cast<uint16_t>(sni.size()));
    append(e, str(sni));
    put16(ext, 0);
    put16(ext, static_cast<uint16_t>(e.size()));
    append(ext, e);
  }
  if (!alpn.empty()) {
    Bytes list;
    for (auto& p : alpn) {
      list.push_back(static_cast<uint8_t>(p.size()));
      append(list, str(p));
    }
    put16(ext, 16);
    put16(ext, static_cast<uint16_t>(list.size() + 2));
    put16(ext, static_cast<uint16_t>(list.size()));
    append(ext, list);
  }
  if (tls13) {
    put16(ext, 43);
    put16(ext, 7);
    ext.push_back(6);
    put16(ext, 0x1a1a);  // GREASE, must be ignored
    put16(ext, 0x0304);
    put16(ext, 0x0303);
  }
  Bytes body;
  put16(body, 0x0303);
  body.insert(body.end(), 32, 0x42);
  body.push_back(0);  // session id
  put16(body, 4);
  put16(body, 0x1301);
  put16(body, 0xc02f);
  body.push_back(1);
  body.push_back(0);
  put16(body, static_cast<uint16_t>(ext.size()));
  append(body, ext);
  Bytes hs{1};
  put24(hs, static_cast<uint32_t>(body.size()));
  append(hs, body);
  Bytes out;
  size_t split = record_split ? record_split : hs.size();
  for (size_t off = 0; off < hs.size(); off += split) {
    size_t n = std::min(split, hs.size() - off);
    out.push_back(22);
    put16(out, 0x0301);
    put16(out, static_cast<uint16_t>(n));
    out.insert(out.end(), hs.begin() + static_cast<long>(off),
               hs.begin() + static_cast<long>(off + n));
  }
  return out;
}

inline uint16_t checksum(const Bytes& b, size_t off, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t(b[off + i] << 8 | b[off + i + 1]);
  if (len % 2) sum += uint32_t(b[off + len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Ethernet + IPv4 (or IPv6) + TCP/UDP frame. Checksums of the IPv4 header are correct;
// transport checksums are left zero (tshark does not validate them by default).
inline Bytes frame(const IpAddr& src, uint16_t sport, const IpAddr& dst, uint16_t dport,
                   uint8_t proto, const Bytes& payload, uint8_t tcp_flags = 0x18,
                   uint32_t seq = 1) {
  Bytes l4;
  if (proto == 6) {
    put16(l4, sport);
    put16(l4, dport);
    put16(l4, static_cast<uint16_t>(seq >> 16)), put16(l4, static_cast<uint16_t>(seq));
    put16(l4, 0), put16(l4, 0);  // ack
    l4.push_back(5 << 4);
    l4.push_back(tcp_flags);
    put16(l4, 65535);
    put16(l4, 0);
    put16(l4, 0);
  } else {
    put16(l4, sport);
    put16(l4, dport);
    put16(l4, static_cast<uint16_t>(8 + payload.size()));
    put16(l4, 0);
  }
  append(l4, payload);
  Bytes f{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  if (src.family == 4) {
    put16(f, 0x0800);
    size_t ip = f.size();
    f.push_back(0x45);
    f.push_back(0);
    put16(f, static_cast<uint16_t>(20 + l4.size()));
    put16(f, 1);
    put16(f, 0x4000);
    f.push_back(64);
    f.push_back(proto);
    put16(f, 0);
    f.insert(f.end(), src.bytes.begin(), src.bytes.begin() + 4);
    f.insert(f.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
    uint16_t c = checksum(f, ip, 20);
    f[ip + 10] = static_cast<uint8_t>(c >> 8);
    f[ip + 11] = static_cast<uint8_t>(c);
  } else {
    put16(f, 0x86DD);
    put16(f, 0x6000), put16(f, 0);
    put16(f, static_cast<uint16_t>(l4.size()));
    f.push_back(proto);
    f.push_back(64);
    f.insert(f.end(), src.bytes.begin(), src.bytes.end());
    f.insert(f.end(), dst.bytes.begin(), dst.bytes.end());
  }
  append(f, l4);
  return f;
}

}  // namespace gs::netmon::testing
