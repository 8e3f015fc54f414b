// The loader: skeleton lifecycle open -> set rodata and ring size -> load -> fill maps ->
// attach, ring-buffer polling with decode, and reading the kernel-side counters.
#include "tracer/session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "tracer.skel.h"
#include "tracer/cgroup.h"

namespace gs::tracer {
namespace {

// libbpf talks on stderr by default; keep it quiet unless GS_TRACER_DEBUG is set, so a
// failing load yields our one-line error instead of a verifier dump.
int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  static const bool debug = std::getenv("GS_TRACER_DEBUG") != nullptr;
  if (!debug || level == LIBBPF_DEBUG) return 0;
  return std::vfprintf(stderr, fmt, args);
}

size_t round_ring_size(size_t bytes) {
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t n = page;
  while (n < bytes && n < (size_t{1} << 30)) n <<= 1;
  return n;
}

Error load_error(const char* step, int err) {
  return error(std::string("tracer: BPF ") + step + " failed (bpf(BPF_PROG_LOAD): " +
               std::strerror(err) + "); run as root or use --no-trace");
}

}  // namespace

void Session::SkelDeleter::operator()(tracer_bpf* s) const { tracer_bpf__destroy(s); }
void Session::RingDeleter::operator()(ring_buffer* r) const { ring_buffer__free(r); }

Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::make(const Options& options) {
  if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return error(
        "tracer: kernel BTF missing (/sys/kernel/btf/vmlinux), CO-RE programs cannot load; "
        "use --no-trace");
  libbpf_set_print(libbpf_print);

  std::unique_ptr<Session> s(new Session());
  s->skel_.reset(tracer_bpf__open());
  if (!s->skel_) return load_error("open", errno ? errno : EINVAL);

  uint32_t categories = 0;
  if (options.process) categories |= 1u << GS_CAT_PROCESS;
  if (options.files) categories |= 1u << GS_CAT_FILE;
  if (options.network) categories |= 1u << GS_CAT_NET;
  if (options.security) categories |= 1u << GS_CAT_SECURITY;
  if (options.denied) categories |= 1u << GS_CAT_DENIED;
  s->skel_->rodata->enabled_categories = categories;
  s->skel_->rodata->record_denied = options.denied;
  s->skel_->rodata->denied_filter = options.denied_syscalls.has_value();
  s->skel_->rodata->wakeup_bytes = options.wakeup_bytes;
  s->skel_->rodata->hooks_only = options.hooks_only;
  s->skel_->rodata->unbatched = options.unbatched;
  // at least a few batches, or no batch could ever get through
  size_t ring = std::max(options.ring_buffer_bytes, size_t{4} * GS_STAGE_BYTES);
  if (int err = bpf_map__set_max_entries(s->skel_->maps.events, round_ring_size(ring)))
    return load_error("ring buffer sizing", -err);

  auto specs = all_syscall_specs();
  if (options.denied_syscalls)
    for (const auto& name : *options.denied_syscalls)
      if (auto nr = syscall_number(name); nr && *nr >= 0 && size_t(*nr) < specs.size())
        specs[*nr].denial = 1;
  for (uint32_t nr = 0; nr < specs.size() && nr < GS_MAX_SYSCALLS; ++nr) {
    uint8_t cat = specs[nr].category;
    if (cat != GS_CAT_NONE && cat < GS_CAT_MAX && (categories & (1u << cat)))
      s->skel_->rodata->record_bits[nr / 64] |= uint64_t{1} << (nr % 64);
  }

  // flush_cpu is run on each CPU by flush_stages(), never attached
  bpf_program__set_autoattach(s->skel_->progs.flush_cpu, false);
  if (int err = tracer_bpf__load(s->skel_.get())) return load_error("load", -err);

  int specs_fd = bpf_map__fd(s->skel_->maps.syscall_specs);
  for (uint32_t nr = 0; nr < specs.size(); ++nr) {
    if (specs[nr].category == GS_CAT_NONE && !specs[nr].denial) continue;
    if (bpf_map_update_elem(specs_fd, &nr, &specs[nr], BPF_ANY) != 0)
      return sys_error("tracer: filling syscall_specs[" + std::to_string(nr) + "]");
  }
  for (uint64_t id : options.cgroups) GS_TRY(s->add_cgroup(id));

  if (int err = tracer_bpf__attach(s->skel_.get())) return load_error("attach", -err);

  s->ring_.reset(
      ring_buffer__new(bpf_map__fd(s->skel_->maps.events), &Session::on_sample, s.get(), nullptr));
  if (!s->ring_) return sys_error("tracer: ring_buffer__new");
  return s;
}

