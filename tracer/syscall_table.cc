// x86_64 syscall names (generated) and the capture specs of the recorded syscalls.
#include "tracer/syscall_table.h"

#include <algorithm>
#include <array>
#include <utility>

namespace gs::tracer {
namespace {

struct NameEntry {
  int nr;
  const char* name;
};
constexpr NameEntry kNames[] = {
#include "syscall_names.inc"
};
// x86_64 syscalls newer than the build host's header may be (Debian 12's stops at 450),
// from the kernel's arch/x86/entry/syscalls/syscall_64.tbl. The running kernel has them,
// and a payload can call them: fchmodat2 is a chmod the specs record. The header wins
// where it has them.
constexpr NameEntry kNewer[] = {
    {451, "cachestat"},     {452, "fchmodat2"},      {453, "map_shadow_stack"},
    {454, "futex_wake"},    {455, "futex_wait"},     {456, "futex_requeue"},
    {457, "statmount"},     {458, "listmount"},      {459, "lsm_get_self_attr"},
    {460, "lsm_set_self_attr"}, {461, "lsm_list_modules"}, {462, "mseal"},
    {463, "setxattrat"},    {464, "getxattrat"},     {465, "listxattrat"},
    {466, "removexattrat"}, {467, "open_tree_attr"},
};

constexpr uint8_t N = GS_NO_ARG;
constexpr uint8_t C = GS_DIR_CWD;

struct SpecEntry {
  std::string_view name;
  gs_syscall_spec spec;  // category, str1, str2, addr, addrlen, special, dir1, dir2
};

// Recorded syscalls. Indexes are argument positions (0-5); N = not captured; dir1/dir2:
// where a relative str1/str2 starts (a dirfd argument, C = the cwd; for fd-only calls the
// fd itself, whose path becomes dir1).
const SpecEntry kSpecs[] = {
    // process: success comes from sched_process_exec, failure from sys_exit (with the
    // directory a relative name started from: "./x" refused as not executable)
    {"execve", {GS_CAT_PROCESS, 0, N, N, N, GS_SPECIAL_EXEC, C, N}},
    {"execveat", {GS_CAT_PROCESS, 1, N, N, N, GS_SPECIAL_EXEC, 0, N}},
    // files
    {"open", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"openat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"openat2", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_OPENAT2, 0, N}},
    {"creat", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"unlink", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"unlinkat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"rmdir", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"rename", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, C, C}},
    {"renameat", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, 0, 2}},
    {"renameat2", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, 0, 2}},
    {"mkdir", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"mkdirat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"chmod", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"fchmod", {GS_CAT_FILE, N, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"fchmodat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"fchmodat2", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"symlink", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, N, C}},
    {"symlinkat", {GS_CAT_FILE, 0, 2, N, N, GS_SPECIAL_NONE, N, 1}},
    {"link", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, C, C}},
    {"linkat", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, 0, 2}},
    {"chown", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"lchown", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"fchown", {GS_CAT_FILE, N, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"fchownat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, 0, N}},
    {"truncate", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, C, N}},
    {"ftruncate", {GS_CAT_FILE, N, N, N, N, GS_SPECIAL_NONE, 0, N}},
    // network
    {"socket", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"connect", {GS_CAT_NET, N, N, 1, 2, GS_SPECIAL_NONE, N, N}},
    {"bind", {GS_CAT_NET, N, N, 1, 2, GS_SPECIAL_NONE, N, N}},
    {"listen", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"accept", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_ACCEPT, N, N}},
    {"accept4", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_ACCEPT, N, N}},
    {"sendto", {GS_CAT_NET, N, N, 4, 5, GS_SPECIAL_NONE, N, N}},
    {"sendmsg", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_SENDMSG, N, N}},
    {"sendmmsg", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_SENDMMSG, N, N}},
    // security-relevant
    {"memfd_create", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"ptrace", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"mount", {GS_CAT_SECURITY, 0, 1, N, N, GS_SPECIAL_NONE, N, N}},
    {"umount2", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"pivot_root", {GS_CAT_SECURITY, 0, 1, N, N, GS_SPECIAL_NONE, N, N}},
    {"chroot", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, N, N}},
    // the new mount API: a mount made, moved or reshaped without mount(2)
    {"fsopen", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"fspick", {GS_CAT_SECURITY, 1, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"fsconfig", {GS_CAT_SECURITY, 2, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"fsmount", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"open_tree", {GS_CAT_SECURITY, 1, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"move_mount", {GS_CAT_SECURITY, 1, 3, N, N, GS_SPECIAL_NONE, N, N}},
    {"mount_setattr", {GS_CAT_SECURITY, 1, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"open_tree_attr", {GS_CAT_SECURITY, 1, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"bpf", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setreuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setregid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setresuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setresgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setfsuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setfsgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"kill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"tkill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"tgkill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    // the other ways to signal a process: queued signals and pidfds
    {"rt_sigqueueinfo", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"rt_tgsigqueueinfo", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"pidfd_open", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"pidfd_send_signal", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    // ptrace's siblings: another process's memory or file descriptors
    {"process_vm_readv", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"process_vm_writev", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"pidfd_getfd", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    // the setuid family's other half: groups and capabilities
    {"setgroups", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"capset", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"prctl", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"unshare", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"setns", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"init_module", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
    {"finit_module", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, N, N}},
};

const std::array<gs_syscall_spec, GS_MAX_SYSCALLS>& spec_array() {
  static const auto specs = [] {
    std::array<gs_syscall_spec, GS_MAX_SYSCALLS> a{};
    for (auto& s : a) s = {GS_CAT_NONE, N, N, N, N, GS_SPECIAL_NONE, N, N};
    for (const auto& e : kSpecs) {
      auto nr = syscall_number(e.name);
      if (nr && *nr >= 0 && *nr < GS_MAX_SYSCALLS) a[*nr] = e.spec;
    }
    return a;
  }();
  return specs;
}

}  // namespace

std::string_view category_name(Category c) {
  switch (c) {
    case Category::none:
      return "none";
    case Category::process:
      return "process";
    case Category::file:
      return "file";
    case Category::net:
      return "net";
    case Category::security:
      return "security";
    case Category::denied:
      return "denied";
  }
  return "unknown";
}

std::string_view syscall_name(int nr) {
  static const auto by_nr = [] {
    std::array<const char*, GS_MAX_SYSCALLS> a{};
    for (const auto& e : kNewer) a[e.nr] = e.name;
    for (const auto& e : kNames)
      if (e.nr >= 0 && e.nr < GS_MAX_SYSCALLS) a[e.nr] = e.name;
    return a;
  }();
  if (nr < 0 || nr >= GS_MAX_SYSCALLS || !by_nr[nr]) return {};
  return by_nr[nr];
}

std::string syscall_label(int nr) {
  if (nr == GS_NR_X32_BUCKET) return "x32_abi";
  if (nr == GS_NR_IA32_BUCKET) return "ia32_abi";
  auto n = syscall_name(nr);
  if (!n.empty()) return std::string(n);
  return "syscall_" + std::to_string(nr);
}

std::optional<int> syscall_number(std::string_view name) {
  for (const auto& e : kNames)
    if (name == e.name) return e.nr;
  for (const auto& e : kNewer)
    if (name == e.name && syscall_name(e.nr) == name) return e.nr;
  return std::nullopt;
}

gs_syscall_spec syscall_spec(int nr) {
  if (nr < 0 || nr >= GS_MAX_SYSCALLS) return {GS_CAT_NONE, N, N, N, N, GS_SPECIAL_NONE, N, N};
  return spec_array()[nr];
}

Category syscall_category(int nr) { return static_cast<Category>(syscall_spec(nr).category); }

std::vector<gs_syscall_spec> all_syscall_specs() {
  const auto& a = spec_array();
  return {a.begin(), a.end()};
}

}  // namespace gs::tracer
