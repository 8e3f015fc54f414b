// The containment suite: fixture Go modules in tests/hostile/modules each try one hostile
// thing from init() (read host secrets, escape the root, ptrace, mount, load modules,
// BPF, io_uring, namespaces, keyrings, signals, fork/memory/disk/fd/CPU exhaustion,
// setuid, /proc/sys and /sys, devices, host sockets, the clock, reboot, sandbox checks).
// Every fixture runs in a real jail built from the `default` profile, and every test
// checks the host side (the secret never shows, the marker file is not there, the host's
// listener accepted nothing, the sentinel got no signal, the clock did not move) and
// that the jail ended with a status: exited, killed by a named limit, or timed out.
//
// All fixtures are linked into one binary (each init() does nothing unless
// GS_HOSTILE_ONLY names it or is unset), so the suite pays for one Go build.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "base/fs.h"
#include "jail.h"
#include "privileged.h"
#include "profile.h"

namespace gs::sandbox {
namespace {

const std::string kModules = std::string(GS_SOURCE_DIR) + "/tests/hostile/modules";
const std::string kProfiles = std::string(GS_SOURCE_DIR) + "/profiles";

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  DIR* d = ::opendir(kModules.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.' && e->d_type == DT_DIR) names.push_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  if (st != 0) out += "\n[exit status " + std::to_string(st) + "]";
  return out;
}

struct Outcome {
  ExitRecord rec;
  std::string out;  // stdout + stderr
};

class Hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    char tmpl[] = "/tmp/gs-hostile-XXXXXX";
    ASSERT_TRUE(::mkdtemp(tmpl));
    work_ = tmpl;
    ::chmod(work_.c_str(), 0755);
    // One main module that links every fixture through replace directives.
    std::string gomod = "module example.test/hostile/all\n\ngo 1.19\n\nrequire (\n";
    std::string replaces, imports;
    for (const auto& n : fixture_names()) {
      gomod += "\texample.test/hostile/" + n + " v0.0.0\n";
      replaces += "replace example.test/hostile/" + n + " => " + kModules + "/" + n + "\n";
      imports += "\t_ \"example.test/hostile/" + n + "\"\n";
    }
    gomod += ")\n\n" + replaces;
    ASSERT_TRUE(make_dirs(work_ + "/src").ok());
    ASSERT_TRUE(write_file_atomic(work_ + "/src/go.mod", gomod).ok());
    ASSERT_TRUE(
        write_file_atomic(work_ + "/src/main.go",
                          "package main\n\nimport (\n\t\"fmt\"\n" + imports +
                              ")\n\nfunc main() { fmt.Println(\"gs-hostile: main reached\") }\n")
            .ok());
    std::string cache = std::string(GS_BINARY_DIR) + "/tests/hostile/gocache";
    std::string log = sh("cd " + work_ + "/src && env -i PATH=/usr/bin:/bin HOME=" + work_ +
                         " GOPATH=" + work_ + "/gopath GOCACHE=" + cache +
                         " GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off CGO_ENABLED=0 go build -o " +
                         work_ + "/bin/hostile .");
    ASSERT_EQ(::access((work_ + "/bin/hostile").c_str(), X_OK), 0) << "go build failed:\n" << log;
    ::chmod((work_ + "/bin").c_str(), 0755);

    // Secrets on the host that no fixture may ever print.
    std::random_device rd;
    secret_ = "gs-hostile-secret-" + std::to_string(rd()) + std::to_string(rd());
    ASSERT_TRUE(write_file_atomic("/etc/gs-hostile-secret", secret_ + "\n", 0644).ok());
    ASSERT_TRUE(write_file_atomic("/root/gs-hostile-secret", secret_ + "\n", 0644).ok());
    auto shadow = read_file("/etc/shadow");
    if (shadow.ok()) shadow_line_ = shadow->substr(0, shadow->find('\n'));
  }

  static void TearDownTestSuite() {
    ::unlink("/etc/gs-hostile-secret");
    ::unlink("/root/gs-hostile-secret");
    if (!work_.empty()) (void)remove_tree(work_);
  }

  void SetUp() override { GS_REQUIRE_ROOT(); }

