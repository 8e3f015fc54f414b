// Scratch directories on tmpfs; see scratch.h.
#include "scratch.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "base/fs.h"

namespace gs::harness {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPrefix = "gosandbox-run-";

// A run dir of a process that no longer exists is an empty mountpoint left on the host
// (its tmpfs died with that process's namespace) or a leftover of a crash: remove it.
void sweep_dead_runs(const std::string& root) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    pid_t pid = static_cast<pid_t>(std::atoi(name.c_str() + std::char_traits<char>::length(kPrefix)));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    (void)remove_tree(e.path().string());
  }
}

}  // namespace

Status enter_private_mount_namespace() {
  if (::unshare(CLONE_NEWNS) != 0) return sys_error("unshare(CLONE_NEWNS)");
  // Slave: the host's later mounts still show up here, ours never go back.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    return sys_error("mount('/', MS_REC|MS_SLAVE)");
  return {};
}

Result<ScratchDir> ScratchDir::make(const std::string& root, uint64_t bytes) {
  sweep_dead_runs(root);
  std::string tmpl = root + "/" + kPrefix + std::to_string(::getpid()) + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return sys_error("mkdtemp('" + tmpl + "')");
  bool mounted = false;
  if (bytes > 0 && ::geteuid() == 0) {
    std::string opts = "size=" + std::to_string(bytes) + ",mode=0711";
    if (::mount("gosandbox", tmpl.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
      Error e = sys_error("mount(tmpfs, '" + tmpl + "')");
      ::rmdir(tmpl.c_str());
      return e;
    }
    mounted = true;
  }
  ::chmod(tmpl.c_str(), 0711);  // jail users must traverse it to reach bind sources
  return ScratchDir(tmpl, mounted);
}

ScratchDir::ScratchDir(ScratchDir&& o) noexcept
    : path_(std::exchange(o.path_, "")), mounted_(std::exchange(o.mounted_, false)) {}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  if (mounted_) {
    // Unmounting frees the whole tree at once; a busy mount is detached and goes when
    // its last user does.
    if (::umount2(path_.c_str(), 0) != 0) ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
    return;
  }
  (void)remove_tree(path_);
}

}  // namespace gs::harness
