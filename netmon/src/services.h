// The fake internet's servers on one epoll thread: DNS over UDP, a TCP sink for every
// address and port (DNS over TCP when the original port is 53), and a UDP sink. Sockets
// are created inside the services namespace with IP_TRANSPARENT, so TPROXY can hand them
// connections and datagrams for any destination, which they see as their local address.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "base/fd.h"
#include "base/result.h"
#include "netmon/fake_internet.h"
#include "netmon/responder.h"

namespace gs::netmon {

inline constexpr uint16_t kDnsPort = 53;
inline constexpr uint16_t kTcpSinkPort = 61001;
inline constexpr uint16_t kUdpSinkPort = 61002;

struct Datagram;

class Services {
 public:
  struct Config {
    FakeInternetOptions opts;
    std::chrono::steady_clock::time_point epoch;
  };
  static Result<std::unique_ptr<Services>> start(int netns_fd, const Config& cfg);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  void stop();  // closes every socket; records stay
  FakeInternetRecords records() const;
  void fill_stats(FakeInternetStats& s) const;
  std::optional<std::string> name_for(const IpAddr& addr) const;

 private:
  struct Conn;
  Services(const Config& cfg, FD dns_udp, FD tcp_sink, FD udp_sink, FD epoll, FD wake);
  void run();
  int64_t now_ms() const;
  void on_dns_udp();
  void on_udp_sink();
  void on_accept();
  void on_conn_readable(int fd);
  void on_conn_writable(int fd);
  void close_conn(int fd);
  void send_or_queue(Conn& c, std::vector<uint8_t> bytes);
  void serve_dns_tcp(Conn& c, std::span<const uint8_t> data);
  ConnectionRecord* record_of(const Conn& c);                // under mu_
  void sync_record(Conn& c, ConnectionRecord& r);            // under mu_
  void record_datagram(const Datagram& d);                   // under mu_
  size_t total_records() const;                              // under mu_
  std::optional<size_t> add_connection(ConnectionRecord r);  // under mu_

  Config cfg_;
  FD dns_udp_, tcp_sink_, udp_sink_, epoll_, wake_;
  std::map<int, std::unique_ptr<Conn>> conns_;                          // event-loop thread only
  std::map<std::tuple<uint16_t, IpAddr, uint16_t>, size_t> udp_flows_;  // -> record index
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mu_;  // guards everything below
  NamePool pool_;
  FakeInternetRecords records_;
  FakeInternetStats counters_;
  uint64_t next_id_ = 1;
  size_t http_records_ = 0;
};

}  // namespace gs::netmon
