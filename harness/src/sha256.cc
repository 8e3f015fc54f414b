// Digest helpers over netmon's SHA-256; see sha256.h.
#include "sha256.h"

#include <span>

#include "netmon/sha256.h"

namespace gs::harness {

std::array<uint8_t, 32> sha256(std::string_view data) {
  netmon::Sha256 h;
  h.update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  return h.finish();
}

std::string sha256_hex(std::string_view data) {
  auto d = sha256(data);
  return to_hex(d.data(), d.size());
}

std::string to_hex(const uint8_t* data, size_t len) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  s.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    s.push_back(kDigits[data[i] >> 4]);
    s.push_back(kDigits[data[i] & 15]);
  }
  return s;
}

std::string base64(const uint8_t* data, size_t len) {
  static const char* kAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v = uint32_t(data[i]) << 16;
    if (i + 1 < len) v |= uint32_t(data[i + 1]) << 8;
    if (i + 2 < len) v |= data[i + 2];
    s.push_back(kAlpha[(v >> 18) & 63]);
    s.push_back(kAlpha[(v >> 12) & 63]);
    s.push_back(i + 1 < len ? kAlpha[(v >> 6) & 63] : '=');
    s.push_back(i + 2 < len ? kAlpha[v & 63] : '=');
  }
  return s;
}

}  // namespace gs::harness
