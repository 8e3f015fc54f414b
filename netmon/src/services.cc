// Fake-internet servers (see services.h). One epoll thread serves everything, so a flood
// of connections costs file descriptors (bounded by max_connections), not threads.
// Protocol decisions are delegated to responder.h; this file is socket plumbing only.
#include "services.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "netmon/bytes.h"
#include "netmon/netns.h"

namespace gs::netmon {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxReadsPerWakeup = 16;
constexpr size_t kMaxPending = 1 << 20;

IpAddr addr_of(const sockaddr_in& sa) { return IpAddr::v4(ntohl(sa.sin_addr.s_addr)); }

Status set_opt(int fd, int level, int name, const char* what) {
  int one = 1;
  if (setsockopt(fd, level, name, &one, sizeof one) != 0)
    return sys_error(std::string("setsockopt(") + what + ")");
  return {};
}

// A socket that TPROXY can deliver any destination to: IP_TRANSPARENT, bound to the
// wildcard address on `port`.
Result<FD> transparent_socket(int type, uint16_t port) {
  FD fd(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket(AF_INET)");
  GS_TRY(set_opt(fd.get(), SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"));
  GS_TRY(set_opt(fd.get(), SOL_IP, IP_TRANSPARENT, "IP_TRANSPARENT"));
  if (type == SOCK_DGRAM)
    GS_TRY(set_opt(fd.get(), SOL_IP, IP_RECVORIGDSTADDR, "IP_RECVORIGDSTADDR"));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return sys_error("bind(0.0.0.0:" + std::to_string(port) + ")");
  if (type == SOCK_STREAM && listen(fd.get(), 1024) != 0) return sys_error("listen");
  return fd;
}

}  // namespace

struct Datagram {
  std::vector<uint8_t> data;
  sockaddr_in from{};
  sockaddr_in orig_dst{};  // from IP_ORIGDSTADDR: where the client sent it
};

namespace {

// One datagram, or nullopt when the socket is drained.
std::optional<Datagram> receive(int fd) {
  Datagram d;
  d.data.resize(kReadChunk);
  iovec iov{d.data.data(), d.data.size()};
  alignas(cmsghdr) char control[256];
  msghdr msg{};
  msg.msg_name = &d.from;
  msg.msg_namelen = sizeof d.from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) return std::nullopt;
  d.data.resize(static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR)
      std::memcpy(&d.orig_dst, CMSG_DATA(c), sizeof d.orig_dst);
  return d;
}

// Replies from the address the client wrote to (IP_TRANSPARENT allows a non-local
// source), or a client with a connected UDP socket would drop the answer.
void reply_from(int fd, const sockaddr_in& from_addr, const sockaddr_in& to,
                std::span<const uint8_t> data) {
  iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_in*>(&to);
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_spec_dst = from_addr.sin_addr;
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  (void)sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

Status epoll_add(int epfd, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl(ADD)");
  return {};
}

}  // namespace

struct Services::Conn {
  FD fd;
  std::optional<size_t> record;
  bool dns = false;
  std::vector<uint8_t> dns_buf;
  StreamSniffer sniffer;
  std::vector<uint8_t> pending;
  bool close_after_flush = false;
  size_t http_seen = 0;             // sniffer HTTP entries already recorded or dropped
  bool last_http_recorded = false;  // whether the newest of them has a record
  Conn(FD f, size_t raw_bytes, bool tls_hold) : fd(std::move(f)), sniffer(raw_bytes, tls_hold) {}
};

Result<std::unique_ptr<Services>> Services::start(int netns_fd, const Config& cfg) {
  FD dns_udp, tcp_sink, udp_sink;
  GS_TRY(run_in_netns(netns_fd, [&]() -> Status {
    GS_ASSIGN_OR_RETURN(dns_udp, transparent_socket(SOCK_DGRAM, kDnsPort));
    GS_ASSIGN_OR_RETURN(tcp_sink, transparent_socket(SOCK_STREAM, kTcpSinkPort));
    GS_ASSIGN_OR_RETURN(udp_sink, transparent_socket(SOCK_DGRAM, kUdpSinkPort));
    return {};
  }));
  FD ep(epoll_create1(EPOLL_CLOEXEC));
  if (!ep) return sys_error("epoll_create1");
  FD wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return sys_error("eventfd");
  for (int fd : {dns_udp.get(), tcp_sink.get(), udp_sink.get(), wake.get()})
    GS_TRY(epoll_add(ep.get(), fd, EPOLLIN));
  std::unique_ptr<Services> s(new Services(cfg, std::move(dns_udp), std::move(tcp_sink),
                                           std::move(udp_sink), std::move(ep), std::move(wake)));
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

Services::Services(const Config& cfg, FD dns_udp, FD tcp_sink, FD udp_sink, FD epoll, FD wake)
    : cfg_(cfg),
      dns_udp_(std::move(dns_udp)),
      tcp_sink_(std::move(tcp_sink)),
      udp_sink_(std::move(udp_sink)),
      epoll_(std::move(epoll)),
      wake_(std::move(wake)),
      pool_(cfg.opts.max_names) {}

Services::~Services() { stop(); }

void Services::stop() {
  if (thread_.joinable()) {
    stopping_ = true;
    uint64_t one = 1;
    (void)!write(wake_.get(), &one, sizeof one);
    thread_.join();
  }
  while (!conns_.empty()) close_conn(conns_.begin()->first);
  dns_udp_.reset();
  tcp_sink_.reset();
  udp_sink_.reset();
}

int64_t Services::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               cfg_.epoch)
      .count();
}

void Services::run() {
  epoll_event events[64];
  // After stop() one more pass runs without waiting, so connections and datagrams the
  // kernel already queued (the jail's last moments) are still recorded.
  for (int final_passes = 0; final_passes < 64;) {
    bool draining = stopping_;
    int n = epoll_wait(epoll_.get(), events, 64, draining ? 0 : 500);
    int handled = 0;
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_.get()) continue;
      ++handled;
      if (fd == dns_udp_.get())
        on_dns_udp();
      else if (fd == tcp_sink_.get())
        on_accept();
      else if (fd == udp_sink_.get())
        on_udp_sink();
      else if (events[i].events & EPOLLOUT)
        on_conn_writable(fd);
      else
        on_conn_readable(fd);
    }
    if (draining && (handled == 0 || ++final_passes >= 64)) break;
  }
}

