// Privileged end to end: the real `gosandbox analyze` runs the malicious fixture modules
// (tests/fixtures/malicious, modelled on public Go incidents) and real benign modules from
// Debian's Go sources, and each report's verdict (the pipeline judges with the shipped rules and
// this run's honeytokens) is checked, and re-judged offline for agreement. Every malicious fixture
// must be judged malicious with its expected findings; every benign module clean.
#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "detect/verdict.h"
#include "goproxy.h"
#include "privileged.h"

namespace gs::detect {
namespace {

namespace fs = std::filesystem;

const std::string kMalicious = std::string(GS_SOURCE_DIR) + "/tests/fixtures/malicious";
const std::string kGosandbox = std::string(GS_BINARY_DIR) + "/harness/gosandbox";
const char* kDebianSrc = "/usr/share/gocode/src";

struct MaliciousCase {
  const char* name;
  std::vector<const char*> rules;  // each must fire
  std::vector<const char*> files;  // each must be in report.files (as the kernel resolved it)
};

const std::vector<MaliciousCase>& malicious_cases() {
  static const std::vector<MaliciousCase> cases = {
      {"boltrevshell", {"shell-started-init", "network-in-init"}},
      {"wgetloader", {"shell-downloader-pipe", "downloader-started", "dns-in-init"}},
      {"dnstxtpoll", {"dns-txt-polling", "dns-in-init"}},
      {"wiper", {"wiper-dd-device", "mass-deletion"}},
      {"persist",
       {"persistence-authorized-keys", "persistence-systemd", "persistence-autostart",
        "persistence-shell-rc", "persistence-git-hooks"}},
      {"persistrel", {"persistence-authorized-keys", "persistence-shell-rc"}},
      {"memfdloader", {"fileless-exec"}},
      {"sandboxaware", {"sandbox-probe", "shell-downloader-pipe"}},
      {"jitterbeacon", {"beacon-init-run", "dns-in-init"}},
      {"cmdpayload", {"shell-downloader-pipe", "beacon-init-run"}},
      {"dnsexfil", {"dns-exfiltration", "canary-exfiltration", "honeytoken-read"}},
      {"testmainsteal", {"canary-exfiltration", "honeytoken-read-test"}},
      {"cgoctor", {"code-before-runtime", "cgo-constructor", "shell-started-init"}},
      // docker.sock by a relative name after chdir("/var/run")
      {"dockersock", {"container-socket-init"}, {"/run/docker.sock"}},
      {"bindshell", {"listener-init"}},
  };
  return cases;
}

// Debian's packaged Go sources with their own tests; module path from go.mod when present.
std::vector<std::pair<std::string, std::string>> benign_modules() {
  std::vector<std::pair<std::string, std::string>> out;  // dir, module path
  for (const char* rel :
       {"github.com/google/uuid", "github.com/pkg/errors", "github.com/gorilla/mux",
        "github.com/spf13/pflag", "github.com/golang/snappy", "github.com/ryanuber/go-glob",
        "github.com/armon/go-radix", "github.com/hashicorp/golang-lru", "github.com/kr/fs",
        "github.com/mitchellh/mapstructure", "github.com/cespare/xxhash", "github.com/beorn7/perks",
        "github.com/kballard/go-shellquote", "github.com/google/btree",
        "github.com/dustin/go-humanize", "github.com/boltdb/bolt", "golang.org/x/sys"}) {
    std::string dir = std::string(kDebianSrc) + "/" + rel;
    if (!fs::exists(dir)) continue;
    std::string module = rel;
    std::ifstream mod(dir + "/go.mod");
    for (std::string line; std::getline(mod, line);) {
      if (!line.starts_with("module ")) continue;
      module = line.substr(7);
      std::erase(module, '"');
      std::erase(module, ' ');
      break;
    }
    out.emplace_back(dir, module);
  }
  return out;
}

std::string version_for(const std::string& module) {
  auto slash = module.rfind('/');
  std::string last = module.substr(slash + 1);
  if (last.size() >= 2 && last[0] == 'v' && std::isdigit(static_cast<unsigned char>(last[1])))
    return last + ".0.0";
  return "v1.0.0";
}

class Fixtures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    root_ = fs::temp_directory_path() / ("gs-detect-fixtures-" + std::to_string(::getpid()));
    proxy_ = (root_ / "proxy").string();
    for (const auto& c : malicious_cases()) {
      auto st =
          testsupport::add_to_proxy(proxy_, kMalicious + "/" + c.name,
                                    std::string("example.test/malicious/") + c.name, "v1.0.0");
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
    for (const auto& [dir, module] : benign_modules()) {
      auto st = testsupport::add_to_proxy(proxy_, dir, module, version_for(module));
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
    auto rules = RuleSet::load_dir(GS_RULES_DIR);
    ASSERT_TRUE(rules) << rules.error().message();
    rules_ = new RuleSet(std::move(*rules));
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) fs::remove_all(root_);
    delete rules_;
    rules_ = nullptr;
  }
  void SetUp() override { GS_REQUIRE_ROOT(); }