  // Runs one fixture in a jail from the default profile; `tweak` adjusts the spec.
  Outcome run(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(10),
              const std::function<void(JailSpec&)>& tweak = nullptr) {
    Outcome r;
    auto profile = Profile::load("default", kProfiles);
    EXPECT_TRUE(profile.ok()) << profile.error().message();
    if (!profile.ok()) return r;
    auto persona = Persona::randomize(profile->persona, std::hash<std::string>{}(name));
    EXPECT_TRUE(persona.ok());
    JailSpec spec;
    apply(*profile, *persona, spec);
    spec.env.push_back("GS_HOSTILE_ONLY=" + name);
    spec.argv = {"/opt/hostile/hostile"};
    spec.cwd = spec.identity.home;
    spec.mounts.push_back(
        {.kind = Mount::Kind::kBind, .source = work_ + "/bin", .target = "/opt/hostile"});
    spec.timeout = timeout;
    spec.term_grace = std::chrono::milliseconds(300);
    if (tweak) tweak(spec);
    auto jail = Jail::create(spec);
    EXPECT_TRUE(jail.ok()) << jail.error().message();
    if (!jail.ok()) return r;
    EXPECT_TRUE((*jail)->release().ok());
    auto rec = (*jail)->wait();
    EXPECT_TRUE(rec.ok()) << rec.error().message();
    if (!rec.ok()) return r;
    r.rec = std::move(*rec);
    r.out = r.rec.out.tail + r.rec.err.tail;
    // Nothing of the host's secrets, whatever the fixture did.
    EXPECT_EQ(r.out.find(secret_), std::string::npos) << "host secret leaked into the jail:\n"
                                                      << r.out;
    if (!shadow_line_.empty()) {
      EXPECT_EQ(r.out.find(shadow_line_.substr(0, shadow_line_.find(':') + 2)), std::string::npos)
          << r.out;
    }
    return r;
  }

  static bool exited_ok(const Outcome& r) { return r.rec.exited && r.rec.exit_code == 0; }

  static std::string work_, secret_, shadow_line_;
};
std::string Hostile::work_, Hostile::secret_, Hostile::shadow_line_;

#define EXPECT_OUT(r, text) \
  EXPECT_NE((r).out.find(text), std::string::npos) << "want '" << (text) << "' in:\n" << (r).out

TEST_F(Hostile, SuiteHasAtLeast25Fixtures) { EXPECT_GE(fixture_names().size(), 25u); }

TEST_F(Hostile, ReadShadowSeesNoHostSecret) {
  Outcome r = run("readshadow");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "read /etc/shadow: 0 bytes \"\" err=open /etc/shadow: no such file or directory");
  EXPECT_OUT(r, "read /etc/gs-hostile-secret: 0 bytes");
}

TEST_F(Hostile, ReadRootSeesNothingOfTheHost) {
  Outcome r = run("readroot");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "readdir /root: [] err=open /root: permission denied");
  EXPECT_OUT(r, "readdir /work: [] err=open /work: no such file or directory");
}

TEST_F(Hostile, WriteOutsideLeavesNoFileOnTheHost) {
  Outcome r = run("writeoutside");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  for (const char* p : {"/gs-hostile-writeoutside", "/etc/gs-hostile-writeoutside",
                        "/usr/gs-hostile-writeoutside", "/var/tmp/gs-hostile-writeoutside",
                        "/root/gs-hostile-writeoutside", "/work/gs-hostile-writeoutside"}) {
    EXPECT_NE(::access(p, F_OK), 0) << p << " exists on the host";
  }
  EXPECT_OUT(r,
             "write /etc/gs-hostile-writeoutside: err=open /etc/gs-hostile-writeoutside: read-only "
             "file system");
}

TEST_F(Hostile, DotDotStaysInTheJail) {
  Outcome r = run("dotdot");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "after 64 x chdir(..) in /: \"\"");
}

TEST_F(Hostile, SymlinksResolveInsideTheJail) {
  Outcome r = run("symlinkescape");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "read via symlink -> /proc/1/root/etc/gs-hostile-secret: \"\" err=");
}

TEST_F(Hostile, ProcRootOnlyShowsJailProcesses) {
  Outcome r = run("procroot");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  // Init and the payload (plus its threads' parent): nothing of the host's process list.
  EXPECT_OUT(r, "processes visible: 2");
}

TEST_F(Hostile, PtraceIsDenied) {
  Outcome r = run("ptrace");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, ": err=operation not permitted");
  EXPECT_OUT(r, "ptrace attached to 0 processes");
}

