// Unit tests of the network section: tracer attempts and fake-internet records joined per
// destination, DNS aggregation and beacon scoring.
#include <gtest/gtest.h>

#include "network.h"

namespace gs::harness {
namespace {

TracedEvent connect_event(uint64_t id, int64_t ms, const std::string& ip, uint16_t port, int64_t ret = 0) {
  tracer::NetEvent n;
  n.op = "connect";
  n.fd = 3;
  n.ret = ret;
  n.addr = tracer::SockAddr{2, ip, port, "", false};
  tracer::Event e;
  e.header.pid = 42;
  e.body = n;
  return TracedEvent{id, "init", ms, e};
}

netmon::ConnectionRecord served(int64_t ms, const std::string& ip, uint16_t port, uint64_t out) {
  netmon::ConnectionRecord c;
  c.proto = "tcp";
  c.dst = *netmon::IpAddr::parse(ip);
  c.dst_port = port;
  c.first_ms = c.last_ms = ms;
  c.bytes_out = out;
  return c;
}

TEST(Network, RegularAttemptsAreABeaconPerDestination) {
  std::vector<TracedEvent> events;
  PhaseNetwork pn{"init", "init-runner", {}};
  for (int i = 0; i < 6; ++i) {
    events.push_back(connect_event(i + 1, 1000 + i * 1000, "203.0.113.10", 4444));
    pn.records.connections.push_back(served(1000 + i * 1000, "203.0.113.10", 4444, 18));
  }
  // Loopback (a test's own server) and DNS are not outbound connections.
  events.push_back(connect_event(50, 10, "127.0.0.1", 8080));
  events.push_back(connect_event(51, 10, "198.18.0.1", 53));
  auto net = build_network({pn}, events, 8000);
  ASSERT_EQ(net["connections"].size(), 1u) << net.dump(1);
  const auto& c = net["connections"][0];
  EXPECT_EQ(c["dst_ip"], "203.0.113.10");
  EXPECT_EQ(c["attempts"], 6);
  EXPECT_EQ(c["bytes_out"], 108);
  EXPECT_EQ(c["first_ms"], 1000);
  EXPECT_EQ(c["last_ms"], 6000);
  ASSERT_EQ(net["beacons"].size(), 1u);
  EXPECT_EQ(net["beacons"][0]["destination"], "203.0.113.10:4444");
  EXPECT_EQ(net["beacons"][0]["median_interval_ms"], 1000);
  EXPECT_GE(net["beacons"][0]["score"].get<double>(), 0.7);
}

TEST(Network, FailedAttemptsCountAndNameTheDestinationByHostOrSni) {
  std::vector<TracedEvent> events;
  for (int i = 0; i < 3; ++i) events.push_back(connect_event(i + 1, i * 500, "192.0.2.7", 443, -101));
  PhaseNetwork pn{"run", "cmd", {}};
  auto c = served(100, "198.19.3.4", 443, 517);
  c.hostname = "c2.example.test";
  c.tls_sni = "c2.example.test";
  pn.records.connections.push_back(c);
  auto net = build_network({pn}, events, 2000);
  ASSERT_EQ(net["connections"].size(), 2u);
  const auto& failed = net["connections"][0]["dst_ip"] == "192.0.2.7" ? net["connections"][0] : net["connections"][1];
  EXPECT_EQ(failed["failed"], 3);
  EXPECT_EQ(failed["attempts"], 3);
  const auto& tls = net["connections"][0]["dst_ip"] == "192.0.2.7" ? net["connections"][1] : net["connections"][0];
  EXPECT_EQ(tls["tls_sni"], "c2.example.test");
  EXPECT_EQ(tls["hostname"], "c2.example.test");
}

TEST(Network, KeepAliveRequestsAreCheckInsAndDnsLookupsAreCounted) {
  PhaseNetwork pn{"init", "init-runner", {}};
  auto c = served(900, "198.19.0.9", 80, 700);
  c.hostname = "update.c2.test";
  for (int i = 0; i < 5; ++i) {
    c.http.push_back(netmon::HttpRecord{1000 + i * 800, "GET", "update.c2.test", "/check", "Go-http-client/1.1", 0, ""});
    // A and AAAA of one lookup arrive together: one lookup.
    pn.records.dns.push_back(netmon::DnsQueryRecord{990 + i * 800, "update.c2.test", 1, "A", "198.19.0.9", "udp", {}, 0});
    pn.records.dns.push_back(netmon::DnsQueryRecord{991 + i * 800, "update.c2.test", 28, "AAAA", "", "udp", {}, 0});
  }
  pn.records.connections.push_back(c);
  auto net = build_network({pn}, {}, 5000);
  ASSERT_EQ(net["dns"].size(), 2u);
  EXPECT_EQ(net["dns"][0]["count"], 5);
  bool http_beacon = false, dns_beacon = false;
  for (const auto& b : net["beacons"]) {
    if (b["destination"] == "update.c2.test") http_beacon = b["attempts"] == 5;
    if (b["destination"] == "dns:update.c2.test") dns_beacon = b["attempts"] == 5;
  }
  EXPECT_TRUE(http_beacon) << net["beacons"].dump(1);
  EXPECT_TRUE(dns_beacon) << net["beacons"].dump(1);
  EXPECT_EQ(net["connections"][0]["http"]["path"], "/check");
}

}  // namespace
}  // namespace gs::harness