  // Runs the CLI on module@version; returns the report (null on failure, with a message).
  nlohmann::json analyze(const std::string& target, const std::string& tag) {
    std::string out = (root_ / ("out-" + tag)).string();
    std::string cmd = kGosandbox + " analyze '" + target + "' --window 4 --goproxy 'file://" +
                      proxy_ + "' --out '" + out + "' > '" + out + ".log' 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(out + "/report.json");
    if (!in) {
      std::ifstream log(out + ".log");
      std::stringstream s;
      s << log.rdbuf();
      ADD_FAILURE() << target << ": no report (exit " << rc << ")\n" << s.str();
      return nullptr;
    }
    return nlohmann::json::parse(in, nullptr, false);
  }

  // The pipeline's own judgement: it planted this run's honeytokens and scanned the
  // capture, which an offline evaluate() cannot redo. The shipped rules must agree with
  // it on everything that needs no canary.
  Verdict judged(const nlohmann::json& report) {
    Verdict v;
    v.verdict = report.value("verdict", "error");
    v.score = report.value("score", 0);
    for (const auto& f : report.value("findings", nlohmann::json::array())) {
      Finding x;
      x.rule = f.value("rule", "");
      x.phase = f.value("phase", "");
      x.summary = f.value("summary", "");
      v.findings.push_back(x);
    }
    Verdict offline = evaluate(*rules_, report, Honeytokens{}, ExfilScan{});
    for (const auto& f : offline.findings) {
      bool there = false;
      for (const auto& g : v.findings) there = there || (g.rule == f.rule && g.phase == f.phase);
      EXPECT_TRUE(there) << "offline finding missing from the report: " << f.rule << " [" << f.phase
                         << "]";
    }
    return v;
  }

  static std::string describe(const Verdict& v) {
    std::ostringstream o;
    o << v.verdict << " " << v.score;
    for (const auto& f : v.findings) o << "\n  " << f.rule << " [" << f.phase << "] " << f.summary;
    return o.str();
  }

  static inline fs::path root_;
  static inline std::string proxy_;
  static inline RuleSet* rules_ = nullptr;
};

// One line per module for the record (closing notes quote it): verdict, score, top finding.
void table_line(const std::string& name, const Verdict& v) {
  std::string top = v.findings.empty() ? "-" : v.findings.front().rule + ": " + v.findings.front().summary;
  if (top.size() > 110) top = top.substr(0, 107) + "...";
  std::printf("[ VERDICT  ] %-34s %-10s %3d  %s\n", name.c_str(), v.verdict.c_str(), v.score, top.c_str());
}

TEST_F(Fixtures, MaliciousModulesAreJudgedMaliciousWithTheirFindings) {
  ASSERT_GE(malicious_cases().size(), 12u);
  for (const auto& c : malicious_cases()) {
    SCOPED_TRACE(c.name);
    auto report = analyze(std::string("example.test/malicious/") + c.name + "@v1.0.0", c.name);
    if (report.is_null() || report.is_discarded()) continue;
    ASSERT_NE(report.value("verdict", ""), "error") << report.value("error", "");
    Verdict v = judged(report);
    table_line(c.name, v);
    EXPECT_EQ(v.verdict, "malicious") << describe(v);
    for (const char* rule : c.rules) {
      bool fired = false;
      for (const auto& f : v.findings) fired = fired || f.rule == rule;
      EXPECT_TRUE(fired) << rule << " did not fire:\n" << describe(v);
    }
    for (const char* path : c.files) {
      bool there = false;
      for (const auto& f : report.value("files", nlohmann::json::array()))
        there = there || f.value("path", "") == path;
      EXPECT_TRUE(there) << path << " is not in the report's files";
    }
  }
}

TEST_F(Fixtures, BenignDebianModulesAreJudgedClean) {
  auto modules = benign_modules();
  ASSERT_GE(modules.size(), 15u) << "Debian's Go sources under " << kDebianSrc << " are missing";
  int analysed = 0;
  for (const auto& [dir, module] : modules) {
    SCOPED_TRACE(module);
    std::string tag = module;
    std::replace(tag.begin(), tag.end(), '/', '_');
    auto report = analyze(module + "@" + version_for(module), tag);
    if (report.is_null() || report.is_discarded()) continue;
    if (report.value("verdict", "") == "error") {
      std::cout << "[ SKIPPED  ] " << module << ": " << report.value("error", "") << "\n";
      continue;
    }
    ++analysed;
    Verdict v = judged(report);
    table_line(module, v);
    EXPECT_EQ(v.verdict, "clean") << describe(v);
  }
  EXPECT_GE(analysed, 15) << "fewer than 15 benign modules could be analysed";
}

}  // namespace
}  // namespace gs::detect
