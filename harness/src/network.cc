// Network section building; see network.h. Beacons are scored per (program, destination):
// the destination is the SNI, else the HTTP Host, else the DNS name, else address:port.
#include "network.h"

#include <sys/socket.h>

#include <cerrno>
#include <climits>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "netmon/beacon.h"
#include "netmon/fake_internet.h"

namespace gs::harness {
namespace {
using nlohmann::json;

struct DestKey {
  std::string proto, ip;
  uint16_t port = 0;
  auto operator<=>(const DestKey&) const = default;
};

// Attempts of one program (see Programs) at one destination.
struct ProgramAttempts {
  std::vector<int64_t> ms;
  std::set<uint32_t> pids;
};

struct Dest {
  std::string hostname, tls_sni;
  json http = nullptr;
  std::vector<int64_t> traced_ms;  // attempts seen by the tracer
  std::map<std::string, ProgramAttempts> by_program;  // the same, per program ("" unknown)
  std::vector<int64_t> served_ms;  // connections the fake internet accepted
  std::vector<int64_t> sizes;      // bytes out per served connection
  std::set<std::string> phases;
  std::set<uint32_t> pids;         // host pids of the processes that tried
  uint64_t bytes_out = 0, bytes_in = 0;
  // what the traced sockets themselves sent and received (socket_io), for destinations the
  // fake internet keeps no record of (UDP to a resolver the module picked)
  uint64_t socket_bytes_out = 0, socket_bytes_in = 0;
  int64_t last_activity_ms = INT64_MIN;  // the fake internet's last byte either way
  int failed = 0;
};

// An IPv4 address reached through an AF_INET6 socket (::ffff:203.0.113.7) is that IPv4
// address: the packets the fake internet sees carry the plain one.
std::string plain_ip(const std::string& ip) {
  constexpr std::string_view kMapped = "::ffff:";
  if (ip.starts_with(kMapped) && ip.find('.') != std::string::npos) return ip.substr(kMapped.size());
  return ip;
}

bool is_loopback(const std::string& ip) { return ip.starts_with("127.") || ip == "::1"; }

// A destination on this host: loopback, or the unspecified address (connect() to 0.0.0.0
// or :: reaches the host's own sockets, as 127.0.0.1 does).
bool is_local(const std::string& ip) { return is_loopback(ip) || ip == "0.0.0.0" || ip == "::"; }

// DNS to the jail's own resolver is the `dns` section's. Port 53 anywhere else is a server
// the module picked itself (a hard-coded resolver, or a C2 hiding behind the port): a
// destination like any other, whose queries are in `dns` too.
bool is_resolver(const std::string& ip, uint16_t port) {
  return port == 53 && (ip == netmon::FakeInternet::kResolverAddress || is_local(ip));
}

std::string proto_of(int type) { return (type & 0xf) == 2 /* SOCK_DGRAM */ ? "udp" : "tcp"; }

// What the tracer's socket() and bind() events say about each fd: family, TCP or UDP,
// the address it was bound to.
class Sockets {
 public:
  struct Sock {
    int domain = 0, type = 0;  // 0: not seen (made before tracing)
    std::optional<tracer::SockAddr> bound;
    // a connect() that succeeded or is in progress: where to (ip, port)
    std::optional<std::pair<std::string, uint16_t>> connecting;
    bool connected = false;  // it succeeded (at once, or a later connect() said so)
  };
  // Before the events: what each traced socket's own sums (socket_io) say its protocol
  // was, by (pid, peer): a socket used through a dup()ed or inherited fd has no socket()
  // event under that fd.
  void learn(const tracer::Event& e) {
    const auto* s = std::get_if<tracer::SocketEvent>(&e.body);
    if (!s || !s->peer || (s->proto != "tcp" && s->proto != "udp")) return;
    io_proto_[{e.header.pid, plain_ip(s->peer->ip), s->peer->port}] = s->proto;
  }
  void on_event(uint32_t pid, const tracer::NetEvent& n) {
    if (n.op == "socket" && n.ret >= 0) socks_[{pid, n.ret}] = Sock{.domain = n.domain, .type = n.type};
    if (n.op == "bind" && n.ret == 0 && n.addr) socks_[{pid, n.fd}].bound = *n.addr;
  }
  const Sock* find(uint32_t pid, int64_t fd) const {
    auto it = socks_.find({pid, fd});
    return it == socks_.end() ? nullptr : &it->second;
  }
  Sock& at(uint32_t pid, int64_t fd) { return socks_[{pid, fd}]; }
  std::string proto(uint32_t pid, int64_t fd, const std::string& op, const std::string& ip,
                    uint16_t port) const {
    const Sock* s = find(pid, fd);
    if (s && s->type) return proto_of(s->type);
    auto io = io_proto_.find({pid, ip, port});
    if (io != io_proto_.end()) return io->second;
    return op == "sendto" || op == "sendmsg" || op == "sendmmsg" ? "udp" : "tcp";
  }

