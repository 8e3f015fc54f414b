// Cgroup creation, limits and teardown for one jail; see cgroup.h. Two host layouts are
// supported: pure cgroup v2 at /sys/fs/cgroup, and hybrid hosts where v1 controllers sit
// in /sys/fs/cgroup/<controller> next to a controller-less v2 tree at
// /sys/fs/cgroup/unified. The v2 directory always exists because the tracer scopes its
// BPF programs to it; limits go wherever a controller for them is enabled.
#include "src/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/fd.h"
#include "base/fs.h"

namespace gs::sandbox {
namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr const char* kParentName = "gosandbox";

struct Layout {
  std::string v2_root;    // cgroup2 mount
  std::string v1_memory;  // empty unless hybrid with a v1 memory controller
  std::string v1_pids;
  std::string v1_cpu;
};

bool is_fs(const std::string& path, long magic) {
  struct statfs s;
  return ::statfs(path.c_str(), &s) == 0 && static_cast<long>(s.f_type) == magic;
}

Result<Layout> detect_layout() {
  Layout l;
  std::string root = kCgroupRoot;
  if (is_fs(root, CGROUP2_SUPER_MAGIC)) {
    l.v2_root = root;
    return l;
  }
  if (!is_fs(root + "/unified", CGROUP2_SUPER_MAGIC)) {
    return error("cgroup: no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified");
  }
  l.v2_root = root + "/unified";
  if (is_fs(root + "/memory", CGROUP_SUPER_MAGIC)) l.v1_memory = root + "/memory";
  if (is_fs(root + "/pids", CGROUP_SUPER_MAGIC)) l.v1_pids = root + "/pids";
  if (is_fs(root + "/cpu", CGROUP_SUPER_MAGIC)) l.v1_cpu = root + "/cpu";
  return l;
}

// Writes a cgroup control file with one write(2), as the kernel parses it per write.
Status write_control(const std::string& path, const std::string& value) {
  FD fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error("open('" + path + "')");
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return sys_error("write('" + path + "', '" + value + "')");
  }
  return {};
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Status make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return sys_error("mkdir('" + path + "')");
  }
  return {};
}

bool has_token(const std::string& list, const std::string& word) {
  size_t pos = 0;
  while ((pos = list.find(word, pos)) != std::string::npos) {
    bool start = pos == 0 || list[pos - 1] == ' ';
    size_t end = pos + word.size();
    bool stop = end == list.size() || list[end] == ' ' || list[end] == '\n';
    if (start && stop) return true;
    pos = end;
  }
  return false;
}

// Enables memory, pids and cpu for the children of `dir` where the kernel offers them. Best
// effort: a host without these controllers in v2 still gets a jail (limits then come from
// v1 or are absent), and concurrent jails enabling the same controllers is harmless.
void enable_controllers(const std::string& dir) {
  auto avail = read_file(dir + "/cgroup.controllers", 4096);
  if (!avail.ok()) return;
  for (const char* c : {"memory", "pids", "cpu"}) {
    if (has_token(*avail, c))
      (void)write_control(dir + "/cgroup.subtree_control", std::string("+") + c);
  }
}

std::vector<pid_t> read_procs(const std::string& dir) {
  std::vector<pid_t> pids;
  auto s = read_file(dir + "/cgroup.procs", 1 << 20);
  if (!s.ok()) return pids;
  const char* p = s->c_str();
  while (*p) {
    char* end;
    long v = std::strtol(p, &end, 10);
    if (end == p) break;
    if (v > 0) pids.push_back(static_cast<pid_t>(v));
    p = end;
    while (*p == '\n') ++p;
  }
  return pids;
}

// Removes jail cgroups whose creating process is gone (it was SIGKILLed before its
// destructor ran; PR_SET_PDEATHSIG already killed the jail itself). rmdir only ever
// succeeds on an empty cgroup, so a live jail is never touched. One listing, of the v2
// parent, finds them all: a jail's v2 directory is made before and removed after its v1
// ones, so no v1 directory exists without it.
void sweep_orphans(const Layout& l) {
  const std::string parent = l.v2_root + "/" + kParentName;
  DIR* d = ::opendir(parent.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    long owner = 0;
    if (std::sscanf(e->d_name, "jail-%ld-", &owner) != 1 || owner <= 0) continue;
    if (::kill(static_cast<pid_t>(owner), 0) == 0 || errno != ESRCH) continue;
    for (const std::string* root : {&l.v1_memory, &l.v1_pids, &l.v1_cpu}) {
      if (!root->empty()) ::rmdir((*root + "/" + kParentName + "/" + e->d_name).c_str());
    }
    ::rmdir((parent + "/" + e->d_name).c_str());
  }
  ::closedir(d);
}

// The hierarchies do not move while we run: they are found once per process.
const Result<Layout>& layout() {
  static const Result<Layout> l = detect_layout();
  return l;
}

