// Loopback bring-up; see net.h. A fresh network namespace has "lo" down, and plenty of
// real programs (Go's test servers among them) assume 127.0.0.1 works.
#include "src/net.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gs::sandbox {

bool bring_up_loopback(const char** what) {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return *what = "socket(AF_INET, SOCK_DGRAM)", false;
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof ifr);
  std::memcpy(ifr.ifr_name, "lo", 3);
  bool ok = false;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    *what = "ioctl(SIOCGIFFLAGS, 'lo')";
  } else {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
      *what = "ioctl(SIOCSIFFLAGS, 'lo')";
    } else {
      ok = true;
    }
  }
  int saved = errno;
  ::close(s);
  errno = saved;
  return ok;
}

}  // namespace gs::sandbox
