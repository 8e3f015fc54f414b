// Honeytokens and exfiltration scanning. Each run plants unique canary secrets where a
// credential stealer looks (~/.ssh/id_rsa, ~/.aws/credentials, ~/.git-credentials,
// ~/.netrc, ~/.docker/config.json, GITHUB_TOKEN and AWS keys in the environment).
// Reading one is a finding; finding one in any byte the jail sent out, raw or encoded
// (base64 in all three alignments, base64url, base32 in all five, hex in either case), is
// proof of exfiltration, because the values exist nowhere else.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"

namespace gs::detect {

struct Canary {
  std::string source;  // where it was planted: "~/.aws/credentials", "env:GITHUB_TOKEN", ...
  std::string value;   // the unique secret to look for
};

struct Honeytokens {
  // Relative to $HOME in the jail -> file content. Plant with mode 0600 (0700 dirs).
  std::map<std::string, std::string> files;
  // Added to the environment of every init/test/run jail.
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<Canary> canaries;

  // Deterministic for a seed, so a run can be replayed; pass a fresh random seed per run.
  static Honeytokens generate(uint64_t seed) { return generate(seed, "dev", "dev-laptop"); }
  // With the jail persona's user and host names, so the files match the home they sit in.
  static Honeytokens generate(uint64_t seed, std::string_view user, std::string_view hostname);
  // Is `path` (absolute, in the jail) one of the planted files?
  bool is_planted(std::string_view path, std::string_view home) const;
};

struct ExfilHit {
  std::string source;       // the canary's source
  std::string encoding;     // raw, base64, base64url, base32, hex
  std::string destination;  // "ip:port", "dns:<name>" or what the caller named
  std::string channel;      // tcp, udp, dns, http
  int64_t ms = -1;          // when, when known (ms since the analysis started)
};

class ExfilScan {
 public:
  ExfilScan() = default;  // no canaries: never hits
  explicit ExfilScan(const std::vector<Canary>& canaries);
  explicit ExfilScan(const Honeytokens& h) : ExfilScan(h.canaries) {}

  // Pure scans; `destination` and `channel` are copied into the hits.
  std::vector<ExfilHit> scan_bytes(std::span<const uint8_t> bytes,
                                   std::string_view destination = "",
                                   std::string_view channel = "tcp") const;
  // A DNS name with its labels joined (dots removed), matched case-insensitively
  // except for base64, which is case-sensitive by nature.
  std::vector<ExfilHit> scan_dns_name(std::string_view name) const;
  // Names in query order: the labels left of each name's registered domain are joined
  // per domain, so a secret split over many queries is still found.
  std::vector<ExfilHit> scan_dns_names(std::span<const std::string> names) const;

  // Reads a capture (classic pcap), keeps what the jail (198.18.0.2) sent, reassembles
  // TCP payload per flow in sequence order (bounded per flow), scans it, scans UDP
  // datagrams and DNS query names, and records the hits in hits().
  Status scan_pcap(const std::string& path, size_t max_bytes_per_flow = size_t{4} << 20);

  void add(std::vector<ExfilHit> hits);
  const std::vector<ExfilHit>& hits() const { return hits_; }
  bool empty() const { return exact_.patterns.empty(); }

 private:
  struct Pattern {
    std::string text;
    size_t canary;
    const char* encoding;
  };
  struct Index {
    std::vector<Pattern> patterns;
    // First four bytes of a pattern -> patterns, so a scan is one hash probe per byte.
    std::unordered_map<uint32_t, std::vector<size_t>> by_prefix;
    void add(std::string text, size_t canary, const char* encoding);
  };
  std::vector<ExfilHit> find(const Index& index, std::string_view hay, std::string_view dest,
                             std::string_view channel) const;

  std::vector<Canary> canaries_;
  Index exact_;   // every form, case as encoded
  Index folded_;  // lowercase forms whose case carries no information (raw, base32, hex)
  std::vector<ExfilHit> hits_;
};

// Encodings of `secret` as they appear inside a longer encoded stream: the characters
// that depend only on the secret's bytes, for each alignment. Exposed for tests.
std::vector<std::string> base64_forms(std::string_view secret, bool url);
std::vector<std::string> base32_forms(std::string_view secret);
std::string hex_form(std::string_view secret, bool upper);
std::string base64_encode(std::string_view bytes);

}  // namespace gs::detect
