// An IPv4 or IPv6 address as plain comparable data, shared by the packet decoder, the
// flow table and the fake internet, so that every part keys flows the same way.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gs::netmon {

struct IpAddr {
  uint8_t family = 0;               // 4 or 6; 0 means unset
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes, the rest stay zero

  static IpAddr v4(uint32_t host_order);
  static IpAddr from_v4_bytes(std::span<const uint8_t, 4> b);
  static IpAddr from_v6_bytes(std::span<const uint8_t, 16> b);
  static std::optional<IpAddr> parse(std::string_view text);
  uint32_t v4_host_order() const;
  std::string to_string() const;
  auto operator<=>(const IpAddr&) const = default;
};

}  // namespace gs::netmon
