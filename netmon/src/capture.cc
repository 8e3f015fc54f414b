// libpcap capture (see capture.h). Buffered TPACKET_V3 blocks with a short retire
// timeout; poll on pcap's selectable fd plus an eventfd so stop() wakes the thread at
// once, then one last wait for the final block so a run's last packets are kept.
#include "netmon/capture.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "netmon/netns.h"
#include "netmon/packet.h"

namespace gs::netmon {
namespace {

constexpr int kBlockTimeoutMs = 50;

Result<pcap_t*> open_live(const CaptureOptions& opts) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(opts.ifname.c_str(), err);
  if (!p) return error("pcap_create('" + opts.ifname + "'): " + err);
  int snap = static_cast<int>(
      std::min<uint32_t>(opts.snap_len ? opts.snap_len : 65535, pcap::kMaxSnapLen));
  pcap_set_snaplen(p, snap);
  pcap_set_promisc(p, 0);
  // Not immediate mode: that ring (TPACKET_V2) has one fixed slot per packet, sized for
  // 64 KiB on a veth with offloads, so 32 MiB held only ~500 packets and a burst of
  // 7k connections/s lost up to 15% under load. Buffered mode (TPACKET_V3) packs packets
  // into blocks, retired at the latest after kBlockTimeoutMs; stop() waits for that.
  pcap_set_immediate_mode(p, 0);
  pcap_set_timeout(p, kBlockTimeoutMs);
  pcap_set_buffer_size(p, 32 << 20);
  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = "pcap_activate('" + opts.ifname + "'): " + pcap_geterr(p);
    pcap_close(p);
    return error(msg);
  }
  if (pcap_setnonblock(p, 1, err) != 0) {
    pcap_close(p);
    return error(std::string("pcap_setnonblock: ") + err);
  }
  return p;
}

}  // namespace

Result<std::unique_ptr<Capture>> Capture::start(int netns_fd, const CaptureOptions& opts) {
  pcap_t* raw = nullptr;
  GS_TRY(run_in_netns(netns_fd, [&]() -> Status {
    GS_ASSIGN_OR_RETURN(raw, open_live(opts));
    return {};
  }));
  PcapHandle handle(raw);
  std::optional<pcap::Writer> writer;
  if (!opts.pcap_path.empty()) {
    GS_ASSIGN_OR_RETURN(
        auto w, pcap::Writer::create(opts.pcap_path, static_cast<uint32_t>(pcap_datalink(raw)),
                                     static_cast<uint32_t>(pcap_snapshot(raw))));
    writer.emplace(std::move(w));
  }
  FD wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return sys_error("eventfd");
  std::unique_ptr<Capture> c(
      new Capture(std::move(handle), std::move(writer), std::move(wake), opts));
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

Capture::Capture(PcapHandle handle, std::optional<pcap::Writer> writer, FD wake,
                 const CaptureOptions& opts)
    : handle_(std::move(handle)), writer_(std::move(writer)), wake_(std::move(wake)), opts_(opts) {
  link_type_ = pcap_datalink(handle_.get());
}

Capture::~Capture() { stop(); }

void Capture::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  thread_.join();
  struct pcap_stat ps = {};
  std::lock_guard lock(mu_);
  if (pcap_stats(handle_.get(), &ps) == 0) {
    stats_.pcap_ps_recv = ps.ps_recv;
    stats_.pcap_ps_drop = ps.ps_drop;
    stats_.pcap_ps_ifdrop = ps.ps_ifdrop;
    stats_.kernel_drops = uint64_t{ps.ps_drop} + ps.ps_ifdrop;
  }
  if (writer_) (void)writer_->flush();
}

void Capture::run() {
  // The capture is evidence; when the jail, the servers and the host's other work share
  // two cores, this thread must not be the one that starves (the kernel ring then drops).
  // Per-thread nice on Linux; failure (no CAP_SYS_NICE) only costs priority.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), -10);
  int fd = pcap_get_selectable_fd(handle_.get());
  bool final_wait_done = false;
  for (;;) {
    pollfd p[2] = {{fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    poll(p, 2, 500);
    // Dispatch before checking stop, so packets that arrived before stop() are kept.
    int n;
    while ((n = pcap_dispatch(handle_.get(), -1, &Capture::trampoline,
                              reinterpret_cast<u_char*>(this))) > 0) {
    }
    if (n == PCAP_ERROR) {
      // The socket would poll as ready forever: the capture ends here either way.
      std::lock_guard lock(mu_);
      std::string why = pcap_geterr(handle_.get());
      // The usual end when the harness waits for the jail first: its namespace died and
      // took the veth pair along. Frames already queued were read by the loop above.
      if (why.find("interface disappeared") != std::string::npos ||
          why.find("interface went down") != std::string::npos)
        stats_.link_gone = true;
      else
        stats_.error = "pcap_dispatch: " + why;
      break;
    }
    if (stopping_) {
      if (final_wait_done) break;
      // Packets of the jail's last moments may sit in a block not yet retired.
      final_wait_done = true;
      pollfd last{fd, POLLIN, 0};
      poll(&last, 1, 2 * kBlockTimeoutMs);
    }
  }
}

void Capture::trampoline(u_char* self, const struct pcap_pkthdr* h, const u_char* bytes) {
  reinterpret_cast<Capture*>(self)->on_packet(h, bytes);
}

void Capture::on_packet(const struct pcap_pkthdr* h, const u_char* bytes) {
  std::span<const uint8_t> data(bytes, h->caplen);
  int64_t ts_us = int64_t{h->ts.tv_sec} * 1000000 + h->ts.tv_usec;
  std::lock_guard lock(mu_);
  ++stats_.packets_captured;
  if (auto d = decode_packet(static_cast<uint32_t>(link_type_), data); d.ok())
    flows_.add(*d, ts_us);
  if (!writer_) return;
  if (writer_->bytes_written() + 16 + data.size() > opts_.max_bytes) {
    ++stats_.packets_over_cap;
    return;
  }
  if (writer_->write(ts_us, data, h->len).ok()) ++stats_.packets_written;
  stats_.bytes_written = writer_->bytes_written();
}

CaptureStats Capture::stats() const {
  std::lock_guard lock(mu_);
  CaptureStats s = stats_;
  if (writer_) s.bytes_written = writer_->bytes_written();
  return s;
}

std::vector<Flow> Capture::flows() const {
  std::lock_guard lock(mu_);
  return flows_.flows();
}

}  // namespace gs::netmon