 private:
  std::map<std::pair<uint32_t, int64_t>, Sock> socks_;  // (host pid, fd); a reused fd is reset
  std::map<std::tuple<uint32_t, std::string, uint16_t>, std::string> io_proto_;
};

// Which program a process is: the path it exec'd (as the report's processes[].exe), else
// its parent's across fork, else its comm. Beacons are scored per program, not per pid:
// `while true; do wget http://x.test/; sleep 5; done` is a new process every try, and the
// tries are one series.
class Programs {
 public:
  void on_event(const tracer::Event& e) {
    if (const auto* f = std::get_if<tracer::ForkEvent>(&e.body)) {
      if (f->thread) return;
      auto parent = exe_.find(e.header.pid);
      if (parent != exe_.end())
        exe_[f->child_pid] = parent->second;
      else
        exe_.erase(f->child_pid);  // a reused pid: not the program that had it before
    } else if (const auto* x = std::get_if<tracer::ExecEvent>(&e.body)) {
      if (x->ret < 0) return;  // a failed exec leaves the process what it was
      std::string exe = !x->filename.empty() ? x->filename : x->kernel_filename;
      if (!exe.empty()) exe_[e.header.pid] = std::move(exe);
    }
  }
  // "" when nothing names it.
  std::string of(const tracer::Header& h) const {
    auto it = exe_.find(h.pid);
    return it != exe_.end() ? it->second : h.comm;
  }

 private:
  std::map<uint32_t, std::string> exe_;  // host pid -> program, in event order
};

std::string destination_name(const DestKey& k, const Dest& d) {
  if (!d.tls_sni.empty()) return d.tls_sni + ":" + std::to_string(k.port);
  if (d.http.is_object() && !d.http.value("host", "").empty()) return d.http.value("host", "");
  if (!d.hostname.empty()) return d.hostname + ":" + std::to_string(k.port);
  return k.ip + ":" + std::to_string(k.port);
}

// One beacon series: the attempts of one program (or of whoever, when no process is
// known) at one destination name, possibly over several addresses.
struct Series {
  std::vector<int64_t> times, sizes;  // sizes: bytes out per attempt, if known for all
  bool sized = true;
  std::set<uint32_t> pids;
  void add(const std::vector<int64_t>& t, const std::vector<int64_t>& s,
           const std::set<uint32_t>& p) {
    times.insert(times.end(), t.begin(), t.end());
    sized = sized && s.size() == t.size();
    if (sized) sizes.insert(sizes.end(), s.begin(), s.end());
    pids.insert(p.begin(), p.end());
  }
};

json beacon_json(const std::string& destination, const std::string& program, const Series& series,
                 int64_t window_ms) {
  // Sizes follow their attempts through the sort.
  std::vector<std::pair<int64_t, int64_t>> attempts;
  for (size_t i = 0; i < series.times.size(); ++i)
    attempts.push_back({series.times[i], series.sized ? series.sizes[i] : 0});
  std::sort(attempts.begin(), attempts.end());
  std::vector<int64_t> times, sizes;
  for (const auto& [t, n] : attempts) {
    times.push_back(t);
    if (series.sized) sizes.push_back(n);
  }
  auto s = netmon::beacon::score(times, sizes, window_ms);
  return {{"destination", destination},
          {"program", program.empty() ? json(nullptr) : json(program)},
          {"host_pids", series.pids},
          {"attempts", s.attempts},
          {"median_interval_ms", s.median_interval_ms},
          {"jitter", s.jitter},
          {"score", s.score},
          {"confidence", s.confidence},
          {"kind", s.kind},
          {"first_ms", times.front()},
          {"last_ms", times.back()}};
}

// Sockets module code made to be reached: TCP listen(), and UDP sockets bound to a port
// (a UDP server or knock listener), from the tracer's socket/bind/listen events. A listen
// on a socket no traced bind named gets the kernel's autobind: any address, an ephemeral
// port. Unix sockets are the files section's (bind on their path).
class Listeners {
 public:
  // After sockets has seen the event.
  void on_event(const TracedEvent& te, const tracer::NetEvent& n, const Sockets& sockets,
                const std::string& program) {
    const Sockets::Sock* sock = sockets.find(te.event.header.pid, n.fd);
    if (n.op == "bind" && n.ret == 0 && n.addr) {
      if (sock && (sock->type & 0xf) == SOCK_DGRAM && inet(n.addr->family) && n.addr->port != 0)
        add({"udp", n.addr->ip, n.addr->port}, te, program);
    } else if (n.op == "listen" && n.ret == 0) {
      if (sock && sock->bound) {
        if (inet(sock->bound->family)) add({"tcp", sock->bound->ip, sock->bound->port}, te, program);
      } else if (!sock || !sock->domain || inet(sock->domain)) {
        add({"tcp", sock && sock->domain == AF_INET ? "0.0.0.0" : "::", 0}, te, program);
      }
    }
  }

