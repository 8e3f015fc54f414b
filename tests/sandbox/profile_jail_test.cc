// Privileged tests of profiles applied to real jails: the Go toolchain builds and the
// real test suites of benign modules (Debian's packaged Go sources) pass under the
// `default` seccomp policy; the time namespace, the CPU quota and seccomp kill reporting
// work; and 50 consecutive jails leave no process, cgroup, mount or descriptor behind.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/fs.h"
#include "jail.h"
#include "privileged.h"
#include "profile.h"

namespace gs::sandbox {
namespace {

const std::string kProfiles = std::string(GS_SOURCE_DIR) + "/profiles";
const std::string kGocode = "/usr/share/gocode/src";

// Mount lines that could belong to a jail or a run (other tests on the machine may
// mount unrelated things meanwhile).
std::string our_mounts() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, out;
  while (std::getline(in, line)) {
    for (const char* k : {"newroot", "oldroot", "gosandbox", "gs-", "jail-"}) {
      if (line.find(k) != std::string::npos) {
        out += line + "\n";
        break;
      }
    }
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

JailSpec default_spec(uint64_t seed) {
  auto profile = Profile::load("default", kProfiles);
  EXPECT_TRUE(profile.ok()) << profile.error().message();
  auto persona = Persona::randomize(profile->persona, seed);
  JailSpec spec;
  if (profile.ok() && persona.ok()) apply(*profile, *persona, spec);
  return spec;
}

struct Ran {
  ExitRecord rec;
  std::string out;
};

Ran run(JailSpec spec) {
  Ran r;
  auto jail = Jail::create(spec);
  EXPECT_TRUE(jail.ok()) << jail.error().message();
  if (!jail.ok()) return r;
  EXPECT_TRUE((*jail)->release().ok());
  auto rec = (*jail)->wait();
  EXPECT_TRUE(rec.ok()) << rec.error().message();
  if (!rec.ok()) return r;
  r.rec = std::move(*rec);
  r.out = r.rec.out.tail + r.rec.err.tail;
  return r;
}

class ProfileJail : public ::testing::Test {
 protected:
  void SetUp() override { GS_REQUIRE_ROOT(); }
};

// The benign corpus: real modules with their real tests, from Debian's golang-*-dev.
TEST_F(ProfileJail, BenignGoTestSuitesPassUnderDefault) {
  const std::pair<const char*, const char*> corpus[] = {
      {"github.com/google/uuid", "uuid"},  {"github.com/google/btree", "btree"},
      {"github.com/boltdb/bolt", "bolt"},  {"github.com/cespare/xxhash", "xxhash"},
      {"github.com/spf13/pflag", "pflag"},
  };
  char tmpl[] = "/tmp/gs-benign-XXXXXX";
  ASSERT_TRUE(::mkdtemp(tmpl));
  std::string work = tmpl;
  ::chmod(work.c_str(), 0755);
  int ran = 0;
  for (const auto& [path, name] : corpus) {
    std::string src = kGocode + "/" + path;
    if (::access(src.c_str(), R_OK) != 0) continue;
    std::string dst = work + "/" + name;
    // Writable, as a developer's checkout: go may add a missing go directive to go.mod.
    ASSERT_EQ(
        std::system(("cp -r " + src + " " + dst + " && chown -R " + std::to_string(host_id(1000)) +
                     ":" + std::to_string(host_id(1000)) + " " + dst)
                        .c_str()),
        0);
    if (::access((dst + "/go.mod").c_str(), F_OK) != 0) {
      ASSERT_TRUE(
          write_file_atomic(dst + "/go.mod", std::string("module ") + path + "\n\ngo 1.13\n").ok());
    }
    JailSpec spec = default_spec(ran + 11);
    std::string inside = spec.identity.home + "/src/" + name;
    spec.mounts.push_back(
        {.kind = Mount::Kind::kBind, .source = dst, .target = inside, .writable = true});
    // -short: bolt's multi-GiB tests are meant to be skipped outside a release check and
    // would hit the profile's 1 GiB file-size limit (as they should). -vet=off: Go 1.19's
    // vet rejects a test file of pflag; that is the toolchain, not the sandbox.
    spec.argv = {"/usr/bin/go", "test", "-count=1", "-short", "-vet=off", "."};
    spec.env.push_back("GOFLAGS=-mod=mod");
    spec.env.push_back("GOPROXY=off");
    spec.env.push_back("GOSUMDB=off");
    spec.env.push_back("CGO_ENABLED=0");
    spec.cwd = inside;
    spec.timeout = std::chrono::seconds(240);
    Ran r = run(spec);
    EXPECT_TRUE(r.rec.exited && r.rec.exit_code == 0) << path << " under default:\n" << r.out;
    EXPECT_NE(r.out.find("ok  \t" + std::string(path)), std::string::npos) << r.out;
    EXPECT_TRUE(r.rec.seccomp_kill.empty()) << r.rec.seccomp_kill;
    ++ran;
  }
  (void)remove_tree(work);
  EXPECT_GE(ran, 2)
      << "too few of Debian's Go sources installed (golang-github-google-uuid-dev, ...)";
}

TEST_F(ProfileJail, TimeNamespaceShowsDaysOfUptimeAndTheHostClock) {
  JailSpec spec = default_spec(5);
  ASSERT_GT(spec.boot_offset.count(), 2 * 86400);
  spec.argv = {"/bin/sh", "-c", "cat /proc/uptime; date +%s"};
  Ran r = run(spec);
  ASSERT_TRUE(r.rec.exited && r.rec.exit_code == 0) << r.out;
  double up = std::atof(r.out.c_str());
  EXPECT_GT(up, static_cast<double>(spec.boot_offset.count()));
  long inside_now = std::atol(r.out.c_str() + r.out.find('\n') + 1);
  EXPECT_LT(std::labs(inside_now - ::time(nullptr)), 5) << "wall clock must stay the host's";
}

TEST_F(ProfileJail, SeccompKillIsNamedAndErrnoDenialsLetTheProgramGoOn) {
  JailSpec spec = default_spec(6);
  // python3 is not guaranteed; perl is part of Debian's base system.
  spec.argv = {
      "/usr/bin/perl", "-e",
      "$| = 1; syscall(101, 16, 1, 0, 0) == -1 and print \"ptrace: $!\\n\";"  // PTRACE_ATTACH
      "syscall(169, 0, 0, 0, 0); print \"survived\\n\";"};                    // reboot
  Ran r = run(spec);
  EXPECT_NE(r.out.find("ptrace: Operation not permitted"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("survived"), std::string::npos) << r.out;
  EXPECT_FALSE(r.rec.exited);
  EXPECT_EQ(r.rec.signal, SIGSYS);
  EXPECT_EQ(r.rec.seccomp_kill, "reboot");
}

TEST_F(ProfileJail, ProfileWithUnknownSyscallNeverReachesAJail) {
  auto p = Profile::parse("[seccomp]\nkill frobnicate\n", "x.profile");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message(), "x.profile:2: unknown syscall 'frobnicate'");
}

std::vector<std::string> cgroup_dirs_of(pid_t owner) {
  std::vector<std::string> left;
  std::string prefix = "jail-" + std::to_string(owner) + "-";
  for (const char* root : {"/sys/fs/cgroup/unified/gosandbox", "/sys/fs/cgroup/gosandbox",
                           "/sys/fs/cgroup/memory/gosandbox", "/sys/fs/cgroup/pids/gosandbox",
                           "/sys/fs/cgroup/cpu/gosandbox"}) {
    DIR* d = ::opendir(root);
    if (!d) continue;
    while (dirent* e = ::readdir(d)) {
      if (std::string(e->d_name).rfind(prefix, 0) == 0)
        left.push_back(std::string(root) + "/" + e->d_name);
    }
    ::closedir(d);
  }
  return left;
}

// Processes on the host whose cgroup is one of ours.
std::vector<pid_t> processes_in_cgroups_of(pid_t owner) {
  std::vector<pid_t> left;
  std::string needle = "/jail-" + std::to_string(owner) + "-";
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    pid_t p = std::atoi(e->d_name);
    if (p <= 0) continue;
    if (slurp("/proc/" + std::string(e->d_name) + "/cgroup").find(needle) != std::string::npos)
      left.push_back(p);
  }
  ::closedir(d);
  return left;
}

// Names of the host's network interfaces (not their counters: other processes on the
// machine talk over loopback meanwhile).
std::string host_interfaces() {
  std::istringstream in(slurp("/proc/net/dev"));
  std::string line, names;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t start = line.find_first_not_of(' ');
    names += line.substr(start, colon - start) + " ";
  }
  return names;
}

int count_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (::readdir(d)) ++n;
  ::closedir(d);
  return n;
}