Status Session::add_cgroup(uint64_t cgroup_id, uint32_t tag) {
  if (tag >= GS_MAX_TAGS)
    return error("tracer: tag " + std::to_string(tag) + " out of range (< " +
                 std::to_string(GS_MAX_TAGS) + ")");
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cgroups), &cgroup_id, &tag, BPF_ANY) != 0)
    return sys_error("tracer: add cgroup " + std::to_string(cgroup_id));
  scope_changed();
  return {};
}

Status Session::add_cgroup_tree(const std::string& dir, uint32_t tag) {
  GS_ASSIGN_OR_RETURN(uint64_t id, cgroup_id(dir));
  GS_TRY(add_cgroup(id, tag));
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    GS_ASSIGN_OR_RETURN(uint64_t sub, cgroup_id(it->path().string()));
    GS_TRY(add_cgroup(sub, tag));
  }
  if (ec) return Error{ec.value(), "tracer: walk cgroup tree '" + dir + "'"};
  return {};
}

Status Session::remove_cgroup(uint64_t cgroup_id) {
  // ENOENT is fine: the kernel side forgets a cgroup by itself when it is removed.
  if (bpf_map_delete_elem(bpf_map__fd(skel_->maps.cgroups), &cgroup_id) != 0 && errno != ENOENT)
    return sys_error("tracer: remove cgroup " + std::to_string(cgroup_id));
  scope_changed();
  return {};
}

Status Session::set_tag(uint64_t cgroup_id, uint32_t tag) {
  if (tag >= GS_MAX_TAGS) return error("tracer: tag " + std::to_string(tag) + " out of range");
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cgroups), &cgroup_id, &tag, BPF_EXIST) != 0)
    return sys_error("tracer: set tag of cgroup " + std::to_string(cgroup_id));
  scope_changed();
  return {};
}

// The BPF side caches scope decisions per CPU until this generation moves (after the map
// changed, so no cached decision outlives the change by more than a syscall in flight).
void Session::scope_changed() { __atomic_add_fetch(&skel_->bss->scope_gen, 1, __ATOMIC_SEQ_CST); }

void Session::deliver(std::span<const uint8_t> record) {
  auto ev = decode(record);
  if (!ev.ok()) {
    ++malformed_;
    return;
  }
  ++events_;
  if (callback_ && *callback_) (*callback_)(*ev);
}

int Session::on_sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<Session*>(ctx);
  std::span<const uint8_t> bytes(static_cast<const uint8_t*>(data), size);
  if (!for_each_record(bytes, [self](std::span<const uint8_t> r) { self->deliver(r); }).ok())
    ++self->malformed_;  // the rest of a broken batch
  return 0;
}

// Runs flush_cpu on every CPU, which moves that CPU's staged syscall records into the ring
// buffer. The program runs in an IPI there and may find a sys_exit half-way through a
// record (retval 1): it is retried until that record is done, a matter of microseconds.
Status Session::flush_stages() {
  last_flush_ = std::chrono::steady_clock::now();
  int fd = bpf_program__fd(skel_->progs.flush_cpu);
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return Error{-ncpu, "tracer: libbpf_num_possible_cpus"};
  for (int cpu = 0; cpu < ncpu; ++cpu) {
    for (int attempt = 0;; ++attempt) {
      LIBBPF_OPTS(bpf_test_run_opts, run, .flags = BPF_F_TEST_RUN_ON_CPU,
                  .cpu = static_cast<uint32_t>(cpu));
      if (bpf_prog_test_run_opts(fd, &run) != 0) {
        if (errno != ENXIO)
          return sys_error("tracer: flush the staged records of CPU " + std::to_string(cpu));
        // offline: nothing runs there, so its batch stays as it is; count it as lost
        // until the CPU is back and a flush succeeds
        std::vector<gs_stage> stages(ncpu);
        uint32_t zero = 0;
        if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.stage), &zero, stages.data()) == 0) {
          std::array<uint64_t, kCategoryCount> lost{};
          for (size_t c = 0; c < lost.size() && c < GS_CAT_MAX; ++c) lost[c] = stages[cpu].cats[c];
          stranded_[cpu] = lost;
        }
        break;
      }
      if (run.retval == 0) {
        stranded_.erase(cpu);
        break;
      }
      if (attempt == 10000)
        return error("tracer: CPU " + std::to_string(cpu) + " stayed busy in sys_exit");
      std::this_thread::yield();
    }
  }
  return {};
}

