// Honeytokens and exfiltration scanning: canaries are unique and look real; a canary is
// found raw, base64 (every alignment, standard and URL alphabets), base32 (every
// alignment, either case) and hex (either case) inside longer data, in DNS names split
// over queries, and in a capture whose TCP segments arrive out of order; random bytes
// and other runs' canaries never hit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "detect/honeytokens.h"
#include "netmon/dns.h"
#include "netmon/frames.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"
#include "nlohmann/json.hpp"

namespace gs::detect {
namespace {

namespace nt = gs::netmon::testing;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string base32_encode(const std::string& in, bool lower) {
  const char* a = lower ? "abcdefghijklmnopqrstuvwxyz234567" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buf = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buf = buf << 8 | c;
    bits += 8;
    while (bits >= 5) {
      out += a[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits) out += a[(buf << (5 - bits)) & 31];
  return out;
}

std::string url_alphabet(std::string s) {
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

TEST(Honeytokens, UniquePerSeedDeterministicAndRealistic) {
  Honeytokens a = Honeytokens::generate(1), b = Honeytokens::generate(2),
              a2 = Honeytokens::generate(1);
  ASSERT_EQ(a.canaries.size(), b.canaries.size());
  for (size_t i = 0; i < a.canaries.size(); ++i) {
    EXPECT_EQ(a.canaries[i].value, a2.canaries[i].value);
    EXPECT_NE(a.canaries[i].value, b.canaries[i].value) << a.canaries[i].source;
    EXPECT_GE(a.canaries[i].value.size(), 20u) << a.canaries[i].source;
    for (size_t j = i + 1; j < a.canaries.size(); ++j)
      EXPECT_NE(a.canaries[i].value, a.canaries[j].value);
  }
  for (const char* f :
       {".ssh/id_rsa", ".aws/credentials", ".git-credentials", ".netrc", ".docker/config.json"})
    EXPECT_TRUE(a.files.contains(f)) << f;
  EXPECT_TRUE(a.files[".ssh/id_rsa"].starts_with(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA"));
  EXPECT_TRUE(a.files[".ssh/id_rsa"].ends_with("-----END OPENSSH PRIVATE KEY-----\n"));
  EXPECT_NE(a.files[".aws/credentials"].find("[default]\naws_access_key_id = AKIA"),
            std::string::npos);
  EXPECT_NE(a.files[".git-credentials"].find("https://dev:ghp_"), std::string::npos);
  EXPECT_NE(a.files[".netrc"].find("machine api.github.com"), std::string::npos);
  auto docker = nlohmann::json::parse(a.files[".docker/config.json"]);
  EXPECT_TRUE(docker["auths"]["https://index.docker.io/v1/"]["auth"].is_string());
  std::map<std::string, std::string> env(a.env.begin(), a.env.end());
  EXPECT_TRUE(env["GITHUB_TOKEN"].starts_with("ghp_"));
  EXPECT_EQ(env["GITHUB_TOKEN"].size(), 40u);
  EXPECT_TRUE(env["AWS_ACCESS_KEY_ID"].starts_with("AKIA"));
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"].size(), 20u);
  EXPECT_EQ(env["AWS_SECRET_ACCESS_KEY"].size(), 40u);
  // Every canary sits in the file or variable it names.
  for (const auto& c : a.canaries) {
    if (c.source.starts_with("env:")) {
      EXPECT_EQ(env[c.source.substr(4)], c.value);
    } else {
      std::string rel = c.source.substr(2);
      std::string content = a.files[rel];
      bool inside = content.find(c.value) != std::string::npos;
      if (rel == ".docker/config.json") {
        inside = inside || content.find(base64_encode("dev:" + c.value)) != std::string::npos;
      }
      EXPECT_TRUE(inside) << c.source;
    }
  }
  EXPECT_TRUE(a.is_planted("/home/dev/.netrc", "/home/dev"));
  EXPECT_FALSE(a.is_planted("/home/dev/.netrc2", "/home/dev"));
  EXPECT_FALSE(a.is_planted("/root/.netrc", "/home/dev"));
}

TEST(Honeytokens, FilesNameTheJailPersona) {
  Honeytokens h = Honeytokens::generate(3, "rfischer", "rfischer-laptop");
  EXPECT_NE(h.files[".git-credentials"].find("https://rfischer:ghp_"), std::string::npos);
  EXPECT_NE(h.files[".netrc"].find("login rfischer"), std::string::npos);
  ExfilScan scan(h);
  EXPECT_FALSE(scan.scan_bytes(bytes(h.files[".docker/config.json"])).empty());
  EXPECT_FALSE(scan.scan_bytes(bytes(hex_form(h.files[".docker/config.json"], false))).empty());
}

TEST(Encodings, DeterminedCharactersMatchRealEncodingsAtEveryOffset) {
  std::string secret = "AKIAQWERTYUIOPASDFGH";
  for (size_t lead = 0; lead < 6; ++lead) {
    std::string stream = std::string(lead, 'x') + secret + "tail";
    std::string b64 = base64_encode(stream);
    auto forms = base64_forms(secret, false);
    EXPECT_NE(b64.find(forms[lead % 3]), std::string::npos) << "lead " << lead;
    std::string b32 = base32_encode(stream, false);
    auto f32 = base32_forms(secret);
    EXPECT_NE(b32.find(f32[lead % 5]), std::string::npos) << "lead " << lead;
  }
  EXPECT_EQ(hex_form("Az", false), "417a");
  EXPECT_EQ(hex_form("Az", true), "417A");
  EXPECT_EQ(base64_encode("Man"), "TWFu");
  EXPECT_EQ(base64_encode("Ma"), "TWE=");
}

struct Embedding {
  const char* name;
  std::function<std::string(const std::string&, size_t lead)> encode;
  bool dns_safe;
};

class CanaryFound : public ::testing::TestWithParam<Embedding> {};

TEST_P(CanaryFound, AtEveryAlignmentInsideLongerData) {
  const Embedding& e = GetParam();
  Honeytokens h = Honeytokens::generate(99);
  ExfilScan scan(h);
  for (const auto& c : h.canaries) {
    for (size_t lead = 0; lead < 5; ++lead) {
      std::string payload = "POST /c HTTP/1.1\r\n\r\nq=" +
                            e.encode("user=dev;" + std::string(lead, '#') + c.value + ";", lead) +
                            "&z=1";
      auto hits = scan.scan_bytes(bytes(payload), "203.0.113.9:443", "tcp");
      ASSERT_FALSE(hits.empty()) << e.name << " lead " << lead << " " << c.source;
      bool named = false;
      for (const auto& hit : hits)
        named = named || (hit.source == c.source && hit.destination == "203.0.113.9:443");
      EXPECT_TRUE(named) << e.name << " " << c.source;
      if (e.dns_safe) {
        std::string enc = e.encode(std::string(lead, '#') + c.value, lead);
        std::string name;
        for (size_t i = 0; i < enc.size(); i += 50) name += enc.substr(i, 50) + ".";
        name += "sink.test";
        auto dns_hits = scan.scan_dns_name(name);
        EXPECT_FALSE(dns_hits.empty()) << e.name << " in DNS " << name;
        if (!dns_hits.empty()) {
          EXPECT_EQ(dns_hits.front().destination, "dns:sink.test");
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, CanaryFound,
    ::testing::Values(
        Embedding{"raw", [](const std::string& s, size_t) { return s; }, false},
        Embedding{"base64", [](const std::string& s, size_t) { return base64_encode(s); }, false},
        Embedding{"base64url",
                  [](const std::string& s, size_t) { return url_alphabet(base64_encode(s)); },
                  false},
        Embedding{"base32_upper",
                  [](const std::string& s, size_t) { return base32_encode(s, false); }, true},
        Embedding{"base32_lower",
                  [](const std::string& s, size_t) { return base32_encode(s, true); }, true},
        Embedding{"hex_lower", [](const std::string& s, size_t) { return hex_form(s, false); },
                  true},
        Embedding{"hex_upper", [](const std::string& s, size_t) { return hex_form(s, true); },
                  true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ExfilScan, DnsNamesAreCaseInsensitiveExceptBase64) {
  Honeytokens h = Honeytokens::generate(5);
  ExfilScan scan(h);
  std::string token = h.env[0].second;  // GITHUB_TOKEN
  std::string upper_hex = hex_form(token, true);
  EXPECT_FALSE(
      scan.scan_dns_name(upper_hex.substr(0, 40) + "." + upper_hex.substr(40) + ".x.test").empty());
  std::string lowered_raw;
  for (char c : token) lowered_raw += char(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_FALSE(scan.scan_dns_name(lowered_raw + ".x.test").empty()) << "resolvers may fold case";
}

TEST(ExfilScan, ChunksSplitOverQueriesAreJoined) {
  Honeytokens h = Honeytokens::generate(6);
  ExfilScan scan(h);
  std::string data = hex_form("AWS_SECRET_ACCESS_KEY=" + h.env[2].second, false);
  for (int layout = 0; layout < 3; ++layout) {
    std::vector<std::string> names = {"www.unrelated.test"};
    for (size_t i = 0, seq = 0; i < data.size(); i += 30, ++seq) {
      std::string chunk = data.substr(i, 30), s = std::to_string(seq);
      if (layout == 0) names.push_back(chunk + "." + s + ".id7.exfil.test");
      if (layout == 1) names.push_back(s + "." + chunk + ".exfil.test");
      if (layout == 2)
        names.push_back(chunk.substr(0, chunk.size() / 2) + "." + chunk.substr(chunk.size() / 2) +
                        ".exfil.test");
    }
    auto hits = scan.scan_dns_names(names);
    ASSERT_FALSE(hits.empty()) << "layout " << layout;
    EXPECT_EQ(hits.front().source, "env:AWS_SECRET_ACCESS_KEY");
    EXPECT_EQ(hits.front().destination, "dns:exfil.test");
  }
}

TEST(ExfilScan, NoHitOnRandomBytesOrAnotherRunsCanaries) {
  Honeytokens h = Honeytokens::generate(11);
  ExfilScan scan(h);
  std::mt19937_64 rng(1234);
  std::vector<uint8_t> noise(8 << 20);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  EXPECT_TRUE(scan.scan_bytes(noise).empty());
  // Printable noise in every alphabet the scan knows.
  std::string text;
  const std::string alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_";
  for (int i = 0; i < (4 << 20); ++i) text += alpha[rng() % alpha.size()];
  EXPECT_TRUE(scan.scan_bytes(bytes(text)).empty());
  Honeytokens other = Honeytokens::generate(12);
  for (const auto& [rel, content] : other.files) {
    EXPECT_TRUE(scan.scan_bytes(bytes(content)).empty()) << rel;
    EXPECT_TRUE(scan.scan_bytes(bytes(base64_encode(content))).empty()) << rel;
  }
  ExfilScan empty;
  EXPECT_TRUE(empty.scan_bytes(bytes(h.files[".netrc"])).empty());
}

TEST(ExfilScan, WholePlantedFilesAreFoundWhenSentEncoded) {
  Honeytokens h = Honeytokens::generate(21);
  ExfilScan scan(h);
  for (const auto& [rel, content] : h.files) {
    for (const std::string& sent : {content, base64_encode(content), hex_form(content, false),
                                    base32_encode(content, false)}) {
      EXPECT_FALSE(scan.scan_bytes(bytes("x" + sent)).empty()) << rel;
    }
  }
}

class PcapScan : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "gs-detect-exfil-" + std::to_string(::getpid()) + ".pcap";
  }
  void TearDown() override { std::remove(path_.c_str()); }

  void write(const std::vector<nt::Bytes>& frames) {
    auto w = netmon::pcap::Writer::create(path_, netmon::pcap::kEthernet);
    ASSERT_TRUE(w) << w.error().message();
    int64_t ts = 1'700'000'000'000'000;
    for (const auto& f : frames) ASSERT_TRUE(w->write(ts += 1000, f));
    ASSERT_TRUE(w->flush());
  }

  std::string path_;
  netmon::IpAddr jail_ = *netmon::IpAddr::parse("198.18.0.2");
  netmon::IpAddr c2_ = *netmon::IpAddr::parse("198.19.7.7");
};

TEST_F(PcapScan, ReassemblesOutOfOrderTcpSegmentsFromTheJail) {
  Honeytokens h = Honeytokens::generate(31);
  std::string secret = h.env[0].second;
  std::string body =
      "POST /up HTTP/1.1\r\nHost: c2.test\r\n\r\n" + base64_encode("token=" + secret + "\n");
  size_t cut = body.size() - 20;  // the encoded canary straddles two segments
  uint32_t isn = 0xFFFFFF00;      // sequence numbers wrap inside the flow
  nt::Bytes first(body.begin(), body.begin() + long(cut)),
      second(body.begin() + long(cut), body.end());
  write({nt::frame(jail_, 40000, c2_, 80, 6, {}, netmon::tcp_flag::kSyn, isn),
         nt::frame(jail_, 40000, c2_, 80, 6, second, 0x18, isn + 1 + uint32_t(cut)),
         nt::frame(jail_, 40000, c2_, 80, 6, first, 0x18, isn + 1),
         nt::frame(jail_, 40000, c2_, 80, 6, first, 0x18, isn + 1),  // retransmission
         // The fake internet's reply carries another run's secret and is not the jail's.
         nt::frame(c2_, 80, jail_, 40000, 6, nt::str(Honeytokens::generate(31).env[1].second), 0x18,
                   7)});
  ExfilScan scan(h);
  ASSERT_TRUE(scan.scan_pcap(path_)) << path_;
  ASSERT_EQ(scan.hits().size(), 1u);
  EXPECT_EQ(scan.hits()[0].source, "env:GITHUB_TOKEN");
  EXPECT_EQ(scan.hits()[0].encoding, "base64");
  EXPECT_EQ(scan.hits()[0].destination, "198.19.7.7:80");
  EXPECT_EQ(scan.hits()[0].channel, "tcp");
}

TEST_F(PcapScan, FindsCanariesInDnsQueriesAndUdpDatagrams) {
  Honeytokens h = Honeytokens::generate(32);
  std::string data = hex_form(h.canaries[1].value, false);
  auto resolver = *netmon::IpAddr::parse("198.18.0.1");
  std::vector<nt::Bytes> frames;
  for (size_t i = 0, seq = 0; i < data.size(); i += 24, ++seq) {
    auto q = netmon::dns::build_query(data.substr(i, 24) + "." + std::to_string(seq) + ".leak.test",
                                      1, uint16_t(seq));
    ASSERT_TRUE(q);
    frames.push_back(nt::frame(jail_, 5353, resolver, 53, 17, *q));
  }
  std::string udp = base32_encode(h.canaries[3].value, false);
  frames.push_back(nt::frame(jail_, 6000, c2_, 9999, 17, nt::str(udp.substr(0, 20))));
  frames.push_back(nt::frame(jail_, 6000, c2_, 9999, 17, nt::str(udp.substr(20))));
  write(frames);
  ExfilScan scan(h);
  ASSERT_TRUE(scan.scan_pcap(path_));
  std::set<std::string> where;
  for (const auto& hit : scan.hits())
    where.insert(hit.source + " " + hit.destination + " " + hit.channel);
  EXPECT_TRUE(where.contains(h.canaries[1].source + " dns:leak.test dns"))
      << ::testing::PrintToString(where);
  EXPECT_TRUE(where.contains(h.canaries[3].source + " 198.19.7.7:9999 udp"))
      << ::testing::PrintToString(where);
}

TEST_F(PcapScan, DamagedOrMissingCaptureIsAnError) {
  ExfilScan scan(Honeytokens::generate(1));
  EXPECT_FALSE(scan.scan_pcap(path_ + ".missing"));
  std::FILE* f = std::fopen(path_.c_str(), "wb");
  std::fputs("not a pcap", f);
  std::fclose(f);
  EXPECT_FALSE(scan.scan_pcap(path_));
}

}  // namespace
}  // namespace gs::detect
