// Parser tests on crafted bytes: DNS (including hostile compression), TLS ClientHello,
// HTTP request heads, and the Ethernet/IP decoder. No root, no network.
#include <gtest/gtest.h>

#include "frames.h"
#include "netmon/bytes.h"
#include "netmon/dns.h"
#include "netmon/http.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"
#include "netmon/sha256.h"
#include "netmon/tls.h"

namespace gs::netmon {
namespace {

using testing::Bytes;
using testing::str;

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

// ---- DNS ----

TEST(Dns, ParsesQueryItBuilt) {
  auto q = dns::build_query("Beacon.C2.test", dns::kTXT, 0x1234);
  ASSERT_TRUE(q.ok()) << q.error().message();
  auto m = dns::parse(*q);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_FALSE(m->is_response);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "beacon.c2.test");  // lower-cased for logs
  EXPECT_EQ(m->questions[0].type, dns::kTXT);
  EXPECT_EQ(m->questions[0].klass, 1);
}

TEST(Dns, ResponseAnswersEachTypeAndRoundTrips) {
  dns::Answer a;
  a.v4 = ip("198.19.0.7");
  a.v6 = ip("2001:db8::7");
  a.ptr_target = "evil.test";
  struct Case {
    uint16_t type;
    std::string expect;
  } cases[] = {{dns::kA, "198.19.0.7"},    {dns::kAAAA, "2001:db8::7"},
               {dns::kTXT, "v=spf1 -all"}, {dns::kMX, "mail.x.test"},
               {dns::kNS, "ns1.x.test"},   {dns::kCNAME, "edge.x.test"}};
  for (const auto& c : cases) {
    auto q = dns::parse(*dns::build_query("x.test", c.type, 7));
    ASSERT_TRUE(q.ok());
    auto r = dns::build_response(*q, a);
    ASSERT_TRUE(r.ok());
    auto m = dns::parse(*r);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_TRUE(m->is_response);
    EXPECT_EQ(m->id, 7);
    EXPECT_EQ(m->rcode, 0);
    ASSERT_EQ(m->answers.size(), 1u) << dns::type_name(c.type);
    EXPECT_EQ(m->answers[0].name, "x.test");
    EXPECT_EQ(m->answers[0].type, c.type);
    EXPECT_EQ(m->answers[0].text, c.expect) << dns::type_name(c.type);
  }
}

TEST(Dns, ReverseLookupAndNoDataForMissingAddress) {
  EXPECT_EQ(dns::parse_reverse_v4("7.0.19.198.in-addr.arpa"), ip("198.19.0.7"));
  EXPECT_FALSE(dns::parse_reverse_v4("7.0.19.in-addr.arpa"));
  EXPECT_FALSE(dns::parse_reverse_v4("a.0.19.198.in-addr.arpa"));
  EXPECT_FALSE(dns::parse_reverse_v4("256.0.19.198.in-addr.arpa"));
  dns::Answer a;  // no v6 configured: NOERROR, empty answer, not NXDOMAIN
  auto q = dns::parse(*dns::build_query("x.test", dns::kAAAA, 1));
  auto m = dns::parse(*dns::build_response(*q, a));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->rcode, 0);
  EXPECT_TRUE(m->answers.empty());
}

TEST(Dns, RejectsCompressionLoopsAndForwardPointers) {
  // header with qdcount=1, then a name that points at itself
  Bytes self{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_FALSE(dns::parse(self).ok());
  Bytes fwd{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 20, 0, 1, 0, 1, 1, 'a', 0};
  EXPECT_FALSE(dns::parse(fwd).ok());
  // A legal backward pointer chain works: answer name points back at the question.
  auto q = dns::parse(*dns::build_query("a.test", dns::kA, 1));
  dns::Answer a;
  a.v4 = ip("198.18.1.1");
  auto r = dns::parse(*dns::build_response(*q, a));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->answers.at(0).name, "a.test");
}

