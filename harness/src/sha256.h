// SHA-256, for the zip digest and the Go module `h1:` hash. Self-contained so that the
// hashes in a report do not depend on which crypto library a host happens to have.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gs::harness {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<uint8_t, 32> finish();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string to_hex(const uint8_t* data, size_t len);
std::string base64(const uint8_t* data, size_t len);
std::string sha256_hex(std::string_view data);

}  // namespace gs::harness