// The shared parent <root>/gosandbox of one hierarchy, made (and in v2 given the
// controllers) on first use in this process. It stays: other jails may be using it.
class Parent {
 public:
  Parent(std::string root, bool v2) : root_(std::move(root)), v2_(v2) {}

  // Makes <root>/gosandbox/<name>; only this per-jail directory is ours to remove. When
  // someone removed the parent since, it is made again.
  Result<std::string> make_child(const std::string& name) {
    if (!ready_.load(std::memory_order_acquire)) GS_TRY(prepare());
    std::string dir = root_ + "/" + kParentName + "/" + name;
    if (::mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno != ENOENT) return sys_error("mkdir('" + dir + "')");
    GS_TRY(prepare());
    if (::mkdir(dir.c_str(), 0755) != 0) return sys_error("mkdir('" + dir + "')");
    return dir;
  }

 private:
  // Concurrent first uses may both get here: mkdir's EEXIST and enabling a controller
  // twice are harmless.
  Status prepare() {
    if (v2_) enable_controllers(root_);
    std::string parent = root_ + "/" + kParentName;
    GS_TRY(make_dir(parent));
    if (v2_) enable_controllers(parent);
    ready_.store(true, std::memory_order_release);
    return {};
  }
  const std::string root_;
  const bool v2_;
  std::atomic<bool> ready_{false};
};

}  // namespace

Result<std::unique_ptr<Cgroup>> Cgroup::make(const std::string& name, const Limits& limits) {
  if (!layout().ok()) return layout().error();
  const Layout& l = *layout();
  static Parent v2_parent(l.v2_root, true), memory_parent(l.v1_memory, false),
      pids_parent(l.v1_pids, false), cpu_parent(l.v1_cpu, false);
  std::unique_ptr<Cgroup> cg(new Cgroup());
  const std::string parent = l.v2_root + "/" + kParentName;  // for error messages

  sweep_orphans(l);
  GS_ASSIGN_OR_RETURN(std::string dir, v2_parent.make_child(name));
  cg->v2_ = dir;
  cg->v2_fd_.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!cg->v2_fd_) return sys_error("open('" + dir + "')");
  struct stat st;
  if (::fstat(cg->v2_fd_.get(), &st) != 0) return sys_error("fstat('" + dir + "')");
  cg->id_ = st.st_ino;
  bool memory_enforced = false, pids_enforced = false, cpu_enforced = false;
  // CFS bandwidth: quota per 100 ms period; one CPU is 1000 millicores.
  const uint64_t period_us = 100'000;
  const uint64_t quota_us = uint64_t{limits.cpu_millicores} * period_us / 1000;
  // Which controllers the v2 directory has (pure v2 hosts); their files exist only then.
  cg->v2_cpu_ = exists(dir + "/cpu.max");
  cg->v2_memory_ = exists(dir + "/memory.max");
  cg->v2_pids_ = exists(dir + "/pids.max");
  if (limits.cpu_millicores && cg->v2_cpu_) {
    cpu_enforced = true;
    GS_TRY(write_control(dir + "/cpu.max",
                         std::to_string(quota_us) + " " + std::to_string(period_us)));
  }
  if (limits.memory_bytes && cg->v2_memory_) {
    memory_enforced = true;
    GS_TRY(write_control(dir + "/memory.max", std::to_string(limits.memory_bytes)));
    if (exists(dir + "/memory.swap.max")) (void)write_control(dir + "/memory.swap.max", "0");
  }
  if (limits.max_pids && cg->v2_pids_) {
    pids_enforced = true;
    GS_TRY(write_control(dir + "/pids.max", std::to_string(limits.max_pids)));
  }

  // v1 (hybrid hosts): the limits live here because the v2 tree has no controllers.
  if (!l.v1_memory.empty()) {
    GS_ASSIGN_OR_RETURN(std::string d, memory_parent.make_child(name));
    cg->v1_memory_ = d;
    if (limits.memory_bytes) {
      memory_enforced = true;
      GS_TRY(write_control(d + "/memory.limit_in_bytes", std::to_string(limits.memory_bytes)));
    }
  }
  if (!l.v1_pids.empty()) {
    GS_ASSIGN_OR_RETURN(std::string d, pids_parent.make_child(name));
    cg->v1_pids_ = d;
    if (limits.max_pids) {
      pids_enforced = true;
      GS_TRY(write_control(d + "/pids.max", std::to_string(limits.max_pids)));
    }
  }
  // The v1 cpu hierarchy is only joined when there is a quota to enforce: most jails have
  // none and the extra cgroup would cost a mkdir and an rmdir for nothing.
  if (limits.cpu_millicores && !cpu_enforced && !l.v1_cpu.empty()) {
    GS_ASSIGN_OR_RETURN(std::string d, cpu_parent.make_child(name));
    cg->v1_cpu_ = d;
    cpu_enforced = true;
    GS_TRY(write_control(d + "/cpu.cfs_period_us", std::to_string(period_us)));
    GS_TRY(write_control(d + "/cpu.cfs_quota_us", std::to_string(quota_us)));
  }
  if (limits.cpu_millicores && !cpu_enforced) {
    return error("cgroup: no cpu controller enabled for " + parent +
                 " to enforce limits.cpu_millicores (set it to 0 to run without)");
  }
  // Fail closed: hostile code without a pids limit can fork-bomb the host. A caller that
  // really wants no limit says so with 0.
  if (limits.memory_bytes && !memory_enforced) {
    return error("cgroup: no memory controller enabled for " + parent +
                 " to enforce limits.memory_bytes (set it to 0 to run without)");
  }
  if (limits.max_pids && !pids_enforced) {
    return error("cgroup: no pids controller enabled for " + parent +
                 " to enforce limits.max_pids (set it to 0 to run without)");
  }
  return cg;
}

