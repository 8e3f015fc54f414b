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

constexpr uint8_t N = GS_NO_ARG;

struct SpecEntry {
  std::string_view name;
  gs_syscall_spec spec;  // category, str1, str2, addr, addrlen, special
};

// Recorded syscalls. Indexes are argument positions (0-5); N = not captured.
const SpecEntry kSpecs[] = {
    // process: success comes from sched_process_exec, failure from sys_exit
    {"execve", {GS_CAT_PROCESS, 0, N, N, N, GS_SPECIAL_EXEC, {}}},
    {"execveat", {GS_CAT_PROCESS, 1, N, N, N, GS_SPECIAL_EXEC, {}}},
    // files
    {"open", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"openat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, {}}},
    {"openat2", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_OPENAT2, {}}},
    {"creat", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"unlink", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"unlinkat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, {}}},
    {"rmdir", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"rename", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, {}}},
    {"renameat", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, {}}},
    {"renameat2", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, {}}},
    {"mkdir", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"mkdirat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, {}}},
    {"chmod", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"fchmod", {GS_CAT_FILE, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"fchmodat", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, {}}},
    {"fchmodat2", {GS_CAT_FILE, 1, N, N, N, GS_SPECIAL_NONE, {}}},
    {"symlink", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, {}}},
    {"symlinkat", {GS_CAT_FILE, 0, 2, N, N, GS_SPECIAL_NONE, {}}},
    {"link", {GS_CAT_FILE, 0, 1, N, N, GS_SPECIAL_NONE, {}}},
    {"linkat", {GS_CAT_FILE, 1, 3, N, N, GS_SPECIAL_NONE, {}}},
    {"truncate", {GS_CAT_FILE, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"ftruncate", {GS_CAT_FILE, N, N, N, N, GS_SPECIAL_NONE, {}}},
    // network
    {"socket", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"connect", {GS_CAT_NET, N, N, 1, 2, GS_SPECIAL_NONE, {}}},
    {"bind", {GS_CAT_NET, N, N, 1, 2, GS_SPECIAL_NONE, {}}},
    {"listen", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"accept", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_ACCEPT, {}}},
    {"accept4", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_ACCEPT, {}}},
    {"sendto", {GS_CAT_NET, N, N, 4, 5, GS_SPECIAL_NONE, {}}},
    {"sendmsg", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_SENDMSG, {}}},
    {"sendmmsg", {GS_CAT_NET, N, N, N, N, GS_SPECIAL_SENDMMSG, {}}},
    // security-relevant
    {"memfd_create", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"ptrace", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"mount", {GS_CAT_SECURITY, 0, 1, N, N, GS_SPECIAL_NONE, {}}},
    {"umount2", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"pivot_root", {GS_CAT_SECURITY, 0, 1, N, N, GS_SPECIAL_NONE, {}}},
    {"chroot", {GS_CAT_SECURITY, 0, N, N, N, GS_SPECIAL_NONE, {}}},
    {"bpf", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setreuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setregid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setresuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setresgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setfsuid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setfsgid", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"kill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"tkill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"tgkill", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"prctl", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"unshare", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"setns", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"init_module", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
    {"finit_module", {GS_CAT_SECURITY, N, N, N, N, GS_SPECIAL_NONE, {}}},
};

const std::array<gs_syscall_spec, GS_MAX_SYSCALLS>& spec_array() {
  static const auto specs = [] {
    std::array<gs_syscall_spec, GS_MAX_SYSCALLS> a{};
    for (auto& s : a) s = {GS_CAT_NONE, N, N, N, N, GS_SPECIAL_NONE, {}};
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
  return std::nullopt;
}

gs_syscall_spec syscall_spec(int nr) {
  if (nr < 0 || nr >= GS_MAX_SYSCALLS) return {GS_CAT_NONE, N, N, N, N, GS_SPECIAL_NONE, {}};
  return spec_array()[nr];
}

Category syscall_category(int nr) { return static_cast<Category>(syscall_spec(nr).category); }

std::vector<gs_syscall_spec> all_syscall_specs() {
  const auto& a = spec_array();
  return {a.begin(), a.end()};
}

}  // namespace gs::tracer