TEST(Dns, RejectsTruncatedAndOversizedNames) {
  auto q = *dns::build_query("abc.test", dns::kA, 1);
  for (size_t n = 0; n < q.size(); ++n) {
    auto m = dns::parse(std::span<const uint8_t>(q).first(n));
    EXPECT_FALSE(m.ok()) << n;
    EXPECT_TRUE(is_truncated(m.error())) << n << " " << m.error().message();
  }
  std::string longname;
  for (int i = 0; i < 5; ++i) longname += std::string(60, 'a') + ".";
  EXPECT_FALSE(dns::build_query(longname + "test", dns::kA, 1).ok());
  EXPECT_FALSE(dns::encode_name(std::string(64, 'a') + ".test").ok());
}

TEST(Dns, EscapesNonPrintableLabelBytes) {
  Bytes m{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', 0, '.', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
  auto r = dns::parse(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->questions[0].name, "a\\000\\..test");
}

TEST(Dns, TcpFraming) {
  auto q = *dns::build_query("x.test", dns::kA, 9);
  auto framed = dns::tcp_frame(q);
  Bytes two = framed;
  testing::append(two, framed);
  auto f = dns::tcp_unframe(two);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->consumed, framed.size());
  EXPECT_TRUE(std::equal(f->message.begin(), f->message.end(), q.begin(), q.end()));
  auto partial = dns::tcp_unframe(std::span<const uint8_t>(framed).first(5));
  ASSERT_FALSE(partial.ok());
  EXPECT_TRUE(is_truncated(partial.error()));
  Bytes tiny{0, 3, 1, 2, 3};
  EXPECT_FALSE(is_truncated(dns::tcp_unframe(tiny).error()));
}

// ---- TLS ----

TEST(Tls, ParsesSniAlpnAndVersion) {
  auto b = testing::client_hello("c2.example.test", {"h2", "http/1.1"});
  ASSERT_TRUE(tls::looks_like_tls(b));
  auto ch = tls::parse_client_hello(b);
  ASSERT_TRUE(ch.ok()) << ch.error().message();
  EXPECT_EQ(ch->sni, "c2.example.test");
  EXPECT_EQ(ch->alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(ch->record_version, 0x0301);
  EXPECT_EQ(ch->legacy_version, 0x0303);
  EXPECT_EQ(ch->max_version, 0x0304);
  EXPECT_EQ(ch->supported_versions, (std::vector<uint16_t>{0x0304, 0x0303}));  // GREASE gone
  EXPECT_EQ(ch->cipher_suite_count, 2u);
  EXPECT_EQ(tls::version_name(ch->max_version), "TLS1.3");
}

TEST(Tls, ReassemblesHelloSplitAcrossRecords) {
  auto b = testing::client_hello("split.test", {"h2"}, true, 20);
  auto ch = tls::parse_client_hello(b);
  ASSERT_TRUE(ch.ok()) << ch.error().message();
  EXPECT_EQ(ch->sni, "split.test");
}

TEST(Tls, TruncationIsReportedAsNeedMore) {
  auto b = testing::client_hello("t.test", {}, false);
  for (size_t n = 0; n < b.size(); ++n) {
    auto ch = tls::parse_client_hello(std::span<const uint8_t>(b).first(n));
    ASSERT_FALSE(ch.ok());
    EXPECT_TRUE(is_truncated(ch.error())) << n << ": " << ch.error().message();
  }
  auto ch = tls::parse_client_hello(b);
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->max_version, 0x0303);
  EXPECT_TRUE(ch->alpn.empty());
}

TEST(Tls, RejectsNonTlsAndLyingLengths) {
  EXPECT_FALSE(tls::looks_like_tls(str("GET / HTTP/1.1\r\n")));
  EXPECT_FALSE(tls::parse_client_hello(str("GET / HTTP/1.1\r\n\r\n")).ok());
  auto b = testing::client_hello("x.test", {"h2"});
  b[5 + 4 + 2 + 32 + 1] = 0xFF;  // cipher suites length far beyond the message
  auto ch = tls::parse_client_hello(b);
  ASSERT_FALSE(ch.ok());
  EXPECT_FALSE(is_truncated(ch.error()));
}

// ---- HTTP ----

