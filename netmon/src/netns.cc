// Namespace creation and entry (see netns.h). unshare/setns act on the calling thread
// only, so each runs on its own std::thread and the harness threads stay where they are.
#include "netmon/netns.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace gs::netmon {
namespace {

Result<uint64_t> inode_of(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return sys_error("fstat(netns)");
  return static_cast<uint64_t>(st.st_ino);
}

std::string join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Reads a pipe to EOF while feeding `input` to another, without deadlocking on either.
std::string pump(int in_fd, const std::string& input, int out_fd, size_t max_out = 16384) {
  std::string out;
  size_t written = 0;
  if (input.empty() && in_fd >= 0) close(in_fd), in_fd = -1;
  while (out_fd >= 0) {
    pollfd p[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(p, in_fd >= 0 ? 2 : 1, 10000) <= 0) break;
    if (in_fd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n <= 0 || written == input.size()) close(in_fd), in_fd = -1;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      ssize_t n = read(out_fd, buf, sizeof buf);
      if (n <= 0) break;
      if (out.size() < max_out) out.append(buf, static_cast<size_t>(n));
    }
  }
  if (in_fd >= 0) close(in_fd);
  return out;
}

}  // namespace

Result<NetNs> NetNs::create() {
  Result<NetNs> result = error("netns: not created");
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      result = sys_error("unshare(CLONE_NEWNET)");
      return;
    }
    FD fd(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!fd) {
      result = sys_error("open('/proc/thread-self/ns/net')");
      return;
    }
    auto ino = inode_of(fd.get());
    if (!ino.ok()) {
      result = ino.take_error();
      return;
    }
    result = NetNs(std::move(fd), *ino);
  });
  t.join();
  return result;
}

Result<NetNs> NetNs::adopt(int netns_fd) {
  FD fd(fcntl(netns_fd, F_DUPFD_CLOEXEC, 3));
  if (!fd) return sys_error("fcntl(F_DUPFD_CLOEXEC, netns fd " + std::to_string(netns_fd) + ")");
  GS_ASSIGN_OR_RETURN(uint64_t ino, inode_of(fd.get()));
  return NetNs(std::move(fd), ino);
}

Status run_in_netns(int netns_fd, const std::function<Status()>& fn) {
  Status result;
  std::thread t([&] {
    if (setns(netns_fd, CLONE_NEWNET) != 0) {
      result = sys_error("setns(CLONE_NEWNET)");
      return;
    }
    result = fn();
  });
  t.join();
  return result;
}

Status run_command_in_netns(int netns_fd, const std::vector<std::string>& argv,
                            const std::string& input, int pass_fd) {
  if (argv.empty()) return error("run_command_in_netns: empty argv");
  // Everything the child needs is prepared before fork: after fork in a threaded process
  // only async-signal-safe calls are allowed.
  // ip and nft are root's tools in the sbin directories; a caller's PATH (often without
  // sbin, and not to be trusted by a root process anyway) is not consulted.
  std::string exe = argv[0];
  if (exe.find('/') == std::string::npos) {
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
      if (access((dir + argv[0]).c_str(), X_OK) == 0) {
        exe = dir + argv[0];
        break;
      }
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return sys_error("pipe2");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    return sys_error("pipe2");
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    return sys_error("fork");
  }
  if (pid == 0) {
    if (setns(netns_fd, CLONE_NEWNET) != 0) _exit(125);
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) _exit(125);
    // dup2 clears CLOEXEC on the copy, except when source and target are the same fd.
    if (pass_fd == 3 && fcntl(3, F_SETFD, 0) < 0) _exit(125);
    if (pass_fd >= 0 && pass_fd != 3 && dup2(pass_fd, 3) < 0) _exit(125);
    execv(exe.c_str(), args.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  std::string output = pump(in[1], input, out[0]);
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return error("'" + argv[0] + "' not found in /usr/sbin, /sbin, /usr/bin or /bin (install iproute2 and nftables)");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
    return error("'" + join(argv) + "': setns or dup2 failed in the child");
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return error("'" + join(argv) + "' in netns failed (status " + std::to_string(status) +
               "): " + output);
}

uint64_t current_netns_inode() {
  struct stat st;
  if (stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_ino);
}

}  // namespace gs::netmon
