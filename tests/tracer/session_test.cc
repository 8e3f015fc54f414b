// Privileged tests of tracer::Session against the real kernel, falco style: the test
// makes its own cgroup v2 directory, puts a forked child in it, attaches a Session to
// that cgroup, then lets the child fire real syscalls and checks the decoded events.
// Traffic goes only to loopback and to the documentation address 192.0.2.1.
#include "tracer/session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "privileged.h"
#include "tracer/cgroup.h"

namespace gs::tracer {
namespace {

// A cgroup v2 directory owned by the test: its processes are killed and it is removed
// on destruction, so a failing test leaves nothing behind.
class TestCgroup {
 public:
  // Removes empty test cgroups left by runs that were killed before their destructors
  // ran (their pid is gone), so one crash does not accumulate.
  static void remove_stale(const std::string& root) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("gosandbox-test-", 0) != 0) continue;
      pid_t pid = std::atoi(name.c_str() + std::strlen("gosandbox-test-"));
      if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
      for (const auto& sub : std::filesystem::directory_iterator(e.path(), ec))
        if (sub.is_directory(ec)) ::rmdir(sub.path().c_str());
      ::rmdir(e.path().c_str());
    }
  }
  explicit TestCgroup(const std::string& tag, const TestCgroup* parent = nullptr) {
    auto root = cgroup2_root();
    if (!root.ok()) return;
    if (!parent) remove_stale(*root);
    path_ = parent ? parent->path_ + "/" + tag
                   : *root + "/gosandbox-test-" + std::to_string(::getpid()) + "-" + tag;
    if (::mkdir(path_.c_str(), 0755) != 0) {
      path_.clear();
      return;
    }
    auto id = cgroup_id(path_);
    if (id.ok()) id_ = *id;
  }
  ~TestCgroup() {
    if (path_.empty()) return;
    for (int i = 0; i < 50; ++i) {
      std::ifstream procs(path_ + "/cgroup.procs");
      pid_t pid;
      bool any = false;
      while (procs >> pid) any = true, ::kill(pid, SIGKILL);
      if (!any && ::rmdir(path_.c_str()) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "could not remove " << path_;
  }
  bool ok() const { return id_ != 0; }
  uint64_t id() const { return id_; }
  const std::string& path() const { return path_; }
  bool add(pid_t pid) const {
    std::ofstream procs(path_ + "/cgroup.procs");
    procs << pid << std::flush;
    return procs.good();
  }

 private:
  std::string path_;
  uint64_t id_ = 0;
};

// A child forked now that runs `body` only after release(); its exit code is body's.
class GatedChild {
 public:
  explicit GatedChild(const std::function<int()>& body) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(p[1]);
      char c;
      if (::read(p[0], &c, 1) != 1) ::_exit(100);
      ::close(p[0]);
      ::_exit(body());
    }
    ::close(p[0]);
    gate_ = p[1];
  }
  ~GatedChild() {
    if (gate_ >= 0) ::close(gate_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  void release() {
    (void)!::write(gate_, "g", 1);
    ::close(gate_);
    gate_ = -1;
  }
  // Polls the session until the child exited and the ring buffer is empty.
  int run_to_exit(Session& s, std::vector<Event>& out) {
    auto collect = [&](const Event& e) { out.push_back(e); };
    int status = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto n = s.poll(50, collect);
      EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message());
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        break;
      }
    }
    EXPECT_TRUE(reaped_) << "child did not exit in time";
    auto n = s.drain(collect);
    EXPECT_TRUE(n.ok());
    return status;
  }

 private:
  pid_t pid_ = -1;
  int gate_ = -1;
  bool reaped_ = false;
};

template <class T>
std::vector<std::pair<Header, T>> all_of(const std::vector<Event>& evs) {
  std::vector<std::pair<Header, T>> out;
  for (const auto& e : evs)
    if (auto* b = std::get_if<T>(&e.body)) out.emplace_back(e.header, *b);
  return out;
}

uint16_t closed_tcp_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

sockaddr_in inet4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Everything the child does, with raw syscalls where libc might pick another one.
int workload(const std::string& dir, uint16_t closed_port, uint16_t udp_port) {
  std::string a = dir + "/a.txt", b = dir + "/b.txt", sub = dir + "/sub";
  int fd = ::open(a.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) return 10;
  (void)!::write(fd, "hi", 2);
  ::close(fd);
  if (::rename(a.c_str(), b.c_str()) != 0) return 11;
  if (::mkdir(sub.c_str(), 0700) != 0) return 12;
  if (::chmod(b.c_str(), 0640) != 0) return 13;
  if (::unlink(b.c_str()) != 0) return 14;
  if (::rmdir(sub.c_str()) != 0) return 15;

  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  auto lo = inet4("127.0.0.1", closed_port);
  ::connect(s, reinterpret_cast<sockaddr*>(&lo), sizeof(lo));
  ::close(s);
  s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  auto doc = inet4("192.0.2.1", 4444);
  ::connect(s, reinterpret_cast<sockaddr*>(&doc), sizeof(doc));
  ::close(s);
  s = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto udp = inet4("127.0.0.1", udp_port);
  ::sendto(s, "ping", 4, 0, reinterpret_cast<sockaddr*>(&udp), sizeof(udp));
  ::close(s);

  int mfd = static_cast<int>(::syscall(SYS_memfd_create, "gs-test", 0));
  if (mfd < 0) return 16;
  ::kill(::getpid(), 0);
  // the other ways to signal a process or reach into one, aimed at itself
  siginfo_t qi{};
  qi.si_code = SI_QUEUE;
  ::syscall(SYS_rt_sigqueueinfo, ::getpid(), 0, &qi);
  int pfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0));
  if (pfd < 0) return 18;
  ::syscall(SYS_pidfd_send_signal, pfd, 0, nullptr, 0);
  ::close(pfd);
  char vdst[8] = {}, vsrc[8] = "gs";
  iovec lv{vdst, sizeof(vdst)}, rv{vsrc, sizeof(vsrc)};
  ::syscall(SYS_process_vm_readv, ::getpid(), &lv, 1, &rv, 1, 0);

  pid_t c = ::fork();
  if (c == 0) {
    char* const argv[] = {const_cast<char*>("true"), const_cast<char*>("--gs-marker"), nullptr};
    ::execv("/bin/true", argv);
    ::_exit(127);
  }
  int st;
  ::waitpid(c, &st, 0);
  // exec of a memfd holding /bin/true: the fileless-malware shape
  int src = ::open("/bin/true", O_RDONLY | O_CLOEXEC);
  char buf[65536];
  ssize_t n;
  while ((n = ::read(src, buf, sizeof(buf))) > 0) (void)!::write(mfd, buf, n);
  ::close(src);
  c = ::fork();
  if (c == 0) {
    if (::chdir("/proc") != 0) ::_exit(126);  // a mount point: the cwd walk crosses it
    char* const argv[] = {const_cast<char*>("fileless"), nullptr};
    char* const envp[] = {nullptr};
    ::syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
    ::_exit(127);
  }
  ::waitpid(c, &st, 0);
  // the same memfd through /proc/self/fd/N: the path names a symlink, the exe is the memfd
  char fd_path[64];
  std::snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", mfd);
  c = ::fork();
  if (c == 0) {
    char* const argv[] = {const_cast<char*>("viaproc"), nullptr};
    ::execv(fd_path, argv);
    ::_exit(127);
  }
  ::waitpid(c, &st, 0);
  // a failed exec
  char* const nargv[] = {const_cast<char*>("nope"), const_cast<char*>("http://192.0.2.1/x"),
                         nullptr};
  ::execv("/nonexistent/gs-nope", nargv);

  // denied: drop to nobody, then signal init (EPERM) and call a missing syscall (ENOSYS)
  if (::syscall(SYS_setuid, 65534) != 0) return 17;
  ::kill(1, 0);
  ::syscall(500);
  return 7;
}

class TracerSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/gs-tracer-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
  }
  void TearDown() override {
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(TracerSessionTest, RecordsProcessFileNetSecurityAndDeniedEventsOfTheCgroupOnly) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("events");
  ASSERT_TRUE(cg.ok()) << "cannot create a cgroup v2 directory";

  uint16_t closed_port = closed_tcp_port();
  int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // receives the child's ping
  auto any = inet4("127.0.0.1", 0);
  ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
  socklen_t alen = sizeof(any);
  ::getsockname(udp, reinterpret_cast<sockaddr*>(&any), &alen);
  uint16_t udp_port = ntohs(any.sin_port);

  std::string dir = dir_;
  GatedChild child([&] { return workload(dir, closed_port, udp_port); });
  ASSERT_GT(child.pid(), 0);
  ASSERT_TRUE(cg.add(child.pid()));

  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  Session& s = **session;

  // Host activity while the child runs: must not appear.
  std::string host_marker = dir_ + "/host-marker";
  int hfd = ::open(host_marker.c_str(), O_CREAT | O_WRONLY, 0600);
  ::close(hfd);
  ::unlink(host_marker.c_str());

  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(s, evs);
  ::close(udp);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 7) << "workload step failed";
  ASSERT_FALSE(evs.empty());
  if (std::getenv("GS_TRACER_TEST_DUMP"))
    for (const auto& e : evs) std::fprintf(stderr, "%s\n", to_jsonl(e).c_str());

  const pid_t me = ::getpid();
  const uint32_t cpid = child.pid();
  for (const auto& e : evs) {
    EXPECT_EQ(e.header.cgroup_id, cg.id()) << to_jsonl(e);
    EXPECT_NE(e.header.pid, uint32_t(me)) << "host activity leaked: " << to_jsonl(e);
    EXPECT_GT(e.header.ts_ns, 0u);
    if (auto* f = std::get_if<FileEvent>(&e.body)) {
      EXPECT_EQ(f->path.find("host-marker"), std::string::npos);
    }
  }

  // files
  auto files = all_of<FileEvent>(evs);
  auto find_file = [&](std::set<std::string> ops, const std::string& suffix) -> const FileEvent* {
    for (const auto& [h, f] : files)
      if (h.pid == cpid && ops.count(f.op) && ends_with(f.path, suffix)) return &f;
    return nullptr;
  };
  const FileEvent* open = find_file({"open", "openat"}, "/a.txt");
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->flags & O_CREAT);
  EXPECT_EQ(open->mode, 0600u);
  EXPECT_GE(open->ret, 0);
  const FileEvent* ren = find_file({"rename", "renameat", "renameat2"}, "/a.txt");
  ASSERT_NE(ren, nullptr);
  EXPECT_TRUE(ends_with(ren->path2, "/b.txt"));
  EXPECT_EQ(ren->ret, 0);
  const FileEvent* mk = find_file({"mkdir", "mkdirat"}, "/sub");
  ASSERT_NE(mk, nullptr);
  EXPECT_EQ(mk->mode, 0700u);
  const FileEvent* ch = find_file({"chmod", "fchmodat", "fchmodat2"}, "/b.txt");
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->mode, 0640u);
  EXPECT_NE(find_file({"unlink", "unlinkat"}, "/b.txt"), nullptr);
  EXPECT_NE(find_file({"rmdir", "unlinkat"}, "/sub"), nullptr);

  // network
  auto nets = all_of<NetEvent>(evs);
  bool lo_refused = false, doc_attempt = false, udp_sent = false, tcp_socket = false;
  for (const auto& [h, n] : nets) {
    if (n.op == "socket" && n.domain == AF_INET && (n.type & 0xf) == SOCK_STREAM && n.ret >= 0)
      tcp_socket = true;
    if (n.op == "connect" && n.addr && n.addr->ip == "127.0.0.1" && n.addr->port == closed_port)
      lo_refused = n.ret == -ECONNREFUSED;
    if (n.op == "connect" && n.addr && n.addr->ip == "192.0.2.1" && n.addr->port == 4444)
      doc_attempt = n.ret == -EINPROGRESS || n.ret == -ENETUNREACH || n.ret == -EHOSTUNREACH;
    if (n.op == "sendto" && n.addr && n.addr->ip == "127.0.0.1" && n.addr->port == udp_port)
      udp_sent = n.bytes == 4;
  }
  EXPECT_TRUE(tcp_socket);
  EXPECT_TRUE(lo_refused);
  EXPECT_TRUE(doc_attempt);
  EXPECT_TRUE(udp_sent);

  // security
  auto secs = all_of<SecurityEvent>(evs);
  bool memfd = false, self_kill = false, setuid = false, init_kill = false;
  bool queued = false, vm_read = false;
  int pidfd = -1, pidfd_signal = -2;
  for (const auto& [h, x] : secs) {
    if (x.op == "rt_sigqueueinfo" && x.target == int64_t(cpid) && x.signal == 0 && x.ret == 0)
      queued = true;
    if (x.op == "pidfd_open" && x.target == int64_t(cpid) && x.ret >= 0) pidfd = int(x.ret);
    if (x.op == "pidfd_send_signal" && x.signal == 0 && x.ret == 0) pidfd_signal = x.pidfd;
    if (x.op == "process_vm_readv" && x.target == int64_t(cpid)) vm_read = true;
    if (x.op == "memfd_create" && x.str1 == "gs-test" && x.ret >= 0) memfd = true;
    if (x.op == "kill" && x.target == int64_t(cpid) && x.signal == 0 && x.ret == 0)
      self_kill = true;
    if (x.op == "setuid" && x.args[0] == 65534 && x.ret == 0) setuid = true;
    if (x.op == "kill" && x.target == 1 && x.ret == -EPERM) init_kill = true;
  }
  EXPECT_TRUE(memfd);
  EXPECT_TRUE(self_kill);
  EXPECT_TRUE(setuid);
  EXPECT_TRUE(init_kill);
  EXPECT_TRUE(queued);
  EXPECT_GE(pidfd, 0);
  EXPECT_EQ(pidfd_signal, pidfd) << "pidfd_send_signal names the pidfd pidfd_open returned";
  EXPECT_TRUE(vm_read);

  // denied
  auto denied = all_of<DeniedEvent>(evs);
  bool d_kill = false, d_nosys = false;
  for (const auto& [h, d] : denied) {
    if (h.pid != cpid) continue;
    if (d.syscall == "kill" && d.ret == -EPERM) d_kill = true;
    if (d.nr == 500 && d.ret == -ENOSYS) d_nosys = true;
  }
  EXPECT_TRUE(d_kill);
  EXPECT_TRUE(d_nosys);

  // processes: fork -> exec /bin/true with argv -> exit 0; memfd exec; failed exec; exit 7
  auto forks = all_of<ForkEvent>(evs);
  auto execs = all_of<ExecEvent>(evs);
  auto exits = all_of<ExitEvent>(evs);
  std::set<uint32_t> children;
  for (const auto& [h, f] : forks)
    if (h.pid == cpid && !f.thread) children.insert(f.child_pid);
  EXPECT_EQ(children.size(), 3u);
  const ExecEvent* true_exec = nullptr;
  uint32_t true_pid = 0;
  const ExecEvent* memfd_exec = nullptr;
  const ExecEvent* failed_exec = nullptr;
  const ExecEvent* proc_exec = nullptr;
  for (const auto& [h, x] : execs) {
    if (x.filename == "/bin/true" && x.ret == 0) {
      true_exec = &x, true_pid = h.pid;
      EXPECT_EQ(h.ppid, cpid);
      EXPECT_TRUE(children.count(h.pid));
    }
    if (x.syscall == "execveat" && x.ret == 0) memfd_exec = &x;
    if (x.argv == std::vector<std::string>{"viaproc"}) proc_exec = &x;
    if (x.filename == "/nonexistent/gs-nope") failed_exec = &x;
  }
  ASSERT_NE(true_exec, nullptr);
  EXPECT_EQ(true_exec->syscall, "execve");
  EXPECT_EQ(true_exec->argv, (std::vector<std::string>{"true", "--gs-marker"}));
  EXPECT_FALSE(true_exec->argv_truncated);
  EXPECT_EQ(true_exec->kernel_filename, "/bin/true");
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  EXPECT_EQ(true_exec->cwd, cwd);
  ASSERT_NE(memfd_exec, nullptr);
  EXPECT_EQ(memfd_exec->exe_name.rfind("memfd:gs-test", 0), 0u) << memfd_exec->exe_name;
  EXPECT_EQ(memfd_exec->argv, (std::vector<std::string>{"fileless"}));
  EXPECT_EQ(memfd_exec->at_flags, uint64_t(AT_EMPTY_PATH));
  EXPECT_EQ(memfd_exec->cwd, "/proc");
  ASSERT_NE(proc_exec, nullptr);
  EXPECT_EQ(proc_exec->filename.rfind("/proc/self/fd/", 0), 0u) << proc_exec->filename;
  EXPECT_EQ(proc_exec->exe_name.rfind("memfd:gs-test", 0), 0u) << proc_exec->exe_name;
  ASSERT_NE(failed_exec, nullptr);
  EXPECT_EQ(failed_exec->ret, -ENOENT);
  EXPECT_EQ(failed_exec->argv, (std::vector<std::string>{"nope", "http://192.0.2.1/x"}));
  EXPECT_FALSE(failed_exec->argv_truncated);

  bool true_exit = false, child_exit = false;
  for (const auto& [h, x] : exits) {
    if (h.pid == true_pid && x.process_exit) true_exit = x.exit_code == 0 && x.signal == 0;
    if (h.pid == cpid && x.process_exit) child_exit = x.exit_code == 7;
  }
  EXPECT_TRUE(true_exit);
  EXPECT_TRUE(child_exit);

  // counters and loss
  auto counts = s.syscall_counts(0);
  ASSERT_TRUE(counts.ok()) << counts.error().message();
  EXPECT_GE((*counts)["kill"], 2u);
  EXPECT_GE((*counts)["memfd_create"], 1u);
  EXPECT_GE((*counts)["write"], 1u);
  // never returns, so it is counted at the thread's exit: the child, /bin/true, the
  // fileless and /proc/self/fd children all _exit
  EXPECT_GE((*counts)["exit_group"], 4u);
  auto st = s.stats();
  EXPECT_TRUE(st.complete());
  EXPECT_EQ(st.events, evs.size());
  auto j = to_json(st);
  EXPECT_EQ(j["lost"], 0);
}

