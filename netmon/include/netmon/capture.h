// Live capture of one interface inside a network namespace with libpcap, written to a
// classic pcap file with a size cap and fed to a flow table. The pcap handle is opened by
// a thread that has joined the namespace; the packet socket stays bound there after.
#pragma once

#include <pcap/pcap.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/fd.h"
#include "base/result.h"
#include "netmon/flow.h"
#include "netmon/pcap_file.h"

namespace gs::netmon {

struct CaptureOptions {
  std::string ifname;
  std::string pcap_path;  // empty: count flows only
  uint32_t snap_len = 65535;
  uint64_t max_bytes = 256u << 20;
};

struct CaptureStats {
  uint64_t packets_captured = 0;
  uint64_t packets_written = 0;
  uint64_t packets_over_cap = 0;
  uint64_t bytes_written = 0;
  uint64_t kernel_drops = 0;  // pcap_ps_drop + pcap_ps_ifdrop
  // pcap_stats(3) at stop(): packets the socket's filter passed (drops included), dropped
  // because the ring was full, dropped by the interface. Zero until stop().
  uint64_t pcap_ps_recv = 0, pcap_ps_drop = 0, pcap_ps_ifdrop = 0;
  bool link_gone = false;  // the interface went away (the jail's namespace ended)
  std::string error;       // why the capture failed, empty if it did not
};

class Capture {
 public:
  static Result<std::unique_ptr<Capture>> start(int netns_fd, const CaptureOptions& opts);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Drains what the kernel still holds, stops the thread, flushes the file. Idempotent.
  void stop();
  CaptureStats stats() const;
  std::vector<Flow> flows() const;

 private:
  struct PcapCloser {
    void operator()(pcap_t* p) const { pcap_close(p); }
  };
  using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

  Capture(PcapHandle handle, std::optional<pcap::Writer> writer, FD wake,
          const CaptureOptions& opts);
  void run();
  void on_packet(const struct pcap_pkthdr* h, const u_char* bytes);
  static void trampoline(u_char* self, const struct pcap_pkthdr* h, const u_char* bytes);

  PcapHandle handle_;
  std::optional<pcap::Writer> writer_;
  FD wake_;  // eventfd: stop() wakes the poll in run()
  CaptureOptions opts_;
  int link_type_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  CaptureStats stats_;
  FlowTable flows_;
};

}  // namespace gs::netmon
