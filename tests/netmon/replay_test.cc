// Replay of generated captures: flows, DNS, and sniffed sessions, including the cases a
// live capture produces (handshake seen, capture started mid-connection, retransmitted
// segments, lost segments, payload cut by the snap length).
#include "netmon/replay.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "frames.h"
#include "netmon/dns.h"

namespace gs::netmon {
namespace {

using testing::Bytes;
using testing::str;

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

struct Capture {
  std::string path;
  Capture() {
    char tmpl[] = "/tmp/gs-netmon-replay-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path = tmpl;
  }
  ~Capture() { std::remove(path.c_str()); }
};

Bytes slice(const Bytes& b, size_t from, size_t n) {
  return Bytes(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + n));
}

Result<ReplaySummary> replay_frames(const std::vector<Bytes>& frames, uint32_t snap = 65535) {
  Capture c;
  {
    auto w = pcap::Writer::create(c.path, pcap::kEthernet, snap);
    if (!w.ok()) return w.take_error();
    int64_t ts = 1000;
    for (const auto& f : frames) GS_TRY(w->write(ts += 1000, f));
  }
  GS_ASSIGN_OR_RETURN(auto r, pcap::Reader::open(c.path));
  return replay(r);
}

TEST(Replay, DnsFlowsAndSessions) {
  auto jail = ip("198.18.0.2"), resolver = ip("198.18.0.1"), c2 = ip("198.19.1.2");
  auto q = *dns::build_query("c2.evil.test", dns::kA, 9);
  dns::Answer a;
  a.v4 = c2;
  auto resp = *dns::build_response(*dns::parse(q), a);
  auto hello = testing::client_hello("c2.evil.test", {"h2"});
  using namespace tcp_flag;
  std::vector<Bytes> frames = {
      testing::frame(jail, 5000, resolver, 53, kUdp, q),
      testing::frame(resolver, 53, jail, 5000, kUdp, resp),
      // TLS: handshake, hello in two segments with the first one retransmitted.
      testing::frame(jail, 40001, c2, 443, kTcp, {}, kSyn, 1000),
      testing::frame(c2, 443, jail, 40001, kTcp, {}, kSyn | kAck, 7000),
      testing::frame(jail, 40001, c2, 443, kTcp, slice(hello, 0, 30), kAck, 1001),
      testing::frame(jail, 40001, c2, 443, kTcp, slice(hello, 0, 30), kAck, 1001),
      testing::frame(jail, 40001, c2, 443, kTcp, slice(hello, 30, hello.size() - 30), kAck, 1031),
      // HTTP on a connection whose handshake the capture missed.
      testing::frame(jail, 40002, c2, 80, kTcp,
                     str("GET /a HTTP/1.1\r\nHost: c2.evil.test\r\n\r\n"), kAck, 50),
      testing::frame(c2, 80, jail, 40002, kTcp, str("HTTP/1.1 200 OK\r\n\r\n"), kAck, 900),
      // Raw bytes, then a lost segment: sniffing stops, what came before is kept.
      testing::frame(jail, 40003, ip("203.0.113.10"), 4444, kTcp, str("id\n"), kAck, 10),
      testing::frame(jail, 40003, ip("203.0.113.10"), 4444, kTcp, str("later"), kAck, 500),
  };
  auto s = replay_frames(frames);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->packets, frames.size());
  EXPECT_EQ(s->undecodable, 0u);
  EXPECT_EQ(s->flows.size(), 4u);

  ASSERT_EQ(s->dns.size(), 2u);
  EXPECT_FALSE(s->dns[0].response);
  EXPECT_EQ(s->dns[0].name, "c2.evil.test");
  EXPECT_EQ(s->dns[0].type, "A");
  EXPECT_TRUE(s->dns[1].response);
  EXPECT_EQ(s->dns[1].answers, (std::vector<std::string>{"198.19.1.2"}));
  EXPECT_EQ(s->dns[1].client, jail);

  ASSERT_EQ(s->sessions.size(), 3u);
  const auto& tls = s->sessions[0];
  EXPECT_EQ(tls.key.dport, 443);
  EXPECT_EQ(tls.key.src, jail);
  EXPECT_EQ(tls.app, "tls");
  EXPECT_EQ(tls.tls_sni, "c2.evil.test");
  EXPECT_EQ(tls.tls_alpn, (std::vector<std::string>{"h2"}));
  EXPECT_FALSE(tls.gap);
  const auto& http = s->sessions[1];
  EXPECT_EQ(http.app, "http");
  ASSERT_EQ(http.http.size(), 1u);
  EXPECT_EQ(http.http[0].path, "/a");
  EXPECT_EQ(http.http[0].host, "c2.evil.test");
  const auto& raw = s->sessions[2];
  EXPECT_EQ(raw.app, "raw");
  EXPECT_EQ(raw.first_bytes_hex, "69640a");
  EXPECT_TRUE(raw.gap);
}

TEST(Replay, SnapLengthCutEndsSniffingWithAGap) {
  auto hello = testing::client_hello("long-name-for-a-long-hello.evil.test", {"h2", "http/1.1"});
  auto f =
      testing::frame(ip("198.18.0.2"), 1, ip("198.19.0.9"), 443, kTcp, hello, tcp_flag::kAck, 5);
  auto s = replay_frames({f}, 80);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->sessions.size(), 1u);
  EXPECT_TRUE(s->sessions[0].gap);
  EXPECT_EQ(s->sessions[0].app, "tls");  // recognised, but the hello could not be read
  EXPECT_EQ(s->sessions[0].tls_sni, "");
}

}  // namespace
}  // namespace gs::netmon
