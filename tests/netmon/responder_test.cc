// Tests of the fake internet's decisions without sockets: name pool, DNS answers, and
// the TCP stream sniffer fed the way a socket delivers bytes (in arbitrary pieces).
#include "netmon/responder.h"

#include <gtest/gtest.h>

#include <set>

#include "frames.h"

namespace gs::netmon {
namespace {

using testing::Bytes;
using testing::str;

TEST(NamePool, StableReversibleAndInRange) {
  NamePool pool;
  auto a = pool.address_for("c2.evil.test");
  auto b = pool.address_for("cdn.other.test");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(pool.address_for("c2.evil.test"), a);
  EXPECT_EQ(pool.name_for(*a), "c2.evil.test");
  EXPECT_EQ(pool.name_for(*IpAddr::parse("203.0.113.10")), std::nullopt);
  EXPECT_EQ(a->bytes[0], 198);
  EXPECT_EQ(a->bytes[1], 19);
  NamePool again;  // the same name gets the same address in another run
  EXPECT_EQ(again.address_for("c2.evil.test"), a);
}

TEST(NamePool, CollisionsProbeAndExhaustionFails) {
  NamePool pool(50);
  std::set<IpAddr> seen;
  for (int i = 0; i < 50; ++i) {
    auto a = pool.address_for("n" + std::to_string(i) + ".test");
    ASSERT_TRUE(a);
    EXPECT_TRUE(seen.insert(*a).second);
  }
  EXPECT_FALSE(pool.address_for("one-too-many.test"));
  EXPECT_TRUE(pool.address_for("n7.test"));  // existing names still resolve
}

TEST(AnswerDns, AnswersAAndReversesPtr) {
  NamePool pool;
  auto r = answer_dns(*dns::build_query("Beacon.Evil.test", dns::kA, 5), pool);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->name, "beacon.evil.test");
  EXPECT_EQ(r->answer, pool.address_for("beacon.evil.test")->to_string());
  auto addr = *IpAddr::parse(r->answer);
  std::string rev =
      std::to_string(addr.bytes[3]) + "." + std::to_string(addr.bytes[2]) + ".19.198.in-addr.arpa";
  auto p = answer_dns(*dns::build_query(rev, dns::kPTR, 6), pool);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->answer, "beacon.evil.test");
  auto aaaa = answer_dns(*dns::build_query("beacon.evil.test", dns::kAAAA, 7), pool);
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(aaaa->answer, "");
  auto txt = answer_dns(*dns::build_query("cmd.evil.test", dns::kTXT, 8), pool);
  EXPECT_EQ(txt->answer, "v=spf1 -all");
  EXPECT_FALSE(answer_dns(str("\x01\x02"), pool).ok());
}

std::vector<uint8_t> feed_in_pieces(StreamSniffer& s, const Bytes& b, size_t piece,
                                    int64_t t = 100) {
  std::vector<uint8_t> out;
  for (size_t off = 0; off < b.size(); off += piece) {
    auto r = s.feed(std::span<const uint8_t>(b).subspan(off, std::min(piece, b.size() - off)), t);
    out.insert(out.end(), r.begin(), r.end());
  }
  return out;
}

TEST(Sniffer, HttpWithBodyInPiecesThenKeepAlive) {
  for (size_t piece : {1, 3, 7, 1000}) {
    StreamSniffer s(64, false);
    Bytes req =
        str("POST /exfil HTTP/1.1\r\nHost: drop.test\r\nUser-Agent: curl/8\r\nContent-Length: "
            "3\r\n\r\nabc"
            "GET /next HTTP/1.1\r\nHost: drop.test\r\n\r\n");
    auto out = feed_in_pieces(s, req, piece);
    EXPECT_EQ(s.app(), "http");
    ASSERT_EQ(s.http().size(), 2u) << piece;
    EXPECT_EQ(s.http()[0].method, "POST");
    EXPECT_EQ(s.http()[0].host, "drop.test");
    EXPECT_EQ(s.http()[0].path, "/exfil");
    EXPECT_EQ(s.http()[0].user_agent, "curl/8");
    EXPECT_EQ(s.http()[0].body_bytes, 3u);
    EXPECT_EQ(s.http()[0].body_sha256,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(s.http()[1].path, "/next");
    EXPECT_EQ(s.http()[1].body_bytes, 0u);
    std::string text(out.begin(), out.end());
    EXPECT_EQ(text.find("HTTP/1.1 200 OK"), 0u);
    EXPECT_NE(text.find("HTTP/1.1 200 OK", 10), std::string::npos) << "two responses";
    EXPECT_FALSE(s.should_close());
  }
}

TEST(Sniffer, ChunkedBodyHashedUntilClose) {
  StreamSniffer s(64, false);
  auto out = s.feed(
      str("POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), 1);
  EXPECT_FALSE(out.empty());
  s.feed(str("0\r\n\r\n"), 2);
  s.finish();
  ASSERT_EQ(s.http().size(), 1u);
  EXPECT_EQ(s.http()[0].body_bytes, 13u);
  EXPECT_EQ(s.http()[0].body_sha256.size(), 64u);
}

TEST(Sniffer, TlsHelloLoggedThenAlertAndClose) {
  StreamSniffer s(64, false);
  auto out = feed_in_pieces(s, testing::client_hello("c2.evil.test", {"h2", "http/1.1"}), 5);
  EXPECT_EQ(s.app(), "tls");
  EXPECT_EQ(s.tls_sni(), "c2.evil.test");
  EXPECT_EQ(s.tls_alpn(), (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(s.tls_version(), "TLS1.3");
  EXPECT_EQ(out, tls_handshake_failure_alert());
  EXPECT_TRUE(s.should_close());
  StreamSniffer hold(64, true);
  EXPECT_TRUE(hold.feed(testing::client_hello("x.test", {}), 1).empty());
  EXPECT_FALSE(hold.should_close());
}

TEST(Sniffer, RawBytesAreLoggedBounded) {
  StreamSniffer s(4, false);
  EXPECT_TRUE(s.feed(str("\x01\x02\x03\x04\x05\x06"), 1).empty());
  EXPECT_EQ(s.app(), "raw");
  EXPECT_EQ(s.first_bytes_hex(), "01020304");
  StreamSniffer partial(64, false);  // "GE" could still become HTTP: undecided until close
  partial.feed(str("GE"), 1);
  EXPECT_EQ(partial.app(), "");
  partial.finish();
  EXPECT_EQ(partial.app(), "raw");
  EXPECT_EQ(partial.first_bytes_hex(), "4745");
}

TEST(Sniffer, SilentConnectionStaysUndecided) {
  StreamSniffer s(64, false);  // a reverse shell waiting for commands sends nothing
  s.finish();
  EXPECT_EQ(s.app(), "");
}

}  // namespace
}  // namespace gs::netmon
