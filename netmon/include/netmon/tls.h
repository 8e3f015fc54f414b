// TLS ClientHello parsing from the first bytes of a TCP stream: what a client announces
// before any key exchange (SNI, ALPN, versions) is the part of a TLS connection the fake
// internet can see, and it names the server the code meant to reach.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::netmon::tls {

struct ClientHello {
  uint16_t record_version = 0;  // from the record header, e.g. 0x0301
  uint16_t legacy_version = 0;  // ClientHello.legacy_version, 0x0303 for TLS 1.2 and 1.3
  std::vector<uint16_t> supported_versions;  // extension 43, GREASE values removed
  uint16_t max_version = 0;                  // highest version offered (supported_versions wins)
  std::string sni;                           // first host_name of server_name, empty if absent
  std::vector<std::string> alpn;
  size_t cipher_suite_count = 0;
  size_t extension_count = 0;
};

// True when the bytes start like a TLS handshake record (content type 22, version 3.x),
// enough to decide after 3 bytes which sniffer to use.
bool looks_like_tls(std::span<const uint8_t> data);

// Parses the ClientHello, reassembling it from consecutive handshake records (a hello
// with many extensions may span records). ENODATA errors mean "need more bytes".
Result<ClientHello> parse_client_hello(std::span<const uint8_t> stream);

std::string version_name(uint16_t v);

}  // namespace gs::netmon::tls