// Go's resolver writes DNS queries with write() on a connected UDP socket, and Go TCP
// conns use write() too: the socket hooks must see those with their peer and bytes.
int socket_data_workload(uint16_t tcp_port) {
  // receiver: a UDP socket on loopback; sender: a UDP socket connected to it
  int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto lo = inet4("127.0.0.1", 0);
  if (::bind(rx, reinterpret_cast<sockaddr*>(&lo), sizeof(lo)) != 0) return 30;
  socklen_t len = sizeof(lo);
  ::getsockname(rx, reinterpret_cast<sockaddr*>(&lo), &len);
  int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (::connect(tx, reinterpret_cast<sockaddr*>(&lo), sizeof(lo)) != 0) return 31;
  if (::write(tx, "query", 5) != 5 || ::write(tx, "again", 5) != 5) return 32;
  char buf[64];
  if (::read(rx, buf, sizeof(buf)) != 5 || ::read(rx, buf, sizeof(buf)) != 5) return 33;
  // sendmmsg: two datagrams to the receiver, destination in the first message
  int mm = ::socket(AF_INET, SOCK_DGRAM, 0);
  char a[] = "one", b[] = "three";
  iovec iov[2] = {{a, 3}, {b, 5}};
  mmsghdr msgs[2] = {};
  for (int i = 0; i < 2; ++i) {
    msgs[i].msg_hdr.msg_name = &lo;
    msgs[i].msg_hdr.msg_namelen = sizeof(lo);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  if (::syscall(SYS_sendmmsg, mm, msgs, 2, 0) != 2) return 34;
  // TCP to a listener of the test process (it never accepts: the kernel queues the data)
  int t = ::socket(AF_INET, SOCK_STREAM, 0);
  auto dst = inet4("127.0.0.1", tcp_port);
  if (::connect(t, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) != 0) return 35;
  if (::send(t, "abcdef", 6, 0) != 6) return 36;
  if (::write(t, "wxyz", 4) != 4) return 37;
  // unix stream under an abstract name (nothing on disk): client writes, server reads
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::string name = "gs-sockdata-" + std::to_string(::getpid());
  std::memcpy(un.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  socklen_t un_len = offsetof(sockaddr_un, sun_path) + 1 + name.size();
  int ul = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::bind(ul, reinterpret_cast<sockaddr*>(&un), un_len) != 0 || ::listen(ul, 1) != 0) return 38;
  int uc = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::connect(uc, reinterpret_cast<sockaddr*>(&un), un_len) != 0) return 39;
  int us = ::accept(ul, nullptr, nullptr);
  if (us < 0 || ::write(uc, "hello!!", 7) != 7 || ::read(us, buf, sizeof(buf)) != 7) return 40;
  ::close(us), ::close(uc), ::close(ul);
  // splice from a pipe into a socket (fd 77): the socket is splice's output, not its input
  int rx2 = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto lo2 = inet4("127.0.0.1", 0);
  socklen_t len2 = sizeof(lo2);
  if (::bind(rx2, reinterpret_cast<sockaddr*>(&lo2), sizeof(lo2)) != 0 ||
      ::getsockname(rx2, reinterpret_cast<sockaddr*>(&lo2), &len2) != 0)
    return 44;
  int sp = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (sp < 0 || ::dup2(sp, 77) != 77 || ::connect(77, reinterpret_cast<sockaddr*>(&lo2), sizeof(lo2)) != 0)
    return 41;
  int pp[2];
  if (::pipe(pp) != 0 || ::write(pp[1], "splice", 6) != 6) return 42;
  if (::splice(pp[0], nullptr, 77, nullptr, 6, 0) != 6) return 43;
  ::close(pp[0]), ::close(pp[1]), ::close(77), ::close(sp), ::close(rx2);
  ::close(t), ::close(tx), ::close(rx), ::close(mm);
  return static_cast<int>(lo.sin_port == 0);  // 0 = ok
}

