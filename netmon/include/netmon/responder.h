// The decisions of the fake internet's servers, kept free of sockets so they are unit
// tested and fuzzed like the parsers: which address a DNS name gets (one per name, stable
// and reversible), what a DNS query is answered, and how a TCP byte stream is sniffed
// (TLS ClientHello, HTTP requests, anything else) and answered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "netmon/dns.h"
#include "netmon/ip.h"
#include "netmon/sha256.h"

namespace gs::netmon {

// Name -> address in 198.19.0.0/16. The address comes from a hash of the name (linear
// probing on collision), so the same name usually gets the same address in every run,
// and each address maps back to exactly one name.
class NamePool {
 public:
  explicit NamePool(size_t max_names = 60000) : max_names_(max_names) {}
  std::optional<IpAddr> address_for(const std::string& name);  // allocates on first use
  std::optional<std::string> name_for(const IpAddr& addr) const;
  size_t size() const { return by_name_.size(); }

 private:
  size_t max_names_;
  std::unordered_map<std::string, uint32_t> by_name_;
  std::unordered_map<uint32_t, std::string> by_addr_;
};

struct DnsAnswered {
  std::vector<uint8_t> response;
  std::string name;
  uint16_t type = 0;
  std::string answer;  // text of the answer given, empty for NODATA
};

// Answers one DNS query message: A with the pool address, AAAA with NODATA (the jail has
// no IPv6 route, and NODATA makes Go fall back to IPv4 at once), PTR for pool addresses,
// TXT/MX/NS/CNAME with plausible records.
Result<DnsAnswered> answer_dns(std::span<const uint8_t> query, NamePool& pool);

// One TCP connection's client byte stream, sniffed. feed() returns the bytes to send back.
class StreamSniffer {
 public:
  struct Http {
    int64_t time_ms = 0;
    std::string method, host, path, user_agent;
    uint64_t body_bytes = 0;
    std::string body_sha256;
  };

  StreamSniffer(size_t raw_bytes, bool tls_hold) : raw_bytes_(raw_bytes), tls_hold_(tls_hold) {}
  std::vector<uint8_t> feed(std::span<const uint8_t> data, int64_t now_ms);
  // The client closed: a body read until close is complete, undecided bytes are "raw".
  void finish();

  const std::string& app() const { return app_; }  // "", "http", "tls", "raw"
  const std::string& first_bytes_hex() const { return first_hex_; }
  const std::string& tls_sni() const { return sni_; }
  const std::vector<std::string>& tls_alpn() const { return alpn_; }
  const std::string& tls_version() const { return tls_version_; }
  const std::vector<Http>& http() const { return http_; }
  bool should_close() const { return close_; }

  static constexpr size_t kMaxBuffered = 64 * 1024;
  static constexpr size_t kMaxHttpRecords = 1000;

 private:
  enum class State { kDetect, kBody, kBodyUntilClose, kDrain };
  void detect(std::vector<uint8_t>& out, int64_t now_ms);
  bool on_tls(std::vector<uint8_t>& out);
  bool on_http(std::vector<uint8_t>& out, int64_t now_ms);
  void on_raw();
  void consume_body(std::vector<uint8_t>& out);
  void finish_body(std::vector<uint8_t>& out);

  size_t raw_bytes_;
  bool tls_hold_;
  State state_ = State::kDetect;
  std::vector<uint8_t> buf_;
  std::string app_, first_hex_, sni_, tls_version_;
  std::vector<std::string> alpn_;
  std::vector<Http> http_;
  uint64_t body_left_ = 0;
  bool head_request_ = false;
  bool recording_ = false;  // the current request has a slot in http_
  Sha256 body_hash_;
  bool close_ = false;
};

std::vector<uint8_t> http_ok_response(bool head_request);
std::vector<uint8_t> tls_handshake_failure_alert();

}  // namespace gs::netmon
