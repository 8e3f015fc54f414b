// The jail: one sandboxed process tree. sandbox::Jail takes a JailSpec and yields a running
// jail (host pid, cgroup, netns) and later an ExitRecord. Creation clones the child into new
// user, pid, mount, net, uts and ipc namespaces and leaves it blocked on a pipe, so the
// caller can attach the tracer and the network to the cgroup and netns before release():
// not one syscall of the analysed code escapes observation.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace gs::sandbox {

// Inside-uid N of every jail is host uid kHostIdBase + N (the same for gids). Writable
// directories bound into a jail must be owned by host_id(inside uid) to be writable inside.
inline constexpr uid_t kHostIdBase = 1'600'000'000;
inline constexpr uid_t kIdRange = 65536;
inline constexpr uid_t host_id(uid_t inside) { return kHostIdBase + inside; }

struct Mount {
  enum class Kind { kBind, kTmpfs };
  Kind kind = Kind::kBind;
  std::string source;  // host path for kBind; ignored for kTmpfs
  std::string target;  // absolute path inside the jail
  bool writable = false;
  uint64_t tmpfs_bytes = 64 << 20;  // size limit for kTmpfs
  bool optional = false;            // skip silently when the source does not exist
};

// Cgroup limits fail closed: create() fails when a non-zero limit has no controller to
// enforce it (v2 memory/pids not enabled and no v1 hierarchy for it).
struct Limits {
  uint64_t memory_bytes = 4ull << 30;     // cgroup memory limit, 0 = none
  uint32_t max_pids = 512;                // cgroup pids limit, 0 = none
  uint64_t file_size_bytes = 1ull << 30;  // RLIMIT_FSIZE
  uint64_t open_files = 4096;             // RLIMIT_NOFILE
  uint64_t tmp_bytes = 512ull << 20;      // size of the jail's private /tmp (and /dev/shm, /var/tmp)
  uint64_t home_bytes = 0;                // size of the home tmpfs; 0 = tmp_bytes
  uint32_t cpu_millicores = 0;            // cgroup CPU quota in 1/1000 CPU, 0 = none
};

struct Identity {
  uid_t uid = 1000;  // inside the jail; never 0
  gid_t gid = 1000;
  std::string user = "dev";
  std::string hostname = "dev-laptop";
  std::string home = "/home/dev";
};

