// User namespace maps and credential changes; see user.h. Every jail shares one host id
// range (kHostIdBase..), so files written through writable binds are owned by
// host_id(inside uid) and are never confused with real host users. setgroups stays
// allowed because the parent writes the gid map with CAP_SETGID in the host namespace,
// and the jail must be able to drop the supplementary groups it inherited from root.
#include "src/user.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "base/fd.h"
#include "jail.h"

namespace gs::sandbox {
namespace {

Status write_map(pid_t pid, const char* file) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  std::string line = "0 " + std::to_string(kHostIdBase) + " " + std::to_string(kIdRange) + "\n";
  FD fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error("open('" + path + "')");
  // The kernel accepts a map in exactly one write.
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return sys_error("write('" + path + "', '" + line.substr(0, line.size() - 1) + "')");
  }
  return {};
}

// Raw syscalls, not the glibc wrappers: in a multi-threaded process glibc's setresuid,
// setresgid and setgroups signal every other thread to change credentials too, and the
// jail's processes are copies of such a process whose thread list still names threads
// that do not exist in the copy, so the wrapper would wait for them forever.
int sys_setgroups(size_t n, const gid_t* groups) {
  return static_cast<int>(::syscall(SYS_setgroups, n, groups));
}
int sys_setresgid(gid_t g) { return static_cast<int>(::syscall(SYS_setresgid, g, g, g)); }
int sys_setresuid(uid_t u) { return static_cast<int>(::syscall(SYS_setresuid, u, u, u)); }

}  // namespace

Status write_id_maps(pid_t pid) {
  GS_TRY(write_map(pid, "uid_map"));
  GS_TRY(write_map(pid, "gid_map"));
  return {};
}

bool become_namespace_root(const char** what) {
  // Until now init ran with the host root's (unmapped) ids; files it creates on the jail's
  // tmpfs need mapped ones. Capabilities in the new namespace are kept across this change.
  if (sys_setgroups(0, nullptr) != 0) return *what = "setgroups(0)", false;
  if (sys_setresgid(0) != 0) return *what = "setresgid(0)", false;
  if (sys_setresuid(0) != 0) return *what = "setresuid(0)", false;
  return true;
}

bool drop_to_identity(uid_t uid, gid_t gid, const char** what) {
  // Empty the bounding set first (needs CAP_SETPCAP, which we still hold) so nothing the
  // payload execs can regain a capability, even through a file capability.
  for (int cap = 0; cap <= 63; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return *what = "prctl(PR_CAPBSET_DROP)", false;
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return *what = "prctl(PR_CAP_AMBIENT_CLEAR_ALL)", false;
  }
  if (sys_setgroups(1, &gid) != 0) return *what = "setgroups(identity.gid)", false;
  if (sys_setresgid(gid) != 0) return *what = "setresgid(identity.gid)", false;
  // Moving every uid away from 0 clears the permitted and effective sets.
  if (sys_setresuid(uid) != 0) return *what = "setresuid(identity.uid)", false;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return *what = "prctl(PR_SET_NO_NEW_PRIVS)", false;
  return true;
}

}  // namespace gs::sandbox