TEST_F(TracerSessionTest, SocketDataShowsPeersAndByteCounts) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("sockdata");
  ASSERT_TRUE(cg.ok());
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto la = inet4("127.0.0.1", 0);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&la), sizeof(la)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t llen = sizeof(la);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&la), &llen);
  uint16_t tcp_port = ntohs(la.sin_port);

  GatedChild child([&] { return socket_data_workload(tcp_port); });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ::close(listener);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "workload step failed";
  if (std::getenv("GS_TRACER_TEST_DUMP"))
    for (const auto& e : evs) std::fprintf(stderr, "%s\n", to_jsonl(e).c_str());

  const uint32_t cpid = child.pid();
  const SocketEvent *udp_tx = nullptr, *udp_rx = nullptr, *tcp = nullptr;
  const SocketEvent *unix_client = nullptr, *unix_server = nullptr;
  const std::string unix_name = "@gs-sockdata-" + std::to_string(cpid);
  const auto socks = all_of<SocketEvent>(evs);  // the pointers below point into it
  for (const auto& [h, s] : socks) {
    EXPECT_EQ(h.pid, cpid);
    if (s.proto == "udp" && s.peer && s.peer->ip == "127.0.0.1" && s.send_syscall != "splice") udp_tx = &s;
    if (s.proto == "udp" && !s.peer && s.bytes_in > 0) udp_rx = &s;
    if (s.proto == "tcp" && s.peer && s.peer->port == tcp_port) tcp = &s;
    if (s.proto == "unix" && s.bytes_out > 0) unix_client = &s;
    if (s.proto == "unix" && s.bytes_in > 0) unix_server = &s;
  }
  // the client sees the server's name as its peer; the accepted socket carries it as its own
  ASSERT_NE(unix_client, nullptr);
  ASSERT_TRUE(unix_client->peer.has_value());
  EXPECT_EQ(unix_client->peer->unix_path, unix_name);
  EXPECT_FALSE(unix_client->local.has_value());  // the client never bound a name
  EXPECT_EQ(unix_client->bytes_out, 7u);
  ASSERT_NE(unix_server, nullptr);
  ASSERT_TRUE(unix_server->local.has_value());
  EXPECT_EQ(unix_server->local->unix_path, unix_name);
  EXPECT_EQ(unix_server->bytes_in, 7u);
  ASSERT_NE(udp_tx, nullptr);
  EXPECT_EQ(udp_tx->bytes_out, 10u);
  EXPECT_EQ(udp_tx->sends, 2u);
  EXPECT_EQ(udp_tx->send_syscall, "write");
  EXPECT_GE(udp_tx->fd, 3);
  ASSERT_NE(udp_rx, nullptr);
  EXPECT_EQ(udp_rx->bytes_in, 10u);  // the sendmmsg datagrams stay unread
  EXPECT_EQ(udp_rx->recv_syscall, "read");
  ASSERT_NE(tcp, nullptr);
  EXPECT_EQ(tcp->bytes_out, 10u);
  EXPECT_EQ(tcp->sends, 2u);
  EXPECT_EQ(tcp->send_syscall, "sendto");  // glibc's send()
  EXPECT_EQ(tcp->local->ip, "127.0.0.1");
  bool spliced = false;
  for (const auto& [h, s] : all_of<SocketEvent>(evs))
    if (s.send_syscall == "splice") spliced = s.fd == 77 && s.bytes_out == 6;
  EXPECT_TRUE(spliced);

  bool send_peer = false, mmsg = false;
  for (const auto& [h, n] : all_of<NetEvent>(evs)) {
    if (n.op == "sendto" && !n.addr && n.peer && n.peer->port == tcp_port)
      send_peer = n.bytes == 6 && n.peer->ip == "127.0.0.1";
    if (n.op == "sendmmsg" && n.addr && n.addr->ip == "127.0.0.1")
      mmsg = n.messages == 2 && n.bytes == 8;
  }
  EXPECT_TRUE(send_peer);
  EXPECT_TRUE(mmsg);
  EXPECT_TRUE((*session)->stats().complete());
}

TEST_F(TracerSessionTest, ShellPipelineGivesTheProcessChain) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("shell");
  ASSERT_TRUE(cg.ok());
  std::string dir = dir_;
  GatedChild child([&] {
    if (::chdir(dir.c_str()) != 0) return 126;
    char* const argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                          const_cast<char*>("echo gs-pipe | cat >/dev/null; exit 3"), nullptr};
    ::execv("/bin/sh", argv);
    return 127;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);

  const uint32_t cpid = child.pid();
  std::map<uint32_t, uint32_t> parent_of;  // from fork events
  for (const auto& [h, f] : all_of<ForkEvent>(evs))
    if (!f.thread) parent_of[f.child_pid] = h.pid;
  const ExecEvent* sh = nullptr;
  uint32_t cat_pid = 0, cat_ppid = 0;
  const auto execs = all_of<ExecEvent>(evs);  // sh points into it
  for (const auto& [h, x] : execs) {
    if (h.pid == cpid && x.filename == "/bin/sh") {
      sh = &x;
      EXPECT_EQ(x.cwd, dir_);
      EXPECT_EQ(x.argv,
                (std::vector<std::string>{"sh", "-c", "echo gs-pipe | cat >/dev/null; exit 3"}));
    }
    if (!x.argv.empty() && x.argv[0] == "cat") cat_pid = h.pid, cat_ppid = h.ppid;
  }
  ASSERT_NE(sh, nullptr);
  ASSERT_NE(cat_pid, 0u);
  // cat descends from the shell through fork events, and its exec ppid is in that chain.
  EXPECT_TRUE(parent_of.count(cat_pid));
  uint32_t p = cat_pid;
  bool reaches_shell = false;
  for (int i = 0; i < 8 && parent_of.count(p); ++i) {
    p = parent_of[p];
    if (p == cpid) reaches_shell = true;
  }
  EXPECT_TRUE(reaches_shell);
  EXPECT_EQ(parent_of[cat_pid], cat_ppid);
  bool sh_exit = false;
  for (const auto& [h, x] : all_of<ExitEvent>(evs))
    if (h.pid == cpid && x.process_exit) sh_exit = x.exit_code == 3;
  EXPECT_TRUE(sh_exit);
  EXPECT_TRUE((*session)->stats().complete());
}

