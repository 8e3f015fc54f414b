// Kernel-log parsing for seccomp audit records; see audit.h.
#include "src/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "src/seccomp_policy.h"

namespace gs::sandbox {
namespace {

// The value of ` key=` in `s` (up to the next space), without quotes.
std::optional<std::string_view> field(std::string_view s, std::string_view key) {
  size_t pos = 0;
  while ((pos = s.find(key, pos)) != std::string_view::npos) {
    if ((pos == 0 || s[pos - 1] == ' ') && pos + key.size() < s.size() &&
        s[pos + key.size()] == '=') {
      size_t start = pos + key.size() + 1;
      if (start < s.size() && s[start] == '"') {
        size_t end = s.find('"', start + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return s.substr(start + 1, end - start - 1);
      }
      size_t end = s.find_first_of(" \n", start);
      return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    }
    pos += key.size();
  }
  return std::nullopt;
}

std::optional<long long> number(std::string_view s, std::string_view key, int base = 10) {
  auto v = field(s, key);
  if (!v || v->empty()) return std::nullopt;
  std::string str(*v);
  char* end = nullptr;
  long long n = std::strtoll(str.c_str(), &end, base);
  if (*end != 0) return std::nullopt;
  return n;
}

// SECCOMP_RET_* action of the `code=` field (its high 16 bits).
const char* action_of(unsigned long long code) {
  switch (code & 0xffff0000u) {
    case 0x80000000u:
      return "kill_process";
    case 0x00000000u:
      return "kill_thread";
    case 0x00030000u:
      return "trap";
    case 0x00050000u:
      return "errno";
    case 0x7fc00000u:
      return "user_notif";
    case 0x7ff00000u:
      return "trace";
    case 0x7ffc0000u:
      return "log";
    case 0x7fff0000u:
      return "allow";
  }
  return "unknown";
}

}  // namespace

std::optional<AuditSeccomp> parse_audit_seccomp(std::string_view record) {
  size_t semi = record.find(';');
  std::string_view msg = semi == std::string_view::npos ? record : record.substr(semi + 1);
  if (msg.find("type=1326") == std::string_view::npos) return std::nullopt;
  auto pid = number(msg, "pid");
  auto uid = number(msg, "uid");
  auto nr = number(msg, "syscall");
  auto sig = number(msg, "sig");
  auto code = field(msg, "code");
  if (!pid || !uid || !nr || !sig || !code) return std::nullopt;
  AuditSeccomp a;
  a.event.host_pid = static_cast<pid_t>(*pid);
  a.uid = static_cast<uid_t>(*uid);
  a.sig = static_cast<int>(*sig);
  a.event.nr = static_cast<int>(*nr);
  a.event.syscall = syscall_name(a.event.nr);
  if (auto comm = field(msg, "comm")) a.event.comm = std::string(*comm);
  a.event.action = action_of(std::strtoull(std::string(*code).c_str(), nullptr, 16));
  return a;
}

Result<FD> open_kmsg_at_end() {
  FD fd(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return sys_error("open('/dev/kmsg')");
  if (::lseek(fd.get(), 0, SEEK_END) < 0) return sys_error("lseek('/dev/kmsg', SEEK_END)");
  return fd;
}

}  // namespace gs::sandbox
