// DNS wire format: a parser for untrusted messages (UDP payloads or TCP frames) and the
// response builder the fake DNS server uses. Names are decoded with a bounded number of
// compression jumps and the RFC 1035 length limits, so a hostile packet cannot loop the
// parser or make it allocate without bound.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "netmon/ip.h"

namespace gs::netmon::dns {

enum Type : uint16_t {
  kA = 1,
  kNS = 2,
  kCNAME = 5,
  kSOA = 6,
  kPTR = 12,
  kMX = 15,
  kTXT = 16,
  kAAAA = 28,
  kSRV = 33,
  kHTTPS = 65,
  kANY = 255,
};
enum Rcode : uint8_t { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4 };

struct Question {
  std::string name;                // dotted, lower case; non-printable bytes as \DDD
  std::vector<uint8_t> wire_name;  // uncompressed wire form, as the client spelled it
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct Record {
  std::string name;
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  std::vector<uint8_t> rdata;
  std::string text;  // decoded rdata: address, target name, TXT strings; empty if unknown
};

struct Message {
  uint16_t id = 0;
  uint16_t flags = 0;
  bool is_response = false;
  uint8_t opcode = 0;
  uint8_t rcode = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  uint16_t authority_count = 0;
  uint16_t additional_count = 0;
};

// Parses one DNS message. Authority and additional records are counted, not decoded.
Result<Message> parse(std::span<const uint8_t> data);

// What the server answers for the first question of a query. Missing fields mean "no
// record of that type" (NOERROR with an empty answer), never NXDOMAIN: the point is to
// let the code under analysis go on and show its next step.
struct Answer {
  std::optional<IpAddr> v4;
  std::optional<IpAddr> v6;
  std::optional<std::string> ptr_target;  // for in-addr.arpa questions
  std::string txt = "v=spf1 -all";
  uint32_t ttl = 60;
  uint8_t rcode = kNoError;
};

// Builds the response to `query` (which must have at least one question).
Result<std::vector<uint8_t>> build_response(const Message& query, const Answer& answer);

// Builds a standard recursive query, for tests and for probes.
Result<std::vector<uint8_t>> build_query(std::string_view name, uint16_t type, uint16_t id);

// Encodes a dotted name in wire form (no compression). Fails on empty or long labels.
Result<std::vector<uint8_t>> encode_name(std::string_view dotted);

// For "4.3.2.1.in-addr.arpa" returns 1.2.3.4.
std::optional<IpAddr> parse_reverse_v4(std::string_view name);

// DNS over TCP: each message is preceded by a 2-byte big-endian length.
std::vector<uint8_t> tcp_frame(std::span<const uint8_t> message);
// Returns the first whole message of a TCP stream and the bytes it used (length included);
// an ENODATA error (is_truncated) means more bytes are needed.
struct TcpFrame {
  std::span<const uint8_t> message;
  size_t consumed = 0;
};
Result<TcpFrame> tcp_unframe(std::span<const uint8_t> stream);

std::string type_name(uint16_t type);

}  // namespace gs::netmon::dns
