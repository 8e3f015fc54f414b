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
  s->ipi_flush_ = options.ipi_flush;
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
// Returns the CPUs where it could not run (offline, test runs refused, or still busy).
std::vector<int> Session::flush_stages() {
  last_flush_ = std::chrono::steady_clock::now();
  int fd = bpf_program__fd(skel_->progs.flush_cpu);
  std::vector<int> missed;
  for (int cpu = 0; cpu < libbpf_num_possible_cpus(); ++cpu) {
    if (!ipi_flush_) {
      missed.push_back(cpu);
      continue;
    }
    for (int attempt = 0;; ++attempt) {
      LIBBPF_OPTS(bpf_test_run_opts, run, .flags = BPF_F_TEST_RUN_ON_CPU,
                  .cpu = static_cast<uint32_t>(cpu));
      if (bpf_prog_test_run_opts(fd, &run) == 0 && run.retval == 0) break;
      if (run.retval != 1 || attempt == 10000) {
        missed.push_back(cpu);
        break;
      }
      std::this_thread::yield();
    }
  }
  return missed;
}

// For drain() when flush_cpu could not run on some CPUs: their batches, read straight from
// the map, delivered, and emptied. Only safe when nothing traced runs any more (a sys_exit
// adding to a batch meanwhile would be overwritten), which is drain()'s contract.
void Session::take_stages(const std::vector<int>& cpus) {
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return;
  std::vector<gs_stage> stages(ncpu);
  uint32_t zero = 0;
  int fd = bpf_map__fd(skel_->maps.stage);
  if (bpf_map_lookup_elem(fd, &zero, stages.data()) != 0) {
    ++malformed_;  // cannot be read: counted, never silent
    return;
  }
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= ncpu) continue;
    gs_stage& st = stages[cpu];
    if (st.used > sizeof(gs_batch)) {
      gs_batch b{GS_REC_BATCH, std::min<uint32_t>(st.used, GS_STAGE_BYTES), st.count, 0};
      std::memcpy(st.buf, &b, sizeof(b));
      std::span<const uint8_t> bytes(st.buf, b.size);
      if (!for_each_record(bytes, [this](std::span<const uint8_t> r) { deliver(r); }).ok())
        ++malformed_;
    }
    st.used = st.count = 0;
    std::memset(st.cats, 0, sizeof(st.cats));
  }
  if (bpf_map_update_elem(fd, &zero, stages.data(), BPF_ANY) != 0) ++malformed_;
}

Result<int> Session::consume(int timeout_ms, bool wait, Flush flush, const Callback& cb) {
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
  std::vector<int> missed;
  if (flush != Flush::no) missed = flush_stages();
  int n = ring_buffer__consume(ring_.get());
  // poll() leaves a missed CPU's batch to its next flush (it fills, ages, or drain takes it)
  if (flush == Flush::taking_the_rest && !missed.empty()) take_stages(missed);
  callback_ = nullptr;
  if (n < 0) return Error{-n, "tracer: ring_buffer__consume"};
  return total + n;
}

Result<int> Session::poll(int timeout_ms, const Callback& cb) {
  bool due =
      ipi_flush_ && std::chrono::steady_clock::now() - last_flush_ >= std::chrono::milliseconds(25);
  return consume(timeout_ms, true, due ? Flush::yes : Flush::no, cb);
}

Result<int> Session::drain(const Callback& cb) {
  GS_ASSIGN_OR_RETURN(int n, consume(0, false, Flush::taking_the_rest, cb));
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
  return s;
}

Result<Session::ProgramCost> Session::sys_exit_cost() const {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(bpf_program__fd(skel_->progs.on_sys_exit), &info, &len) != 0)
    return sys_error("tracer: read the sys_exit program's stats");
  return ProgramCost{info.run_cnt, info.run_time_ns};
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
