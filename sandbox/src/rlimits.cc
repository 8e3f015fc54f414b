// Rlimits; see rlimits.h. There is deliberately no RLIMIT_NPROC: it counts per host uid,
// and every jail shares the same host id range, so one jail could starve another. The
// cgroup pids limit bounds the process count instead. A limit above the current hard
// limit cannot be raised from inside a user namespace, so it is clamped here.
#include "src/rlimits.h"

namespace gs::sandbox {
namespace {

struct rlimit clamp(int resource, rlim_t want) {
  struct rlimit cur;
  if (::getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max) {
    want = cur.rlim_max;
  }
  return {want, want};
}

}  // namespace

RlimitPlan plan_rlimits(const Limits& limits) {
  RlimitPlan p;
  p.entries[0] = {RLIMIT_CORE, {0, 0}, "setrlimit(RLIMIT_CORE)"};
  p.entries[1] = {
      RLIMIT_FSIZE,
      clamp(RLIMIT_FSIZE, limits.file_size_bytes ? limits.file_size_bytes : RLIM_INFINITY),
      "setrlimit(RLIMIT_FSIZE)"};
  p.entries[2] = {RLIMIT_NOFILE, clamp(RLIMIT_NOFILE, limits.open_files),
                  "setrlimit(RLIMIT_NOFILE)"};
  return p;
}

bool apply_rlimits(const RlimitPlan& plan, const char** what) {
  for (const auto& e : plan.entries) {
    if (::setrlimit(static_cast<__rlimit_resource>(e.resource), &e.value) != 0) {
      *what = e.what;
      return false;
    }
  }
  return true;
}

}  // namespace gs::sandbox
