// Seccomp filter installation; see seccomp.h.
#include "src/seccomp.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

namespace gs::sandbox {

Status validate_seccomp_filter(const std::vector<uint8_t>& bpf) {
  if (bpf.empty()) return {};
  if (bpf.size() % sizeof(struct sock_filter) != 0) {
    return error("seccomp filter: " + std::to_string(bpf.size()) +
                 " bytes is not a whole number of sock_filter instructions");
  }
  if (bpf.size() / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    return error("seccomp filter: more than BPF_MAXINSNS instructions");
  }
  return {};
}

bool apply_seccomp_filter(const std::vector<uint8_t>& bpf, const char** what) {
  if (bpf.empty()) return true;
  struct sock_fprog prog;
  prog.len = static_cast<unsigned short>(bpf.size() / sizeof(struct sock_filter));
  // The kernel copies the program; the cast only drops const for the ABI struct.
  prog.filter = reinterpret_cast<struct sock_filter*>(const_cast<uint8_t*>(bpf.data()));
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
    *what = "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)";
    return false;
  }
  return true;
}

}  // namespace gs::sandbox