// With a profile's denied set, only those syscalls' EPERM/EACCES/ENOSYS are denials: the
// kernel's own refusals (here kill of init as nobody, an unknown syscall, and what Go
// does on every file: epoll_ctl on a regular file) stay out of the ring buffer.
TEST_F(TracerSessionTest, DenialsCanBeLimitedToTheProfilesSyscalls) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("denied");
  ASSERT_TRUE(cg.ok());
  GatedChild child([] {
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    int fd = ::open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0 || errno != EPERM) return 21;
    if (::syscall(SYS_setuid, 65534) != 0) return 22;
    if (::syscall(SYS_kill, 1, 0) == 0) return 23;
    ::syscall(500);
    if (::syscall(SYS_ptrace, PTRACE_ATTACH, 1, 0, 0) == 0) return 24;  // EPERM as nobody
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  opts.denied_syscalls = std::set<std::string>{"ptrace", "no_such_syscall"};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::vector<std::string> denied;
  for (const auto& [h, d] : all_of<DeniedEvent>(evs)) denied.push_back(d.syscall);
  EXPECT_EQ(denied, std::vector<std::string>{"ptrace"});
  // Counting is unaffected: the filtered failures are still counted.
  auto counts = (*session)->syscall_counts(0);
  ASSERT_TRUE(counts.ok());
  EXPECT_GE((*counts)["epoll_ctl"], 1u);
  EXPECT_GE((*counts)["kill"], 1u);
}

