// Unit tests of sandbox profiles, personas and the seccomp audit parser: the shipped
// profiles load and compile, every kind of bad profile is rejected with file, line and
// reason, personas are plausible and reproducible, and a lived-in home gets written.
#include "profile.h"

#include <gtest/gtest.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "base/fs.h"
#include "src/audit.h"

namespace gs::sandbox {
namespace {

const std::string kProfiles = std::string(GS_SOURCE_DIR) + "/profiles";

const char* kMinimal = "[seccomp]\ndefault = allow\nerrno(EPERM) ptrace\n";

std::string load_error(const std::string& text) {
  auto p = Profile::parse(text, "profiles/sandbox/bad.profile");
  EXPECT_FALSE(p.ok()) << "accepted:\n" << text;
  return p.ok() ? "" : p.error().message();
}

TEST(Profile, ShippedProfilesLoadAndCompile) {
  for (const char* name : {"default", "strict", "permissive"}) {
    auto p = Profile::load(name, kProfiles);
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().message();
    EXPECT_EQ(p->name, name);
    EXPECT_FALSE(p->seccomp_bpf.empty());
    EXPECT_EQ(p->seccomp_bpf.size() % sizeof(struct sock_filter), 0u);
    EXPECT_TRUE(p->denies("bpf")) << name;
    EXPECT_TRUE(p->denies("init_module")) << name;
    EXPECT_FALSE(p->denies("read")) << name;
  }
}

TEST(Profile, DefaultDeniesWhatTheIssueLists) {
  auto p = Profile::load("default", kProfiles);
  ASSERT_TRUE(p.ok()) << p.error().message();
  for (const char* s : {"ptrace",
                        "process_vm_readv",
                        "process_vm_writev",
                        "bpf",
                        "perf_event_open",
                        "io_uring_setup",
                        "io_uring_enter",
                        "io_uring_register",
                        "kexec_load",
                        "kexec_file_load",
                        "init_module",
                        "finit_module",
                        "delete_module",
                        "mount",
                        "umount2",
                        "pivot_root",
                        "move_mount",
                        "fsopen",
                        "fsmount",
                        "open_tree",
                        "setns",
                        "unshare",
                        "clone",
                        "clone3",
                        "keyctl",
                        "add_key",
                        "request_key",
                        "userfaultfd",
                        "open_by_handle_at",
                        "name_to_handle_at",
                        "iopl",
                        "ioperm",
                        "swapon",
                        "swapoff",
                        "reboot",
                        "settimeofday",
                        "clock_settime",
                        "adjtimex",
                        "acct",
                        "personality"}) {
    EXPECT_TRUE(p->denies(s)) << s;
  }
  EXPECT_TRUE(p->killed.count("reboot"));
  EXPECT_EQ(p->fallback, std::set<std::string>{"clone3"});
  // what the tracer records as denials: every denied syscall but the fallback
  auto evidence = p->evidence_denials();
  EXPECT_TRUE(evidence.count("ptrace") && evidence.count("reboot"));
  EXPECT_FALSE(evidence.count("clone3"));
  EXPECT_EQ(evidence.size(), p->denied.size() - 1);
  EXPECT_EQ(p->limits.memory_bytes, 4ull << 30);
  EXPECT_EQ(p->limits.max_pids, 512u);
  EXPECT_EQ(p->limits.cpu_millicores, 2000u);
  EXPECT_EQ(p->limits.home_bytes, 256ull << 20);
  EXPECT_EQ(p->disk_bytes, 4ull << 30);
  EXPECT_EQ(p->timeouts.window, std::chrono::seconds(10));
  EXPECT_EQ(p->network, "fake");
  EXPECT_GE(p->persona.users.size(), 5u);
  // The clone rule is conditional: threads (no namespace flags) must stay allowed.
  bool clone_conditional = false;
  for (const auto& r : p->rules) {
    if (r.syscall == "clone") clone_conditional = r.arg == 0 && r.cmp == SeccompRule::Cmp::kAnyBit;
  }
  EXPECT_TRUE(clone_conditional);
}

TEST(Profile, LoadByPathAndUnknownName) {
  auto p = Profile::load(kProfiles + "/sandbox/strict.profile", "/nonexistent");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->network, "none");
  auto missing = Profile::load("nosuch", kProfiles);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("no such profile"), std::string::npos);
  auto bad_name = Profile::load("../etc", kProfiles);
  ASSERT_FALSE(bad_name.ok());
}

