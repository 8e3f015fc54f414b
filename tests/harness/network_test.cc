// Unit tests of the network section: tracer attempts and fake-internet records joined per
// destination, DNS aggregation and beacon scoring per (program, destination).
#include "network.h"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include <cerrno>

#include <map>
#include <optional>

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

TracedEvent exec_event(uint64_t id, int64_t ms, uint32_t pid, const std::string& exe) {
  tracer::ExecEvent x;
  x.filename = exe;
  x.argv = {exe};
  tracer::Event e;
  e.header.pid = pid;
  e.header.comm = exe.substr(exe.rfind('/') + 1);
  e.body = x;
  return TracedEvent{id, "init", ms, e};
}

TracedEvent connect_from(uint64_t id, int64_t ms, uint32_t pid, const std::string& comm,
                         const std::string& ip, uint16_t port) {
  TracedEvent te = connect_event(id, ms, ip, port);
  te.event.header.pid = pid;
  te.event.header.comm = comm;
  return te;
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

// Evasions of the connections list: a server on port 53 that is not the jail's resolver,
// an IPv4 address reached through an AF_INET6 socket, and sendmmsg.
TEST(Network, Port53ElsewhereMappedAddressesAndSendmmsgAreDestinations) {
  std::vector<TracedEvent> events;
  PhaseNetwork pn{"init", "init-runner", {}};
  events.push_back(connect_event(1, 100, "198.51.100.16", 53));   // C2 behind the DNS port
  events.push_back(connect_event(2, 110, "198.18.0.1", 53));      // the jail's resolver
  auto mapped = connect_event(3, 120, "::ffff:203.0.113.7", 443);
  std::get<tracer::NetEvent>(mapped.event.body).addr->family = AF_INET6;
  events.push_back(mapped);
  pn.records.connections.push_back(served(121, "203.0.113.7", 443, 33));
  auto mm = connect_event(4, 130, "198.51.100.12", 5353);
  std::get<tracer::NetEvent>(mm.event.body).op = "sendmmsg";
  std::get<tracer::NetEvent>(mm.event.body).fd = 9;
  events.push_back(mm);
  auto net = build_network({pn}, events, 8000);
  std::map<std::string, nlohmann::json> by;
  for (const auto& c : net["connections"])
    by[c["dst_ip"].get<std::string>() + ":" + std::to_string(c["dst_port"].get<int>())] = c;
  EXPECT_EQ(by.size(), 3u) << net.dump(1);
  EXPECT_TRUE(by.count("198.51.100.16:53"));
  EXPECT_FALSE(by.count("198.18.0.1:53"));
  ASSERT_TRUE(by.count("203.0.113.7:443"));
  EXPECT_EQ(by["203.0.113.7:443"]["bytes_out"], 33);
  EXPECT_EQ(by["203.0.113.7:443"]["host_pids"], nlohmann::json::array({42}));
  ASSERT_TRUE(by.count("198.51.100.12:5353"));
  EXPECT_EQ(by["198.51.100.12:5353"]["proto"], "udp");
  EXPECT_EQ(by["198.51.100.12:5353"]["host_pids"], nlohmann::json::array({42}));
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

// `while true; do wget http://x.test/; sleep 5; done`: every try is a new process of the
// same program, and the tries are one beacon, not six single shots.
TEST(Network, OneProgramFromManyPidsIsOneBeacon) {
  std::vector<TracedEvent> events;
  PhaseNetwork pn{"init", "init-runner", {}};
  uint64_t id = 1;
  for (uint32_t i = 0; i < 6; ++i) {
    int64_t t = 1000 + i * 5000;
    events.push_back(exec_event(id++, t - 5, 200 + i, "/usr/bin/wget"));
    events.push_back(connect_from(id++, t, 200 + i, "wget", "198.19.0.20", 80));
    auto c = served(t, "198.19.0.20", 80, 120);
    c.hostname = "x.test";
    c.http.push_back(netmon::HttpRecord{t + 1, "GET", "x.test", "/", "Wget/1.21", 0, ""});
    pn.records.connections.push_back(c);
  }
  auto net = build_network({pn}, events, 31000);
  ASSERT_EQ(net["beacons"].size(), 1u) << net["beacons"].dump(1);
  const auto& b = net["beacons"][0];
  EXPECT_EQ(b["destination"], "x.test");
  EXPECT_EQ(b["program"], "/usr/bin/wget");
  EXPECT_EQ(b["attempts"], 6);
  EXPECT_EQ(b["host_pids"].size(), 6u);
  EXPECT_EQ(b["median_interval_ms"], 5000);
  EXPECT_EQ(b["kind"], "beacon");
  EXPECT_GE(b["score"].get<double>(), 0.7);
}

// Two programs checking in with one destination are two series, each scored on its own:
// merged, their interleaved attempts would read as one series at twice the rate.
TEST(Network, TwoProgramsAtOneDestinationAreTwoSeries) {
  std::vector<TracedEvent> events;
  events.push_back(exec_event(1, 0, 300, "/usr/bin/curl"));
  events.push_back(exec_event(2, 0, 400, "/tmp/implant"));
  uint64_t id = 3;
  for (int i = 0; i < 5; ++i) {
    events.push_back(connect_from(id++, 1000 + i * 2000, 300, "curl", "203.0.113.10", 443));
    events.push_back(connect_from(id++, 1700 + i * 3000, 400, "implant", "203.0.113.10", 443));
  }
  auto net = build_network({}, events, 16000);
  ASSERT_EQ(net["connections"].size(), 1u);
  EXPECT_EQ(net["connections"][0]["attempts"], 10);
  ASSERT_EQ(net["beacons"].size(), 2u) << net["beacons"].dump(1);
  std::map<std::string, nlohmann::json> by_program;
  for (const auto& b : net["beacons"]) by_program[b["program"].get<std::string>()] = b;
  ASSERT_TRUE(by_program.contains("/usr/bin/curl") && by_program.contains("/tmp/implant"));
  for (const auto& [program, b] : by_program) {
    EXPECT_EQ(b["destination"], "203.0.113.10:443");
    EXPECT_EQ(b["attempts"], 5);
    EXPECT_EQ(b["host_pids"].size(), 1u);
    EXPECT_EQ(b["kind"], "beacon") << program;
  }
  EXPECT_EQ(by_program["/usr/bin/curl"]["median_interval_ms"], 2000);
  EXPECT_EQ(by_program["/tmp/implant"]["median_interval_ms"], 3000);
}

// A process whose exec was not seen is named by its parent's program across fork, else
// by its comm.
TEST(Network, ProgramIsInheritedAcrossForkElseTheComm) {
  std::vector<TracedEvent> events;
  events.push_back(exec_event(1, 0, 500, "/bin/sh"));
  uint64_t id = 2;
  for (uint32_t i = 0; i < 4; ++i) {
    tracer::Event f;
    f.header.pid = 500;
    f.body = tracer::ForkEvent{600 + i, 600 + i, 10 + i, false};
    events.push_back(TracedEvent{id++, "init", 999 + i * 1000, f});
    events.push_back(connect_from(id++, 1000 + i * 1000, 600 + i, "sh", "192.0.2.44", 8080));
    events.push_back(connect_from(id++, 1000 + i * 1000, 700, "dropper", "192.0.2.45", 8080));
  }
  auto net = build_network({}, events, 5000);
  ASSERT_EQ(net["beacons"].size(), 2u) << net["beacons"].dump(1);
  for (const auto& b : net["beacons"]) {
    if (b["destination"] == "192.0.2.44:8080")
      EXPECT_EQ(b["program"], "/bin/sh");
    else
      EXPECT_EQ(b["program"], "dropper");
    EXPECT_EQ(b["attempts"], 4);
  }
}

// Without the tracer only the fake internet's records exist: no process is known, and the
// series is keyed by its destination alone.
TEST(Network, WithoutProcessesTheBeaconIsKeyedByDestinationAlone) {
  PhaseNetwork pn{"run", "cmd", {}};
  for (int i = 0; i < 5; ++i) {
    auto c = served(2000 + i * 4000, "198.19.7.7", 443, 517);
    c.hostname = "c2.example.test";
    c.tls_sni = "c2.example.test";
    pn.records.connections.push_back(c);
  }
  auto net = build_network({pn}, {}, 22000);
  ASSERT_EQ(net["beacons"].size(), 1u) << net["beacons"].dump(1);
  const auto& b = net["beacons"][0];
  EXPECT_EQ(b["destination"], "c2.example.test:443");
  EXPECT_TRUE(b["program"].is_null());
  EXPECT_TRUE(b["host_pids"].empty());
  EXPECT_EQ(b["attempts"], 5);
  EXPECT_EQ(b["median_interval_ms"], 4000);
  EXPECT_GE(b["score"].get<double>(), 0.7);
}

}  // namespace
}  // namespace gs::harness

