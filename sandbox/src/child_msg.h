// The one-way channel from the jail's processes (init and the payload before exec) to the
// host side. Between clone and exec nothing may allocate or throw, so a failure travels as
// a fixed-size record (kind, errno, wait status, the name of the failed step) written with
// one write(2) of at most PIPE_BUF bytes, which the kernel delivers whole.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace gs::sandbox {

struct ChildMsg {
  enum Kind : int32_t {
    kReady = 1,        // init finished setup and waits for release()
    kSetupFailed = 2,  // init failed a setup step (what, err)
    kExecFailed = 3,   // the payload failed before or at execve (what, err)
    kExited = 4,       // the payload ended; status is its wait status
  };
  int32_t kind = 0;
  int32_t err = 0;
  int32_t status = 0;
  char what[244] = {};
};
static_assert(sizeof(ChildMsg) == 256);

// Async-signal-safe: copies `what` without allocating and writes one record.
inline void child_send(int fd, ChildMsg::Kind kind, int err, int status, const char* what) {
  ChildMsg m;
  m.kind = kind;
  m.err = err;
  m.status = status;
  if (what) {
    size_t i = 0;
    for (; what[i] && i + 1 < sizeof m.what; ++i) m.what[i] = what[i];
    m.what[i] = 0;
  }
  ssize_t n;
  do {
    n = ::write(fd, &m, sizeof m);
  } while (n < 0 && errno == EINTR);
}

[[noreturn]] inline void child_fail(int fd, ChildMsg::Kind kind, const char* what, int err) {
  child_send(fd, kind, err, 0, what);
  ::_exit(kind == ChildMsg::kExecFailed ? 127 : 126);
}

}  // namespace gs::sandbox