// Relative paths name the file they hit: the kernel side resolves the dirfd (or the cwd
// after a chdir) at the call's exit, and fd-only calls get the fd's own path. A module
// that chdirs home and writes ".bashrc" must not look like it wrote "<old cwd>/.bashrc".
TEST_F(TracerSessionTest, RelativePathsAreResolvedAgainstTheirDirfdOrCwd) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("dirs");
  ASSERT_TRUE(cg.ok());
  std::string dir = dir_;
  // a long name (100 bytes): whole components are kept up to NAME_MAX
  const std::string sub = "sub" + std::string(97, 'x');
  ASSERT_EQ(::mkdir((dir + "/" + sub).c_str(), 0755), 0);
  GatedChild child([&] {
    if (::chdir("/") != 0 || ::chdir(dir.c_str()) != 0) return 30;
    int a = ::open("cwd-rel", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);  // after chdir
    if (a < 0) return 31;
    // running it by its relative name fails (no x bit): the failure names the cwd
    char* const xargv[] = {const_cast<char*>("cwd-rel"), nullptr};
    if (::execv("cwd-rel", xargv) == 0 || errno != EACCES) return 40;
    // a unix socket by a relative name: chdir("/var/run") + connect("docker.sock")
    int u = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strcpy(un.sun_path, "absent.sock");
    if (u < 0 || ::connect(u, reinterpret_cast<sockaddr*>(&un), sizeof(un)) == 0) return 39;
    ::close(u);
    int d = ::open(sub.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0) return 32;
    if (::chdir("/") != 0) return 33;  // the dirfd, not the cwd, is what counts
    int b = ::openat(d, "fd-rel", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (b < 0) return 34;
    if (::fchmod(b, 0640) != 0 || ::ftruncate(b, 0) != 0) return 35;
    if (::fchown(b, -1, -1) != 0 || ::fchownat(d, "fd-rel", -1, -1, 0) != 0) return 38;
    if (::renameat(d, "fd-rel", d, "fd-renamed") != 0) return 36;
    if (::symlinkat("cwd-rel", d, "lnk") != 0) return 37;
    ::unlinkat(d, "lnk", 0);
    ::unlinkat(d, "fd-renamed", 0);
    ::close(a), ::close(b), ::close(d);
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ::unlink((dir_ + "/cwd-rel").c_str());
  ::rmdir((dir_ + "/" + sub).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  std::map<std::string, std::vector<std::string>> abs;  // op -> resolved paths
  for (const auto& [h, f] : all_of<FileEvent>(evs)) {
    if (h.pid != uint32_t(child.pid())) continue;
    abs[f.op].push_back(file_abs_path(f, false, ""));
    if (!f.path2.empty()) abs[f.op + "2"].push_back(file_abs_path(f, true, ""));
  }
  auto has = [&](const std::string& op, const std::string& path) {
    for (const auto& p : abs[op])
      if (p == path) return true;
    return false;
  };
  EXPECT_TRUE(has("openat", dir_ + "/cwd-rel"));
  EXPECT_TRUE(has("openat", dir_ + "/" + sub));
  EXPECT_TRUE(has("openat", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("fchmod", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("ftruncate", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("fchown", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("fchownat", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("renameat", dir_ + "/" + sub + "/fd-rel"));
  EXPECT_TRUE(has("renameat2", dir_ + "/" + sub + "/fd-renamed"));
  EXPECT_TRUE(has("symlinkat", dir_ + "/" + sub + "/lnk"));
  EXPECT_TRUE(has("symlinkat2", "cwd-rel"));  // a link's target is kept as written
  int unix_connects = 0;
  for (const auto& [h, n] : all_of<NetEvent>(evs)) {
    if (h.pid != uint32_t(child.pid()) || n.op != "connect" || !n.addr) continue;
    ++unix_connects;
    EXPECT_EQ(n.addr->unix_path, "absent.sock");
    EXPECT_EQ(n.ret, -ENOENT);
    EXPECT_EQ(unix_abs_path(*n.addr, "/not-the-cwd"), dir_ + "/absent.sock");
  }
  EXPECT_EQ(unix_connects, 1);
  EXPECT_TRUE(has("unlinkat", dir_ + "/" + sub + "/lnk"));
  int refused = 0;
  for (const auto& [h, x] : all_of<ExecEvent>(evs)) {
    if (h.pid != uint32_t(child.pid()) || x.ret != -EACCES) continue;
    ++refused;
    EXPECT_EQ(x.filename, "cwd-rel");
    EXPECT_EQ(x.cwd, dir_);
  }
  EXPECT_EQ(refused, 1);
  if (::testing::Test::HasFailure())
    for (const auto& e : evs) std::fprintf(stderr, "%s\n", to_jsonl(e).c_str());
}

// A path longer than the record holds ("d/d/d/../../../target" past 256 bytes): the
// open's record carries the file the kernel opened, so the report can name it.
TEST_F(TracerSessionTest, AnOpenWhosePathCannotPlaceItCarriesTheFileItOpened) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("longpath");
  ASSERT_TRUE(cg.ok());
  const std::string sub(120, 'd');
  std::string deep = dir_;
  for (int i = 0; i < 3; ++i) {
    deep += "/" + sub;
    ASSERT_EQ(::mkdir(deep.c_str(), 0755), 0);
  }
  const std::string lng = deep + "/../../../target";
  ASSERT_GT(lng.size(), size_t{GS_PATH_LEN});
  GatedChild child([&] {
    int fd = ::open(lng.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return 30;
    ::close(fd);
    // a cut path that fails has no file to walk
    if (::open((deep + "/../../../absent/x").c_str(), O_RDONLY | O_CLOEXEC) >= 0) return 31;
    // nor can a name through /proc/self's magic links say where it lands
    if (::chdir(dir_.c_str()) != 0) return 32;
    int viacwd = ::open("/proc/self/cwd/target", O_WRONLY | O_APPEND | O_CLOEXEC);
    if (viacwd < 0) return 33;
    int viafd = ::open(("/proc/self/fd/" + std::to_string(viacwd)).c_str(), O_RDONLY | O_CLOEXEC);
    if (viafd < 0) return 34;
    ::close(viafd), ::close(viacwd);
    int spelled = ::open("//proc/./self/cwd/target", O_RDONLY | O_CLOEXEC);  // the same, spelled otherwise
    if (spelled < 0) return 36;
    ::close(spelled);
    // a syscall newer than the build host's header: recorded by its number
    if (::syscall(452 /* fchmodat2 */, AT_FDCWD, "target", 0640, 0) != 0 && errno != ENOSYS) return 35;
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ::unlink((dir_ + "/target").c_str());
  for (std::string d = deep; d.size() > dir_.size(); d = d.substr(0, d.rfind('/'))) ::rmdir(d.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  int cut = 0;
  for (const auto& [h, f] : all_of<FileEvent>(evs)) {
    if (h.pid != uint32_t(child.pid()) || !f.truncated) continue;
    ++cut;
    EXPECT_EQ(f.path.size(), size_t{GS_PATH_LEN} - 1);  // and its NUL
    if (f.ret >= 0) EXPECT_EQ(f.opened, dir_ + "/target");
    else EXPECT_TRUE(f.opened.empty());
  }
  EXPECT_EQ(cut, 2);
  int magic = 0;
  for (const auto& [h, f] : all_of<FileEvent>(evs)) {
    if (h.pid != uint32_t(child.pid()) || f.path.find("proc/") == std::string::npos) continue;
    ++magic;
    EXPECT_EQ(f.opened, dir_ + "/target") << f.path;
  }
  EXPECT_EQ(magic, 3);
  int chmods = 0;
  for (const auto& [h, f] : all_of<FileEvent>(evs)) {
    if (h.pid != uint32_t(child.pid()) || f.op != "fchmodat2") continue;
    ++chmods;
    EXPECT_EQ(file_abs_path(f, false, ""), dir_ + "/target");
    EXPECT_EQ(f.mode, 0640u);
  }
  // (bad flags: EINVAL where the call exists, ENOSYS before 6.6)
  const bool has_fchmodat2 = !(::syscall(452, AT_FDCWD, "", 0, 0xffff) == -1 && errno == ENOSYS);
  EXPECT_EQ(chmods, has_fchmodat2 ? 1 : 0);
  if (::testing::Test::HasFailure())
    for (const auto& e : evs) std::fprintf(stderr, "%s\n", to_jsonl(e).c_str());
}

TEST_F(TracerSessionTest, PidNamespaceNumbersAreRecorded) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("pidns");
  ASSERT_TRUE(cg.ok());
  GatedChild child([] {
    if (::unshare(CLONE_NEWPID) != 0) return 20;
    pid_t c = ::fork();
    if (c == 0) {
      ::syscall(SYS_kill, ::getpid(), 0);  // getpid() is 1 here
      ::_exit(0);
    }
    int st;
    ::waitpid(c, &st, 0);
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  bool fork_seen = false, kill_seen = false;
  for (const auto& [h, f] : all_of<ForkEvent>(evs))
    if (h.pid == uint32_t(child.pid()) && f.child_ns_pid == 1 && f.child_pid != 1) fork_seen = true;
  for (const auto& [h, k] : all_of<SecurityEvent>(evs))
    if (k.op == "kill" && k.target == 1 && h.ns_pid == 1 && h.ns_tid == 1 && h.pid != 1 &&
        h.ppid == uint32_t(child.pid()))
      kill_seen = true;
  EXPECT_TRUE(fork_seen);
  EXPECT_TRUE(kill_seen);
}

// Threads that exit at the same moment make one process exit, with the status wait()
// reports (the last thread's code: here the leader's 5 or a thread's 9, whichever left
// last). Reading signal->live at the event let two of them claim it.
TEST_F(TracerSessionTest, ThreadsExitingAtOnceMakeOneProcessExit) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("threadexit");
  ASSERT_TRUE(cg.ok());
  constexpr int kProcs = 30, kThreads = 4;
  struct Reaped {
    pid_t pid;
    int status;
  };
  // what the child's waitpid saw, shared with the test
  auto* reaped = static_cast<Reaped*>(
      ::mmap(nullptr, sizeof(Reaped) * kProcs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(reaped, MAP_FAILED);
  GatedChild child([reaped] {
    for (int i = 0; i < kProcs; ++i) {
      pid_t c = ::fork();
      if (c == 0) {
        static std::atomic<int> ready{0};
        static std::atomic<bool> go{false};
        for (int t = 0; t < kThreads; ++t) {
          pthread_t th;
          if (::pthread_create(&th, nullptr, [](void*) -> void* {
                ready.fetch_add(1);
                while (!go.load()) {}
                ::syscall(SYS_exit, 9);
                return nullptr;
              }, nullptr) != 0)
            ::_exit(30);
        }
        while (ready.load() < kThreads) {}
        go.store(true);
        ::syscall(SYS_exit, 5);  // the leader alone: the threads live on
      }
      int st;
      if (::waitpid(c, &st, 0) != c || !WIFEXITED(st)) return 31;
      reaped[i] = {c, WEXITSTATUS(st)};
    }
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(**session, evs);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  std::map<uint32_t, std::vector<int>> process_exits;  // pid -> exit codes claimed
  std::map<uint32_t, int> thread_exits;
  for (const auto& [h, x] : all_of<ExitEvent>(evs)) {
    if (h.pid == uint32_t(child.pid())) continue;
    thread_exits[h.pid] += 1;
    if (x.process_exit) process_exits[h.pid].push_back(x.signal ? -x.signal : x.exit_code);
  }
  EXPECT_EQ(thread_exits.size(), size_t(kProcs));
  for (const auto& [pid, n] : thread_exits) EXPECT_EQ(n, kThreads + 1) << pid;
  for (int i = 0; i < kProcs; ++i)
    EXPECT_EQ(process_exits[reaped[i].pid], std::vector<int>{reaped[i].status}) << reaped[i].pid;
  ::munmap(reaped, sizeof(Reaped) * kProcs);
}

TEST_F(TracerSessionTest, SyscallCountsArePerTag) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("tags");
  ASSERT_TRUE(cg.ok());
  GatedChild child([] {
    for (int i = 0; i < 1000; ++i) ::syscall(SYS_getppid);
    long r;  // i386 getpid (20) through int $0x80: must not count as x86_64 nr 20 (writev)
    asm volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    return r == ::getpid() ? 0 : 1;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  auto session = Session::make(Options{});
  ASSERT_TRUE(session.ok()) << session.error().message();
  Session& s = **session;
  EXPECT_FALSE(s.set_tag(cg.id(), 5).ok());  // not traced yet
  ASSERT_TRUE(s.add_cgroup(cg.id(), 4).ok());
  ASSERT_TRUE(s.set_tag(cg.id(), 5).ok());
  EXPECT_FALSE(s.add_cgroup(cg.id(), GS_MAX_TAGS).ok());
  child.release();
  std::vector<Event> evs;
  int status = child.run_to_exit(s, evs);
  bool ia32 = WIFEXITED(status) && WEXITSTATUS(status) == 0;  // kernel has ia32 emulation
  auto five = s.syscall_counts(5);
  ASSERT_TRUE(five.ok());
  EXPECT_GE((*five)["getppid"], 1000u);
  if (ia32) {
    EXPECT_EQ((*five)["ia32_abi"], 1u);
    EXPECT_EQ(five->count("writev"), 0u);
  }
  auto zero = s.syscall_counts(0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->count("getppid"), 0u);
  ASSERT_TRUE(s.reset_syscall_counts(5).ok());
  EXPECT_TRUE(s.syscall_counts(5)->empty());
  EXPECT_TRUE(s.remove_cgroup(cg.id()).ok());
  EXPECT_TRUE(s.remove_cgroup(cg.id()).ok());  // idempotent
}

// The kernel side caches scope per CPU: a tag change or a removal must take effect for
// the very next syscalls of a process that is running. The child spins without syscalls
// while the scope changes, so its CPU's cache slot stays hot with the old answer.
// A child that calls getppid in a loop and counts the calls per phase (0, 1, 2) in shared
// memory. next_phase() stops it between two calls, so no syscall is in flight while
// `change` runs, then lets it go on counting in the new phase; phase 3 ends it.
class PhasedChild {
 public:
  PhasedChild() {
    void* mem =
        ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    sh_ = new (mem) Shared;
    Shared* sh = sh_;
    child_ = std::make_unique<GatedChild>([sh] {
      for (int phase = 0;;) {
        ::syscall(SYS_getppid);
        ++sh->counts[phase];
        int r = sh->req.load();
        if (r == phase) continue;
        sh->ack.store(r);
        while (sh->go.load() != r) {
        }
        if (r == 3) return 0;
        phase = r;
      }
    });
  }
  ~PhasedChild() {
    child_.reset();  // kills and reaps it first: it writes to the mapping
    if (sh_) ::munmap(sh_, sizeof(Shared));
  }
  bool ok() const { return sh_ && child_->pid() > 0; }
  GatedChild& child() { return *child_; }
  void next_phase(int phase, const std::function<void()>& change) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    sh_->req.store(phase);
    while (sh_->ack.load() != phase) std::this_thread::yield();
    change();
    sh_->go.store(phase);
  }
  uint64_t count(int phase) const { return sh_->counts[phase]; }

 private:
  struct Shared {
    std::atomic<int> req{0}, ack{0}, go{0};
    uint64_t counts[3] = {};
  };
  Shared* sh_ = nullptr;
  std::unique_ptr<GatedChild> child_;
};

TEST_F(TracerSessionTest, ScopeChangesApplyToARunningProcess) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("rescope");
  ASSERT_TRUE(cg.ok());
  PhasedChild pc;
  ASSERT_TRUE(pc.ok());
  ASSERT_TRUE(cg.add(pc.child().pid()));
  auto session = Session::make(Options{});
  ASSERT_TRUE(session.ok()) << session.error().message();
  Session& s = **session;
  ASSERT_TRUE(s.add_cgroup(cg.id(), 11).ok());
  pc.child().release();
  pc.next_phase(1, [&] { ASSERT_TRUE(s.set_tag(cg.id(), 12).ok()); });
  pc.next_phase(2, [&] { ASSERT_TRUE(s.remove_cgroup(cg.id()).ok()); });
  pc.next_phase(3, [] {});
  std::vector<Event> evs;
  int status = pc.child().run_to_exit(s, evs);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto eleven = s.syscall_counts(11), twelve = s.syscall_counts(12);
  ASSERT_TRUE(eleven.ok() && twelve.ok());
  EXPECT_GT(pc.count(1), 0u);
  EXPECT_GT(pc.count(2), 0u);
  EXPECT_EQ(eleven->at("getppid"), pc.count(0));
  EXPECT_EQ(twelve->at("getppid"), pc.count(1));  // phase 2 was not traced at all
}

// A process moved into a traced cgroup is traced from its next syscall, and no longer once
// moved out, though the kernel side caches scope per task: the exact counts catch a stale
// cache (the child makes no syscall while it is moved).
TEST_F(TracerSessionTest, ProcessesMovedBetweenCgroupsChangeScopeAtOnce) {
  GS_REQUIRE_ROOT();
  TestCgroup outside("move-out"), inside("move-in");
  ASSERT_TRUE(outside.ok() && inside.ok());
  PhasedChild pc;
  ASSERT_TRUE(pc.ok());
  ASSERT_TRUE(outside.add(pc.child().pid()));
  auto session = Session::make(Options{});
  ASSERT_TRUE(session.ok()) << session.error().message();
  Session& s = **session;
  ASSERT_TRUE(s.add_cgroup(inside.id(), 21).ok());
  pc.child().release();
  pc.next_phase(1, [&] { ASSERT_TRUE(inside.add(pc.child().pid())); });
  pc.next_phase(2, [&] { ASSERT_TRUE(outside.add(pc.child().pid())); });
  pc.next_phase(3, [] {});
  std::vector<Event> evs;
  int status = pc.child().run_to_exit(s, evs);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto counts = s.syscall_counts(21);
  ASSERT_TRUE(counts.ok());
  EXPECT_GT(pc.count(0), 0u);
  EXPECT_GT(pc.count(2), 0u);
  EXPECT_EQ(counts->at("getppid"), pc.count(1));  // phases 0 and 2 were outside
}

TEST_F(TracerSessionTest, ChildCgroupsOfATracedCgroupAreFollowed) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("nested");
  ASSERT_TRUE(cg.ok());
  GatedChild child([] {
    for (int i = 0; i < 100; ++i) ::syscall(SYS_getppid);
    ::close(::open("/dev/null", O_RDONLY));
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  ASSERT_TRUE((*session)->add_cgroup(cg.id(), 9).ok());
  // made after the Session: the kernel side adds it; the child then moves into it
  TestCgroup sub("escape", &cg);
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE(sub.add(child.pid()));
  child.release();
  std::vector<Event> evs;
  child.run_to_exit(**session, evs);
  bool open_seen = false;
  for (const auto& [h, f] : all_of<FileEvent>(evs))
    if (f.path == "/dev/null" && h.cgroup_id == sub.id() && h.tag == 9) open_seen = true;
  EXPECT_TRUE(open_seen);
  auto counts = (*session)->syscall_counts(9);
  ASSERT_TRUE(counts.ok());
  EXPECT_GE((*counts)["getppid"], 100u);
}

TEST_F(TracerSessionTest, AddCgroupTreeCoversSubCgroupsMadeBefore) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("tree");
  ASSERT_TRUE(cg.ok());
  TestCgroup leaf("payload", &cg);  // exists before the Session: not seen by cgroup_mkdir
  ASSERT_TRUE(leaf.ok());
  GatedChild child([] {
    ::close(::open("/dev/null", O_RDONLY));
    return 0;
  });
  ASSERT_TRUE(leaf.add(child.pid()));
  auto session = Session::make(Options{});
  ASSERT_TRUE(session.ok()) << session.error().message();
  ASSERT_TRUE((*session)->add_cgroup_tree(cg.path(), 3).ok());
  EXPECT_FALSE((*session)->add_cgroup_tree("/tmp").ok());
  child.release();
  std::vector<Event> evs;
  child.run_to_exit(**session, evs);
  bool seen = false;
  for (const auto& [h, f] : all_of<FileEvent>(evs))
    if (f.path == "/dev/null" && h.cgroup_id == leaf.id() && h.tag == 3) seen = true;
  EXPECT_TRUE(seen);
}

TEST_F(TracerSessionTest, LossIsCountedWhenTheRingBufferIsFull) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("loss");
  ASSERT_TRUE(cg.ok());
  GatedChild child([] {
    for (int i = 0; i < 2000; ++i) ::close(::open("/dev/null", O_RDONLY));
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  opts.ring_buffer_bytes = 4096;  // a few records at most
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  int status;
  ASSERT_EQ(::waitpid(child.pid(), &status, 0), child.pid());  // nobody reads meanwhile
  uint64_t delivered = 0;
  ASSERT_TRUE((*session)->drain([&](const Event&) { ++delivered; }).ok());
  auto st = (*session)->stats();
  EXPECT_FALSE(st.complete());
  EXPECT_GT(st.drops[int(Category::file)], 1000u);
  EXPECT_EQ(st.events, delivered);
  EXPECT_GE(st.events + st.dropped(), 2000u);
  EXPECT_EQ(to_json(st)["complete"], false);
}

// Syscall records wait in per-CPU batches; poll() must still deliver them while the
// process that made them is alive and idle (nothing else would fill or age its batch),
// and drain() must not deliver them twice.
TEST_F(TracerSessionTest, StagedRecordsArriveWhileTheProcessIdles) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("staged");
  ASSERT_TRUE(cg.ok());
  int hold[2];
  ASSERT_EQ(::pipe2(hold, O_CLOEXEC), 0);
  std::string marker = dir_ + "/staged-marker";
  GatedChild child([&] {
    ::close(hold[1]);
    for (int i = 0; i < 3; ++i) ::close(::open(marker.c_str(), O_RDONLY));  // ENOENT, recorded
    char c;
    (void)!::read(hold[0], &c, 1);  // idle until the test has seen the opens
    return 0;
  });
  ::close(hold[0]);
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  std::vector<Event> evs;
  auto collect = [&](const Event& e) { evs.push_back(e); };
  auto opens = [&] {
    int n = 0;
    for (const auto& [h, f] : all_of<FileEvent>(evs)) n += f.path == marker;
    return n;
  };
  child.release();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (opens() < 3 && std::chrono::steady_clock::now() < deadline)
    ASSERT_TRUE((*session)->poll(50, collect).ok());
  EXPECT_EQ(opens(), 3) << "staged records did not arrive while the process idled";
  EXPECT_EQ(::waitpid(child.pid(), nullptr, WNOHANG), 0) << "the child should still be waiting";
  ::close(hold[1]);
  EXPECT_EQ(child.run_to_exit(**session, evs), 0);
  EXPECT_EQ(opens(), 3);
  EXPECT_TRUE((*session)->stats().complete());
}

// When the flush program cannot run on a CPU (offline, or test runs refused), drain()
// reads that CPU's batch straight from the map; ipi_flush = false takes that path for all.
TEST_F(TracerSessionTest, DrainReadsBatchesTheFlushCannotReach) {
  GS_REQUIRE_ROOT();
  TestCgroup cg("unflushed");
  ASSERT_TRUE(cg.ok());
  std::string marker = dir_ + "/unflushed-marker";
  GatedChild child([&] {
    for (int i = 0; i < 5; ++i) ::close(::open(marker.c_str(), O_RDONLY));
    return 0;
  });
  ASSERT_TRUE(cg.add(child.pid()));
  Options opts;
  opts.cgroups = {cg.id()};
  opts.ipi_flush = false;
  auto session = Session::make(opts);
  ASSERT_TRUE(session.ok()) << session.error().message();
  child.release();
  std::vector<Event> evs;
  EXPECT_EQ(child.run_to_exit(**session, evs), 0);
  ASSERT_TRUE((*session)->drain([&](const Event& e) { evs.push_back(e); }).ok());  // again
  int opens = 0;
  for (const auto& [h, f] : all_of<FileEvent>(evs)) opens += f.path == marker;
  EXPECT_EQ(opens, 5);
  EXPECT_TRUE((*session)->stats().complete());
}

TEST(TracerSession, WithoutPrivilegesMakeFailsWithOneLine) {
  GS_REQUIRE_ROOT();  // needs root to be able to drop it
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t c = ::fork();
  if (c == 0) {
    ::close(p[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    auto s = Session::make(Options{});
    std::string msg = s.ok() ? std::string("loaded") : s.error().message();
    (void)!::write(p[1], msg.data(), msg.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof(buf))) > 0) msg.append(buf, n);
  ::close(p[0]);
  int st;
  ::waitpid(c, &st, 0);
  std::printf("  Session::make as nobody: %s\n", msg.c_str());
  EXPECT_EQ(msg.rfind("tracer: BPF ", 0), 0u) << msg;
  EXPECT_NE(msg.find("--no-trace"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(TracerSession, CgroupIdIsTheDirectoryInode) {
  GS_REQUIRE_ROOT();
  auto root = cgroup2_root();
  ASSERT_TRUE(root.ok()) << root.error().message();
  auto id = cgroup_id(*root);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 1u);  // the v2 root cgroup has id 1
  EXPECT_FALSE(cgroup_id("/tmp").ok());
}

}  // namespace
}  // namespace gs::tracer