namespace gs::harness {
namespace {

using nlohmann::json;

TracedEvent net_event(uint64_t id, std::string phase, int64_t ms, uint32_t pid, tracer::NetEvent n) {
  tracer::Event e;
  e.header.pid = pid;
  e.header.comm = "bindshell";
  e.body = std::move(n);
  return TracedEvent{id, std::move(phase), ms, e};
}

tracer::NetEvent sock_op(std::string op, int64_t fd, int64_t ret, std::optional<tracer::SockAddr> addr = {},
                         int type = SOCK_STREAM, int domain = AF_INET) {
  tracer::NetEvent n;
  n.op = std::move(op);
  n.fd = fd;
  n.ret = ret;
  n.type = type;
  n.domain = domain;
  n.addr = std::move(addr);
  return n;
}

// listen() after bind() is a TCP listener on the bound address; a UDP socket bound to a
// port is a UDP one; listen() with no bind is the kernel's autobind; failed calls, client
// binds to port 0 and the toolchain's phases are not listeners. Repeats aggregate.
TEST(Network, ListenersFromBindAndListen) {
  std::vector<TracedEvent> ev;
  auto add = [&](std::string phase, int64_t ms, uint32_t pid, tracer::NetEvent n) {
    ev.push_back(net_event(ev.size() + 1, std::move(phase), ms, pid, std::move(n)));
  };
  tracer::SockAddr any{AF_INET, "0.0.0.0", 4444, "", false};
  tracer::SockAddr lo{AF_INET, "127.0.0.1", 0, "", false};
  tracer::SockAddr udp{AF_INET6, "::", 9999, "", false};
  add("init", 10, 7, sock_op("socket", -1, 3));
  add("init", 11, 7, sock_op("bind", 3, 0, any));
  add("init", 12, 7, sock_op("listen", 3, 0));
  add("init", 13, 7, sock_op("listen", 3, 0));  // again: one listener, count 2
  add("test", 20, 8, sock_op("socket", -1, 5));
  add("test", 21, 8, sock_op("bind", 5, 0, lo));
  add("test", 22, 8, sock_op("listen", 5, 0));
  add("test", 23, 8, sock_op("socket", -1, 6, {}, SOCK_DGRAM, AF_INET6));
  add("test", 24, 8, sock_op("bind", 6, 0, udp));
  add("test", 25, 8, sock_op("socket", -1, 7, {}, SOCK_DGRAM));
  add("test", 26, 8, sock_op("bind", 7, 0, tracer::SockAddr{AF_INET, "0.0.0.0", 0, "", false}));
  add("run", 30, 9, sock_op("socket", -1, 4));
  add("run", 31, 9, sock_op("listen", 4, 0));  // autobind
  add("run", 32, 9, sock_op("socket", -1, 8));
  add("run", 33, 9, sock_op("bind", 8, -98 /* EADDRINUSE */, any));
  add("run", 34, 9, sock_op("listen", 8, -22));
  // a unix stream server: its bind is a file op, its listen no network listener
  add("run", 35, 9, sock_op("socket", -1, 9, {}, SOCK_STREAM, AF_UNIX));
  add("run", 36, 9, sock_op("bind", 9, 0, tracer::SockAddr{AF_UNIX, "", 0, "/tmp/s.sock", false}));
  add("run", 37, 9, sock_op("listen", 9, 0));
  add("run", 38, 9, sock_op("socket", -1, 10, {}, SOCK_STREAM, AF_UNIX));
  add("run", 39, 9, sock_op("listen", 10, 0));  // unix autobind (abstract name)
  add("build", 40, 10, sock_op("socket", -1, 3));
  add("build", 41, 10, sock_op("bind", 3, 0, any));
  add("build", 42, 10, sock_op("listen", 3, 0));
  json net = build_network({}, ev, 60000);
  ASSERT_TRUE(net.contains("listeners"));
  std::map<std::string, json> by;
  for (const auto& l : net["listeners"])
    by[l["proto"].get<std::string>() + " " + l["ip"].get<std::string>() + ":" +
       std::to_string(l["port"].get<int>())] = l;
  ASSERT_EQ(by.size(), 4u) << net["listeners"].dump(1);
  const auto& shell = by.at("tcp 0.0.0.0:4444");
  EXPECT_EQ(shell["count"], 2);
  EXPECT_EQ(shell["first_ms"], 12);
  EXPECT_EQ(shell["phases"], json({"init"}));
  EXPECT_EQ(shell["host_pids"], json({7}));
  EXPECT_EQ(shell["program"], "bindshell");
  EXPECT_FALSE(shell["loopback"].get<bool>());
  EXPECT_TRUE(by.at("tcp 127.0.0.1:0")["loopback"].get<bool>());
  EXPECT_EQ(by.at("udp :::9999")["phases"], json({"test"}));
  EXPECT_EQ(by.at("tcp 0.0.0.0:0")["phases"], json({"run"}));
}

TracedEvent net_event(uint64_t id, int64_t ms, const std::string& op, int64_t fd, const std::string& ip,
                      uint16_t port, int64_t ret = 0) {
  TracedEvent te = connect_event(id, ms, ip, port, ret);
  auto& n = std::get<tracer::NetEvent>(te.event.body);
  n.op = op, n.fd = fd;
  n.in_progress = op == "connect" && ret == -EINPROGRESS;
  return te;
}

TracedEvent socket_event(uint64_t id, int64_t ms, int64_t fd, int type) {
  TracedEvent te = net_event(id, ms, "socket", -1, "", 0, fd);
  auto& n = std::get<tracer::NetEvent>(te.event.body);
  n.addr.reset(), n.domain = AF_INET, n.type = type;
  return te;
}

TracedEvent socket_io(uint64_t id, int64_t ms, uint32_t pid, const std::string& proto, const std::string& ip,
                      uint16_t port, uint64_t out, uint64_t in) {
  tracer::SocketEvent s;
  s.proto = proto;
  s.peer = tracer::SockAddr{AF_INET, ip, port, "", false};
  s.bytes_out = out, s.bytes_in = in, s.sends = out ? 1 : 0, s.recvs = in ? 1 : 0;
  tracer::Event e;
  e.header.pid = pid;
  e.body = s;
  return TracedEvent{id, "init", ms, e};
}

// Go's net.Dial("udp") then a Write every 300 ms: one connect, one fake-internet record,
// eight check-ins. Each datagram is an attempt of the beacon, and last_ms is the last one.
TEST(Network, DatagramsOfAConnectedUdpSocketAreCheckIns) {
  std::vector<TracedEvent> events;
  events.push_back(socket_event(1, 999, 5, SOCK_DGRAM));
  events.push_back(net_event(2, 1000, "connect", 5, "203.0.113.8", 9999));
  PhaseNetwork pn{"init", "init-runner", {}};
  netmon::ConnectionRecord c = served(1001, "203.0.113.8", 9999, 0);
  c.proto = "udp";
  for (int i = 0; i < 8; ++i) {
    c.datagram_ms.push_back(1001 + i * 300 + (i % 3) * 20);
    c.datagram_bytes.push_back(9);
    c.bytes_out += 9, ++c.datagrams;
  }
  c.last_ms = c.datagram_ms.back();
  pn.records.connections.push_back(c);
  auto net = build_network({pn}, events, 5000);
  ASSERT_EQ(net["connections"].size(), 1u) << net.dump(1);
  EXPECT_EQ(net["connections"][0]["attempts"], 8);
  EXPECT_EQ(net["connections"][0]["last_ms"], c.last_ms);
  EXPECT_EQ(net["connections"][0]["bytes_out"], 72);
  EXPECT_EQ(net["connections"][0]["host_pids"], nlohmann::json::array({42}));
  ASSERT_EQ(net["beacons"].size(), 1u) << net.dump(1);
  EXPECT_EQ(net["beacons"][0]["attempts"], 8);
  // a TCP connection kept open with heartbeats: last_ms is its last byte
  PhaseNetwork tcp{"init", "init-runner", {}};
  netmon::ConnectionRecord t = served(1000, "203.0.113.10", 4444, 80);
  t.last_ms = 3100;
  tcp.records.connections.push_back(t);
  auto net2 = build_network({tcp}, {net_event(1, 1000, "connect", 3, "203.0.113.10", 4444)}, 5000);
  EXPECT_EQ(net2["connections"][0]["last_ms"], 3100) << net2.dump(1);
  // a burst (sendmmsg of 100 at once) is one check-in, not a strobe of 100
  PhaseNetwork burst{"init", "init-runner", {}};
  netmon::ConnectionRecord b = served(500, "203.0.113.11", 7000, 0);
  b.proto = "udp";
  for (int i = 0; i < 100; ++i) b.datagram_ms.push_back(500 + i / 50), b.datagram_bytes.push_back(4);
  burst.records.connections.push_back(b);
  auto net3 = build_network({burst}, {}, 5000);
  EXPECT_EQ(net3["connections"][0]["attempts"], 1) << net3.dump(1);
  EXPECT_EQ(net3["beacons"].size(), 0u);
}

// What the kernel did, not what the call said: an address given to send on a connected
// TCP socket is ignored (no destination); connect() again on a connecting socket is the
// same attempt; 0.0.0.0 is this host.
TEST(Network, DecoysAndRepeatsAreNoAttempts) {
  std::vector<TracedEvent> events;
  events.push_back(socket_event(1, 10, 3, SOCK_STREAM));
  events.push_back(net_event(2, 11, "connect", 3, "192.0.2.120", 7200));
  for (int i = 0; i < 3; ++i) events.push_back(net_event(3 + i, 12 + i, "sendto", 3, "203.0.113.99", 443, 5));
  events.push_back(socket_event(10, 20, 4, SOCK_STREAM | SOCK_NONBLOCK));
  events.push_back(net_event(11, 21, "connect", 4, "192.0.2.100", 7100, -EINPROGRESS));
  events.push_back(net_event(12, 41, "connect", 4, "192.0.2.100", 7100, 0));
  events.push_back(net_event(13, 61, "connect", 4, "192.0.2.100", 7100, -EISCONN));
  events.push_back(net_event(14, 62, "connect", 4, "192.0.2.100", 7100, -EALREADY));
  // in progress, then connect() again to learn it failed: one attempt, failed
  events.push_back(socket_event(15, 63, 8, SOCK_STREAM | SOCK_NONBLOCK));
  events.push_back(net_event(16, 64, "connect", 8, "192.0.2.101", 7100, -EINPROGRESS));
  events.push_back(net_event(17, 84, "connect", 8, "192.0.2.101", 7100, -ECONNREFUSED));
  // disconnected with AF_UNSPEC, then connected again: two attempts
  events.push_back(socket_event(18, 90, 9, SOCK_DGRAM));
  events.push_back(net_event(19, 91, "connect", 9, "192.0.2.102", 53000));
  auto unspec = net_event(20, 92, "connect", 9, "", 0);
  std::get<tracer::NetEvent>(unspec.event.body).addr->family = AF_UNSPEC;
  events.push_back(unspec);
  events.push_back(net_event(21, 93, "connect", 9, "192.0.2.102", 53000));
  events.push_back(socket_event(20, 70, 5, SOCK_STREAM));
  events.push_back(net_event(21, 71, "connect", 5, "0.0.0.0", 8089));
  // TCP Fast Open: sendto on an unconnected TCP socket connects
  events.push_back(socket_event(30, 80, 6, SOCK_STREAM));
  events.push_back(net_event(31, 81, "sendto", 6, "198.51.100.9", 443, 8));
  auto net = build_network({}, events, 5000);
  std::map<std::string, nlohmann::json> by;
  for (const auto& c : net["connections"]) by[c["dst_ip"].get<std::string>()] = c;
  EXPECT_EQ(by.size(), 5u) << net.dump(1);
  EXPECT_EQ(by["192.0.2.101"]["attempts"], 1);
  EXPECT_EQ(by["192.0.2.101"]["failed"], 1);
  EXPECT_EQ(by["192.0.2.102"]["attempts"], 2);
  EXPECT_FALSE(by.count("203.0.113.99"));
  EXPECT_FALSE(by.count("0.0.0.0"));
  ASSERT_TRUE(by.count("192.0.2.100"));
  EXPECT_EQ(by["192.0.2.100"]["attempts"], 1);
  EXPECT_EQ(by["192.0.2.100"]["failed"], 0);
  ASSERT_TRUE(by.count("198.51.100.9"));
  EXPECT_EQ(by["198.51.100.9"]["proto"], "tcp");
  EXPECT_EQ(net["beacons"].size(), 0u) << net.dump(1);
}

// A socket used through a dup()ed or inherited fd has no socket() event under that fd: its
// own sums (socket_io) say it was UDP, carry the bytes when the fake internet kept no record
// (DNS to a resolver the module picked), and name every process that used it.
TEST(Network, SocketSumsGiveProtocolBytesAndProcesses) {
  std::vector<TracedEvent> events;
  events.push_back(net_event(1, 10, "connect", 100, "192.0.2.90", 9000));  // fd 100: dup3'd
  events.push_back(socket_io(2, 20, 42, "udp", "192.0.2.90", 9000, 7, 0));
  events.push_back(net_event(3, 30, "connect", 6, "198.51.100.53", 53));
  events.push_back(socket_io(4, 40, 42, "udp", "198.51.100.53", 53, 36, 52));
  events.push_back(net_event(5, 50, "connect", 7, "192.0.2.73", 7002));
  events.push_back(socket_io(6, 60, 43, "tcp", "192.0.2.73", 7002, 19, 0));  // a child wrote it
  PhaseNetwork pn{"init", "init-runner", {}};
  netmon::ConnectionRecord u = served(11, "192.0.2.90", 9000, 7);
  u.proto = "udp";
  u.datagram_ms = {11}, u.datagram_bytes = {7};
  pn.records.connections.push_back(u);
  pn.records.connections.push_back(served(51, "192.0.2.73", 7002, 19));
  auto net = build_network({pn}, events, 5000);
  std::map<std::string, nlohmann::json> by;
  for (const auto& c : net["connections"]) by[c["proto"].get<std::string>() + " " + c["dst_ip"].get<std::string>()] = c;
  EXPECT_EQ(by.size(), 3u) << net.dump(1);
  EXPECT_TRUE(by.count("udp 192.0.2.90"));
  EXPECT_FALSE(by.count("tcp 192.0.2.90"));
  ASSERT_TRUE(by.count("udp 198.51.100.53"));
  EXPECT_EQ(by["udp 198.51.100.53"]["bytes_out"], 36);
  EXPECT_EQ(by["udp 198.51.100.53"]["bytes_in"], 52);
  ASSERT_TRUE(by.count("tcp 192.0.2.73"));
  EXPECT_EQ(by["tcp 192.0.2.73"]["host_pids"], nlohmann::json::array({42, 43}));
}

// sendmmsg to three destinations: the call's event names the first; the fake internet's
// records of the other two carry the socket's source port, which names the process.
TEST(Network, RecordsNamedByNoCallGetTheProcessOfTheirSourcePort) {
  std::vector<TracedEvent> events;
  events.push_back(net_event(1, 10, "sendmmsg", 5, "192.0.2.1", 1001, 3));
  TracedEvent io = socket_io(2, 20, 42, "udp", "192.0.2.1", 1001, 12, 0);
  auto& s = std::get<tracer::SocketEvent>(io.event.body);
  s.peer.reset();  // unconnected
  s.local = tracer::SockAddr{AF_INET, "198.19.0.2", 40001, "", false};
  events.push_back(io);
  PhaseNetwork pn{"init", "init-runner", {}};
  for (int i = 1; i <= 3; ++i) {
    netmon::ConnectionRecord c = served(11, "192.0.2." + std::to_string(i), 1000 + i, 2 * i);
    c.proto = "udp", c.src_port = 40001;
    pn.records.connections.push_back(c);
  }
  netmon::ConnectionRecord other = served(11, "192.0.2.9", 1009, 5);
  other.proto = "udp", other.src_port = 40002;  // another socket, not traced
  pn.records.connections.push_back(other);
  auto net = build_network({pn}, events, 5000);
  std::map<std::string, nlohmann::json> by;
  for (const auto& c : net["connections"]) by[c["dst_ip"].get<std::string>()] = c;
  ASSERT_EQ(by.size(), 4u) << net.dump(1);
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
    EXPECT_EQ(by[ip]["host_pids"], nlohmann::json::array({42})) << ip;
  EXPECT_EQ(by["192.0.2.9"]["host_pids"], nlohmann::json::array());
}

}  // namespace
}  // namespace gs::harness