TEST_F(Hostile, MountIsDeniedAndTheHostHasNoNewMount) {
  std::string before = slurp("/proc/self/mountinfo");
  Outcome r = run("mount");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "mount(tmpfs): err=operation not permitted");
  EXPECT_OUT(r, "mount(bind /): err=operation not permitted");
  EXPECT_OUT(r, "pivot_root: err=operation not permitted");
  EXPECT_EQ(slurp("/proc/self/mountinfo").find("gs-hostile"), std::string::npos);
  (void)before;
}

TEST_F(Hostile, KernelModulesAreDenied) {
  std::string before = slurp("/proc/modules");
  Outcome r = run("kmod");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "init_module: errno=operation not permitted");
  EXPECT_OUT(r, "finit_module: errno=operation not permitted");
  EXPECT_OUT(r, "delete_module: errno=operation not permitted");
  EXPECT_EQ(slurp("/proc/modules"), before);
}

TEST_F(Hostile, BpfIsDenied) {
  Outcome r = run("bpf");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "bpf(BPF_MAP_CREATE): fd=-1 errno=operation not permitted");
  EXPECT_OUT(r, "bpf(BPF_PROG_LOAD): fd=-1 errno=operation not permitted");
}

TEST_F(Hostile, PerfEventOpenIsDenied) {
  Outcome r = run("perfevent");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "perf_event_open(self): fd=-1 errno=operation not permitted");
}

TEST_F(Hostile, IoUringIsDenied) {
  Outcome r = run("iouring");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "io_uring_setup: fd=-1 errno=operation not permitted");
  EXPECT_OUT(r, "io_uring_enter: errno=operation not permitted");
}

TEST_F(Hostile, NamespacesAreDenied) {
  Outcome r = run("unshare");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "unshare(CLONE_NEWUSER): err=operation not permitted");
  EXPECT_OUT(r,
             "clone(CLONE_NEWUSER|CLONE_NEWNS) via exec: err=fork/exec /bin/true: operation not "
             "permitted");
  EXPECT_OUT(r, "setns(/proc/self/ns/mnt): errno=operation not permitted");
}

TEST_F(Hostile, KeyringsAreDeniedAndTheHostHasNoKey) {
  Outcome r = run("keyctl");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "add_key(user, gs-hostile-key): id=-1 errno=operation not permitted");
  EXPECT_EQ(slurp("/proc/keys").find("gs-hostile-key"), std::string::npos);
}

TEST_F(Hostile, KillMinusOneReachesNoHostProcess) {
  // A host process with the jail user's own host uid: the strongest target a same-uid
  // kill(-1) could reach. It counts the SIGURGs it gets on a pipe.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  pid_t sentinel = ::fork();
  ASSERT_GE(sentinel, 0);
  if (sentinel == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGURG);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    if (::setresgid(host_id(1000), host_id(1000), host_id(1000)) != 0 ||
        ::setresuid(host_id(1000), host_id(1000), host_id(1000)) != 0) {
      ::_exit(2);
    }
    for (;;) {
      if (::sigwaitinfo(&set, nullptr) == SIGURG) (void)!::write(fds[1], "u", 1);
    }
  }
  ::close(fds[1]);
  ::usleep(50'000);
  Outcome r = run("killall");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "kill(-1, SIGURG): err=");
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  char buf[64];
  EXPECT_LE(::read(fds[0], buf, sizeof buf), 0) << "the host sentinel got a signal from the jail";
  EXPECT_EQ(::kill(sentinel, 0), 0) << "the sentinel is gone";
  ::kill(sentinel, SIGKILL);
  ::waitpid(sentinel, nullptr, 0);
  ::close(fds[0]);
}

TEST_F(Hostile, ForkBombHitsThePidsLimit) {
  Outcome r =
      run("forkbomb", std::chrono::seconds(10), [](JailSpec& s) { s.limits.max_pids = 64; });
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "then err=fork/exec /bin/sleep: resource temporarily unavailable");
  EXPECT_GT(r.rec.limits.pids_max, 0u);
}

TEST_F(Hostile, MemoryBombIsKilledByTheOomKiller) {
  Outcome r = run("membomb", std::chrono::seconds(20),
                  [](JailSpec& s) { s.limits.memory_bytes = 256 << 20; });
  EXPECT_FALSE(r.rec.exited) << r.out;
  EXPECT_EQ(r.rec.signal, SIGKILL);
  EXPECT_GT(r.rec.limits.oom_kills, 0u);
  EXPECT_FALSE(r.rec.timed_out);
}

