// tracer::Session: the BPF programs of bpf/tracer.bpf.c loaded, attached and scoped to a
// set of cgroup v2 ids, with a ring buffer of typed events and per-category loss counts.
// Attach it (and add the jail's cgroup) before the jail's first exec; poll while the
// jail runs; drain after the tree is dead; read stats() and syscall_counts() last.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "tracer/event.h"
#include "tracer/event_source.h"
#include "tracer/syscall_table.h"

struct tracer_bpf;
struct ring_buffer;

namespace gs::tracer {

struct Options {
  // Ring buffer bytes; rounded up to a power of two, at least 4 x GS_STAGE_BYTES (32 KiB).
  size_t ring_buffer_bytes = 16u << 20;
  // The reader is woken once this many bytes wait (not per record); poll() also
  // consumes on timeout, so events are delivered at most one poll timeout late.
  // 0 = wake per record (lowest latency, highest cost).
  size_t wakeup_bytes = 256u << 10;
  // cgroup v2 ids traced from the start (tag 0); more can be added later.
  std::vector<uint64_t> cgroups;
  // Categories recorded as events (syscall counting is always on).
  bool process = true;
  bool files = true;
  bool network = true;
  bool security = true;
  bool denied = true;
  // Which syscalls' -EPERM/-EACCES/-ENOSYS are denial events, by name (the jail profile's
  // denied set, sandbox::Profile::denied). nullopt: every such failure is one. Names
  // without an x86_64 number are ignored.
  std::optional<std::set<std::string>> denied_syscalls;
  // Benchmarks only: every program attached, but the syscall program returns before it
  // counts or records anything: the kernel's own cost of the hooks (tracer_bench --ladder).
  bool hooks_only = false;
  // Benchmarks only: each syscall record goes to the ring buffer on its own, not in a
  // per-CPU batch (tracer_bench --batch-ab measures what batching saves).
  bool unbatched = false;
  // Flush the per-CPU syscall batches by running a program on each CPU (BPF_PROG_TEST_RUN).
  // false: poll() leaves them until they fill or age, and drain() reads them straight from
  // the map, which is also what it does for any CPU the flush could not reach.
  bool ipi_flush = true;
};

class Session : public EventSource {
 public:
  // Loads and attaches. Fails with a one-line reason on hosts without BTF or BPF rights.
  static Result<std::unique_ptr<Session>> make(const Options& options);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts/stops tracing a cgroup v2 id. Forked processes stay in it, so they follow;
  // cgroups created below a traced one later are traced too (same tag), and a removed
  // cgroup leaves the set by itself. Add the cgroup before creating children in it.
  Status add_cgroup(uint64_t cgroup_id, uint32_t tag = 0);
  // add_cgroup for a cgroup v2 directory and every cgroup already below it (for jails
  // that build sub-cgroups before handing over); later ones are followed by the kernel.
  Status add_cgroup_tree(const std::string& dir, uint32_t tag = 0);
  Status remove_cgroup(uint64_t cgroup_id);
  // Phase tag for the syscall counters of a traced cgroup (< GS_MAX_TAGS).
  Status set_tag(uint64_t cgroup_id, uint32_t tag);

  // Waits up to timeout_ms for events and delivers all available ones; returns how many.
  // Syscall records wait in per-CPU batches (struct gs_batch) until a batch fills, its
  // oldest record is 20 ms old, or poll() flushes them, which it does at most every 25 ms:
  // a record reaches the callback within a poll timeout plus that.
  Result<int> poll(int timeout_ms, const Callback& cb) override;
  // Flushes every CPU's batch, delivers everything in the ring buffer without waiting,
  // then the per-socket byte sums (SocketEvent) of every traced cgroup: call it once the
  // tree is dead, or they come out split (still correct, the later events add to the
  // earlier ones).
  Result<int> drain(const Callback& cb) override;
  // An epoll fd for an event loop. It becomes readable once wakeup_bytes are waiting,
  // not per event: also call poll()/drain() on a timer (e.g. every 100 ms).
  int epoll_fd() const;

  Stats stats() const override;
  // Time spent inside the sys_exit program and how often it ran (every syscall of every
  // task on the host), from the kernel's program stats: they count only while
  // kernel.bpf_stats_enabled is on or a bpf_enable_stats() fd is open (benchmarks).
  struct ProgramCost {
    uint64_t runs = 0;
    uint64_t ns = 0;
  };
  Result<ProgramCost> sys_exit_cost() const;
  // Syscall counts of one tag, name -> count, only non-zero entries.
  Result<std::map<std::string, uint64_t>> syscall_counts(uint32_t tag) const;
  Status reset_syscall_counts(uint32_t tag);

 private:
  struct SkelDeleter {
    void operator()(tracer_bpf* s) const;
  };
  struct RingDeleter {
    void operator()(ring_buffer* r) const;
  };
  Session() = default;
  static int on_sample(void* ctx, void* data, size_t size);
  // no: leave the per-CPU batches; yes: flush them first; taking_the_rest: and read the
  // batches of CPUs the flush could not reach straight from the map (drain only)
  enum class Flush { no, yes, taking_the_rest };
  Result<int> consume(int timeout_ms, bool wait, Flush flush, const Callback& cb);
  Result<int> flush_sockets(const Callback& cb);
  std::vector<int> flush_stages();
  void take_stages(const std::vector<int>& cpus);
  void deliver(std::span<const uint8_t> record);
  void scope_changed();

  std::unique_ptr<tracer_bpf, SkelDeleter> skel_;
  std::unique_ptr<ring_buffer, RingDeleter> ring_;
  const Callback* callback_ = nullptr;  // set only while poll/drain runs
  uint64_t events_ = 0;
  uint64_t malformed_ = 0;
  std::chrono::steady_clock::time_point last_flush_{};
  bool ipi_flush_ = true;
};

}  // namespace gs::tracer
