// FakeInternet assembly: a flat list of named steps (services namespace, veth into the
// jail, no IPv6 on the link, capture, the jail's end up, TPROXY rules, servers), each
// owning what it creates. The capture starts while the link has no carrier yet, so every
// packet that ever crosses it is in the pcap. Teardown is member destruction in reverse
// order, so a failure at any step leaves nothing behind: the namespace fd is the last
// reference to the services side, and the veth pair dies with it.
#include "netmon/fake_internet.h"

#include <fcntl.h>
#include <unistd.h>

#include "netmon/capture.h"
#include "netmon/netns.h"
#include "services.h"

namespace gs::netmon {
namespace {

constexpr const char* kServicesIf = "gs-svc";
constexpr int kTproxyMark = 1;
constexpr int kTproxyTable = 100;

// The veth pair, deleted explicitly at destruction: namespace teardown would delete it
// too, but asynchronously, and the jail's end must be gone when we return.
class VethLink {
 public:
  VethLink(int services_ns_fd, std::string name) : ns_fd_(services_ns_fd), name_(std::move(name)) {}
  VethLink(const VethLink&) = delete;
  VethLink& operator=(const VethLink&) = delete;
  ~VethLink() { (void)run_command_in_netns(ns_fd_, {"ip", "link", "del", name_}); }

 private:
  int ns_fd_;
  std::string name_;
};

std::string services_ip_script(const std::string& jail_if) {
  return std::string("link set lo up\n") + "link add " + kServicesIf + " type veth peer name " +
         jail_if + " netns /proc/self/fd/3\n" + "addr add " + FakeInternet::kServicesAddress +
         "/30 dev " + kServicesIf + "\n" + "link set " + kServicesIf + " up\n" +
         // TPROXY'd packets carry the mark; this table makes every address local for them.
         "rule add fwmark " + std::to_string(kTproxyMark) + " lookup " +
         std::to_string(kTproxyTable) + "\n" + "route add local 0.0.0.0/0 dev lo table " +
         std::to_string(kTproxyTable) + "\n";
}

// The link is IPv4 only (AAAA gets NODATA). With IPv6 on, both ends send MLD reports the
// instant the link gets carrier, then DAD, router solicitations (retried for the whole run)
// and more MLD: noise in the evidence that no module code sent. Off before the link is up,
// it sends nothing at all until the jail does. A kernel without IPv6 has nothing to turn off.
Status disable_ipv6(int netns_fd, const std::string& ifname) {
  if (ifname.empty() || ifname.find('/') != std::string::npos || ifname == "." || ifname == "..")
    return error("fake internet: bad interface name '" + ifname + "'");
  return run_in_netns(netns_fd, [&]() -> Status {
    // /proc/sys/net resolves against the calling thread's network namespace.
    std::string path = "/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6";
    FD fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT && access("/proc/sys/net/ipv6", F_OK) != 0) return {};
      return sys_error("open('" + path + "')");
    }
    if (write(fd.get(), "1\n", 2) != 2) return sys_error("write('" + path + "')");
    return {};
  });
}

std::string jail_ip_script(const std::string& jail_if) {
  return "link set lo up\n"
         "addr add " +
         std::string(FakeInternet::kJailAddress) + "/30 dev " + jail_if + "\n" + "link set " +
         jail_if + " up\n" + "route add default via " + FakeInternet::kServicesAddress + " dev " +
         jail_if + "\n";
}

// Every TCP and UDP packet from the jail goes to one of three sockets, whatever its
// destination; the sockets see the original destination as their local address.
std::string nft_ruleset() {
  std::string mark = " meta mark set " + std::to_string(kTproxyMark) + " accept\n";
  std::string in = std::string("    iifname \"") + kServicesIf + "\" ";
  return "table ip gosandbox {\n"
         "  chain prerouting {\n"
         "    type filter hook prerouting priority mangle; policy accept;\n" +
         in + "udp dport 53 tproxy to :" + std::to_string(kDnsPort) + mark + in +
         "meta l4proto tcp tproxy to :" + std::to_string(kTcpSinkPort) + mark + in +
         "meta l4proto udp tproxy to :" + std::to_string(kUdpSinkPort) + mark + "  }\n}\n";
}

}  // namespace

