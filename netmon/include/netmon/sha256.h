// Streaming SHA-256 for logging the digest of HTTP bodies the code under analysis sends
// (exfiltrated data, uploaded files) without keeping them, and without an OpenSSL
// dependency the analysis hosts may not have.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace gs::netmon {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> data);
  std::array<uint8_t, 32> finish();
  std::string finish_hex();

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace gs::netmon