TEST_F(Hostile, DiskFillStopsAtTheTmpfsAndIsRecorded) {
  Outcome r =
      run("diskfill", std::chrono::seconds(10), [](JailSpec& s) { s.limits.tmp_bytes = 64 << 20; });
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "no space left on device");
  EXPECT_NE(std::find(r.rec.limits.disk_full.begin(), r.rec.limits.disk_full.end(), "/tmp"),
            r.rec.limits.disk_full.end());
}

TEST_F(Hostile, FdExhaustionStopsAtNofile) {
  Outcome r =
      run("fdexhaust", std::chrono::seconds(10), [](JailSpec& s) { s.limits.open_files = 256; });
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "err=open /dev/null: too many open files");
}

TEST_F(Hostile, CpuSpinIsThrottledAndTimedOut) {
  Outcome r = run("cpuspin", std::chrono::milliseconds(1500),
                  [](JailSpec& s) { s.limits.cpu_millicores = 300; });
  EXPECT_TRUE(r.rec.timed_out) << r.out;
  EXPECT_GT(r.rec.limits.cpu_throttled, 0u);
}

TEST_F(Hostile, SleepForeverTimesOut) {
  Outcome r = run("sleepforever", std::chrono::milliseconds(800));
  EXPECT_TRUE(r.rec.timed_out);
  EXPECT_OUT(r, "sleeping");
  EXPECT_LT(r.rec.duration, std::chrono::seconds(5));
}

TEST_F(Hostile, SetuidBinariesGiveNoRoot) {
  std::string before = slurp("/proc/self/mountinfo");
  Outcome r = run("setuidexec");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "setuid mount: \"mount: ");
  EXPECT_EQ(r.out.find("setuid su: \"0"), std::string::npos) << r.out;
  EXPECT_EQ(slurp("/proc/self/mountinfo").find("gs-hostile"), std::string::npos);
}

TEST_F(Hostile, ProcSysIsReadOnly) {
  std::string core = slurp("/proc/sys/kernel/core_pattern");
  Outcome r = run("procsys");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "write /proc/sys/kernel/core_pattern: err=");
  EXPECT_EQ(r.out.find("write /proc/sys/kernel/core_pattern: err=<nil>"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("write /proc/sysrq-trigger: err=<nil>"), std::string::npos) << r.out;
  EXPECT_EQ(slurp("/proc/sys/kernel/core_pattern"), core);
}

TEST_F(Hostile, SysIsNotThere) {
  Outcome r = run("syswrite");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_EQ(r.out.find("err=<nil>"), std::string::npos) << r.out;
}

TEST_F(Hostile, DevicesAreNotThereAndTheKernelLogIsUntouched) {
  Outcome r = run("devmem");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "open /dev/mem: err=open /dev/mem: no such file or directory");
  EXPECT_OUT(r, "open /dev/kmsg for writing: err=open /dev/kmsg: no such file or directory");
  EXPECT_OUT(r, "mknod(mem, c 1 1): err=operation not permitted");
  EXPECT_EQ(sh("dmesg | grep -c gs-hostile-devmem || true").find_first_not_of("0\n"),
            std::string::npos);
}

TEST_F(Hostile, HostLoopbackServiceIsUnreachable) {
  int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(47011);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(tcp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << "port 47011 busy";
  ASSERT_EQ(::listen(tcp, 16), 0);
  ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  Outcome r = run("hostloopback");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r,
             "dial tcp 127.0.0.1:47011: err=dial tcp 127.0.0.1:47011: connect: connection refused");
  EXPECT_LT(::accept(tcp, nullptr, nullptr), 0) << "the host's loopback service got a connection";
  char buf[64];
  EXPECT_LT(::recv(udp, buf, sizeof buf, 0), 0) << "the host's loopback service got a datagram";
  ::close(tcp);
  ::close(udp);
}

