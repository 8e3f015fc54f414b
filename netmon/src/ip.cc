// IpAddr conversions. Text forms use inet_ntop/inet_pton so that logs, reports and
// tshark agree on spelling (RFC 5952 for IPv6).
#include "netmon/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "netmon/bytes.h"

namespace gs::netmon {

IpAddr IpAddr::v4(uint32_t host_order) {
  IpAddr a;
  a.family = 4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddr IpAddr::from_v4_bytes(std::span<const uint8_t, 4> b) {
  IpAddr a;
  a.family = 4;
  std::copy(b.begin(), b.end(), a.bytes.begin());
  return a;
}

IpAddr IpAddr::from_v6_bytes(std::span<const uint8_t, 16> b) {
  IpAddr a;
  a.family = 6;
  std::copy(b.begin(), b.end(), a.bytes.begin());
  return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
    return a;
  }
  return std::nullopt;
}

uint32_t IpAddr::v4_host_order() const {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

std::string IpAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4)
    inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (family == 6)
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  else
    return "?";
  return buf;
}

std::string to_hex(std::span<const uint8_t> data, size_t max_bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  size_t n = std::min(data.size(), max_bytes);
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

}  // namespace gs::netmon
