// The jail's cgroups, owned by one RAII object: a cgroup v2 directory (whose inode number
// is the id BPF programs see) plus, on hybrid hosts, the v1 memory and pids directories
// that carry the limits there. Destruction kills what is left inside, waits until the
// cgroups are empty and removes them, so no jail outlives its Jail object.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

  // Moves `pid` into every cgroup of the jail.
  Status attach(pid_t pid);
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
  std::string v1_memory_, v1_pids_, v1_cpu_;  // hybrid hosts only (cpu: with a CPU limit)
  uint64_t id_ = 0;
};

}  // namespace gs::sandbox