TEST_F(Hostile, HostUnixSocketsAreUnreachable) {
  auto listen_unix = [](const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un u{};
    u.sun_family = AF_UNIX;
    std::memcpy(u.sun_path, path.data(), path.size());
    if (path[0] == '@') u.sun_path[0] = 0;
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&u), len), 0) << path;
    ::listen(fd, 16);
    ::chmod(path.c_str(), 0777);
    return fd;
  };
  ::unlink("/tmp/gs-hostile.sock");
  int abs = listen_unix("@gs-hostile-abstract");
  int file = listen_unix("/tmp/gs-hostile.sock");
  Outcome r = run("hostunix");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r,
             "dial unix @gs-hostile-abstract: err=dial unix @gs-hostile-abstract: connect: "
             "connection refused");
  EXPECT_OUT(r,
             "dial unix /tmp/gs-hostile.sock: err=dial unix /tmp/gs-hostile.sock: connect: no such "
             "file or directory");
  EXPECT_LT(::accept(abs, nullptr, nullptr), 0);
  EXPECT_LT(::accept(file, nullptr, nullptr), 0);
  ::close(abs);
  ::close(file);
  ::unlink("/tmp/gs-hostile.sock");
}

TEST_F(Hostile, ClockCannotBeChanged) {
  auto skew = [] {
    timespec rt, mono;
    ::clock_gettime(CLOCK_REALTIME, &rt);
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    return (rt.tv_sec - mono.tv_sec) * 1000 + (rt.tv_nsec - mono.tv_nsec) / 1'000'000;
  };
  long before = skew();
  Outcome r = run("clock");
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "settimeofday(now): err=operation not permitted");
  EXPECT_OUT(r, "clock_settime(CLOCK_REALTIME, now): errno=operation not permitted");
  EXPECT_OUT(r, "adjtimex(ADJ_OFFSET 0): errno=operation not permitted");
  EXPECT_LT(std::labs(skew() - before), 50) << "the host's clock moved";
}

TEST_F(Hostile, RebootIsKilledAndTheKillIsNamed) {
  Outcome r = run("reboot");
  EXPECT_FALSE(r.rec.exited) << r.out;
  EXPECT_EQ(r.rec.signal, SIGSYS);
  EXPECT_OUT(r, "calling reboot");
  EXPECT_EQ(r.out.find("reboot: errno"), std::string::npos);
  EXPECT_EQ(r.rec.seccomp_kill, "reboot");
  ASSERT_FALSE(r.rec.seccomp.empty());
  EXPECT_EQ(r.rec.seccomp.back().action, "kill_process");
}

TEST_F(Hostile, OrphansDieWithTheJail) {
  Outcome r = run("orphans", std::chrono::seconds(10));
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "started err=<nil>");
  // The jail's init exits with the payload and takes the SIGTERM-proof session along.
  std::string ps = sh("ps -eo uid=,args= | awk '$1 == " + std::to_string(host_id(1000)) +
                      "' | grep -c 'sleep 120' || true");
  EXPECT_EQ(std::atoi(ps.c_str()), 0) << ps;
}

TEST_F(Hostile, SandboxChecksSeeAWorkstation) {
  // The home the harness binds: populated on the host by populate_home.
  std::string home = work_ + "/home-sandboxcheck";
  Outcome r = run("sandboxcheck", std::chrono::seconds(10), [&](JailSpec& s) {
    Persona p;
    p.user = s.identity.user;
    p.full_name = "Test Person";
    p.email = "test@example.com";
    p.home = s.identity.home;
    p.editor = "vim";
    p.projects = {"billing-api", "dotfiles"};
    ASSERT_TRUE(populate_home(p, home).ok());
    s.mounts.push_back(
        {.kind = Mount::Kind::kBind, .source = home, .target = s.identity.home, .writable = true});
  });
  EXPECT_TRUE(exited_ok(r)) << r.out;
  EXPECT_OUT(r, "dockerenv=false ci=[]");
  EXPECT_OUT(r, "shell=/bin/bash term=xterm-256color");
  size_t host_at = r.out.find("hostname=");
  ASSERT_NE(host_at, std::string::npos);
  std::string host = r.out.substr(host_at + 9, r.out.find(' ', host_at) - host_at - 9);
  EXPECT_EQ(host.find("box"), std::string::npos) << host;
  size_t entries_at = r.out.find("entries=");
  ASSERT_NE(entries_at, std::string::npos);
  EXPECT_GE(std::atoi(r.out.c_str() + entries_at + 8), 8) << r.out;
  // uptime of days, from the time namespace
  size_t at = r.out.find("uptime=");
  ASSERT_NE(at, std::string::npos);
  double up = std::atof(r.out.c_str() + at + 7);
  EXPECT_GT(up, 2 * 86400.0) << r.out;
}

}  // namespace
}  // namespace gs::sandbox