  json to_json() const {
    json out = json::array();
    for (const auto& [key, l] : listeners_) {
      const auto& [dest, program] = key;
      out.push_back({{"proto", dest.proto},
                     {"ip", dest.ip},
                     {"port", dest.port},
                     {"loopback", is_loopback(dest.ip)},
                     {"program", program.empty() ? json(nullptr) : json(program)},
                     {"count", l.count},
                     {"first_ms", l.first_ms},
                     {"phases", l.phases},
                     {"host_pids", l.pids}});
    }
    return out;
  }

 private:
  struct Listener {
    uint64_t count = 0;
    int64_t first_ms = 0;
    std::set<std::string> phases;
    std::set<uint32_t> pids;
  };
  static bool inet(int family) { return family == AF_INET || family == AF_INET6; }
  void add(const DestKey& dest, const TracedEvent& te, const std::string& program) {
    Listener& l = listeners_[{dest, program}];
    if (l.count++ == 0) l.first_ms = te.ms;
    l.phases.insert(te.phase);
    l.pids.insert(te.event.header.pid);
  }
  std::map<std::pair<DestKey, std::string>, Listener> listeners_;  // (address, program)
};

}  // namespace

json build_network(const std::vector<PhaseNetwork>& phases, const std::vector<TracedEvent>& events,
                   int64_t window_ms) {
  std::map<DestKey, Dest> dests;
  Sockets sockets;
  Programs programs;
  Listeners listeners;
  // (phase, proto, local port) -> the processes whose socket sent from it: the fake
  // internet's records name no process, but their source port is the socket's
  std::map<std::tuple<std::string, std::string, uint16_t>, std::set<uint32_t>> senders;
  for (const TracedEvent& te : events) {
    if (is_toolchain_phase(te.phase)) continue;
    sockets.learn(te.event);
    const auto* io = std::get_if<tracer::SocketEvent>(&te.event.body);
    if (io && io->local && io->local->port && io->sends)
      senders[{te.phase, io->proto, io->local->port}].insert(te.event.header.pid);
  }
  for (const TracedEvent& te : events) {
    programs.on_event(te.event);
    if (is_toolchain_phase(te.phase)) continue;
    if (const auto* io = std::get_if<tracer::SocketEvent>(&te.event.body)) {
      // what a socket carried, whichever process used it (a child writing to an inherited
      // socket is one of the destination's processes)
      if (!io->peer || (io->proto != "tcp" && io->proto != "udp")) continue;
      const std::string ip = plain_ip(io->peer->ip);
      if (ip.empty() || is_local(ip) || is_resolver(ip, io->peer->port)) continue;
      Dest& d = dests[DestKey{io->proto, ip, io->peer->port}];
      d.socket_bytes_out += io->bytes_out;
      d.socket_bytes_in += io->bytes_in;
      if (io->sends || io->recvs) d.pids.insert(te.event.header.pid);
      continue;
    }
    const auto* n = std::get_if<tracer::NetEvent>(&te.event.body);
    if (!n) continue;
    const uint32_t pid = te.event.header.pid;
    sockets.on_event(pid, *n);
    listeners.on_event(te, *n, sockets, programs.of(te.event.header));
    bool outbound = n->op == "connect" || n->op == "sendto" || n->op == "sendmsg" || n->op == "sendmmsg";
    if (n->op == "connect" && n->addr && n->addr->family == AF_UNSPEC && n->ret == 0) {
      sockets.at(pid, n->fd).connecting.reset();  // disconnected: the next connect is new
      continue;
    }
    if (!outbound || !n->addr || n->addr->ip.empty()) continue;
    const std::string ip = plain_ip(n->addr->ip);
    if (is_local(ip) || is_resolver(ip, n->addr->port)) continue;
    const std::string proto = sockets.proto(pid, n->fd, n->op, ip, n->addr->port);
    if (n->op == "connect") {
      // connect() again on a socket already connecting or connected is the same attempt:
      // EALREADY, EISCONN, or 0 once an in-progress one completed
      // (or its late failure: ECONNREFUSED after EINPROGRESS is that attempt failing)
      if (n->ret == -EALREADY || n->ret == -EISCONN) continue;
      Sockets::Sock& sock = sockets.at(pid, n->fd);
      std::pair<std::string, uint16_t> to{ip, n->addr->port};
      if (sock.connecting == to && !sock.connected && !n->in_progress) {
        if (n->ret == 0) {
          sock.connected = true;
        } else {
          sock.connecting.reset();
          ++dests[DestKey{proto, ip, n->addr->port}].failed;
        }
        continue;
      }
      if (n->ret == 0 || n->in_progress) sock.connecting = to, sock.connected = n->ret == 0;
    } else if (proto == "tcp") {
      // an address given to a send on a connected TCP socket is ignored by the kernel: the
      // data goes to the peer, and the address is no destination (only an unconnected
      // socket's sendto, TCP Fast Open, connects)
      // (only a stream socket: a raw or SCTP socket's sendto does go where it says)
      const Sockets::Sock* sock = sockets.find(pid, n->fd);
      if (sock && (sock->type & 0xf) == SOCK_STREAM && sock->connecting) continue;
    }
    DestKey key{proto, ip, n->addr->port};
    Dest& d = dests[key];
    d.traced_ms.push_back(te.ms);
    ProgramAttempts& pa = d.by_program[programs.of(te.event.header)];
    pa.ms.push_back(te.ms);
    pa.pids.insert(te.event.header.pid);
    d.phases.insert(te.phase);
    d.pids.insert(te.event.header.pid);
    if (n->ret < 0 && !n->in_progress) ++d.failed;
  }

  std::map<std::pair<std::string, std::string>, json> dns;
  std::map<std::string, std::vector<int64_t>> dns_times;
  for (const PhaseNetwork& pn : phases) {
    for (const auto& q : pn.records.dns) {
      json& e = dns[{q.name, q.type_name}];
      if (e.is_null()) {
        auto ls = netmon::beacon::label_stats(q.name);
        e = {{"name", q.name}, {"type", q.type_name}, {"count", 0}, {"first_ms", q.time_ms},
             {"answer", q.answer}, {"phase", pn.phase}, {"entropy", ls.max_label_entropy},
             {"longest_label", ls.longest_label}, {"looks_like_tunnel", ls.looks_like_tunnel}};
      }
      e["count"] = e["count"].get<int>() + 1;
      dns_times[q.name].push_back(q.time_ms);
    }
    for (const auto& c : pn.records.connections) {
      if ((c.dst_port == 53 || c.app == "dns") && is_resolver(c.dst.to_string(), 53)) continue;
      DestKey key{c.proto, c.dst.to_string(), c.dst_port};
      Dest& d = dests[key];
      d.last_activity_ms = std::max(d.last_activity_ms, std::max(c.first_ms, c.last_ms));
      // sendmmsg's later messages, or any destination no call named: the socket that sent
      if (auto who = senders.find({pn.phase, c.proto, c.src_port}); who != senders.end())
        d.pids.insert(who->second.begin(), who->second.end());
      if (c.proto == "udp" && !c.datagram_ms.empty() && c.datagram_ms.size() == c.datagram_bytes.size()) {
        // Connected UDP is one record: each burst of datagrams (less than 200 ms apart, as
        // DNS lookups are counted below) is a check-in of its own, not each datagram: a
        // sendmmsg of 100 is one.
        int64_t last = INT64_MIN;
        for (size_t i = 0; i < c.datagram_ms.size(); ++i) {
          if (last == INT64_MIN || c.datagram_ms[i] - last > 200) {
            d.served_ms.push_back(c.datagram_ms[i]);
            d.sizes.push_back(0);
          }
          d.sizes.back() += int64_t(c.datagram_bytes[i]);
          last = c.datagram_ms[i];
        }
      } else if (c.http.empty()) {
        d.served_ms.push_back(c.first_ms);
        d.sizes.push_back(int64_t(c.bytes_out));
      } else {
        // Keep-alive: every request on one connection is a check-in of its own.
        for (const auto& h : c.http) d.served_ms.push_back(h.time_ms);
      }
      d.phases.insert(pn.phase);
      d.bytes_out += c.bytes_out;
      d.bytes_in += c.bytes_in;
      if (!c.hostname.empty()) d.hostname = c.hostname;
      if (!c.tls_sni.empty()) d.tls_sni = c.tls_sni;
      if (!c.http.empty()) {
        const auto& h = c.http.back();
        d.http = {{"method", h.method}, {"host", h.host}, {"path", h.path}, {"user_agent", h.user_agent},
                  {"requests", d.http.is_object() ? d.http.value("requests", 0) + int(c.http.size())
                                                  : int(c.http.size())}};
      }
    }
  }

  json connections = json::array(), beacons = json::array();
  std::map<std::pair<std::string, std::string>, Series> series;  // (destination, program)
  for (auto& [key, d] : dests) {
    const auto& times = d.traced_ms.size() >= d.served_ms.size() ? d.traced_ms : d.served_ms;
    if (times.empty()) continue;
    // The fake internet's sums when it kept a record of this destination, else the
    // sockets' own (UDP to a resolver the module picked is answered, not recorded).
    if (d.served_ms.empty()) d.bytes_out = d.socket_bytes_out, d.bytes_in = d.socket_bytes_in;
    // the last check-in, or the last byte either way on a connection kept open
    int64_t last_ms = std::max(*std::max_element(times.begin(), times.end()), d.last_activity_ms);
    connections.push_back({{"proto", key.proto},
                           {"dst_ip", key.ip},
                           {"dst_port", key.port},
                           {"hostname", d.hostname.empty() ? json(nullptr) : json(d.hostname)},
                           {"attempts", times.size()},
                           {"failed", d.failed},
                           {"first_ms", *std::min_element(times.begin(), times.end())},
                           {"last_ms", last_ms},
                           {"bytes_out", d.bytes_out},
                           {"bytes_in", d.bytes_in},
                           {"tls_sni", d.tls_sni.empty() ? json(nullptr) : json(d.tls_sni)},
                           {"http", d.http},
                           {"phases", d.phases},
                           {"host_pids", d.pids}});
    std::string name = destination_name(key, d);
    if (&times == &d.traced_ms) {
      for (const auto& [program, pa] : d.by_program)
        series[{name, program}].add(pa.ms, {}, pa.pids);
    } else {
      // What the fake internet served (more than the tracer saw: keep-alive requests, or
      // no tracer at all) carries no process: it is the program's when only one tried.
      std::string program = d.by_program.size() == 1 ? d.by_program.begin()->first : "";
      series[{name, program}].add(d.served_ms, d.sizes, d.pids);
    }
  }
  for (const auto& [key, s] : series)
    if (s.times.size() >= 3) beacons.push_back(beacon_json(key.first, key.second, s, window_ms));
  json dns_list = json::array();
  for (auto& [k, e] : dns) dns_list.push_back(std::move(e));
  for (auto& [name, times] : dns_times) {
    // One lookup is several queries (A and AAAA, retries): count lookups, not packets.
    std::sort(times.begin(), times.end());
    std::vector<int64_t> lookups;
    for (int64_t t : times)
      if (lookups.empty() || t - lookups.back() > 200) lookups.push_back(t);
    times = std::move(lookups);
    // Queries reach the fake internet's resolver, not a process the tracer names.
    Series lookups_series;
    lookups_series.add(times, {}, {});
    if (times.size() >= 3)
      beacons.push_back(beacon_json("dns:" + name, "", lookups_series, window_ms));
  }
  return {{"connections", connections},
          {"dns", dns_list},
          {"beacons", beacons},
          {"listeners", listeners.to_json()}};
}

}  // namespace gs::harness
