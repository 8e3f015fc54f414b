// Compiling a profile's seccomp rules into a classic-BPF program with libseccomp, and the
// syscall-name table both ways (names for parsing profiles, numbers for the kernel log).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "profile.h"

namespace gs::sandbox {

// True when libseccomp knows `name` as a syscall on any architecture it supports.
bool syscall_known(const std::string& name);
// The native-arch name of syscall number `nr`, "" when unknown.
std::string syscall_name(int nr);

// The filter for the native architecture, as raw struct sock_filter bytes. Syscalls of
// other ABIs (i386 through int $0x80, x32) are killed: they would bypass the rules by
// number. Errors start with the rule's line: "12: conflicting rule for 'clone' ...".
Result<std::vector<uint8_t>> compile_seccomp(SeccompRule::Action default_action, int default_errno,
                                             const std::vector<SeccompRule>& rules);

}  // namespace gs::sandbox
