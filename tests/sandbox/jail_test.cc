// Privileged tests of sandbox::Jail: real jails, asserting what a user of gosandbox would
// notice (exit codes, identity, isolation of the host's files and network, limits,
// timeouts, output tails, the Go toolchain) and that nothing outlives a jail.
#include "jail.h"

#include <dirent.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "privileged.h"

namespace gs::sandbox {
namespace {

using namespace std::chrono_literals;

JailSpec spec_for(std::vector<std::string> argv) {
  JailSpec s;
  s.argv = std::move(argv);
  s.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/dev", "LANG=C.UTF-8", "USER=dev"};
  s.timeout = 30s;
  s.term_grace = 1s;
  // For hosts whose cgroup2 tree has no memory/pids controllers (create() fails closed
  // there): GS_TEST_NO_LIMITS=1 runs everything but the limit tests.
  if (std::getenv("GS_TEST_NO_LIMITS")) s.limits.memory_bytes = s.limits.max_pids = 0;
  return s;
}

JailSpec sh(const std::string& script) { return spec_for({"/bin/sh", "-c", script}); }

ExitRecord run(const JailSpec& spec) {
  auto jail = Jail::create(spec);
  EXPECT_TRUE(jail.ok()) << jail.error().message();
  if (!jail.ok()) return {};
  auto rel = (*jail)->release();
  EXPECT_TRUE(rel.ok()) << rel.error().message();
  auto rec = (*jail)->wait();
  EXPECT_TRUE(rec.ok()) << rec.error().message();
  if (!rec.ok()) return {};
  return std::move(rec).value();
}

// A host directory the test owns and removes; `owner` is the inside uid that may write it.
class HostDir {
 public:
  explicit HostDir(const std::string& tag, uid_t inside_owner = 1000) {
    char tmpl[] = "/tmp/gs-jail-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    path_ += "";
    ::chmod(path_.c_str(), 0755);
    (void)tag;
    if (::chown(path_.c_str(), host_id(inside_owner), host_id(inside_owner)) != 0) {
      ADD_FAILURE() << "chown " << path_;
    }
  }
  ~HostDir() { (void)remove_tree(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

bool cgroup_has_procs_anywhere(const std::string& name) {
  // Any process whose cgroup line mentions the jail's directory name.
  DIR* d = ::opendir("/proc");
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto s = read_file(std::string("/proc/") + e->d_name + "/cgroup", 1 << 16);
    if (s.ok() && s->find(name) != std::string::npos) found = true;
  }
  ::closedir(d);
  return found;
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

int count_lines(const std::string& path) {
  auto s = read_file(path, 16 << 20);
  return s.ok() ? static_cast<int>(std::count(s->begin(), s->end(), '\n')) : -1;
}

std::vector<pid_t> my_children() {
  std::vector<pid_t> kids;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto s = read_file(std::string("/proc/") + e->d_name + "/stat", 4096);
    if (!s.ok()) continue;
    size_t rp = s->rfind(')');
    int ppid = 0;
    char state;
    if (std::sscanf(s->c_str() + rp + 1, " %c %d", &state, &ppid) == 2 && ppid == ::getpid()) {
      kids.push_back(std::atoi(e->d_name));
    }
  }
  ::closedir(d);
  return kids;
}

TEST(Jail, ExitCodeComesBack) {
  GS_REQUIRE_ROOT();
  ExitRecord r = run(sh("echo out; echo err >&2; exit 7"));
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out.tail, "out\n");
  EXPECT_EQ(r.err.tail, "err\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.out.truncated);
}

TEST(Jail, SignalComesBack) {
  GS_REQUIRE_ROOT();
  ExitRecord r = run(sh("kill -SEGV $$"));
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_FALSE(r.timed_out);
}

TEST(Jail, IdentityHostnameAndPidNamespace) {
  GS_REQUIRE_ROOT();
  ExitRecord r =
      run(sh("id -u; id -g; id -un; hostname; cat /etc/hostname; echo $HOME; echo $$;"
             " cat /proc/self/cgroup | tail -n1; ls /proc | grep -c '^[0-9]'"));
  ASSERT_TRUE(r.exited) << r.err.tail;
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  // The payload is pid 2: init is 1. /proc shows only the jail (init, sh, ls, grep, cat?).
  std::istringstream in(r.out.tail);
  std::string uid, gid, user, host, etc_host, home, pid, cg, nprocs;
  std::getline(in, uid);
  std::getline(in, gid);
  std::getline(in, user);
  std::getline(in, host);
  std::getline(in, etc_host);
  std::getline(in, home);
  std::getline(in, pid);
  std::getline(in, cg);
  std::getline(in, nprocs);
  EXPECT_EQ(uid, "1000");
  EXPECT_EQ(gid, "1000");
  EXPECT_EQ(user, "dev");
  EXPECT_EQ(host, "dev-laptop");
  EXPECT_EQ(etc_host, "dev-laptop");
  EXPECT_EQ(home, "/home/dev");
  EXPECT_EQ(pid, "2");
  EXPECT_EQ(cg, "0::/");
  EXPECT_LE(std::atoi(nprocs.c_str()), 5);
}

TEST(Jail, NoCapabilitiesAndNoNewPrivs) {
  GS_REQUIRE_ROOT();
  ExitRecord r = run(sh("grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status"));
  ASSERT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_NE(r.out.tail.find("CapPrm:\t0000000000000000"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("CapEff:\t0000000000000000"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("CapBnd:\t0000000000000000"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("NoNewPrivs:\t1"), std::string::npos) << r.out.tail;
}

TEST(Jail, HostFilesAreNotVisible) {
  GS_REQUIRE_ROOT();
  std::string marker = "/tmp/gs-jail-marker-" + std::to_string(::getpid());
  ASSERT_TRUE(write_file_atomic(marker, "secret").ok());
  ExitRecord r =
      run(sh("test -e " + marker +
             " && echo MARKER-VISIBLE;"
             " echo tmp:$(ls -A /tmp); echo home:$(ls -A /home); echo root:$(ls -A /root 2>&1);"
             " for p in /work /sys /etc/shadow /dev/sda /dev/vda; do"
             "   test -e $p && echo present:$p; done;"
             " echo run:$(ls -A /run)$(ls -A /var/run/)$(readlink /var/run);"
             " (echo x > /run/x) 2>/dev/null && echo WROTE-RUN;"
             " echo vartmp:$(ls -A /var/tmp)$(stat -c %a /var/tmp);"
             " echo y > /var/tmp/y && echo WROTE-VARTMP;"
             " echo etc:$(ls /etc | tr '\\n' ' ')"));
  ::unlink(marker.c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail.find("MARKER-VISIBLE"), std::string::npos);
  EXPECT_NE(r.out.tail.find("tmp:\n"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("home:dev\n"), std::string::npos) << r.out.tail;
  EXPECT_EQ(r.out.tail.find("present:"), std::string::npos) << r.out.tail;
  // /run and /var/run are there as on a host, empty and read-only
  EXPECT_NE(r.out.tail.find("run:/run\n"), std::string::npos) << r.out.tail;
  EXPECT_EQ(r.out.tail.find("WROTE-RUN"), std::string::npos) << r.out.tail;
  // /var/tmp is an empty, sticky, writable tmpfs, as /tmp
  EXPECT_NE(r.out.tail.find("vartmp:1777\n"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("WROTE-VARTMP"), std::string::npos) << r.out.tail;
  EXPECT_EQ(r.out.tail.find("shadow"), std::string::npos) << r.out.tail;
  EXPECT_NE(r.out.tail.find("passwd"), std::string::npos) << r.out.tail;
}

TEST(Jail, WritesOutsideWritableMountsFail) {
  GS_REQUIRE_ROOT();
  HostDir ro("ro");
  JailSpec s =
      sh("for p in /x /etc/x /etc/passwd /usr/x /bin/x /dev/x /proc/x /ro/x; do"
         "  (echo x > $p) 2>/dev/null && echo WROTE:$p; done;"
         " echo t > /tmp/ok && echo h > $HOME/ok && echo fine");
  s.mounts.push_back({.kind = Mount::Kind::kBind, .source = ro.path(), .target = "/ro"});
  ExitRecord r = run(s);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "fine\n");
}

TEST(Jail, WritableBindMountFilesOwnedByHostId) {
  GS_REQUIRE_ROOT();
  HostDir dir("rw");
  JailSpec s = sh("echo hello > /work/out/f && mkdir -p /work/out/sub && touch /work/out/sub/g");
  s.mounts.push_back(
      {.kind = Mount::Kind::kBind, .source = dir.path(), .target = "/work/out", .writable = true});
  ExitRecord r = run(s);
  ASSERT_EQ(r.exit_code, 0) << r.err.tail;
  struct stat st;
  ASSERT_EQ(::stat(dir.file("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, host_id(1000));
  EXPECT_EQ(st.st_gid, host_id(1000));
  EXPECT_EQ(read_file(dir.file("f")).value(), "hello\n");
  ASSERT_EQ(::stat(dir.file("sub/g").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, host_id(1000));
}

TEST(Jail, FileBindAndMountFlags) {
  GS_REQUIRE_ROOT();
  HostDir dir("file");
  ASSERT_TRUE(write_file_atomic(dir.file("config.txt"), "from host\n").ok());
  JailSpec s =
      sh("cat /opt/cfg/config.txt; (echo x >> /opt/cfg/config.txt) 2>/dev/null && echo WROTE;"
         " awk '$5 == \"/usr\" || $5 == \"/tmp\" || $5 == \"/opt/cfg/config.txt\" ||"
         " $5 == \"/\" || $5 == \"/home/dev\" {print $5, $6}' /proc/self/mountinfo | sort");
  s.mounts.push_back({.kind = Mount::Kind::kBind,
                      .source = dir.file("config.txt"),
                      .target = "/opt/cfg/config.txt"});
  ExitRecord r = run(s);
  ASSERT_EQ(r.exit_code, 0) << r.err.tail;
  std::istringstream in(r.out.tail);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "from host");
  std::map<std::string, std::string> opts;
  while (std::getline(in, line)) {
    EXPECT_NE(line, "WROTE");
    opts[line.substr(0, line.find(' '))] = line.substr(line.find(' ') + 1);
  }
  auto has = [&](const std::string& mnt, const std::string& opt) {
    return ("," + opts[mnt] + ",").find("," + opt + ",") != std::string::npos;
  };
  for (const char* m : {"/", "/usr", "/opt/cfg/config.txt"}) {
    EXPECT_TRUE(has(m, "ro")) << m << ": " << opts[m];
    EXPECT_TRUE(has(m, "nosuid")) << m << ": " << opts[m];
    EXPECT_TRUE(has(m, "nodev")) << m << ": " << opts[m];
  }
  for (const char* m : {"/tmp", "/home/dev"}) {
    EXPECT_TRUE(has(m, "rw")) << m << ": " << opts[m];
    EXPECT_TRUE(has(m, "nosuid")) << m << ": " << opts[m];
  }
}

TEST(Jail, BindOverSyntheticEtcFileReplacesIt) {
  GS_REQUIRE_ROOT();
  // The harness points the resolver at its fake internet this way.
  HostDir dir("resolv");
  ASSERT_TRUE(write_file_atomic(dir.file("resolv.conf"), "nameserver 198.18.0.53\n").ok());
  JailSpec s = sh("cat /etc/resolv.conf");
  s.mounts.push_back({.kind = Mount::Kind::kBind,
                      .source = dir.file("resolv.conf"),
                      .target = "/etc/resolv.conf"});
  ExitRecord r = run(s);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "nameserver 198.18.0.53\n");
}

TEST(Jail, BindSourceHiddenFromJailRootIsAClearError) {
  GS_REQUIRE_ROOT();
  HostDir outer("private");
  ASSERT_EQ(::chown(outer.path().c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(outer.path().c_str(), 0700), 0);
  ASSERT_TRUE(make_dirs(outer.file("src")).ok());
  JailSpec s = sh("true");
  s.mounts.push_back({.kind = Mount::Kind::kBind, .source = outer.file("src"), .target = "/src"});
  auto jail = Jail::create(s);
  ASSERT_FALSE(jail.ok());
  EXPECT_EQ(jail.error().message(),
            "mount('" + outer.file("src") + "' -> '/src', bind, ro): Permission denied");
}

TEST(Jail, OptionalMountOfMissingSourceIsSkippedOtherwiseCreateFails) {
  GS_REQUIRE_ROOT();
  JailSpec s = sh("test -e /opt/missing && echo present; echo done");
  s.mounts.push_back({.kind = Mount::Kind::kBind,
                      .source = "/nonexistent/gs-test",
                      .target = "/opt/missing",
                      .optional = true});
  ExitRecord r = run(s);
  EXPECT_EQ(r.out.tail, "done\n");
  s.mounts.back().optional = false;
  auto jail = Jail::create(s);
  ASSERT_FALSE(jail.ok());
  EXPECT_NE(jail.error().message().find("/nonexistent/gs-test"), std::string::npos)
      << jail.error().message();
}

TEST(Jail, PlantedSymlinkCannotRedirectAMount) {
  GS_REQUIRE_ROOT();
  // A previous hostile run left /work/out/cache -> /oldroot/etc in a writable directory
  // the next run binds again; mounting onto it must fail, not land on the host's /etc.
  HostDir out("planted");
  ASSERT_EQ(::symlink("/oldroot/etc", out.file("cache").c_str()), 0);
  JailSpec s = sh("true");
  s.mounts.push_back(
      {.kind = Mount::Kind::kBind, .source = out.path(), .target = "/work/out", .writable = true});
  s.mounts.push_back({.kind = Mount::Kind::kTmpfs, .target = "/work/out/cache", .writable = true});
  auto jail = Jail::create(s);
  ASSERT_FALSE(jail.ok());
  EXPECT_NE(jail.error().message().find("mkdir('/work/out/cache')"), std::string::npos)
      << jail.error().message();
}

// Compiles a filter with libseccomp that fails mkdir/mkdirat with EPERM.
std::vector<uint8_t> deny_mkdir_filter() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdir), 0);
  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mkdirat), 0);
  int fd = ::memfd_create("filter", MFD_CLOEXEC);
  seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  std::vector<uint8_t> bytes(static_cast<size_t>(::lseek(fd, 0, SEEK_END)));
  if (::pread(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
    bytes.clear();
  ::close(fd);
  return bytes;
}

TEST(Jail, SeccompFilterApplies) {
  GS_REQUIRE_ROOT();
  JailSpec s = sh("mkdir /tmp/d && echo MADE; echo rest");
  s.seccomp_bpf = deny_mkdir_filter();
  ASSERT_FALSE(s.seccomp_bpf.empty());
  ExitRecord r = run(s);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "rest\n");
  EXPECT_NE(r.err.tail.find("Operation not permitted"), std::string::npos) << r.err.tail;

  s.seccomp_bpf.resize(5);
  auto jail = Jail::create(s);
  EXPECT_FALSE(jail.ok());
}

TEST(Jail, LoopbackWorks) {
  GS_REQUIRE_ROOT();
  ExitRecord r = run(spec_for(
      {"/usr/bin/perl", "-MIO::Socket::INET", "-e",
       "my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)"
       "  or die \"listen: $!\\n\";"
       "my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $l->sockport) or die \"connect: "
       "$!\\n\";"
       "my $a = $l->accept; print $c \"ping\\n\"; close $c; print scalar <$a>;"}));
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "ping\n");
}

TEST(Jail, NonLoopbackDestinationIsUnreachable) {
  GS_REQUIRE_ROOT();
  // 192.0.2.1 is TEST-NET-1 (documentation only); the jail has no route at all.
  ExitRecord r = run(spec_for({"/bin/bash", "-c", "exec 3<>/dev/tcp/192.0.2.1/80"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.tail.find("Network is unreachable"), std::string::npos) << r.err.tail;
}

TEST(Jail, TimeoutKillsSleep) {
  GS_REQUIRE_ROOT();
  JailSpec s = spec_for({"/bin/sleep", "1000"});
  s.timeout = 500ms;
  auto t0 = std::chrono::steady_clock::now();
  ExitRecord r = run(s);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGTERM);  // sleep dies of the SIGTERM, no SIGKILL needed
  EXPECT_LT(took, 1400ms);
}

TEST(Jail, TimeoutKillsTreeIgnoringSigterm) {
  GS_REQUIRE_ROOT();
  // Every process ignores SIGTERM (inherited), so only the SIGKILL after the grace ends it.
  JailSpec s = sh("trap '' TERM; sleep 1000 & sleep 1000 & (sleep 1000 &) ; sleep 1000; wait");
  s.timeout = 500ms;
  s.term_grace = 500ms;
  auto jail = Jail::create(s);
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  std::string cg = (*jail)->cgroup_path();
  ASSERT_TRUE((*jail)->release().ok());
  auto t0 = std::chrono::steady_clock::now();
  auto rec = (*jail)->wait();
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(rec.ok()) << rec.error().message();
  EXPECT_TRUE(rec->timed_out);
  EXPECT_EQ(rec->signal, SIGKILL);
  EXPECT_GE(took, 950ms);
  EXPECT_LT(took, 3s);
  // wait() returns only when the jail's cgroup is empty.
  EXPECT_EQ(count_lines(cg + "/cgroup.procs"), 0);
  jail->reset();
  EXPECT_NE(::access(cg.c_str(), F_OK), 0) << cg << " left behind";
  EXPECT_FALSE(cgroup_has_procs_anywhere(basename_of(cg)));
}

TEST(Jail, StopEndsTheJail) {
  GS_REQUIRE_ROOT();
  JailSpec s = spec_for({"/bin/sleep", "1000"});
  auto jail = Jail::create(s);
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  ASSERT_TRUE((*jail)->release().ok());
  ::usleep(100'000);
  (*jail)->stop();
  auto rec = (*jail)->wait();
  ASSERT_TRUE(rec.ok()) << rec.error().message();
  EXPECT_FALSE(rec->timed_out);
  EXPECT_EQ(rec->signal, SIGTERM);
  EXPECT_LT(rec->duration, 1500ms);
}

TEST(Jail, OutputFloodKeepsOnlyTheTail) {
  GS_REQUIRE_ROOT();
  JailSpec s = sh("head -c 200M /dev/zero; echo -n END >&1");
  s.output_tail_bytes = 4096;
  ExitRecord r = run(s);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.total_bytes, (200ull << 20) + 3);
  EXPECT_EQ(r.out.tail.size(), 4096u);
  EXPECT_TRUE(r.out.truncated);
  EXPECT_TRUE(r.out.tail.ends_with(std::string(10, '\0') + "END"));
  EXPECT_FALSE(r.err.truncated);
}

TEST(Jail, EndlessFloodStopsAtTimeout) {
  GS_REQUIRE_ROOT();
  JailSpec s = spec_for({"/usr/bin/yes", "gosandbox"});
  s.timeout = 1s;
  s.output_tail_bytes = 100;
  ExitRecord r = run(s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_GT(r.out.total_bytes, 1u << 20);
  EXPECT_EQ(r.out.tail.size(), 100u);
  EXPECT_TRUE(r.out.tail.ends_with("gosandbox\n") ||
              r.out.tail.find("gosandbox\n") != std::string::npos);
}

TEST(Jail, PidsLimitStopsForkLoop) {
  GS_REQUIRE_ROOT();
  // Bounded: at most 200 sleeps of 30 s, all killed when the shell gives up.
  JailSpec s = sh("for i in $(seq 1 200); do sleep 30 & done; echo SURVIVED");
  if (std::getenv("GS_TEST_NO_LIMITS")) GTEST_SKIP() << "GS_TEST_NO_LIMITS set";
  s.limits.max_pids = 20;
  ExitRecord r = run(s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out.tail.find("SURVIVED"), std::string::npos);
  EXPECT_NE(r.err.tail.find("fork"), std::string::npos) << r.err.tail;
  EXPECT_FALSE(r.timed_out);
  EXPECT_GE(r.limits.pids_max, 1u);
}

TEST(Jail, MemoryLimitKillsHog) {
  GS_REQUIRE_ROOT();
  // A 256 MiB string in a 64 MiB jail: the kernel's OOM killer ends the hog, the shell
  // around it lives on and reports how it died.
  JailSpec s = sh("perl -e '$x = \"a\" x (256 << 20); print length($x)'; echo status=$?");
  if (std::getenv("GS_TEST_NO_LIMITS")) GTEST_SKIP() << "GS_TEST_NO_LIMITS set";
  s.limits.memory_bytes = 64 << 20;
  ExitRecord r = run(s);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "status=137\n") << r.err.tail;
  EXPECT_GE(r.limits.oom_kills, 1u);
}

TEST(Jail, MissingBinaryIsAClearError) {
  GS_REQUIRE_ROOT();
  auto jail = Jail::create(spec_for({"/work/out/x"}));
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  ASSERT_TRUE((*jail)->release().ok());
  auto rec = (*jail)->wait();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().message(), "execve('/work/out/x'): No such file or directory");
}

TEST(Jail, BadWorkingDirectoryIsAClearError) {
  GS_REQUIRE_ROOT();
  JailSpec s = spec_for({"/bin/true"});
  s.cwd = "/no/such/dir";
  auto jail = Jail::create(s);
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  ASSERT_TRUE((*jail)->release().ok());
  auto rec = (*jail)->wait();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().message(), "chdir('/no/such/dir'): No such file or directory");
}

TEST(Jail, SetupFailureIsACreateError) {
  GS_REQUIRE_ROOT();
  JailSpec s = sh("true");
  s.mounts.push_back({.kind = Mount::Kind::kTmpfs, .target = "/usr/gs-test-mnt"});
  auto jail = Jail::create(s);
  ASSERT_FALSE(jail.ok());
  EXPECT_EQ(jail.error().message(), "mkdir('/usr/gs-test-mnt'): Read-only file system");
  EXPECT_TRUE(my_children().empty());
}

TEST(Jail, JailDiesWithItsCreator) {
  GS_REQUIRE_ROOT();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  // The orphaned jail init is reparented to us, so the test reaps it instead of relying
  // on the host's pid 1.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  pid_t creator = ::fork();
  ASSERT_GE(creator, 0);
  if (creator == 0) {
    // A creator that dies without running any destructor (as a crashed harness would).
    auto jail = Jail::create(spec_for({"/bin/sleep", "1000"}));
    if (!jail.ok() || !(*jail)->release().ok()) ::_exit(1);
    std::string cg = (*jail)->cgroup_path() + "\n";
    if (::write(fds[1], cg.data(), cg.size()) < 0) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[512] = {};
  ASSERT_GT(::read(fds[0], buf, sizeof buf - 1), 0);
  ::close(fds[0]);
  std::string cg(buf, std::strchr(buf, '\n'));
  ::kill(creator, SIGKILL);
  ::waitpid(creator, nullptr, 0);
  // PR_SET_PDEATHSIG takes the jail down with its creator.
  // (-1: a concurrent create() in another test process already swept the empty cgroup.)
  auto give_up = std::chrono::steady_clock::now() + 5s;
  while (count_lines(cg + "/cgroup.procs") > 0 && std::chrono::steady_clock::now() < give_up) {
    ::usleep(10'000);
  }
  give_up = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < give_up) {
    pid_t p = ::waitpid(-1, nullptr, WNOHANG);
    if (p < 0) break;  // ECHILD: the orphaned init is reaped
    if (p == 0) ::usleep(10'000);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  EXPECT_LE(count_lines(cg + "/cgroup.procs"), 0);
  EXPECT_FALSE(cgroup_has_procs_anywhere(basename_of(cg)));
  // The next jail sweeps the orphaned, empty cgroup directories.
  auto next = Jail::create(spec_for({"/bin/true"}));
  ASSERT_TRUE(next.ok()) << next.error().message();
  EXPECT_NE(::access(cg.c_str(), F_OK), 0) << cg << " left behind";
  for (const char* v1 : {"/sys/fs/cgroup/memory/gosandbox/", "/sys/fs/cgroup/pids/gosandbox/"}) {
    std::string d = v1 + basename_of(cg);
    EXPECT_NE(::access(d.c_str(), F_OK), 0) << d << " left behind";
  }
}

TEST(Jail, ParentCgroupRemovedMeanwhileIsMadeAgain) {
  GS_REQUIRE_ROOT();
  // The shared gosandbox/ parents are made once per process; an administrator (or a
  // cleanup script) may remove them while no jail runs.
  ExitRecord first = run(spec_for({"/bin/true"}));
  ASSERT_EQ(first.exit_code, 0);
  int removed = 0;
  for (const char* p : {"/sys/fs/cgroup/unified/gosandbox", "/sys/fs/cgroup/gosandbox",
                        "/sys/fs/cgroup/memory/gosandbox", "/sys/fs/cgroup/pids/gosandbox",
                        "/sys/fs/cgroup/cpu/gosandbox"}) {
    if (::rmdir(p) == 0) ++removed;  // EBUSY: another process's jail is running
  }
  ExitRecord again = run(spec_for({"/bin/sh", "-c", "exit 3"}));
  EXPECT_TRUE(again.exited);
  EXPECT_EQ(again.exit_code, 3);
  if (removed == 0) GTEST_SKIP() << "other jails keep the parent cgroups busy";
}

TEST(Jail, InitKilledBeforeReleaseIsAnErrorNotASigpipe) {
  GS_REQUIRE_ROOT();
  auto jail = Jail::create(spec_for({"/bin/true"}));
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  pid_t init = (*jail)->host_pid();
  ASSERT_EQ(::kill(init, SIGKILL), 0);
  std::string stat_path = "/proc/" + std::to_string(init) + "/stat";
  for (int i = 0; i < 500; ++i) {
    auto st = read_file(stat_path, 4096);
    if (st.ok() && st->find(") Z") != std::string::npos) break;
    ::usleep(2'000);
  }
  auto rel = (*jail)->release();
  ASSERT_FALSE(rel.ok());
  EXPECT_NE(rel.error().message().find("jail init is gone"), std::string::npos)
      << rel.error().message();
  std::string cg = (*jail)->cgroup_path();
  jail->reset();
  EXPECT_NE(::access(cg.c_str(), F_OK), 0);
  EXPECT_TRUE(my_children().empty());
}

TEST(Jail, HandlesExposeCgroupAndNetns) {
  GS_REQUIRE_ROOT();
  auto jail = Jail::create(spec_for({"/bin/true"}));
  ASSERT_TRUE(jail.ok()) << jail.error().message();
  struct stat cg, mine, theirs;
  ASSERT_EQ(::stat((*jail)->cgroup_path().c_str(), &cg), 0);
  EXPECT_EQ((*jail)->cgroup_id(), cg.st_ino);
  ASSERT_EQ(::fstat((*jail)->netns_fd(), &theirs), 0);
  ASSERT_EQ(::stat("/proc/self/ns/net", &mine), 0);
  EXPECT_NE(theirs.st_ino, mine.st_ino);
  EXPECT_GT((*jail)->host_pid(), 0);
  // The init is already in the jail's cgroup before release().
  auto procs = read_file((*jail)->cgroup_path() + "/cgroup.procs");
  ASSERT_TRUE(procs.ok());
  EXPECT_EQ(*procs, std::to_string((*jail)->host_pid()) + "\n");
  // On hybrid hosts the limits live in v1 cgroups, which init joins itself: it must be in
  // them before create() returns, so the limits hold from the payload's first instruction.
  for (const char* v1 : {"/sys/fs/cgroup/memory/gosandbox/", "/sys/fs/cgroup/pids/gosandbox/"}) {
    std::string d = v1 + basename_of((*jail)->cgroup_path());
    if (::access(d.c_str(), F_OK) != 0) continue;  // pure v2 host
    auto v1_procs = read_file(d + "/cgroup.procs");
    ASSERT_TRUE(v1_procs.ok()) << d;
    EXPECT_EQ(*v1_procs, std::to_string((*jail)->host_pid()) + "\n") << d;
  }
}

TEST(Jail, WorksWhereClone3IsDenied) {
  GS_REQUIRE_ROOT();
  // Container runtimes' seccomp policies often answer clone3 with ENOSYS; the jail then
  // falls back to clone and moves init into its cgroup afterwards.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0 ||
        seccomp_load(ctx) != 0) {
      ::_exit(10);
    }
    auto jail = Jail::create(spec_for({"/bin/sh", "-c", "exit 7"}));
    if (!jail.ok()) ::_exit(11);
    auto procs = read_file((*jail)->cgroup_path() + "/cgroup.procs");
    if (!procs.ok() || *procs != std::to_string((*jail)->host_pid()) + "\n") ::_exit(12);
    if (!(*jail)->release().ok()) ::_exit(13);
    auto rec = (*jail)->wait();
    ::_exit(rec.ok() && rec->exited ? rec->exit_code : 14);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st)) << st;
  EXPECT_EQ(WEXITSTATUS(st), 7) << "10: seccomp, 11: create, 12: cgroup, 13: release, 14: wait";
}

TEST(Jail, GoToolchainBuildsCgoProgram) {
  GS_REQUIRE_ROOT();
  HostDir src("go");
  ASSERT_TRUE(write_file_atomic(src.file("go.mod"), "module example.test/hello\n\ngo 1.19\n").ok());
  ASSERT_TRUE(write_file_atomic(src.file("main.go"),
                                "package main\n\n"
                                "// static int answer(void) { return 42; }\n"
                                "import \"C\"\n\n"
                                "import \"fmt\"\n\n"
                                "func main() { fmt.Println(\"hello from cgo\", C.answer()) }\n")
                  .ok());
  JailSpec build = spec_for({"/usr/lib/go-1.19/bin/go", "build", "-o", "/src/hello", "."});
  build.env = {"PATH=/usr/lib/go-1.19/bin:/usr/bin:/bin",
               "HOME=/home/dev",
               "GOCACHE=/tmp/gocache",
               "GOPATH=/tmp/gopath",
               "GOPROXY=off",
               "GOFLAGS=-mod=mod",
               "CGO_ENABLED=1",
               "TMPDIR=/tmp"};
  build.cwd = "/src";
  build.timeout = 240s;
  build.mounts.push_back(
      {.kind = Mount::Kind::kBind, .source = src.path(), .target = "/src", .writable = true});
  ExitRecord b = run(build);
  ASSERT_TRUE(b.exited);
  ASSERT_EQ(b.exit_code, 0) << b.err.tail << b.out.tail;

  JailSpec exec = spec_for({"/src/hello"});
  exec.mounts.push_back({.kind = Mount::Kind::kBind, .source = src.path(), .target = "/src"});
  ExitRecord r = run(exec);
  EXPECT_EQ(r.exit_code, 0) << r.err.tail;
  EXPECT_EQ(r.out.tail, "hello from cgo 42\n");
}

TEST(Jail, TwentyJailsLeaveNothingBehind) {
  GS_REQUIRE_ROOT();
  int mounts_before = count_lines("/proc/self/mountinfo");
  std::vector<std::string> cgroups;
  for (int i = 0; i < 20; ++i) {
    JailSpec s = sh("sleep 1000 & sleep 1000 & echo $$");
    s.timeout = 2s;
    auto jail = Jail::create(s);
    ASSERT_TRUE(jail.ok()) << jail.error().message();
    cgroups.push_back((*jail)->cgroup_path());
    // A third each: never released, released but never waited, released and waited.
    if (i % 3 >= 1) {
      ASSERT_TRUE((*jail)->release().ok());
    }
    if (i % 3 == 2) {
      auto rec = (*jail)->wait();
      ASSERT_TRUE(rec.ok()) << rec.error().message();
      EXPECT_EQ(rec->out.tail, "2\n");
    }
  }
  for (const auto& cg : cgroups) {
    EXPECT_NE(::access(cg.c_str(), F_OK), 0) << cg << " left behind";
    EXPECT_FALSE(cgroup_has_procs_anywhere(basename_of(cg))) << cg;
    for (const char* v1 : {"/sys/fs/cgroup/memory/gosandbox/", "/sys/fs/cgroup/pids/gosandbox/"}) {
      std::string d = v1 + basename_of(cg);
      EXPECT_NE(::access(d.c_str(), F_OK), 0) << d << " left behind";
    }
  }
  EXPECT_EQ(count_lines("/proc/self/mountinfo"), mounts_before);
  EXPECT_TRUE(my_children().empty());
}

TEST(Jail, ConcurrentJailsFromThreads) {
  GS_REQUIRE_ROOT();
  // Batch runs create jails from several threads at once: each jail must see only its own
  // pipes (a copy held by a sibling's init would stall or mix output) and finish.
  constexpr int kThreads = 4, kPerThread = 5;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &good] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string tag = "t" + std::to_string(t) + "-" + std::to_string(i);
        JailSpec s = sh("echo " + tag + "; ls /proc/self/fd | wc -l >&2");
        auto jail = Jail::create(s);
        if (!jail.ok() || !(*jail)->release().ok()) continue;
        auto rec = (*jail)->wait();
        // stdin, stdout, stderr and the fd ls opens to list them: nothing else leaks in.
        if (rec.ok() && rec->out.tail == tag + "\n" && rec->err.tail == "4\n") ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kPerThread);
  EXPECT_TRUE(my_children().empty());
}

TEST(Jail, StartupLatency) {
  GS_REQUIRE_ROOT();
  using us = std::chrono::microseconds;
  std::vector<int64_t> create_us, run_us;
  for (int i = 0; i < 50; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto jail = Jail::create(spec_for({"/bin/true"}));
    ASSERT_TRUE(jail.ok()) << jail.error().message();
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE((*jail)->release().ok());
    auto rec = (*jail)->wait();
    auto t2 = std::chrono::steady_clock::now();
    ASSERT_TRUE(rec.ok());
    ASSERT_EQ(rec->exit_code, 0);
    create_us.push_back(std::chrono::duration_cast<us>(t1 - t0).count());
    run_us.push_back(std::chrono::duration_cast<us>(t2 - t1).count());
  }
  auto pct = [](std::vector<int64_t> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(p * (v.size() - 1))];
  };
  std::printf("[latency] create(): median %ld us, p90 %ld us\n", pct(create_us, 0.5),
              pct(create_us, 0.9));
  std::printf("[latency] release() -> /bin/true exited and reaped: median %ld us, p90 %ld us\n",
              pct(run_us, 0.5), pct(run_us, 0.9));
}

}  // namespace
}  // namespace gs::sandbox