TEST(Profile, MinimalProfileUsesDefaults) {
  auto p = Profile::parse(kMinimal, "min.profile");
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->name, "min");
  EXPECT_EQ(p->limits.max_pids, Limits{}.max_pids);
  EXPECT_TRUE(p->denies("ptrace"));
}

struct BadCase {
  const char* text;
  const char* expect;  // substring of the message, which starts with file:line
};

TEST(Profile, BadProfilesNameFileLineAndReason) {
  const BadCase cases[] = {
      {"[seccomp]\ndefault = allow\nerrno(EPERM) frobnicate\n",
       "bad.profile:3: unknown syscall 'frobnicate'"},
      {"[seccomp]\ndefault = allow\n\nexplode ptrace\n", "bad.profile:4: unknown action 'explode'"},
      {"[seccomp]\ndefault = maybe\n", "bad.profile:2: unknown action 'maybe'"},
      {"[seccomp]\nerrno(EWHAT) ptrace\n", "bad.profile:2: unknown errno 'EWHAT'"},
      {"[seccomp]\nerrno(EPERM)\n", "bad.profile:2: rule names no syscall"},
      {"[seccomp]\nerrno(EPERM) clone if arg9 & CLONE_NEWNS\n",
       "bad.profile:2: bad argument 'arg9'"},
      {"[seccomp]\nerrno(EPERM) clone if arg0 & CLONE_NOPE\n",
       "bad.profile:2: unknown flag 'CLONE_NOPE'"},
      {"[seccomp]\nerrno(EPERM) clone if arg0 > 3\n", "bad.profile:2: unknown comparison '>'"},
      {"[seccomp]\nerrno(EPERM) clone if arg0\n", "bad.profile:2: condition must be"},
      {"[seccomp]\nerrno(EPERM) ptrace\nkill ptrace\n",
       "bad.profile:3: conflicting rule for 'ptrace'"},
      {"[seccomp\n", "bad.profile:1: malformed section header"},
      {"[limitz]\n", "bad.profile:1: unknown section '[limitz]'"},
      {"memory = 1GiB\n", "bad.profile:1: 'memory = 1GiB' outside of any section"},
      {"[limits]\nmemory = lots\n[seccomp]\n", "bad.profile:2: bad size 'lots' for 'memory'"},
      {"[limits]\nmemory = -1GiB\n[seccomp]\n", "bad.profile:2: bad size"},
      {"[limits]\nswap = 1GiB\n[seccomp]\n", "bad.profile:2: unknown limit 'swap'"},
      {"[limits]\npids = 1\npids = 2\n[seccomp]\n", "bad.profile:3: 'pids' set twice"},
      {"[limits]\ncpu = fast\n[seccomp]\n", "bad.profile:2: bad CPU count 'fast'"},
      {"[limits]\nmemory\n[seccomp]\n", "bad.profile:2: expected 'key = value'"},
      {"[timeouts]\nwindow = 10 years\n[seccomp]\n", "bad.profile:2: bad duration"},
      {"[timeouts]\nnap = 10s\n[seccomp]\n", "bad.profile:2: unknown timeout 'nap'"},
      {"[network]\nmode = internet\n[seccomp]\n",
       "bad.profile:2: network mode must be fake or none"},
      {"[persona]\nusers = Root:Admin\n[seccomp]\n", "bad.profile:2: bad user 'Root:Admin'"},
      {"[persona]\nuptime_days = 9..3\n[seccomp]\n", "bad.profile:2: bad range '9..3'"},
      {"[persona]\nfavourite_colour = red\n[seccomp]\n", "bad.profile:2: unknown persona setting"},
      {"[seccomp]\n[seccomp]\n", "bad.profile:2: section '[seccomp]' appears twice"},
      {"[limits]\nmemory = 1GiB\n", "bad.profile:2: missing section [seccomp]"},
      {"# only a comment\n", "bad.profile:1: empty profile"},
  };
  for (const auto& c : cases) {
    std::string msg = load_error(c.text);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg << "\nwant: " << c.expect;
  }
}

