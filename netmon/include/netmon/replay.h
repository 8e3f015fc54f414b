// Offline analysis of a capture: the same flows, DNS and application sniffing the live
// fake internet does, computed from a pcap alone (Zeek style). The harness can analyse a
// capture.pcap after the run, and tests replay generated captures with no root.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "netmon/flow.h"
#include "netmon/pcap_file.h"

namespace gs::netmon {

struct ReplayedDns {
  int64_t ts_us = 0;
  bool response = false;
  std::string name;
  std::string type;                  // "A", "TXT", ...
  std::vector<std::string> answers;  // decoded answers of a response
  IpAddr client, server;
};

// The first bytes the initiator of a TCP flow sent, classified.
struct ReplayedSession {
  FlowKey key;
  std::string app;  // "http" | "tls" | "raw" | "" (no payload)
  std::string first_bytes_hex;
  std::string tls_sni, tls_version;
  std::vector<std::string> tls_alpn;
  struct Http {
    std::string method, host, path, user_agent;
  };
  std::vector<Http> http;
  bool gap = false;  // a sequence gap stopped the sniffing (lost packets, snap length)
};

struct ReplaySummary {
  uint64_t packets = 0;
  uint64_t undecodable = 0;  // not IP, or damaged
  uint64_t flows_dropped = 0;
  std::vector<Flow> flows;
  std::vector<ReplayedDns> dns;
  std::vector<ReplayedSession> sessions;
};

struct ReplayOptions {
  size_t max_flows = 100000;
  size_t max_sessions = 10000;  // TCP flows whose payload is sniffed
  size_t max_dns = 100000;
  size_t raw_bytes = 64;
};

Result<ReplaySummary> replay(pcap::Reader& reader, const ReplayOptions& opts = {});

}  // namespace gs::netmon
