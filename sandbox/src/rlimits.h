// Resource limits of the payload: prepared (and clamped to what this process may set) in
// the parent, applied in the payload child just before exec.
#pragma once

#include <sys/resource.h>

#include <array>

#include "jail.h"

namespace gs::sandbox {

struct RlimitPlan {
  struct Entry {
    int resource;
    struct rlimit value;
    const char* what;
  };
  std::array<Entry, 3> entries;
};

RlimitPlan plan_rlimits(const Limits& limits);
// Child side, no allocation.
bool apply_rlimits(const RlimitPlan& plan, const char** what);

}  // namespace gs::sandbox
