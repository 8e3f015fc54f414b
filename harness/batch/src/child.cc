// Child process lifecycle; see child.h. Between fork and exec only async-signal-safe
// calls: everything the child needs is prepared before fork.
#include "child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/fd.h"
#include "base/fs.h"

namespace gs::batch {
namespace {
using Clock = std::chrono::steady_clock;

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

[[noreturn]] void exec_child(char* const* argv, int out, int err, int report, pid_t parent) {
  ::setpgid(0, 0);  // the batch's terminal signals are the batch's to forward, not the child's
  // A batch killed with -9 must not leave analyses running: SIGTERM lets each one stop its
  // jail and clean up. The worker thread that forked lives as long as the batch.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  ::execv(argv[0], argv);
  int e = errno;
  (void)!::write(report, &e, sizeof e);
  ::_exit(127);
}

// Waits until the pidfd is readable (the child exited) or `until`; false on timeout.
bool wait_exit(int pidfd, Clock::time_point until, const std::function<bool()>& cancelled) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    if (cancelled && cancelled()) return false;
    pollfd p{pidfd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (n > 0) return true;
  }
}

void reap(pid_t pid, ChildResult& r) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

}  // namespace

ChildResult run_child(const ChildSpec& spec) {
  ChildResult r;
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  FD out(::open(spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  FD err(::open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  int pipefd[2];
  if (!out || !err || ::pipe2(pipefd, O_CLOEXEC) != 0) {
    r.host_error = std::string("cannot open the run directory's files: ") + std::strerror(errno);
    return r;
  }
  FD report_r(pipefd[0]), report_w(pipefd[1]);
  const auto t0 = Clock::now();
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    r.host_error = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) exec_child(argv.data(), out.get(), err.get(), report_w.get(), parent);
  report_w.reset();
  if (!spec.pid_file.empty()) (void)write_file_atomic(spec.pid_file, std::to_string(pid) + "\n");
  int exec_errno = 0;
  if (::read(report_r.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    reap(pid, r);
    r.exit_code.reset();
    r.host_error = "exec('" + spec.argv[0] + "'): " + std::strerror(exec_errno);
    return r;
  }
  FD pidfd(pidfd_open(pid));
  auto deadline = t0 + spec.budget;
  // Without a pidfd (kernel < 5.3) there is no budget: the child is reaped when it exits.
  bool exited = pidfd ? wait_exit(pidfd.get(), deadline, spec.cancelled) : true;
  if (!exited) {
    r.cancelled = spec.cancelled && spec.cancelled();
    r.over_budget = !r.cancelled;
    ::kill(pid, SIGTERM);
    if (!pidfd || !wait_exit(pidfd.get(), Clock::now() + spec.grace, nullptr)) ::kill(-pid, SIGKILL);
    ::kill(-pid, SIGKILL);  // stragglers of the group once the leader is gone
  }
  reap(pid, r);
  r.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  return r;
}

}  // namespace gs::batch