TEST(Profile, MalformedFileOnDiskNamesThePath) {
  char dir[] = "/tmp/gs-profile-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  std::string path = std::string(dir) + "/broken.profile";
  ASSERT_TRUE(write_file_atomic(path, "[seccomp]\ndefault = allow\n\n\nkill frobnicate\n").ok());
  auto p = Profile::load(path, kProfiles);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message(), path + ":5: unknown syscall 'frobnicate'");
  (void)remove_tree(dir);
}

TEST(Persona, RandomizeIsPlausibleAndReproducible) {
  auto prof = Profile::load("default", kProfiles);
  ASSERT_TRUE(prof.ok());
  std::set<std::string> hosts, users;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    auto p = Persona::randomize(prof->persona, seed);
    ASSERT_TRUE(p.ok()) << p.error().message();
    EXPECT_EQ(p->uid, 1000u);
    EXPECT_EQ(p->home, "/home/" + p->user);
    EXPECT_EQ(p->hostname.find("box"), std::string::npos);
    EXPECT_EQ(p->hostname.find("sandbox"), std::string::npos);
    EXPECT_NE(p->hostname.find(p->user), std::string::npos);
    EXPECT_GE(p->uptime, std::chrono::hours(24 * 2));
    EXPECT_LE(p->uptime, std::chrono::hours(24 * 46));
    EXPECT_FALSE(p->projects.empty());
    EXPECT_NE(p->email.find('@'), std::string::npos);
    hosts.insert(p->hostname);
    users.insert(p->user);
    auto again = Persona::randomize(prof->persona, seed);
    EXPECT_EQ(again->hostname, p->hostname);
    EXPECT_EQ(again->uptime, p->uptime);
  }
  EXPECT_GE(hosts.size(), 10u) << "personas are not random enough";
  EXPECT_GE(users.size(), 5u);
}

TEST(Persona, RejectsSandboxHostnamesAndEmptySpecs) {
  PersonaSpec spec;
  spec.hostnames = {"{user}-sandbox"};
  auto p = Persona::randomize(spec, 1);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("gives the sandbox away"), std::string::npos);
  spec.hostnames = {"Bad_Host"};
  EXPECT_FALSE(Persona::randomize(spec, 1).ok());
  spec.hostnames.clear();
  EXPECT_FALSE(Persona::randomize(spec, 1).ok());
  spec = PersonaSpec{};
  spec.users.clear();
  EXPECT_FALSE(Persona::randomize(spec, 1).ok());
}

TEST(Persona, ApplySetsIdentityAndAnInteractiveShellWithoutCI) {
  auto prof = Profile::load("default", kProfiles);
  ASSERT_TRUE(prof.ok());
  auto persona = Persona::randomize(prof->persona, 7);
  ASSERT_TRUE(persona.ok());
  JailSpec spec;
  spec.env = {"GOFLAGS=-mod=mod", "CI=true", "GITHUB_ACTIONS=true", "HOME=/home/dev",
              "JENKINS_URL=x"};
  apply(*prof, *persona, spec);
  EXPECT_EQ(spec.identity.hostname, persona->hostname);
  EXPECT_EQ(spec.identity.user, persona->user);
  EXPECT_EQ(spec.identity.home, persona->home);
  EXPECT_EQ(spec.identity.uid, 1000u);
  EXPECT_EQ(spec.boot_offset, persona->uptime);
  EXPECT_EQ(spec.seccomp_bpf, prof->seccomp_bpf);
  EXPECT_EQ(spec.limits.max_pids, 512u);
  std::set<std::string> keys;
  for (const auto& kv : spec.env) {
    std::string k = kv.substr(0, kv.find('='));
    EXPECT_TRUE(keys.insert(k).second) << "duplicate " << k;
    EXPECT_FALSE(is_ci_variable(k)) << k;
  }
  for (const char* k : {"HOME", "USER", "LOGNAME", "SHELL", "PATH", "LANG", "TERM", "PWD", "SHLVL",
                        "GOFLAGS", "XDG_RUNTIME_DIR"}) {
    EXPECT_TRUE(keys.count(k)) << k;
  }
  EXPECT_NE(std::find(spec.env.begin(), spec.env.end(), "HOME=" + persona->home), spec.env.end());
}