std::optional<size_t> Services::add_connection(ConnectionRecord r) {
  if (total_records() >= cfg_.opts.max_records) {
    ++counters_.records_dropped;
    return std::nullopt;
  }
  r.id = next_id_++;
  records_.connections.push_back(std::move(r));
  return records_.connections.size() - 1;
}

void Services::on_dns_udp() {
  for (int i = 0; i < 256; ++i) {
    auto d = receive(dns_udp_.get());
    if (!d) return;
    std::lock_guard lock(mu_);
    auto answered = answer_dns(d->data, pool_);
    if (!answered.ok()) {
      // Not DNS (a custom protocol on port 53): keep it like any other datagram.
      record_datagram(*d);
      continue;
    }
    ++counters_.dns_queries;
    reply_from(dns_udp_.get(), d->orig_dst, d->from, answered->response);
    if (total_records() >= cfg_.opts.max_records) {
      ++counters_.records_dropped;
      continue;
    }
    records_.dns.push_back({now_ms(), answered->name, answered->type,
                            dns::type_name(answered->type), answered->answer, "udp",
                            addr_of(d->orig_dst), ntohs(d->from.sin_port)});
  }
}

void Services::on_udp_sink() {
  for (int i = 0; i < 256; ++i) {
    auto d = receive(udp_sink_.get());
    if (!d) return;
    std::lock_guard lock(mu_);
    record_datagram(*d);
  }
}

