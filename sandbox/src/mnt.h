// The jail's root filesystem as a flat list of named steps. The parent builds the list
// (every path, option string and file body) so that init, which must not allocate,
// only walks it: a tmpfs root with read-only system binds, a synthetic /etc, fresh /proc,
// a minimal /dev, private /tmp and home, then the caller's mounts, then pivot_root.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "jail.h"

namespace gs::sandbox {

struct MountStep {
  enum class Op {
    kMkdir,      // mkdir -p dst (mode for the last component), never through a symlink
    kTouch,      // create an empty file dst (a bind target for a file)
    kSymlink,    // symlink(src, dst)
    kWriteFile,  // dst gets the bytes in src
    kMount,      // mount(src, dst, fstype, flags, data)
    kBind,       // recursive bind of src onto dst with `flags` (+ read-only) on every submount
  };
  Op op = Op::kMkdir;
  std::string src;
  std::string dst;
  std::string fstype;
  std::string data;
  unsigned long flags = 0;
  bool readonly = false;
  mode_t mode = 0755;
  std::string what;  // e.g. "mount('/usr', bind)": names the step in error messages
};

struct MountPlan {
  std::vector<MountStep> steps;
};

// Parent side: resolves host sources and fails early on a missing non-optional source.
Result<MountPlan> plan_mounts(const JailSpec& spec);

// Child side (init, inside its new mount namespace, no allocation): builds the root from
// the plan and pivots into it. On failure returns false with errno set and *what naming
// the step.
bool assemble_root(const MountPlan& plan, const char** what);

}  // namespace gs::sandbox