TEST(Persona, PopulateHomeLooksLivedIn) {
  auto prof = Profile::load("default", kProfiles);
  auto persona = Persona::randomize(prof->persona, 3);
  ASSERT_TRUE(persona.ok());
  char dir[] = "/tmp/gs-home-XXXXXX";
  ASSERT_TRUE(::mkdtemp(dir));
  std::string home = std::string(dir) + "/h";
  ASSERT_TRUE(populate_home(*persona, home).ok());
  for (const char* f : {".bash_history", ".bashrc", ".profile", ".gitconfig", ".ssh/known_hosts",
                        "Documents/notes.md"}) {
    struct stat st;
    EXPECT_EQ(::stat((home + "/" + f).c_str(), &st), 0) << f;
  }
  auto git = read_file(home + "/.gitconfig");
  ASSERT_TRUE(git.ok());
  EXPECT_NE(git->find(persona->full_name), std::string::npos);
  auto hist = read_file(home + "/.bash_history");
  ASSERT_TRUE(hist.ok());
  EXPECT_GT(std::count(hist->begin(), hist->end(), '\n'), 100);
  for (const auto& pr : persona->projects) {
    struct stat st;
    EXPECT_EQ(::stat((home + "/src/" + pr + "/go.mod").c_str(), &st), 0) << pr;
  }
  // Not all created this second: files are dated over past weeks.
  struct stat notes;
  ASSERT_EQ(::stat((home + "/Documents/notes.md").c_str(), &notes), 0);
  EXPECT_LT(notes.st_mtime, ::time(nullptr) - 60);
  if (::geteuid() == 0) {
    struct stat h;
    ASSERT_EQ(::stat(home.c_str(), &h), 0);
    EXPECT_EQ(h.st_uid, host_id(1000));
  }
  (void)remove_tree(dir);
}

TEST(Audit, ParsesSeccompKillRecords) {
  auto a = parse_audit_seccomp(
      "5,1234,3478947835,-;audit: type=1326 audit(1795622968.421:2): auid=4294967295 "
      "uid=1600001000 gid=1600001000 ses=4294967295 pid=10151 comm=\"hostile.test\" "
      "exe=\"/work/h\" sig=31 arch=c000003e syscall=169 compat=0 ip=0x7fb9e4ff2829 "
      "code=0x80000000");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->event.host_pid, 10151);
  EXPECT_EQ(a->uid, 1600001000u);
  EXPECT_EQ(a->sig, 31);
  EXPECT_EQ(a->event.nr, 169);
  EXPECT_EQ(a->event.syscall, "reboot");
  EXPECT_EQ(a->event.comm, "hostile.test");
  EXPECT_EQ(a->event.action, "kill_process");
  auto log = parse_audit_seccomp(
      "5,1,2,-;audit: type=1326 audit(1.2:3): auid=1 uid=5 gid=5 ses=1 pid=7 comm=\"x\" exe=\"/x\" "
      "sig=0 arch=c000003e syscall=101 compat=0 ip=0x1 code=0x7ffc0000");
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->event.action, "log");
  EXPECT_EQ(log->event.syscall, "ptrace");
  EXPECT_FALSE(parse_audit_seccomp("6,1,2,-;eth0: link up").has_value());
  EXPECT_FALSE(parse_audit_seccomp("5,1,2,-;audit: type=1326 audit(1.2:3): pid=7").has_value());
}

}  // namespace
}  // namespace gs::sandbox
