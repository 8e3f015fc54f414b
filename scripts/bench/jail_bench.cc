// Side-by-side start-to-exit latency of /bin/true: our jail built from the `default`
// profile (user/pid/mount/net/uts/ipc/cgroup/time namespaces, cgroup limits incl. a CPU
// quota, seccomp, rlimits, a synthetic /etc) against Debian's bubblewrap with
// --unshare-all and a comparable read-only root. Runs alternate (ours, bwrap, ours, ...)
// so both see the same machine load; prints medians, p90 and the ratio ours/bwrap.
//
//   jail_bench [ITERATIONS]       (root; default 60 iterations each)
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jail.h"
#include "profile.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using gs::sandbox::Jail;
using gs::sandbox::JailSpec;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Where our time goes: create() (namespaces, cgroups, root), release() to reaped, and
// teardown (cgroup removal).
std::vector<double> t_create, t_run, t_teardown;

double run_ours(const JailSpec& spec) {
  auto t0 = Clock::now();
  auto jail = Jail::create(spec);
  t_create.push_back(ms_since(t0));
  auto t1 = Clock::now();
  if (!jail.ok()) {
    std::fprintf(stderr, "jail: %s\n", jail.error().message().c_str());
    std::exit(1);
  }
  if (!(*jail)->release().ok()) std::exit(1);
  auto rec = (*jail)->wait();
  if (!rec.ok() || !rec->exited || rec->exit_code != 0) {
    std::fprintf(stderr, "jail: /bin/true failed\n");
    std::exit(1);
  }
  t_run.push_back(ms_since(t1));
  auto t2 = Clock::now();
  jail->reset();  // teardown (cgroup removal) is part of the cost
  t_teardown.push_back(ms_since(t2));
  return ms_since(t0);
}

double run_bwrap() {
  std::vector<std::string> args = {"bwrap",
                                   "--unshare-all",
                                   "--die-with-parent",
                                   "--ro-bind",
                                   "/usr",
                                   "/usr",
                                   "--symlink",
                                   "usr/bin",
                                   "/bin",
                                   "--symlink",
                                   "usr/sbin",
                                   "/sbin",
                                   "--symlink",
                                   "usr/lib",
                                   "/lib",
                                   "--symlink",
                                   "usr/lib64",
                                   "/lib64",
                                   "--ro-bind",
                                   "/etc/ld.so.cache",
                                   "/etc/ld.so.cache",
                                   "--proc",
                                   "/proc",
                                   "--dev",
                                   "/dev",
                                   "--tmpfs",
                                   "/tmp",
                                   "--hostname",
                                   "bench",
                                   "/bin/true"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  auto t0 = Clock::now();
  pid_t pid;
  if (posix_spawnp(&pid, "bwrap", nullptr, nullptr, argv.data(), environ) != 0) {
    std::perror("posix_spawnp(bwrap)");
    std::exit(1);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  double ms = ms_since(t0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    std::fprintf(stderr, "bwrap: /bin/true failed (status %d)\n", st);
    std::exit(1);
  }
  return ms;
}

struct Stats {
  double median, p90, mean;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], v[v.size() * 9 / 10], sum / static_cast<double>(v.size())};
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "jail_bench: needs root\n");
    return 2;
  }
  int n = argc > 1 ? std::atoi(argv[1]) : 60;
  auto profile = gs::sandbox::Profile::load("default", GOSANDBOX_PROFILES_DIR);
  if (!profile.ok()) {
    std::fprintf(stderr, "%s\n", profile.error().message().c_str());
    return 1;
  }
  auto persona = gs::sandbox::Persona::randomize(profile->persona, 1);
  JailSpec spec;
  gs::sandbox::apply(*profile, *persona, spec);
  spec.argv = {"/bin/true"};

  run_ours(spec);  // warm the page cache and the cgroup parents for both
  run_bwrap();
  t_create.clear();
  t_run.clear();
  t_teardown.clear();
  std::vector<double> ours, bwrap;
  for (int i = 0; i < n; ++i) {
    ours.push_back(run_ours(spec));
    bwrap.push_back(run_bwrap());
  }
  Stats a = stats(ours), b = stats(bwrap);
  std::printf("start-to-exit of /bin/true, %d runs each, interleaved\n", n);
  std::printf("%-44s median %7.2f ms  p90 %7.2f ms  mean %7.2f ms\n",
              "gosandbox jail (default profile)", a.median, a.p90, a.mean);
  std::printf("%-44s median %7.2f ms  p90 %7.2f ms  mean %7.2f ms\n", "bwrap --unshare-all",
              b.median, b.p90, b.mean);
  for (auto [name, v] : {std::pair{"  of which create()", &t_create},
                         std::pair{"  of which release() to reaped", &t_run},
                         std::pair{"  of which teardown", &t_teardown}}) {
    Stats s = stats(*v);
    std::printf("%-44s median %7.2f ms  p90 %7.2f ms  mean %7.2f ms\n", name, s.median, s.p90,
                s.mean);
  }
  std::printf("ratio ours/bwrap (median): %.2f\n", a.median / b.median);
  return 0;
}
