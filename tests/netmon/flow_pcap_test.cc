// Pcap writer/reader round trips and flow accounting on pcaps the tests generate, the
// Zeek way: replay a capture through the same decoders the live path uses, no root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/fs.h"
#include "frames.h"
#include "netmon/bytes.h"
#include "netmon/flow.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"

namespace gs::netmon {
namespace {

using testing::str;

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

class TempFile {
 public:
  TempFile() {
    char tmpl[] = "/tmp/gs-netmon-test-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path_ = tmpl;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A short conversation: a TCP connect + request + reply, a DNS query and reply.
std::vector<std::pair<int64_t, testing::Bytes>> conversation() {
  auto jail = ip("198.18.0.2"), c2 = ip("203.0.113.10"), dns = ip("198.18.0.1");
  return {
      {1000, testing::frame(jail, 40000, dns, 53, kUdp, str("query-bytes"))},
      {1500, testing::frame(dns, 53, jail, 40000, kUdp, str("answer-bytes!"))},
      {2000, testing::frame(jail, 41000, c2, 4444, kTcp, {}, tcp_flag::kSyn)},
      {2100, testing::frame(c2, 4444, jail, 41000, kTcp, {}, tcp_flag::kSyn | tcp_flag::kAck)},
      {2200, testing::frame(jail, 41000, c2, 4444, kTcp, str("hello c2"),
                            tcp_flag::kAck | tcp_flag::kPsh)},
      {9000,
       testing::frame(c2, 4444, jail, 41000, kTcp, str("cmd"), tcp_flag::kAck | tcp_flag::kPsh)},
  };
}

TEST(Pcap, WriteThenReadRoundTrips) {
  TempFile f;
  {
    auto w = pcap::Writer::create(f.path(), pcap::kEthernet, 65535);
    ASSERT_TRUE(w.ok()) << w.error().message();
    for (auto& [ts, frame] : conversation())
      ASSERT_TRUE(w->write(1700000000000000 + ts, frame).ok());
    ASSERT_TRUE(w->flush().ok());
  }
  auto r = pcap::Reader::open(f.path());
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->link_type(), pcap::kEthernet);
  EXPECT_EQ(r->snap_len(), 65535u);
  auto expected = conversation();
  for (auto& [ts, frame] : expected) {
    auto p = r->next();
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->ts_us, 1700000000000000 + ts);
    EXPECT_EQ((*p)->data, frame);
    EXPECT_EQ((*p)->orig_len, frame.size());
  }
  auto end = r->next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(Pcap, SnapLengthTruncatesButKeepsOriginalLength) {
  TempFile f;
  testing::Bytes big(1000, 0xAB);
  {
    auto w = pcap::Writer::create(f.path(), pcap::kRaw, 100);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->write(5, big).ok());
  }
  auto r = pcap::Reader::open(f.path());
  ASSERT_TRUE(r.ok());
  auto p = r->next();
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->data.size(), 100u);
  EXPECT_EQ((*p)->orig_len, 1000u);
}

TEST(Pcap, RejectsDamagedFiles) {
  EXPECT_FALSE(pcap::Reader::from_bytes({1, 2, 3}).ok());
  std::vector<uint8_t> pcapng = {0x0a, 0x0d, 0x0d, 0x0a};
  pcapng.resize(24);
  EXPECT_FALSE(pcap::Reader::from_bytes(pcapng).ok());
  // Valid header, record claiming 4 GiB.
  TempFile f;
  {
    auto w = pcap::Writer::create(f.path(), pcap::kEthernet);
    ASSERT_TRUE(w->write(1, str("abcd")).ok());
  }
  auto data = read_file(f.path());
  ASSERT_TRUE(data.ok());
  std::vector<uint8_t> bytes(data->begin(), data->end());
  bytes[24 + 8] = bytes[24 + 9] = bytes[24 + 10] = bytes[24 + 11] = 0xFF;
  auto r = pcap::Reader::from_bytes(bytes);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->next().ok());
  bytes.resize(24 + 10);  // record header cut short
  auto r2 = pcap::Reader::from_bytes(bytes);
  ASSERT_TRUE(r2.ok());
  auto n = r2->next();
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(is_truncated(n.error()));
}

