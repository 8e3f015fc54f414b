// Signal handling for analyses; see interrupt.h.
#include "interrupt.h"

#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace gs::harness {
namespace {
std::atomic<int> g_signal{0};
std::mutex g_mu;
sandbox::Jail* g_active = nullptr;
}  // namespace

void install_interrupt_handling() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      g_signal = sig;
      std::lock_guard lock(g_mu);
      if (g_active) g_active->stop();
    }
  }).detach();
}

int interrupted() { return g_signal.load(); }

ActiveJail::ActiveJail(sandbox::Jail* jail) {
  std::lock_guard lock(g_mu);
  g_active = jail;
  if (g_signal) jail->stop();
}

ActiveJail::~ActiveJail() {
  std::lock_guard lock(g_mu);
  g_active = nullptr;
}

}  // namespace gs::harness
