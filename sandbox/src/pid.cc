// Jail init and payload start; see pid.h. Init blocks the signals it cares about and
// takes them with sigwaitinfo: a pid-namespace init ignores every signal it has no
// handler for, but blocked signals are still queued, even from the host. The payload's
// wait status travels to the parent as a ChildMsg because init cannot die of the
// payload's signal itself.
#include "src/pid.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/cgroup.h"
#include "src/child_msg.h"
#include "src/mnt.h"
#include "src/net.h"
#include "src/rlimits.h"
#include "src/seccomp.h"
#include "src/user.h"

namespace gs::sandbox {
namespace {

char read_sync(int fd) {
  char c = 0;
  ssize_t n;
  do {
    n = ::read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  return n == 1 ? c : 0;
}

// Closes every descriptor but the four init needs, so nothing of the host (and nothing of
// other jails created concurrently by other threads) stays open in the jail.
void close_all_except(int a, int b, int c, int d) {
  int keep[4] = {a, b, c, d};
  for (int i = 1; i < 4; ++i) {
    for (int j = i; j > 0 && keep[j - 1] > keep[j]; --j) {
      int t = keep[j];
      keep[j] = keep[j - 1];
      keep[j - 1] = t;
    }
  }
  unsigned lo = 0;
  for (int k : keep) {
    if (k > static_cast<int>(lo)) ::close_range(lo, static_cast<unsigned>(k) - 1, 0);
    lo = static_cast<unsigned>(k) + 1;
  }
  ::close_range(lo, ~0U, 0);
}

[[noreturn]] void payload_main(const ChildArgs& a) {
  const char* what = nullptr;
  // Signal state is inherited across exec: undo init's mask and any SIG_IGN the host
  // process had (an ignored SIGPIPE would change how `yes | head` behaves).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);
  ::setsid();

  int null_fd = ::open("/dev/null", O_RDONLY);  // not CLOEXEC: it may already be fd 0
  if (null_fd < 0) child_fail(a.report_fd, ChildMsg::kExecFailed, "open('/dev/null')", errno);
  if ((null_fd != 0 && ::dup2(null_fd, 0) < 0) || ::dup2(a.out_fd, 1) < 0 ||
      ::dup2(a.err_fd, 2) < 0) {
    child_fail(a.report_fd, ChildMsg::kExecFailed, "dup2(stdio)", errno);
  }
  // Everything above 2 closes at exec; report_fd stays usable until then.
  ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

  if (!apply_rlimits(*a.rlimits, &what))
    child_fail(a.report_fd, ChildMsg::kExecFailed, what, errno);
  if (!drop_to_identity(a.uid, a.gid, &what)) {
    child_fail(a.report_fd, ChildMsg::kExecFailed, what, errno);
  }
  if (::chdir(a.cwd) != 0) child_fail(a.report_fd, ChildMsg::kExecFailed, a.chdir_what, errno);
  if (!apply_seccomp_filter(*a.seccomp, &what)) {
    child_fail(a.report_fd, ChildMsg::kExecFailed, what, errno);
  }
  ::execve(a.argv[0], a.argv, a.envp);
  child_fail(a.report_fd, ChildMsg::kExecFailed, a.exec_what, errno);
}

// The payload's stack while it shares init's memory. Each jail's init has its own copy.
alignas(64) char payload_stack[64 * 1024];

int payload_entry(void* args) { payload_main(*static_cast<const ChildArgs*>(args)); }

// The offsets can only be written while no process is in the new namespace: init itself
// stays outside (unshare moves only its future children), and the payload is cloned after.
bool enter_time_namespace(const char* offsets, const char** what) {
  if (::unshare(CLONE_NEWTIME) != 0) return *what = "unshare(CLONE_NEWTIME)", false;
  // /proc/self of a non-dumpable process (we changed credentials) belongs to the global
  // root, which is unmapped here; dumpable for this one open makes it ours.
  int dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  int open_errno = errno;
  ::prctl(PR_SET_DUMPABLE, dumpable > 0 ? dumpable : 0, 0, 0, 0);
  errno = open_errno;
  if (fd < 0) return *what = "open('/proc/self/timens_offsets')", false;
  size_t n = std::strlen(offsets);
  bool ok = ::write(fd, offsets, n) == static_cast<ssize_t>(n);
  int e = errno;
  ::close(fd);
  errno = e;
  if (!ok) *what = "write('/proc/self/timens_offsets')";
  return ok;
}

int encode_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

}  // namespace

void jail_init_main(const ChildArgs& a) {
  // Into the jail's v1 cgroups first, so the limits hold for all that init does; a
  // failure is reported once the parent asks for setup (the pipe is read only then).
  const char* join_failed = nullptr;
  int join_errno = 0;
  for (int i = 0; i < kMaxCgroupJoins && !join_failed; ++i) {
    if (a.cgroup_join_fds[i] >= 0 && !join_self(a.cgroup_join_fds[i])) {
      join_failed = a.cgroup_join_what[i];
      join_errno = errno;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  // The jail dies with the thread that created it. If the parent is already gone, the
  // sync pipe reads EOF below and init exits.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  close_all_except(a.sync_fd, a.report_fd, a.out_fd, a.err_fd);

  if (read_sync(a.sync_fd) != kSyncSetup) ::_exit(0);
  if (join_failed) child_fail(a.report_fd, ChildMsg::kSetupFailed, join_failed, join_errno);

  const char* what = nullptr;
  auto fail = [&](const char* w) { child_fail(a.report_fd, ChildMsg::kSetupFailed, w, errno); };
  if (!become_namespace_root(&what)) fail(what);
  // The kernel clears the parent-death signal on every credential change, so it is set
  // again now. A parent that died meanwhile shows up as EOF on the sync pipe below.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail("prctl(PR_SET_PDEATHSIG)");
  // The parent moved us into the jail's cgroups; from here on they are our cgroup root.
  if (::unshare(CLONE_NEWCGROUP) != 0) fail("unshare(CLONE_NEWCGROUP)");
  if (::sethostname(a.hostname, std::strlen(a.hostname)) != 0) fail("sethostname");
  if (!bring_up_loopback(&what)) fail(what);
  ::umask(022);
  if (!assemble_root(*a.mounts, &what)) fail(what);
  if (a.timens_offsets && !enter_time_namespace(a.timens_offsets, &what)) fail(what);
  child_send(a.report_fd, ChildMsg::kReady, 0, 0, nullptr);

  if (read_sync(a.sync_fd) != kSyncRelease) ::_exit(0);
  ::close(a.sync_fd);

  // vfork-style: the payload borrows init's memory, on its own stack, until its execve,
  // so the host process's page tables are not copied (and COW-faulted) a second time;
  // init sleeps meanwhile. Not fork(): init is a copy of a possibly multi-threaded
  // parent, and glibc's fork would run atfork handlers and take locks another thread may
  // have held; clone() takes none, nor does the raw fork-like clone of the fallback.
  // Before execve the payload writes only its stack and errno.
  long payload;
  if (a.payload_shares_memory) {
    payload = ::clone(payload_entry, payload_stack + sizeof payload_stack,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<ChildArgs*>(&a));
  } else {
    payload = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (payload == 0) payload_main(a);
  }
  if (payload < 0) fail("clone(payload)");
  ::close(a.out_fd);
  ::close(a.err_fd);

  for (;;) {
    siginfo_t si;
    int sig = ::sigwaitinfo(&set, &si);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      // SIGTERM at timeout or stop(): the whole tree gets it, not only the payload.
      ::kill(-1, sig);
      continue;
    }
    int st;
    pid_t p;
    while ((p = ::waitpid(-1, &st, WNOHANG)) > 0) {
      if (p == payload) {
        child_send(a.report_fd, ChildMsg::kExited, 0, st, nullptr);
        // Leaving kills whatever the payload left running: we are the namespace's init.
        ::_exit(encode_status(st));
      }
    }
  }
}

}  // namespace gs::sandbox