Result<int> Session::consume(int timeout_ms, bool wait, bool flush, const Callback& cb) {
  callback_ = &cb;
  int total = 0;
  if (wait) {
    // Records below the wakeup threshold do not wake epoll: after the wait, consume
    // everything regardless of whether the wait was woken.
    int n = ring_buffer__poll(ring_.get(), timeout_ms);
    if (n < 0 && n != -EINTR) {
      callback_ = nullptr;
      return Error{-n, "tracer: ring_buffer__poll"};
    }
    if (n > 0) total += n;
  }
  if (flush) {
    if (auto st = flush_stages(); !st.ok()) {
      callback_ = nullptr;
      return st.error();
    }
  }
  int n = ring_buffer__consume(ring_.get());
  callback_ = nullptr;
  if (n < 0) return Error{-n, "tracer: ring_buffer__consume"};
  return total + n;
}

Result<int> Session::poll(int timeout_ms, const Callback& cb) {
  bool due = std::chrono::steady_clock::now() - last_flush_ >= std::chrono::milliseconds(25);
  return consume(timeout_ms, true, due, cb);
}

Result<int> Session::drain(const Callback& cb) {
  GS_ASSIGN_OR_RETURN(int n, consume(0, false, true, cb));
  GS_ASSIGN_OR_RETURN(int m, flush_sockets(cb));
  return n + m;
}

// The socket sums (gs_sock_record) live in the `sockdata` hash until now: take each one
// out and deliver it like a ring-buffer record. Keys first, then lookup-and-delete, so
// the walk does not skip entries that the deletes would move.
Result<int> Session::flush_sockets(const Callback& cb) {
  struct Key {
    uint64_t sk;
    uint32_t tgid, pad;
  };
  int fd = bpf_map__fd(skel_->maps.sockdata);
  std::vector<Key> keys;
  Key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
  }
  callback_ = &cb;
  int n = 0;
  gs_sock_record value;
  for (const Key& k : keys) {
    if (bpf_map_lookup_and_delete_elem(fd, &k, &value) != 0) continue;  // removed meanwhile
    deliver(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&value), sizeof(value)));
    ++n;
  }
  callback_ = nullptr;
  return n;
}
int Session::epoll_fd() const { return ring_buffer__epoll_fd(ring_.get()); }

Stats Session::stats() const {
  Stats s;
  s.events = events_;
  s.malformed = malformed_;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return s;
  std::vector<uint64_t> values(ncpu);
  int fd = bpf_map__fd(skel_->maps.drops);
  for (uint32_t c = 0; c < GS_CAT_MAX; ++c) {
    if (bpf_map_lookup_elem(fd, &c, values.data()) != 0) continue;
    for (auto v : values) s.drops[c] += v;
  }
  for (const auto& [cpu, lost] : stranded_)
    for (size_t c = 0; c < lost.size(); ++c) s.drops[c] += lost[c];
  return s;
}

Result<std::map<std::string, uint64_t>> Session::syscall_counts(uint32_t tag) const {
  if (tag >= GS_MAX_TAGS) return error("tracer: tag " + std::to_string(tag) + " out of range");
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return Error{-ncpu, "tracer: libbpf_num_possible_cpus"};
  std::vector<gs_counts> values(ncpu);  // one block per CPU
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counts), &tag, values.data()) != 0)
    return sys_error("tracer: read the syscall counters of tag " + std::to_string(tag));
  std::map<std::string, uint64_t> out;
  for (uint32_t nr = 0; nr < GS_MAX_SYSCALLS; ++nr) {
    uint64_t total = 0;
    for (const auto& cpu : values) total += cpu.n[nr];
    if (total) out[syscall_label(static_cast<int>(nr))] += total;
  }
  return out;
}

Status Session::reset_syscall_counts(uint32_t tag) {
  if (tag >= GS_MAX_TAGS) return error("tracer: tag " + std::to_string(tag) + " out of range");
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return Error{-ncpu, "tracer: libbpf_num_possible_cpus"};
  std::vector<gs_counts> zeros(ncpu, gs_counts{});
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.counts), &tag, zeros.data(), BPF_ANY) != 0)
    return sys_error("tracer: reset the syscall counters of tag " + std::to_string(tag));
  return {};
}

}  // namespace gs::tracer
