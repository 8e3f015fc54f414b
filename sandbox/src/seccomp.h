// Applying an already compiled seccomp filter (e.g. from libseccomp) to the payload as the
// last step before execve, so the filter judges the analysed code and nothing of ours.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.h"

namespace gs::sandbox {

// Parent side: checks the byte string is a whole, non-empty array of sock_filter of a
// length the kernel accepts, so a malformed profile fails create(), not the payload.
Status validate_seccomp_filter(const std::vector<uint8_t>& bpf);
// Child side, no allocation. Requires PR_SET_NO_NEW_PRIVS already set.
bool apply_seccomp_filter(const std::vector<uint8_t>& bpf, const char** what);

}  // namespace gs::sandbox
