// sandbox::Jail: the orchestration of one jail as a list of named steps (plan, cgroup,
// pipes, clone into the cgroup, id maps, netns, setup handshake), plus the wait loop that
// pumps output, enforces the deadline and reaps. Each kernel concern lives in its own
// file (user, mnt, net, pid, cgroup, rlimits, seccomp); this file only sequences them.
#include "jail.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>

#include "base/fs.h"
#include "src/audit.h"
#include "src/cgroup.h"
#include "src/child_msg.h"
#include "src/mnt.h"
#include "src/pid.h"
#include "src/rlimits.h"
#include "src/seccomp.h"
#include "src/user.h"

namespace gs::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  FD r, w;
};

// Both ends O_CLOEXEC and above stdio, so the payload's dup2 onto 0..2 never clobbers one.
Result<Pipe> make_pipe(const char* name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return sys_error(std::string("pipe2(") + name + ")");
  Pipe p{FD(fds[0]), FD(fds[1])};
  for (FD* f : {&p.r, &p.w}) {
    if (f->get() < 3) {
      int moved = ::fcntl(f->get(), F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return sys_error(std::string("fcntl(F_DUPFD_CLOEXEC, ") + name + ")");
      f->reset(moved);
    }
  }
  return p;
}

// The go-ahead channel is a socket pair, not a pipe: if init died meanwhile, a write to a
// pipe would raise SIGPIPE in the caller's process, while send(MSG_NOSIGNAL) just fails.
Result<Pipe> make_sync_channel() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return sys_error("socketpair(sync)");
  }
  Pipe p{FD(fds[0]), FD(fds[1])};
  for (FD* f : {&p.r, &p.w}) {
    if (f->get() < 3) {
      int moved = ::fcntl(f->get(), F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return sys_error("fcntl(F_DUPFD_CLOEXEC, sync)");
      f->reset(moved);
    }
  }
  return p;
}

Status send_sync(const FD& fd, char c) {
  if (::send(fd.get(), &c, 1, MSG_NOSIGNAL) != 1) {
    return sys_error(std::string("send(sync, '") + c + "'): jail init is gone");
  }
  return {};
}

std::string unique_name() {
  static std::atomic<uint64_t> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return "jail-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(ns % 1000000007);
}

int pidfd_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Keeps the last `cap` bytes of a stream and counts the rest, so a flood of gigabytes
// costs no more memory than the tail.
void append_tail(OutputTail& t, size_t cap, const char* data, size_t n) {
  t.total_bytes += n;
  if (n >= cap) {
    t.tail.assign(data + (n - cap), cap);
  } else {
    t.tail.append(data, n);
    if (t.tail.size() > cap) t.tail.erase(0, t.tail.size() - cap);
  }
  t.truncated = t.total_bytes > t.tail.size();
}

Status check_spec(const JailSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/') {
    return error("jail spec: argv[0] must be an absolute path inside the jail");
  }
  const Identity& id = spec.identity;
  if (id.uid == 0 || id.uid >= kIdRange || id.gid == 0 || id.gid >= kIdRange) {
    return error("jail spec: identity uid/gid must be in 1.." + std::to_string(kIdRange - 1));
  }
  if (id.hostname.empty() || id.hostname.size() > 64) {
    return error("jail spec: hostname must be 1..64 bytes");
  }
  return validate_seccomp_filter(spec.seccomp_bpf);
}

// Since Linux 6.1 execve moves a task into its time namespace for children (see
// ChildArgs::payload_shares_memory).
bool execve_enters_timens() {
  static const bool yes = [] {
    struct utsname u;
    int major = 0, minor = 0;
    return ::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
           (major > 6 || (major == 6 && minor >= 1));
  }();
  return yes;
}

// What the payload's comm will be: the first 15 bytes of argv[0]'s base name.
std::string comm_of(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  return base.substr(0, 15);
}

// A tmpfs counts as full when less than 1% or 256 KiB of it is left: writers stop at
// ENOSPC with a partial block or two still free.
bool nearly_full(int fd) {
  struct statfs s;
  if (::fstatfs(fd, &s) != 0 || static_cast<long>(s.f_type) != TMPFS_MAGIC || s.f_blocks == 0) {
    return false;
  }
  uint64_t free_bytes = uint64_t{s.f_bavail} * s.f_bsize;
  return free_bytes < (256u << 10) || s.f_bavail * 100 < s.f_blocks;
}

}  // namespace

