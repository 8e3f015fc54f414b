// Seccomp evidence from the kernel log. A seccomp kill (and a "log" rule hit) makes the
// kernel emit an audit record of type 1326; with no audit daemon the record goes to the
// kernel log, which /dev/kmsg streams record by record. This is the only place the
// syscall of a SECCOMP_RET_KILL_PROCESS survives: the process is gone, and Go programs
// cannot run a SIGSYS handler of ours. The parser is pure and unit-tested.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/fd.h"
#include "jail.h"

namespace gs::sandbox {

struct AuditSeccomp {
  SeccompEvent event;
  uid_t uid = 0;  // host uid of the process
  int sig = 0;
};

// Parses one /dev/kmsg record ("6,1234,5678,-;audit: type=1326 ... syscall=101 ...").
// nullopt for every other record.
std::optional<AuditSeccomp> parse_audit_seccomp(std::string_view record);

// /dev/kmsg opened at its end, so only records from now on are read.
Result<FD> open_kmsg_at_end();

}  // namespace gs::sandbox