TEST(Http, ParsesRequestHead) {
  auto b = str(
      "POST /upload?id=1 HTTP/1.1\r\nHost: exfil.test:8080\r\nUser-Agent: Go-http-client/1.1\r\n"
      "Content-Length: 11\r\ncontent-type: text/plain\r\n\r\nhello world");
  ASSERT_TRUE(http::looks_like_http(b));
  auto h = http::parse_request_head(b);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->method, "POST");
  EXPECT_EQ(h->path, "/upload?id=1");
  EXPECT_EQ(h->version, "HTTP/1.1");
  EXPECT_EQ(h->host, "exfil.test:8080");
  EXPECT_EQ(h->user_agent, "Go-http-client/1.1");
  EXPECT_EQ(h->content_length, 11u);
  EXPECT_EQ(h->header_count, 4u);
  EXPECT_EQ(b.size() - h->head_length, 11u);
}

TEST(Http, BareLineFeedsAndTruncation) {
  auto h = http::parse_request_head(str("GET / HTTP/1.0\nHost: a.test\n\n"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->host, "a.test");
  auto t = http::parse_request_head(str("GET / HTTP/1.1\r\nHost: a.test\r\n"));
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(is_truncated(t.error()));
  EXPECT_TRUE(http::looks_like_http(str("GE")));
  EXPECT_FALSE(http::looks_like_http(str("SSH-2.0-Go\r\n")));
}

TEST(Http, RejectsGarbage) {
  EXPECT_FALSE(http::parse_request_head(str("GET /\r\n\r\n")).ok());
  EXPECT_FALSE(http::parse_request_head(str("G(T / HTTP/1.1\r\n\r\n")).ok());
  EXPECT_FALSE(http::parse_request_head(str("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")).ok());
  EXPECT_FALSE(http::parse_request_head(str("GET / HTTP/1.1\r\nno colon\r\n\r\n")).ok());
  Bytes huge = str("GET / HTTP/1.1\r\nX: ");
  huge.resize(http::kMaxHead + 10, 'a');
  auto h = http::parse_request_head(huge);
  ASSERT_FALSE(h.ok());
  EXPECT_FALSE(is_truncated(h.error()));
}

// ---- packets ----

TEST(Packet, DecodesIpv4TcpAndUdp) {
  auto f = testing::frame(ip("198.18.0.2"), 40000, ip("203.0.113.10"), 4444, kTcp, str("hi"), 0x02);
  auto p = decode_packet(pcap::kEthernet, f);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->src, ip("198.18.0.2"));
  EXPECT_EQ(p->dst, ip("203.0.113.10"));
  EXPECT_EQ(p->proto, kTcp);
  EXPECT_EQ(p->sport, 40000);
  EXPECT_EQ(p->dport, 4444);
  EXPECT_EQ(p->tcp_flags, tcp_flag::kSyn);
  EXPECT_EQ(p->ip_length, 20u + 20u + 2u);
  EXPECT_EQ(p->payload.size(), 2u);
  auto u = decode_packet(pcap::kEthernet, testing::frame(ip("2001:db8::2"), 5353, ip("2001:db8::1"),
                                                         53, kUdp, str("abc")));
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_EQ(u->src.to_string(), "2001:db8::2");
  EXPECT_EQ(u->dport, 53);
  EXPECT_EQ(u->payload.size(), 3u);
}

TEST(Packet, TruncatedFramesNeverReadPastTheEnd) {
  auto f = testing::frame(ip("198.18.0.2"), 1, ip("198.18.0.1"), 2, kTcp, str("payload"));
  for (size_t n = 0; n < 14 + 20 + 20; ++n)
    EXPECT_FALSE(decode_packet(pcap::kEthernet, std::span<const uint8_t>(f).first(n)).ok()) << n;
  Bytes arp(60, 0);
  arp[12] = 0x08, arp[13] = 0x06;
  EXPECT_FALSE(decode_packet(pcap::kEthernet, arp).ok());
  f[14] = 0x43;  // IHL 12 bytes: invalid
  EXPECT_FALSE(decode_packet(pcap::kEthernet, f).ok());
}

}  // namespace
}  // namespace gs::netmon

namespace gs::netmon {
namespace {

TEST(Sha256, KnownVectors) {
  Sha256 empty;
  EXPECT_EQ(empty.finish_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 abc;
  abc.update(testing::str("abc"));
  EXPECT_EQ(abc.finish_hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 split;  // 56 bytes crosses the padding boundary; fed in pieces
  std::string s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  split.update(testing::str(s.substr(0, 10)));
  split.update(testing::str(s.substr(10)));
  EXPECT_EQ(split.finish_hex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace gs::netmon