// UDP has no connections; datagrams with the same 4-tuple form one record.
void Services::record_datagram(const Datagram& d) {
  ++counters_.udp_datagrams;
  auto key =
      std::make_tuple(ntohs(d.from.sin_port), addr_of(d.orig_dst), ntohs(d.orig_dst.sin_port));
  auto it = udp_flows_.find(key);
  if (it == udp_flows_.end()) {
    ConnectionRecord r;
    r.proto = "udp";
    r.dst = std::get<1>(key);
    r.dst_port = std::get<2>(key);
    r.src_port = std::get<0>(key);
    r.hostname = pool_.name_for(r.dst).value_or("");
    r.first_ms = now_ms();
    r.app = "raw";
    r.first_bytes_hex = to_hex(d.data, cfg_.opts.raw_bytes);
    auto idx = add_connection(std::move(r));
    if (!idx) return;
    it = udp_flows_.emplace(key, *idx).first;
  }
  ConnectionRecord& r = records_.connections[it->second];
  ++r.datagrams;
  r.bytes_out += d.data.size();
  r.last_ms = now_ms();
  if (r.datagram_ms.size() < ConnectionRecord::kMaxDatagramTimes) {
    r.datagram_ms.push_back(r.last_ms);
    r.datagram_bytes.push_back(d.data.size());
  }
}

void Services::on_accept() {
  for (int i = 0; i < 256; ++i) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    FD fd(accept4(tcp_sink_.get(), reinterpret_cast<sockaddr*>(&peer), &len,
                  SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd) return;
    sockaddr_in local{};  // under TPROXY the local address is the original destination
    len = sizeof local;
    getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len);
    std::lock_guard lock(mu_);
    ++counters_.tcp_connections;
    if (conns_.size() >= cfg_.opts.max_connections) {
      ++counters_.tcp_rejected;
      continue;  // FD closes: the client sees a reset-free close
    }
    ConnectionRecord r;
    r.proto = "tcp";
    r.dst = addr_of(local);
    r.dst_port = ntohs(local.sin_port);
    r.src_port = ntohs(peer.sin_port);
    r.hostname = pool_.name_for(r.dst).value_or("");
    r.first_ms = r.last_ms = now_ms();
    bool dns = r.dst_port == kDnsPort;
    if (dns) r.app = "dns";
    auto conn = std::make_unique<Conn>(std::move(fd), cfg_.opts.raw_bytes, cfg_.opts.tls_hold);
    conn->dns = dns;
    conn->record = add_connection(std::move(r));
    int cfd = conn->fd.get();
    if (!epoll_add(epoll_.get(), cfd, EPOLLIN | EPOLLRDHUP).ok()) continue;
    conns_.emplace(cfd, std::move(conn));
  }
}

size_t Services::total_records() const {
  return records_.dns.size() + records_.connections.size() + http_records_;
}

ConnectionRecord* Services::record_of(const Conn& c) {
  return c.record ? &records_.connections[*c.record] : nullptr;
}

static HttpRecord to_record(const StreamSniffer::Http& h) {
  return {h.time_ms, h.method, h.host, h.path, h.user_agent, h.body_bytes, h.body_sha256};
}

// Copies what the sniffer learned into the record. HTTP requests count against
// max_records like DNS queries and connections: keep-alive floods are bounded too.
void Services::sync_record(Conn& c, ConnectionRecord& r) {
  const StreamSniffer& s = c.sniffer;
  r.app = s.app();
  r.first_bytes_hex = s.first_bytes_hex();
  r.tls_sni = s.tls_sni();
  r.tls_alpn = s.tls_alpn();
  r.tls_version = s.tls_version();
  const auto& h = s.http();
  if (c.last_http_recorded && c.http_seen > 0) r.http.back() = to_record(h[c.http_seen - 1]);
  for (size_t i = c.http_seen; i < h.size(); ++i) {
    c.last_http_recorded = total_records() < cfg_.opts.max_records;
    if (!c.last_http_recorded) {
      ++counters_.records_dropped;
      continue;
    }
    r.http.push_back(to_record(h[i]));
    ++http_records_;
  }
  c.http_seen = h.size();
}