struct Jail::Impl {
  JailSpec spec;
  MountPlan mounts;
  RlimitPlan rlimits;
  std::vector<std::string> argv_store, env_store;
  std::vector<char*> argv, envp;
  std::string exec_what, chdir_what;
  std::string cgroup_name, timens_offsets, payload_comm;
  // Writable tmpfs mounts of the jail, held open from the host so their fill level can
  // be read after the jail's mount namespace is gone.
  std::vector<std::pair<std::string, FD>> writable_fs;
  FD kmsg;  // kernel log from release() on: seccomp audit records
  std::vector<SeccompEvent> seccomp_events;

  std::unique_ptr<Cgroup> cgroup;
  pid_t pid = -1;
  std::atomic<bool> reaped{false};
  FD pidfd, netns, wake;
  FD sync_w, report_r, out_r, err_r;

  std::atomic<bool> released{false};
  bool waited = false;
  Clock::time_point released_at;
  std::atomic<bool> stop_requested{false};

  ~Impl() {
    // SIGKILL to the namespace's init takes every process of the jail with it; the
    // cgroup destructor then sweeps anything else and removes the directories.
    if (pid > 0 && !reaped) {
      pidfd_signal(pidfd.get(), SIGKILL);
      int st;
      while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    }
    cgroup.reset();
  }

  void prepare_exec() {
    argv_store = spec.argv;
    env_store = spec.env;
    for (auto& s : argv_store) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    exec_what = "execve('" + spec.argv[0] + "')";
    chdir_what = "chdir('" + spec.cwd + "')";
  }

