// The one syscall table of the tracer (x86_64): number -> name, generated from the
// kernel headers, and number -> capture spec, which tells the BPF side which arguments
// are user strings or sockaddrs and which category a record belongs to. The decoder
// reads the same table, so kernel capture and user-space meaning cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/bpf/tracer.h"

namespace gs::tracer {

enum class Category : uint8_t {
  none = GS_CAT_NONE,
  process = GS_CAT_PROCESS,
  file = GS_CAT_FILE,
  net = GS_CAT_NET,
  security = GS_CAT_SECURITY,
  denied = GS_CAT_DENIED,
};
inline constexpr int kCategoryCount = GS_CAT_MAX;
std::string_view category_name(Category c);

// "openat" for 257; "" for numbers the headers do not define.
std::string_view syscall_name(int nr);
// The name, or "syscall_<nr>" when unknown: always usable as a report key.
std::string syscall_label(int nr);
std::optional<int> syscall_number(std::string_view name);

// The spec for `nr`; category none (count only) for anything not listed.
gs_syscall_spec syscall_spec(int nr);
Category syscall_category(int nr);
// All GS_MAX_SYSCALLS specs, index = nr, as loaded into the BPF `syscall_specs` map.
std::vector<gs_syscall_spec> all_syscall_specs();

}  // namespace gs::tracer