void Services::on_conn_readable(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  std::vector<uint8_t> buf(kReadChunk);
  for (int i = 0; i < kMaxReadsPerWakeup; ++i) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      c.sniffer.finish();
      {
        std::lock_guard lock(mu_);
        if (auto* r = record_of(c); r && !c.dns) sync_record(c, *r);
      }
      close_conn(fd);  // takes mu_ itself
      return;
    }
    std::span<const uint8_t> data(buf.data(), static_cast<size_t>(n));
    std::vector<uint8_t> out;
    {
      std::lock_guard lock(mu_);
      if (auto* r = record_of(c)) {
        r->bytes_out += data.size();
        r->last_ms = now_ms();
      }
    }
    if (c.dns) {
      serve_dns_tcp(c, data);
    } else {
      out = c.sniffer.feed(data, now_ms());
      std::lock_guard lock(mu_);
      if (auto* r = record_of(c)) sync_record(c, *r);
    }
    if (conns_.count(fd) == 0) return;  // closed by serve_dns_tcp
    if (c.sniffer.should_close()) c.close_after_flush = true;
    send_or_queue(c, std::move(out));
    if (conns_.count(fd) == 0) return;
  }
}

void Services::serve_dns_tcp(Conn& c, std::span<const uint8_t> data) {
  c.dns_buf.insert(c.dns_buf.end(), data.begin(), data.end());
  for (;;) {
    auto frame = dns::tcp_unframe(c.dns_buf);
    if (!frame.ok()) {
      if (!is_truncated(frame.error()) || c.dns_buf.size() > 70000) close_conn(c.fd.get());
      return;
    }
    std::vector<uint8_t> reply;
    {
      std::lock_guard lock(mu_);
      ++counters_.dns_queries;
      auto answered = answer_dns(frame->message, pool_);
      if (answered.ok()) {
        reply = dns::tcp_frame(answered->response);
        if (total_records() < cfg_.opts.max_records) {
          auto* r = record_of(c);
          records_.dns.push_back({now_ms(), answered->name, answered->type,
                                  dns::type_name(answered->type), answered->answer, "tcp",
                                  r ? r->dst : IpAddr{}, r ? r->src_port : uint16_t{0}});
        } else {
          ++counters_.records_dropped;
        }
      }
    }
    c.dns_buf.erase(c.dns_buf.begin(), c.dns_buf.begin() + static_cast<long>(frame->consumed));
    int fd = c.fd.get();
    send_or_queue(c, std::move(reply));
    if (conns_.count(fd) == 0) return;
  }
}

void Services::send_or_queue(Conn& c, std::vector<uint8_t> bytes) {
  c.pending.insert(c.pending.end(), bytes.begin(), bytes.end());
  int fd = c.fd.get();
  if (!c.pending.empty()) {
    ssize_t n = send(fd, c.pending.data(), c.pending.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c.pending.erase(c.pending.begin(), c.pending.begin() + n);
      std::lock_guard lock(mu_);
      if (auto* r = record_of(c)) r->bytes_in += static_cast<uint64_t>(n);
    } else if (n < 0 && errno != EAGAIN) {
      close_conn(fd);
      return;
    }
  }
  if (c.pending.empty()) {
    if (c.close_after_flush) close_conn(fd);
    return;
  }
  if (c.pending.size() > kMaxPending) return close_conn(fd);  // the client is not reading
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void Services::on_conn_writable(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  send_or_queue(c, {});
  if (conns_.count(fd) && c.pending.empty()) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
  }
}

void Services::close_conn(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  {
    std::lock_guard lock(mu_);
    if (auto* r = record_of(*it->second)) {
      r->closed = true;
      r->last_ms = now_ms();
    }
  }
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  conns_.erase(it);
}

FakeInternetRecords Services::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

void Services::fill_stats(FakeInternetStats& s) const {
  std::lock_guard lock(mu_);
  s.dns_queries = counters_.dns_queries;
  s.tcp_connections = counters_.tcp_connections;
  s.tcp_rejected = counters_.tcp_rejected;
  s.udp_datagrams = counters_.udp_datagrams;
  s.records_dropped = counters_.records_dropped;
}

std::optional<std::string> Services::name_for(const IpAddr& addr) const {
  std::lock_guard lock(mu_);
  return pool_.name_for(addr);
}

}  // namespace gs::netmon
