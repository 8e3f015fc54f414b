// The jail's cgroups, owned by one RAII object: a cgroup v2 directory (whose inode number
// is the id BPF programs see) plus, on hybrid hosts, the v1 memory and pids directories
// that carry the limits there. Joining them costs no RCU grace period: the jail's init is
// cloned straight into the v2 directory and moves itself into the v1 ones. Destruction kills what is left inside, waits until the
// cgroups are empty and removes them, so no jail outlives its Jail object.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"
#include "jail.h"

namespace gs::sandbox {

class Cgroup {
 public:
  // Creates gosandbox/<name> in the v2 tree (and the v1 memory/pids trees when the host is
  // hybrid) and applies the limits. A non-zero limit that no controller can enforce is an
  // error, not a silent no-op.
  static Result<std::unique_ptr<Cgroup>> make(const std::string& name, const Limits& limits);
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  // The v2 directory, opened for clone3(CLONE_INTO_CGROUP): the jail's init is born in
  // its cgroup, so no migration (and no cgroup_threadgroup_rwsem write lock, which costs
  // an RCU grace period of several milliseconds) is needed for the v2 tree.
  int v2_fd() const { return v2_fd_.get(); }
  // Fallback for kernels (or seccomp'd containers) without clone3: moves `pid` into the
  // v2 cgroup through cgroup.procs.
  Status attach_v2(pid_t pid);
  // The v1 directories' `tasks` files, opened for writing by the host side. The jail's
  // init writes "0" to each itself (see join_self): moving the calling thread is the one
  // migration the kernel does without the global threadgroup lock. The opener's
  // credentials (host root) are what the kernel checks, so init may write from its user
  // namespace.
  struct Join {
    FD fd;
    std::string what;  // "write('/sys/fs/cgroup/pids/gosandbox/jail-1-0-2/tasks', '0')"
  };
  Result<std::vector<Join>> open_v1_joins() const;
  uint64_t id() const { return id_; }
  const std::string& path() const { return v2_; }
  // True once no process is left in any of the jail's cgroups.
  bool empty() const;
  // SIGKILLs every process left (cgroup.kill where the kernel has it) and waits, bounded,
  // until the cgroups are empty.
  void kill_all();
  // How often the limits bit so far: OOM kills, refused forks, throttled CPU periods.
  LimitHits limit_hits() const;

 private:
  Cgroup() = default;
  std::vector<std::string> v1_dirs() const;
  std::string v2_;                            // always present
  FD v2_fd_;                                  // O_PATH of v2_
  std::string v1_memory_, v1_pids_, v1_cpu_;  // hybrid hosts only (cpu: with a CPU limit)
  bool v2_memory_ = false, v2_pids_ = false, v2_cpu_ = false;  // controllers of v2_
  bool emptied_ = false;  // kill_all() saw every cgroup empty
  uint64_t id_ = 0;
};

// Child side (jail init, before anything else, no allocation): moves the calling thread,
// which is the whole single-threaded init, into the cgroup whose `tasks` file `fd` is.
bool join_self(int fd);

}  // namespace gs::sandbox
