// cgroup v2 ids as the BPF side sees them (bpf_get_current_cgroup_id): the inode number
// of the cgroup directory in the v2 hierarchy, wherever that is mounted on this host.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace gs::tracer {

// The cgroup v2 mount: /sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on pure v2.
Result<std::string> cgroup2_root();
// The id of the cgroup v2 directory `dir`.
Result<uint64_t> cgroup_id(const std::string& dir);

}  // namespace gs::tracer