TEST(Pcap, ReadsBigEndianFiles) {
  std::vector<uint8_t> be = {0xa1, 0xb2, 0xc3, 0xd4, 0,    2,    0, 4, 0, 0,   0, 0, 0,   0,
                             0,    0,    0,    0,    0xff, 0xff, 0, 0, 0, 101, 0, 0, 0,   2,
                             0,    0,    0,    3,    0,    0,    0, 1, 0, 0,   0, 1, 0x45};
  auto r = pcap::Reader::from_bytes(be);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->link_type(), pcap::kRaw);
  auto p = r->next();
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->ts_us, 2000003);
  EXPECT_EQ((*p)->data.size(), 1u);
}

TEST(Flow, ReplayedPcapGivesDirectionalFlows) {
  TempFile f;
  {
    auto w = pcap::Writer::create(f.path(), pcap::kEthernet);
    ASSERT_TRUE(w.ok());
    // Replay order with the SYN-ACK first for the TCP flow: direction must still be right.
    auto conv = conversation();
    std::swap(conv[2], conv[3]);
    for (auto& [ts, frame] : conv) ASSERT_TRUE(w->write(ts, frame).ok());
  }
  auto r = pcap::Reader::open(f.path());
  ASSERT_TRUE(r.ok());
  FlowTable table;
  for (;;) {
    auto p = r->next();
    ASSERT_TRUE(p.ok());
    if (!p->has_value()) break;
    auto d = decode_packet(r->link_type(), (*p)->data);
    ASSERT_TRUE(d.ok()) << d.error().message();
    table.add(*d, (*p)->ts_us);
  }
  auto flows = table.flows();
  ASSERT_EQ(flows.size(), 2u);
  const Flow& udp = flows[0];
  EXPECT_EQ(udp.key.proto, kUdp);
  EXPECT_EQ(udp.key.src, ip("198.18.0.2"));
  EXPECT_EQ(udp.key.dport, 53);
  EXPECT_EQ(udp.stats.packets_out, 1u);
  EXPECT_EQ(udp.stats.packets_in, 1u);
  EXPECT_EQ(udp.stats.payload_out, 11u);
  EXPECT_EQ(udp.stats.payload_in, 13u);
  EXPECT_EQ(udp.stats.bytes_out, 20u + 8u + 11u);
  const Flow& tcp = flows[1];
  EXPECT_EQ(tcp.key.src, ip("198.18.0.2"));
  EXPECT_EQ(tcp.key.dst, ip("203.0.113.10"));
  EXPECT_EQ(tcp.key.dport, 4444);
  EXPECT_EQ(tcp.stats.packets_out, 2u);
  EXPECT_EQ(tcp.stats.packets_in, 2u);
  EXPECT_EQ(tcp.stats.payload_out, 8u);
  EXPECT_EQ(tcp.stats.payload_in, 3u);
  EXPECT_EQ(tcp.stats.first_us, 2000);
  EXPECT_EQ(tcp.stats.last_us, 9000);
  EXPECT_TRUE(tcp.stats.tcp_flags_out & tcp_flag::kSyn);
}

TEST(Flow, TableIsBounded) {
  FlowTable table(3);
  for (uint16_t port = 1; port <= 10; ++port) {
    auto f = testing::frame(ip("198.18.0.2"), port, ip("192.0.2.1"), 80, kTcp, {}, tcp_flag::kSyn);
    table.add(*decode_packet(pcap::kEthernet, f), port);
  }
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.dropped(), 7u);
}

}  // namespace
}  // namespace gs::netmon