struct FakeInternet::Impl {
  FakeInternetOptions opts;
  std::chrono::steady_clock::time_point epoch;
  // Declaration order is teardown order reversed: servers, capture, veth, namespace.
  std::optional<NetNs> services_ns;
  std::unique_ptr<VethLink> veth;
  std::unique_ptr<Capture> capture;
  std::unique_ptr<Services> servers;
};

FakeInternet::FakeInternet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeInternet::~FakeInternet() { (void)stop(); }

Result<std::unique_ptr<FakeInternet>> FakeInternet::make(int jail_netns_fd,
                                                         const FakeInternetOptions& opts) {
  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  impl->epoch = opts.epoch.value_or(std::chrono::steady_clock::now());
  GS_ASSIGN_OR_RETURN(NetNs jail, NetNs::adopt(jail_netns_fd));
  GS_ASSIGN_OR_RETURN(NetNs services, NetNs::create());
  if (services.inode() == jail.inode())
    return error("fake internet: jail netns is the services netns");
  impl->services_ns.emplace(std::move(services));
  int sfd = impl->services_ns->fd();

  // The services end is created without IPv6 (the namespace's default) and brought up;
  // it has no carrier until the jail's end is up, so nothing crosses the link yet.
  GS_TRY(disable_ipv6(sfd, "default"));
  GS_TRY(run_command_in_netns(sfd, {"ip", "-batch", "-"}, services_ip_script(opts.jail_ifname),
                              jail.fd()));
  impl->veth = std::make_unique<VethLink>(sfd, kServicesIf);
  GS_TRY(disable_ipv6(jail.fd(), opts.jail_ifname));
  // libpcap refuses an interface that is down, not one without carrier: the capture
  // starts here, before the first packet can exist.
  CaptureOptions co{kServicesIf, opts.pcap_path, opts.snap_len, opts.pcap_max_bytes};
  GS_ASSIGN_OR_RETURN(impl->capture, Capture::start(sfd, co));
  GS_TRY(run_command_in_netns(jail.fd(), {"ip", "-batch", "-"}, jail_ip_script(opts.jail_ifname)));
  GS_TRY(run_command_in_netns(sfd, {"nft", "-f", "-"}, nft_ruleset()));
  GS_ASSIGN_OR_RETURN(impl->servers, Services::start(sfd, {opts, impl->epoch}));
  return std::unique_ptr<FakeInternet>(new FakeInternet(std::move(impl)));
}

Status FakeInternet::stop() {
  if (impl_->servers) impl_->servers->stop();
  if (impl_->capture) impl_->capture->stop();
  return {};
}

FakeInternetRecords FakeInternet::records() const {
  return impl_->servers ? impl_->servers->records() : FakeInternetRecords{};
}

FakeInternetStats FakeInternet::stats() const {
  FakeInternetStats s;
  if (impl_->servers) impl_->servers->fill_stats(s);
  s.pcap_path = impl_->opts.pcap_path;
  s.snap_len = impl_->opts.snap_len;
  s.pcap_max_bytes = impl_->opts.pcap_max_bytes;
  if (impl_->capture) {
    CaptureStats c = impl_->capture->stats();
    s.packets_captured = c.packets_captured;
    s.packets_written = c.packets_written;
    s.packets_over_cap = c.packets_over_cap;
    s.pcap_bytes = c.bytes_written;
    s.kernel_drops = c.kernel_drops;
    s.pcap_ps_recv = c.pcap_ps_recv;
    s.pcap_ps_drop = c.pcap_ps_drop;
    s.pcap_ps_ifdrop = c.pcap_ps_ifdrop;
    s.capture_error = c.error;
    s.link_gone = c.link_gone;
    s.flows = impl_->capture->flows();
  }
  return s;
}

std::optional<std::string> FakeInternet::name_for(const IpAddr& addr) const {
  return impl_->servers ? impl_->servers->name_for(addr) : std::nullopt;
}

}  // namespace gs::netmon
