// A move-only owner of one file descriptor: the single way gosandbox holds a kernel fd,
// so that destruction, not hand-written cleanup, closes it.
#pragma once

#include <unistd.h>

#include <utility>

namespace gs {

class FD {
 public:
  FD() = default;
  explicit FD(int fd) : fd_(fd) {}
  FD(const FD&) = delete;
  FD& operator=(const FD&) = delete;
  FD(FD&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FD& operator=(FD&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~FD() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace gs