  // Clones init into its namespaces and, with clone3, straight into the v2 cgroup.
  // Without clone3 (ENOSYS: old kernel, or a container runtime's seccomp policy; E2BIG:
  // clone3 without CLONE_INTO_CGROUP) init is cloned as before and moved afterwards.
  Status clone_init(const ChildArgs& args) {
    int child_pidfd = -1;
    const uint64_t flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
                           CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD;
    struct clone_args ca;
    std::memset(&ca, 0, sizeof ca);
    ca.flags = flags | CLONE_INTO_CGROUP;
    ca.pidfd = reinterpret_cast<uintptr_t>(&child_pidfd);
    ca.exit_signal = SIGCHLD;
    ca.cgroup = static_cast<uint64_t>(cgroup->v2_fd());
    // Fork-like clone (no CLONE_VM, no new stack): the child runs on a private copy of
    // this stack and sees `args` and everything it points to unchanged.
    long r = ::syscall(SYS_clone3, &ca, sizeof ca);
    bool into_cgroup = true;
    if (r < 0 && (errno == ENOSYS || errno == E2BIG)) {
      into_cgroup = false;
      r = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, &child_pidfd, nullptr, nullptr);
    }
    if (r < 0) {
      return sys_error(
          "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC)");
    }
    if (r == 0) jail_init_main(args);
    pid = static_cast<pid_t>(r);
    pidfd.reset(child_pidfd);
    if (!into_cgroup) GS_TRY(cgroup->attach_v2(pid));
    return {};
  }

  // Reads one ChildMsg; false when none is waiting. At EOF the read end is dropped, so a
  // poll loop does not spin on POLLHUP while the kernel is still tearing the jail down.
  bool read_msg(ChildMsg& m, bool block) {
    if (!report_r) return false;
    if (!block) {
      struct pollfd p {
        report_r.get(), POLLIN, 0
      };
      if (::poll(&p, 1, 0) <= 0) return false;
    }
    ssize_t n;
    do {
      n = ::read(report_r.get(), &m, sizeof m);
    } while (n < 0 && errno == EINTR);
    if (n == 0) report_r.reset();
    return n == static_cast<ssize_t>(sizeof m);
  }

  void open_writable_fs() {
    std::vector<std::string> targets = {"/tmp", "/dev/shm", spec.identity.home};
    for (const Mount& m : spec.mounts) {
      if (m.writable) targets.push_back(m.target);
    }
    const std::string root = "/proc/" + std::to_string(pid) + "/root";
    for (const auto& t : targets) {
      // Nothing of the payload has run yet, so the jail's tree holds no planted symlinks.
      FD fd(::open((root + t).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (fd) writable_fs.emplace_back(t, std::move(fd));
    }
  }

  // Keeps the seccomp audit records of this jail's processes: the host uid is the jail
  // user's, and the process is (or was) in the jail's cgroup. Once the process is reaped
  // its cgroup cannot be read any more; then its name must be the payload's.
  void take_kmsg() {
    if (!kmsg) return;
    char rec[8192];
    for (;;) {
      ssize_t n = ::read(kmsg.get(), rec, sizeof rec - 1);
      if (n < 0 && errno == EPIPE) continue;  // overwritten records: skip on
      if (n <= 0) return;
      auto a = parse_audit_seccomp(std::string_view(rec, static_cast<size_t>(n)));
      if (!a || a->uid != host_id(spec.identity.uid)) continue;
      auto cg = read_file("/proc/" + std::to_string(a->event.host_pid) + "/cgroup", 1 << 16);
      bool ours =
          cg.ok() ? cg->find(cgroup_name) != std::string::npos : a->event.comm == payload_comm;
      if (ours) seccomp_events.push_back(std::move(a->event));
    }
  }

  Status await_ready() {
    ChildMsg m;
    if (!read_msg(m, true)) {
      int st = 0;
      ::waitpid(pid, &st, 0);
      reaped = true;
      return error("jail init exited during setup (wait status " + std::to_string(st) + ")");
    }
    if (m.kind == ChildMsg::kReady) return {};
    m.what[sizeof m.what - 1] = 0;
    return Error{m.err, std::string(m.what)};
  }
};

Jail::Jail(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Jail::~Jail() = default;

Result<std::unique_ptr<Jail>> Jail::create(const JailSpec& spec) {
  GS_TRY(check_spec(spec));
  auto impl = std::make_unique<Impl>();
  Impl& j = *impl;
  j.spec = spec;
  GS_ASSIGN_OR_RETURN(j.mounts, plan_mounts(spec));
  j.rlimits = plan_rlimits(spec.limits);
  j.prepare_exec();
  j.cgroup_name = unique_name();
  j.payload_comm = comm_of(spec.argv[0]);
  GS_ASSIGN_OR_RETURN(j.cgroup, Cgroup::make(j.cgroup_name, spec.limits));
  if (spec.boot_offset.count() > 0) {
    const std::string secs = std::to_string(spec.boot_offset.count());
    j.timens_offsets = "monotonic " + secs + " 0\nboottime " + secs + " 0\n";
  }

  GS_ASSIGN_OR_RETURN(Pipe sync, make_sync_channel());
  GS_ASSIGN_OR_RETURN(Pipe report, make_pipe("report"));
  GS_ASSIGN_OR_RETURN(Pipe out, make_pipe("stdout"));
  GS_ASSIGN_OR_RETURN(Pipe err, make_pipe("stderr"));
  j.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!j.wake) return sys_error("eventfd");

  GS_ASSIGN_OR_RETURN(std::vector<Cgroup::Join> joins, j.cgroup->open_v1_joins());
  if (joins.size() > static_cast<size_t>(kMaxCgroupJoins)) {
    return error("cgroup: more v1 cgroups than init can join");
  }

  ChildArgs args;
  for (size_t i = 0; i < joins.size(); ++i) {
    args.cgroup_join_fds[i] = joins[i].fd.get();
    args.cgroup_join_what[i] = joins[i].what.c_str();
  }
  args.sync_fd = sync.r.get();
  args.report_fd = report.w.get();
  args.out_fd = out.w.get();
  args.err_fd = err.w.get();
  args.mounts = &j.mounts;
  args.hostname = j.spec.identity.hostname.c_str();
  args.uid = j.spec.identity.uid;
  args.gid = j.spec.identity.gid;
  args.rlimits = &j.rlimits;
  args.seccomp = &j.spec.seccomp_bpf;
  args.cwd = j.spec.cwd.c_str();
  args.chdir_what = j.chdir_what.c_str();
  args.argv = j.argv.data();
  args.envp = j.envp.data();
  args.exec_what = j.exec_what.c_str();
  args.timens_offsets = j.timens_offsets.empty() ? nullptr : j.timens_offsets.c_str();
  args.payload_shares_memory = !args.timens_offsets || execve_enters_timens();

  GS_TRY(j.clone_init(args));
  // The child's ends live on in the child only; holding them here would hide EOFs.
  joins.clear();
  sync.r.reset();
  report.w.reset();
  out.w.reset();
  err.w.reset();
  j.sync_w = std::move(sync.w);
  j.report_r = std::move(report.r);
  j.out_r = std::move(out.r);
  j.err_r = std::move(err.r);
  for (const FD* f : {&j.out_r, &j.err_r}) ::fcntl(f->get(), F_SETFL, O_NONBLOCK);

  GS_TRY(write_id_maps(j.pid));
  std::string ns = "/proc/" + std::to_string(j.pid) + "/ns/net";
  j.netns.reset(::open(ns.c_str(), O_RDONLY | O_CLOEXEC));
  if (!j.netns) return sys_error("open('" + ns + "')");

  GS_TRY(send_sync(j.sync_w, kSyncSetup));
  // While init builds the root. Without the kernel log (no /dev/kmsg, e.g. in a
  // container) seccomp kills still end the payload with SIGSYS; only the syscall's name
  // is then unknown.
  if (auto k = open_kmsg_at_end(); k.ok()) j.kmsg = std::move(*k);
  GS_TRY(j.await_ready());
  j.open_writable_fs();
  return std::unique_ptr<Jail>(new Jail(std::move(impl)));
}

pid_t Jail::host_pid() const { return impl_->pid; }
uint64_t Jail::cgroup_id() const { return impl_->cgroup->id(); }
const std::string& Jail::cgroup_path() const { return impl_->cgroup->path(); }
int Jail::netns_fd() const { return impl_->netns.get(); }

Status Jail::release() {
  Impl& j = *impl_;
  if (j.released) return error("Jail::release(): already released");
  if (j.stop_requested) return error("Jail::release(): jail was stopped");
  j.released_at = Clock::now();
  // Kernel log records from before now cannot be the payload's (it does not exist yet):
  // skipping them keeps another jail's seccomp records, whose process may already be
  // gone and carry the same name, from being taken for this one's.
  if (j.kmsg) ::lseek(j.kmsg.get(), 0, SEEK_END);
  GS_TRY(send_sync(j.sync_w, kSyncRelease));
  j.sync_w.reset();
  j.released = true;
  return {};
}

void Jail::stop() {
  Impl& j = *impl_;
  j.stop_requested = true;
  if (j.reaped) return;
  // Before release() nothing of the caller's runs yet, so there is nothing to be graceful
  // with; after it, init forwards SIGTERM to the whole tree and wait() adds the SIGKILL.
  pidfd_signal(j.pidfd.get(), j.released ? SIGTERM : SIGKILL);
  uint64_t one = 1;
  (void)!::write(j.wake.get(), &one, sizeof one);
}

Result<ExitRecord> Jail::wait() {
  Impl& j = *impl_;
  if (!j.released) return error("Jail::wait(): called before release()");
  if (j.waited) return error("Jail::wait(): called twice");
  j.waited = true;

  ExitRecord rec;
  const size_t cap = j.spec.output_tail_bytes;
  std::optional<Error> exec_error;
  std::optional<int> payload_status;
  auto take_msgs = [&] {
    ChildMsg m;
    while (j.read_msg(m, false)) {
      m.what[sizeof m.what - 1] = 0;
      if (m.kind == ChildMsg::kExecFailed || m.kind == ChildMsg::kSetupFailed) {
        if (!exec_error) exec_error = Error{m.err, std::string(m.what)};
      } else if (m.kind == ChildMsg::kExited) {
        payload_status = m.status;
      }
    }
  };
  char buf[65536];
  // Reads at most one chunk per call so one flooding stream cannot starve the others.
  auto pump = [&](FD& fd, OutputTail& tail, bool once) {
    while (fd) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n > 0) {
        append_tail(tail, cap, buf, static_cast<size_t>(n));
        if (once) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) fd.reset();
      return;
    }
  };

  const Clock::time_point deadline = j.released_at + j.spec.timeout;
  bool term_sent = false, kill_sent = false;
  std::optional<Clock::time_point> kill_at;
  Clock::time_point ended;
  for (;;) {
    Clock::time_point now = Clock::now();
    if (!term_sent && now >= deadline) {
      rec.timed_out = true;
      term_sent = true;
      pidfd_signal(j.pidfd.get(), SIGTERM);
      kill_at = now + j.spec.term_grace;
    }
    if (kill_at && !kill_sent && now >= *kill_at) {
      kill_sent = true;
      pidfd_signal(j.pidfd.get(), SIGKILL);
    }
    Clock::time_point next = Clock::time_point::max();
    if (!term_sent) next = deadline;
    if (kill_at && !kill_sent) next = std::min(next, *kill_at);
    int timeout_ms = -1;
    if (next != Clock::time_point::max()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
    }
    struct pollfd p[6] = {{j.pidfd.get(), POLLIN, 0}, {j.out_r.get(), POLLIN, 0},
                          {j.err_r.get(), POLLIN, 0}, {j.report_r.get(), POLLIN, 0},
                          {j.wake.get(), POLLIN, 0},  {j.kmsg.get(), POLLIN, 0}};
    int n = ::poll(p, 6, timeout_ms);
    if (n < 0 && errno != EINTR) return sys_error("poll(jail)");
    if (n <= 0) continue;
    if (p[1].revents) pump(j.out_r, rec.out, true);
    if (p[2].revents) pump(j.err_r, rec.err, true);
    if (p[3].revents) take_msgs();
    if (p[5].revents) j.take_kmsg();
    if (p[4].revents) {
      uint64_t v;
      (void)!::read(j.wake.get(), &v, sizeof v);
      // stop() already sent SIGTERM; the grace period runs from now.
      term_sent = true;
      if (!kill_at) kill_at = Clock::now() + j.spec.term_grace;
    }
    if (p[0].revents) {
      ended = Clock::now();
      break;
    }
  }

  int st = 0;
  while (::waitpid(j.pid, &st, 0) < 0 && errno == EINTR) {
  }
  j.reaped = true;
  // Init is gone, so is every process of its pid namespace; what is still buffered in the
  // pipes is the end of the output. Another jail's init may hold a copy of the write ends
  // (cloned concurrently), so read until empty rather than until EOF.
  pump(j.out_r, rec.out, false);
  pump(j.err_r, rec.err, false);
  take_msgs();
  j.take_kmsg();
  j.cgroup->kill_all();
  rec.limits = j.cgroup->limit_hits();
  for (const auto& [target, fd] : j.writable_fs) {
    if (nearly_full(fd.get())) rec.limits.disk_full.push_back(target);
  }

  rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(ended - j.released_at);
  if (exec_error) return std::move(*exec_error);
  int status = payload_status.value_or(st);
  if (WIFEXITED(status)) {
    rec.exited = true;
    rec.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    rec.signal = WTERMSIG(status);
  }
  if (rec.signal == SIGSYS && j.kmsg) {
    // kauditd prints the record asynchronously; give it a moment to arrive.
    auto until = Clock::now() + std::chrono::milliseconds(300);
    auto has_kill = [&] {
      return std::any_of(j.seccomp_events.begin(), j.seccomp_events.end(),
                         [](const SeccompEvent& e) { return e.action.rfind("kill", 0) == 0; });
    };
    while (!has_kill() && Clock::now() < until) {
      struct pollfd k {
        j.kmsg.get(), POLLIN, 0
      };
      ::poll(&k, 1, 20);
      j.take_kmsg();
    }
  }
  rec.seccomp = j.seccomp_events;
  if (rec.signal == SIGSYS) {
    for (const auto& e : rec.seccomp) {
      if (e.action == "kill_process" || e.action == "kill_thread") rec.seccomp_kill = e.syscall;
    }
  }
  return rec;
}

}  // namespace gs::sandbox
