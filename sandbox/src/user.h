// Identities: the uid/gid maps of the jail's user namespace (written by the parent), the
// switch of init to the namespace's root once the maps exist, and the final drop of the
// payload to the unprivileged identity with no capabilities left.
#pragma once

#include <sys/types.h>

#include "base/result.h"

namespace gs::sandbox {

// Parent side: maps inside ids 0..kIdRange-1 to host kHostIdBase.. for `pid`'s user ns.
Status write_id_maps(pid_t pid);

// Child side (no allocation). On failure they return false with errno set and *what
// naming the failed call.
bool become_namespace_root(const char** what);
bool drop_to_identity(uid_t uid, gid_t gid, const char** what);

}  // namespace gs::sandbox
