// Network namespaces held by fd, and running code or commands inside one. Namespaces are
// created by unshare(2) in a short-lived thread and never named (no /run/netns entry,
// no `ip netns exec`, which would remount /sys): closing the last fd and socket frees
// the namespace with everything in it, so nothing can be left behind by a crash.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace gs::netmon {

class NetNs {
 public:
  // A fresh, empty network namespace (only a down `lo`).
  static Result<NetNs> create();
  // Holds an existing namespace, e.g. a jail's, by duplicating its fd.
  static Result<NetNs> adopt(int netns_fd);

  int fd() const { return fd_.get(); }
  // Inode number, for logs and for telling namespaces apart.
  uint64_t inode() const { return inode_; }

 private:
  NetNs(FD fd, uint64_t inode) : fd_(std::move(fd)), inode_(inode) {}
  FD fd_;
  uint64_t inode_ = 0;
};

// Runs `fn` on a temporary thread that has joined the namespace. Sockets made there stay
// in that namespace and can be used from any thread afterwards.
Status run_in_netns(int netns_fd, const std::function<Status()>& fn);

// Runs argv (a path or a name found in PATH) in the namespace: fork, setns, exec. `input`
// goes to stdin; `pass_fd`, if >= 0, is handed to the command as fd 3 (for
// `ip link ... netns /proc/self/fd/3`). Fails with stderr in the message on non-zero exit.
Status run_command_in_netns(int netns_fd, const std::vector<std::string>& argv,
                            const std::string& input = {}, int pass_fd = -1);

// The inode of the calling thread's current network namespace.
uint64_t current_netns_inode();

}  // namespace gs::netmon
