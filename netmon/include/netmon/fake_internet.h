// The fake internet a jail talks to: a network namespace of its own, linked to the jail's
// namespace by one veth pair and to nothing else (no veth to the host, no route out).
// In it: a DNS server that answers every name with its own address from 198.19.0.0/16,
// a TCP sink that accepts every address and port (TPROXY keeps the original
// destination), a UDP sink, HTTP and TLS ClientHello logging, and a libpcap capture of
// the link. Everything runs in two threads of the calling process; destruction stops
// them and frees the namespace, which takes the veth pair with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "netmon/flow.h"
#include "netmon/ip.h"

namespace gs::netmon {

struct FakeInternetOptions {
  std::string pcap_path;                 // empty: no capture file (flows still counted)
  uint32_t snap_len = 65535;             // bytes kept per packet in the pcap
  uint64_t pcap_max_bytes = 256u << 20;  // the file stops growing here (see stats)
  std::string jail_ifname = "eth0";      // name of the jail's end of the veth
  bool tls_hold = false;                 // keep TLS connections open instead of alerting
  size_t max_connections = 512;          // concurrent TCP connections held open
  size_t max_records = 100000;           // DNS queries + connections + HTTP requests kept
  size_t max_names = 60000;              // distinct DNS names given an address
  size_t raw_bytes = 64;                 // first bytes logged for unknown protocols
  // Zero point of every *_ms time in the records; defaults to the call to make().
  std::optional<std::chrono::steady_clock::time_point> epoch;
};

struct DnsQueryRecord {
  int64_t time_ms = 0;
  std::string name;
  uint16_t type = 0;
  std::string type_name;  // "A", "TXT", ...
  std::string answer;     // the address or text given, empty for NODATA
  std::string transport;  // "udp" | "tcp"
  IpAddr server;          // the address the query was sent to
  uint16_t client_port = 0;
};

struct HttpRecord {
  int64_t time_ms = 0;
  std::string method, host, path, user_agent;
  uint64_t body_bytes = 0;
  std::string body_sha256;  // of the body bytes received (Content-Length or until close)
};

struct ConnectionRecord {
  uint64_t id = 0;
  std::string proto;  // "tcp" | "udp"
  IpAddr dst;         // the original destination the code asked for
  uint16_t dst_port = 0;
  uint16_t src_port = 0;
  std::string hostname;  // the DNS name that resolved to dst, if any
  int64_t first_ms = 0, last_ms = 0;
  uint64_t bytes_out = 0;  // sent by the code under analysis
  uint64_t bytes_in = 0;   // sent back by the fake internet
  uint64_t datagrams = 0;  // UDP only
  // UDP only: each datagram's arrival and size, the first kMaxDatagramTimes of them (one
  // datagram is one check-in: a beacon over a connected UDP socket is one record)
  static constexpr size_t kMaxDatagramTimes = 1024;
  std::vector<int64_t> datagram_ms;
  std::vector<uint64_t> datagram_bytes;
  std::string app;         // "http" | "tls" | "dns" | "raw" | "" (nothing sent yet)
  std::string first_bytes_hex;
  std::string tls_sni;
  std::vector<std::string> tls_alpn;
  std::string tls_version;
  std::vector<HttpRecord> http;
  bool closed = false;  // the client closed it (or it was closed at stop)
};

struct FakeInternetRecords {
  std::vector<DnsQueryRecord> dns;
  std::vector<ConnectionRecord> connections;
};

struct FakeInternetStats {
  uint64_t dns_queries = 0;
  uint64_t tcp_connections = 0;
  uint64_t tcp_rejected = 0;  // over max_connections: accepted and closed at once
  uint64_t udp_datagrams = 0;
  uint64_t records_dropped = 0;  // over max_records
  // Capture.
  std::string pcap_path;
  uint32_t snap_len = 0;
  uint64_t pcap_max_bytes = 0;
  uint64_t packets_captured = 0;  // seen by libpcap
  uint64_t packets_written = 0;
  uint64_t packets_over_cap = 0;  // seen but not written: the size cap was reached
  uint64_t pcap_bytes = 0;        // file size
  uint64_t kernel_drops = 0;      // pcap_stats ps_drop + ps_ifdrop
  uint64_t pcap_ps_recv = 0;      // pcap_stats at stop(): passed the filter (drops included)
  uint64_t pcap_ps_drop = 0;      // ... dropped, the ring was full
  uint64_t pcap_ps_ifdrop = 0;    // ... dropped by the interface
  bool link_gone = false;         // the jail's namespace ended first (normal when
                                  // stop() runs after the jail was reaped)
  std::string capture_error;      // why the capture failed, empty if it did not
  std::vector<Flow> flows;        // from the captured packets
};

class FakeInternet {
 public:
  // Addresses: the link is 198.18.0.0/30, the jail gets kJailAddress with a default route
  // via kServicesAddress, which is also the resolver for the jail's resolv.conf (any
  // other resolver address works too: every UDP/TCP port 53 reaches the DNS server).
  static constexpr const char* kServicesAddress = "198.18.0.1";
  static constexpr const char* kJailAddress = "198.18.0.2";
  static constexpr const char* kResolverAddress = kServicesAddress;
  static constexpr const char* kNamePool = "198.19.0.0/16";

  // Contents for the jail's /etc/resolv.conf.
  static std::string resolv_conf() {
    return std::string("nameserver ") + kResolverAddress + "\noptions timeout:2 attempts:2\n";
  }

  // Builds the services namespace, links it to the jail's namespace (which must exist,
  // e.g. /proc/<pid>/ns/net of the jail's first process, opened by the caller), starts
  // capture and services. Call before the jail runs any module code.
  static Result<std::unique_ptr<FakeInternet>> make(int jail_netns_fd,
                                                    const FakeInternetOptions& opts);
  ~FakeInternet();
  FakeInternet(const FakeInternet&) = delete;
  FakeInternet& operator=(const FakeInternet&) = delete;

  FakeInternetRecords records() const;
  FakeInternetStats stats() const;
  // The name a DNS answer gave for this address (exact: one name per address).
  std::optional<std::string> name_for(const IpAddr& addr) const;
  // Stops services and capture, flushes the pcap; records stay readable. Idempotent.
  Status stop();

  struct Impl;

 private:
  explicit FakeInternet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gs::netmon
