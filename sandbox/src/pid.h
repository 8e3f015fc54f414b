// The jail's first process. Cloned into the new namespaces, it becomes pid 1 of the jail:
// it waits for the parent's go-aheads, sets up the jail from the inside, forks the payload
// and then acts as a tiny init (reaps every child, forwards SIGTERM/SIGINT to the tree,
// reports the payload's end and exits with it). Everything it touches was prepared by the
// parent in ChildArgs; nothing here allocates.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace gs::sandbox {

struct MountPlan;
struct RlimitPlan;

// Bytes the parent writes on the sync pipe.
inline constexpr char kSyncSetup = 'S';    // id maps and cgroups are in place: set up
inline constexpr char kSyncRelease = 'G';  // release(): start the payload

// At most one v1 cgroup per limited controller (memory, pids, cpu).
inline constexpr int kMaxCgroupJoins = 3;

struct ChildArgs {
  // `tasks` files of the jail's v1 cgroups (open for writing by the parent): init moves
  // itself into each before anything else, and fails setup if it cannot.
  int cgroup_join_fds[kMaxCgroupJoins] = {-1, -1, -1};
  const char* cgroup_join_what[kMaxCgroupJoins] = {};
  int sync_fd = -1;    // read end; EOF means the parent is gone or gave up: exit quietly
  int report_fd = -1;  // write end of the ChildMsg pipe, O_CLOEXEC
  int out_fd = -1;     // write ends of the payload's stdout and stderr
  int err_fd = -1;
  const MountPlan* mounts = nullptr;
  const char* hostname = nullptr;
  uid_t uid = 0;
  gid_t gid = 0;
  const RlimitPlan* rlimits = nullptr;
  const std::vector<uint8_t>* seccomp = nullptr;
  const char* cwd = nullptr;
  const char* chdir_what = nullptr;  // "chdir('/work')"
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* exec_what = nullptr;  // "execve('/work/out/x')"
  // Non-null: unshare(CLONE_NEWTIME) and write this to /proc/self/timens_offsets before
  // the payload is cloned into the new time namespace.
  const char* timens_offsets = nullptr;
  // The payload is cloned with CLONE_VM|CLONE_VFORK. A CLONE_VM child stays in its
  // parent's time namespace and only execve (Linux >= 6.1) moves it into the one for
  // children, so with a time namespace on older kernels the payload is forked instead.
  bool payload_shares_memory = true;
};

[[noreturn]] void jail_init_main(const ChildArgs& a);

}  // namespace gs::sandbox