struct JailSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path inside the jail
  std::vector<std::string> env;   // exactly the environment the code sees ("K=V")
  std::string cwd = "/";          // inside the jail
  // Extra mounts on top of the system root (read-only /usr, /lib*, /bin, /sbin, a minimal
  // synthetic /etc, fresh /proc, minimal /dev, private /tmp). Applied in order.
  std::vector<Mount> mounts;
  Limits limits;
  Identity identity;
  std::chrono::milliseconds timeout{60'000};    // wall clock from release()
  std::chrono::milliseconds term_grace{2'000};  // SIGTERM first, SIGKILL after this
  // Filter for PR_SET_SECCOMP (already compiled, e.g. by libseccomp); empty = none.
  std::vector<uint8_t> seccomp_bpf;  // raw struct sock_filter array
  size_t output_tail_bytes = 8192;   // kept per stream for the report
  std::string scratch_dir;           // host dir the jail may use for staging; caller removes
  // > 0: the payload runs in a new time namespace whose CLOCK_BOOTTIME (so /proc/uptime
  // and sysinfo) and CLOCK_MONOTONIC are this far ahead of the host's: the machine looks
  // as if it had been up for days. 0: the host's time namespace.
  std::chrono::seconds boot_offset{0};
};

struct OutputTail {
  std::string tail;  // the last output_tail_bytes bytes
  uint64_t total_bytes = 0;
  bool truncated = false;  // total_bytes > tail.size()
};

// How often the jail's cgroup limits bit (read from the cgroup before it is removed).
struct LimitHits {
  uint64_t oom_kills = 0;      // processes the OOM killer ended (limits.memory_bytes)
  uint64_t pids_max = 0;       // forks refused by limits.max_pids
  uint64_t cpu_throttled = 0;  // CFS periods in which limits.cpu_millicores throttled the jail
  // Writable filesystems of the jail (targets inside it, e.g. "/tmp") that were full, or
  // nearly so (< 1% or < 256 KiB free), when the jail ended.
  std::vector<std::string> disk_full;
};

// A seccomp action the kernel logged for a process of the jail (audit type 1326 in the
// kernel log): every kill, and every "log" rule hit. Errno denials are not logged by the
// kernel; the tracer sees those as failed syscalls.
struct SeccompEvent {
  pid_t host_pid = 0;
  std::string comm;     // the process's name (15 bytes at most)
  int nr = -1;          // syscall number (native arch)
  std::string syscall;  // its name, "" when unknown
  std::string action;   // "kill_process", "kill_thread", "log", "errno", "trap", ...
};

// The payload's end. `exited`/`exit_code`/`signal` describe argv[0]'s process (pid 2 in
// the jail), not the jail's init: a payload killed by SIGSEGV gives signal == SIGSEGV.
// When the jail is killed from outside (timeout or stop() past the grace) before the
// payload's status is known, signal is SIGKILL.
struct ExitRecord {
  bool exited = false;  // true: exit_code is valid; false: signal is valid
  int exit_code = -1;
  int signal = 0;
  bool timed_out = false;                 // killed because the wall-clock limit passed
  std::chrono::milliseconds duration{0};  // release() to exit
  OutputTail out;
  OutputTail err;
  LimitHits limits;
  std::vector<SeccompEvent> seccomp;  // in kernel-log order
  // The payload died of SIGSYS from a seccomp kill rule: the syscall's name ("" otherwise).
  std::string seccomp_kill;
};

// Lifecycle: create() -> (attach tracer to cgroup_path()/cgroup_id(), network to
// netns_fd()) -> release() -> wait() -> destruction. The destructor kills and removes
// everything at any point, also when release() or wait() never ran.
//
// Threads: the jail's init has PR_SET_PDEATHSIG(SIGKILL), which the kernel ties to the
// *thread* that called create(): the jail dies when that thread exits. Create jails on a
// thread that outlives them. stop() may be called from any thread while wait() runs.
//
// Host requirements: every directory on the way to a bind source must be searchable,
// and the source readable (writable binds: writable), by host_id(0) or by "other",
// since root inside the jail is host_id(0) and holds no capability over host-owned
// files: a source under a 0700 root-owned directory fails with "Permission denied".
// Mount targets must not pass through symlinks. A bind onto an existing file of the
// synthetic /etc (e.g. /etc/resolv.conf) replaces it.
// spec.scratch_dir is not used: the synthetic /etc is written straight into the jail's
// root tmpfs, so there is nothing on the host to clean up.
class Jail {
 public:
  // Clones the child into its namespaces and its v2 cgroup (clone3 CLONE_INTO_CGROUP; it
  // joins v1 cgroups itself first thing), writes the id maps, lets it build its root
  // (hostname, loopback, mounts, pivot_root) and returns once it is blocked before
  // starting the payload. Fails with a one-line reason naming
  // the syscall or step (e.g. "clone(CLONE_NEWUSER|...): Operation not permitted",
  // "mount('/work/src' -> '/src', bind, ro): No such file or directory").
  static Result<std::unique_ptr<Jail>> create(const JailSpec& spec);
  ~Jail();  // kills whatever is left of the tree, removes the cgroup
  Jail(const Jail&) = delete;
  Jail& operator=(const Jail&) = delete;

  pid_t host_pid() const;      // the jail's init (pid 1 inside)
  uint64_t cgroup_id() const;  // cgroup v2 id of the jail (what bpf_get_current_cgroup_id sees)
  const std::string& cgroup_path() const;  // cgroup v2 directory of the jail
  int netns_fd() const;                    // fd of the jail's network namespace

  // Lets the child go on to exec argv. Call once.
  Status release();
  // Pumps output, enforces the timeout (SIGTERM, grace, SIGKILL of the whole tree) and
  // reaps. Returns once every process of the jail is gone. Call once, after release().
  //
  // Exec failure is an error, not an ExitRecord: when the payload could not be started
  // (execve failed, or a step just before it: chdir(cwd), setresuid, rlimits, seccomp),
  // wait() returns an Error with the errno and the step, whose message() is one line
  // such as "execve('/work/out/x'): No such file or directory".
  Result<ExitRecord> wait();
  // Asks the tree to stop now: SIGTERM, then SIGKILL after term_grace. wait() still reaps.
  // Before release() it kills the jail at once and release() then fails. Safe to call
  // from any thread and from a signal handler (atomics and syscalls only).
  void stop();

 private:
  struct Impl;
  explicit Jail(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The symlinks at the top of every jail's filesystem (link -> target): /var/run -> /run,
// and the host's own /bin -> usr/bin and the like on merged-usr hosts. Paths recorded in a
// jail resolve through them ("/var/run/../home" is /home there).
std::map<std::string, std::string> jail_symlinks();

}  // namespace gs::sandbox