TEST_F(ProfileJail, FiftyConsecutiveJailsLeaveNothingBehind) {
  const std::string mounts_before = our_mounts();
  const std::string netns_before = host_interfaces();
  const int fds_before = count_fds();
  for (int i = 0; i < 50; ++i) {
    JailSpec spec = default_spec(100 + i);
    // Every kind of jail the analysis uses: CPU quota, time namespace, a child that
    // outlives the payload (reaped by the jail), a timeout on some.
    spec.argv = {
        "/bin/sh", "-c",
        "sleep 30 & echo $$; test $((" + std::to_string(i) + " % 5)) = 0 && sleep 30; exit 0"};
    spec.timeout = std::chrono::milliseconds(300);
    spec.term_grace = std::chrono::milliseconds(100);
    Ran r = run(spec);
    ASSERT_TRUE(r.rec.exited || r.rec.timed_out) << i << ": " << r.out;
  }
  EXPECT_TRUE(cgroup_dirs_of(::getpid()).empty()) << cgroup_dirs_of(::getpid())[0];
  EXPECT_TRUE(processes_in_cgroups_of(::getpid()).empty());
  EXPECT_EQ(our_mounts(), mounts_before)
      << "a mount of a jail is left on the host";
  EXPECT_EQ(host_interfaces(), netns_before) << "an interface appeared in the host's netns";
  EXPECT_EQ(count_fds(), fds_before) << "descriptors leaked";
}

}  // namespace
}  // namespace gs::sandbox
