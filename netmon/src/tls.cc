// TLS ClientHello parser (see tls.h). The handshake message is reassembled from at most
// kMaxHello bytes of record payload, then walked with ByteReader; every nested length
// (session id, suites, extensions, SNI list, ALPN list) is checked against its parent.
#include "netmon/tls.h"

#include <cstdio>

#include "netmon/bytes.h"

namespace gs::netmon::tls {
namespace {

constexpr uint8_t kHandshake = 22;
constexpr uint8_t kClientHelloType = 1;
constexpr size_t kMaxHello = 64 * 1024;
constexpr uint16_t kExtServerName = 0;
constexpr uint16_t kExtAlpn = 16;
constexpr uint16_t kExtSupportedVersions = 43;

bool is_grease(uint16_t v) { return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF); }

// Concatenates handshake-record payloads until the whole ClientHello is there.
Result<std::vector<uint8_t>> reassemble(std::span<const uint8_t> stream, uint16_t& record_version) {
  ByteReader r(stream);
  std::vector<uint8_t> hs;
  for (bool first = true;; first = false) {
    if (hs.size() >= 4) {
      if (hs[0] != kClientHelloType) return error("tls: first handshake is not a ClientHello");
      size_t need = 4 + (size_t{hs[1]} << 16 | size_t{hs[2]} << 8 | hs[3]);
      if (need > kMaxHello) return error("tls: ClientHello too long");
      if (hs.size() >= need) {
        hs.resize(need);
        return hs;
      }
    }
    uint8_t type;
    uint16_t version, len;
    if (!r.u8(type) || !r.u16(version) || !r.u16(len)) return truncated("tls record header");
    if (type != kHandshake) return error("tls: not a handshake record");
    if ((version >> 8) != 3) return error("tls: bad record version");
    if (len == 0 || len > 16384 + 2048) return error("tls: bad record length");
    if (first) record_version = version;
    std::span<const uint8_t> frag;
    if (!r.bytes(len, frag)) return truncated("tls record");
    hs.insert(hs.end(), frag.begin(), frag.end());
  }
}

Status parse_sni(std::span<const uint8_t> ext, ClientHello& ch) {
  ByteReader r(ext);
  uint16_t list_len;
  std::span<const uint8_t> list;
  if (!r.u16(list_len) || !r.bytes(list_len, list)) return error("tls: bad server_name list");
  ByteReader l(list);
  while (!l.empty()) {
    uint8_t type;
    uint16_t len;
    std::span<const uint8_t> name;
    if (!l.u8(type) || !l.u16(len) || !l.bytes(len, name)) return error("tls: bad server_name");
    if (type == 0 && ch.sni.empty()) {
      for (uint8_t c : name) ch.sni += (c > 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
  }
  return {};
}

Status parse_alpn(std::span<const uint8_t> ext, ClientHello& ch) {
  ByteReader r(ext);
  uint16_t list_len;
  std::span<const uint8_t> list;
  if (!r.u16(list_len) || !r.bytes(list_len, list)) return error("tls: bad ALPN list");
  ByteReader l(list);
  while (!l.empty()) {
    uint8_t len;
    std::span<const uint8_t> proto;
    if (!l.u8(len) || !l.bytes(len, proto)) return error("tls: bad ALPN entry");
    std::string p;
    for (uint8_t c : proto) p += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    ch.alpn.push_back(std::move(p));
  }
  return {};
}

Status parse_versions(std::span<const uint8_t> ext, ClientHello& ch) {
  ByteReader r(ext);
  uint8_t len;
  std::span<const uint8_t> list;
  if (!r.u8(len) || !r.bytes(len, list) || len % 2) return error("tls: bad supported_versions");
  ByteReader l(list);
  uint16_t v;
  while (l.u16(v))
    if (!is_grease(v)) ch.supported_versions.push_back(v);
  return {};
}

Status parse_extensions(ByteReader& r, ClientHello& ch) {
  if (r.empty()) return {};  // extensions are optional before TLS 1.3
  uint16_t total;
  std::span<const uint8_t> all;
  if (!r.u16(total) || !r.bytes(total, all)) return error("tls: bad extensions length");
  ByteReader e(all);
  while (!e.empty()) {
    uint16_t type, len;
    std::span<const uint8_t> body;
    if (!e.u16(type) || !e.u16(len) || !e.bytes(len, body)) return error("tls: bad extension");
    ++ch.extension_count;
    if (type == kExtServerName)
      GS_TRY(parse_sni(body, ch));
    else if (type == kExtAlpn)
      GS_TRY(parse_alpn(body, ch));
    else if (type == kExtSupportedVersions)
      GS_TRY(parse_versions(body, ch));
  }
  return {};
}

}  // namespace

bool looks_like_tls(std::span<const uint8_t> data) {
  return data.size() >= 3 && data[0] == kHandshake && data[1] == 3 && data[2] <= 4;
}

Result<ClientHello> parse_client_hello(std::span<const uint8_t> stream) {
  ClientHello ch;
  GS_ASSIGN_OR_RETURN(std::vector<uint8_t> hs, reassemble(stream, ch.record_version));
  ByteReader r(std::span<const uint8_t>(hs).subspan(4));
  uint8_t sid_len;
  uint16_t suites_len;
  uint8_t comp_len;
  if (!r.u16(ch.legacy_version) || !r.skip(32) || !r.u8(sid_len) || sid_len > 32 ||
      !r.skip(sid_len) || !r.u16(suites_len) || suites_len % 2 || !r.skip(suites_len) ||
      !r.u8(comp_len) || !r.skip(comp_len))
    return error("tls: malformed ClientHello body");
  ch.cipher_suite_count = suites_len / 2;
  GS_TRY(parse_extensions(r, ch));
  ch.max_version = ch.legacy_version;
  for (uint16_t v : ch.supported_versions)
    if (v > ch.max_version && (v >> 8) == 3) ch.max_version = v;
  return ch;
}

std::string version_name(uint16_t v) {
  switch (v) {
    case 0x0300:
      return "SSL3.0";
    case 0x0301:
      return "TLS1.0";
    case 0x0302:
      return "TLS1.1";
    case 0x0303:
      return "TLS1.2";
    case 0x0304:
      return "TLS1.3";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%04x", v);
      return buf;
    }
  }
}

}  // namespace gs::netmon::tls
