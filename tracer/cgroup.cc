// Finding the cgroup v2 tree and the ids of its directories.
#include "tracer/cgroup.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

namespace gs::tracer {

Result<std::string> cgroup2_root() {
  for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs fs;
    if (::statfs(p, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return std::string(p);
  }
  return error("tracer: no cgroup v2 hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup");
}

Result<uint64_t> cgroup_id(const std::string& dir) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) != 0) return sys_error("statfs('" + dir + "')");
  if (fs.f_type != CGROUP2_SUPER_MAGIC)
    return error("tracer: '" + dir + "' is not a cgroup v2 directory");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return sys_error("stat('" + dir + "')");
  return static_cast<uint64_t>(st.st_ino);
}

}  // namespace gs::tracer