std::vector<std::string> Cgroup::v1_dirs() const {
  std::vector<std::string> d;
  if (!v1_memory_.empty()) d.push_back(v1_memory_);
  if (!v1_pids_.empty()) d.push_back(v1_pids_);
  if (!v1_cpu_.empty()) d.push_back(v1_cpu_);
  return d;
}

namespace {

// The number after `key` in a "key value" per line control file, 0 when absent.
uint64_t keyed_value(const std::string& path, const std::string& key) {
  auto s = read_file(path, 1 << 16);
  if (!s.ok()) return 0;
  size_t pos = 0;
  while (pos < s->size()) {
    size_t eol = s->find('\n', pos);
    if (eol == std::string::npos) eol = s->size();
    if (s->compare(pos, key.size() + 1, key + " ") == 0) {
      return std::strtoull(s->c_str() + pos + key.size() + 1, nullptr, 10);
    }
    pos = eol + 1;
  }
  return 0;
}

}  // namespace

LimitHits Cgroup::limit_hits() const {
  LimitHits h;
  // v2 counts in memory.events / pids.events of the jail's own directory; v1 in
  // memory.oom_control and pids.events of the controller directories.
  if (v2_memory_) h.oom_kills = keyed_value(v2_ + "/memory.events", "oom_kill");
  if (v2_pids_) h.pids_max = keyed_value(v2_ + "/pids.events", "max");
  if (!v1_memory_.empty())
    h.oom_kills += keyed_value(v1_memory_ + "/memory.oom_control", "oom_kill");
  if (!v1_pids_.empty()) h.pids_max += keyed_value(v1_pids_ + "/pids.events", "max");
  if (v2_cpu_) h.cpu_throttled = keyed_value(v2_ + "/cpu.stat", "nr_throttled");
  if (!v1_cpu_.empty()) h.cpu_throttled += keyed_value(v1_cpu_ + "/cpu.stat", "nr_throttled");
  return h;
}

Status Cgroup::attach_v2(pid_t pid) {
  return write_control(v2_ + "/cgroup.procs", std::to_string(pid));
}

Result<std::vector<Cgroup::Join>> Cgroup::open_v1_joins() const {
  std::vector<Join> joins;
  for (const auto& d : v1_dirs()) {
    std::string tasks = d + "/tasks";
    FD fd(::open(tasks.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return sys_error("open('" + tasks + "')");
    joins.push_back({std::move(fd), "write('" + tasks + "', '0')"});
  }
  return joins;
}

bool join_self(int fd) {
  ssize_t n;
  do {
    n = ::write(fd, "0", 1);
  } while (n < 0 && errno == EINTR);
  return n == 1;
}

bool Cgroup::empty() const {
  if (!v2_.empty() && !read_procs(v2_).empty()) return false;
  for (const auto& d : v1_dirs()) {
    if (!read_procs(d).empty()) return false;
  }
  return true;
}

void Cgroup::kill_all() {
  using namespace std::chrono;
  // A process that forks while we kill it can slip past one round, so repeat until empty.
  // The bound keeps a destructor from hanging forever on a task stuck in the kernel.
  auto give_up = steady_clock::now() + seconds(10);
  bool have_kill = exists(v2_ + "/cgroup.kill");
  bool now_empty;
  while (!(now_empty = empty()) && steady_clock::now() < give_up) {
    if (have_kill) {
      (void)write_control(v2_ + "/cgroup.kill", "1");
    } else {
      for (pid_t p : read_procs(v2_)) ::kill(p, SIGKILL);
    }
    for (const auto& d : v1_dirs()) {
      for (pid_t p : read_procs(d)) ::kill(p, SIGKILL);
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  emptied_ = now_empty;
}

Cgroup::~Cgroup() {
  // Once empty (the jail's pid namespace is gone), nothing can come back into the cgroups.
  if (!emptied_) kill_all();
  std::vector<std::string> dirs = v1_dirs();
  if (!v2_.empty()) dirs.push_back(v2_);
  for (const auto& d : dirs) {
    // rmdir can see EBUSY for a moment after the last task exits (it is still being
    // unlinked from the css set), so retry briefly.
    for (int i = 0; i < 500 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace gs::sandbox
