// Digests and encodings as the report states them: the zip's sha256 in hex and the Go
// module `h1:` hash in base64. The SHA-256 itself is netmon's (one implementation in the
// tree), so the hashes never depend on which crypto library a host happens to have.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gs::harness {

std::array<uint8_t, 32> sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string to_hex(const uint8_t* data, size_t len);
std::string base64(const uint8_t* data, size_t len);

}  // namespace gs::harness
