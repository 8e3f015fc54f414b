// libseccomp compilation of profile rules; see seccomp_policy.h. libseccomp 2.5 has no
// export to memory, so the program goes through a memfd and is read back.
#include "src/seccomp_policy.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "base/fd.h"

namespace gs::sandbox {
namespace {

struct CtxDeleter {
  void operator()(void* c) const { seccomp_release(c); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

uint32_t to_scmp(SeccompRule::Action a, int err) {
  switch (a) {
    case SeccompRule::Action::kAllow:
      return SCMP_ACT_ALLOW;
    case SeccompRule::Action::kErrno:
      return SCMP_ACT_ERRNO(static_cast<uint16_t>(err));
    case SeccompRule::Action::kKill:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompRule::Action::kLog:
      return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

}  // namespace

bool syscall_known(const std::string& name) {
  return seccomp_syscall_resolve_name(name.c_str()) != __NR_SCMP_ERROR;
}

std::string syscall_name(int nr) {
  char* n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
  if (!n) return "";
  std::string s = n;
  ::free(n);
  return s;
}

Result<std::vector<uint8_t>> compile_seccomp(SeccompRule::Action default_action, int default_errno,
                                             const std::vector<SeccompRule>& rules) {
  const uint32_t def = to_scmp(default_action, default_errno);
  Ctx ctx(seccomp_init(def));
  if (!ctx) return error("seccomp_init: failed");
  // Other ABIs are killed rather than judged: their syscall numbers differ.
  if (int r = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); r < 0) {
    return sys_error("0: seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)", -r);
  }

  // libseccomp cannot order rules, so one syscall gets either one unconditional rule or
  // only conditional ones; anything else is ambiguous and rejected.
  std::map<std::string, const SeccompRule*> unconditional, conditional;
  for (const SeccompRule& r : rules) {
    const std::string where = std::to_string(r.line) + ": ";
    bool cond = r.arg >= 0;
    const SeccompRule* clash = unconditional.count(r.syscall)            ? unconditional[r.syscall]
                               : (!cond && conditional.count(r.syscall)) ? conditional[r.syscall]
                                                                         : nullptr;
    if (clash) {
      return error(where + "conflicting rule for '" + r.syscall + "' (also at line " +
                   std::to_string(clash->line) + ")");
    }
    (cond ? conditional : unconditional)[r.syscall] = &r;

    int nr = seccomp_syscall_resolve_name(r.syscall.c_str());
    uint32_t act = to_scmp(r.action, r.errno_value);
    if (act == def) continue;  // the default already does it; libseccomp refuses the rule
    auto add = [&](unsigned n, const scmp_arg_cmp* cmp) -> Status {
      int rc = seccomp_rule_add_array(ctx.get(), act, nr, n, cmp);
      if (rc < 0) return sys_error(where + "seccomp_rule_add('" + r.syscall + "')", -rc);
      return {};
    };
    if (!cond) {
      GS_TRY(add(0, nullptr));
    } else if (r.cmp == SeccompRule::Cmp::kEq) {
      scmp_arg_cmp c{static_cast<unsigned>(r.arg), SCMP_CMP_EQ, r.value, 0};
      GS_TRY(add(1, &c));
    } else {
      // "any of these bits": one masked-equal rule per bit, ORed by the filter.
      for (int bit = 0; bit < 64; ++bit) {
        uint64_t b = 1ull << bit;
        if (!(r.value & b)) continue;
        scmp_arg_cmp c{static_cast<unsigned>(r.arg), SCMP_CMP_MASKED_EQ, b, b};
        GS_TRY(add(1, &c));
      }
    }
  }

  FD mem(::memfd_create("gs-seccomp", MFD_CLOEXEC));
  if (!mem) return sys_error("0: memfd_create(seccomp)");
  if (int r = seccomp_export_bpf(ctx.get(), mem.get()); r < 0) {
    return sys_error("0: seccomp_export_bpf", -r);
  }
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0) return error("0: seccomp_export_bpf produced no program");
  std::vector<uint8_t> out(static_cast<size_t>(size));
  if (::pread(mem.get(), out.data(), out.size(), 0) != size)
    return sys_error("0: pread(seccomp memfd)");
  return out;
}

}  // namespace gs::sandbox
