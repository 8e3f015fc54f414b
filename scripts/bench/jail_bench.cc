// Side-by-side start-to-exit latency of /bin/true: our jail built from the `default`
// profile (user/pid/mount/net/uts/ipc/cgroup/time namespaces, cgroup limits incl. a CPU
// quota, seccomp, rlimits, a synthetic /etc) against Debian's bubblewrap with
// --unshare-all and a comparable read-only root. Runs alternate in ABBA order (ours,
// bwrap, bwrap, ours, ...) so both see the same machine load and neither always follows
// the other's teardown. Several rounds, each with medians, p90 and the ratios ours/bwrap,
// then all rounds together with where our time goes.
//
//   jail_bench [ITERATIONS [ROUNDS]]   (root; default 40 iterations each, 5 rounds)
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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

// The 1-minute load average: a round run while the machine was busy says so.
std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

void print_line(const char* name, const Stats& s) {
  std::printf("%-36s median %7.2f ms  p90 %7.2f ms  mean %7.2f ms\n", name, s.median, s.p90,
              s.mean);
}

}  // namespace

int main(int argc, char** argv) {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "jail_bench: needs root\n");
    return 2;
  }
  int n = argc > 1 ? std::atoi(argv[1]) : 40;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (n < 2 || rounds < 1) {
    std::fprintf(stderr, "usage: jail_bench [ITERATIONS>=2 [ROUNDS>=1]]\n");
    return 2;
  }
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
  std::printf("start-to-exit of /bin/true, %d rounds of %d runs each, ABBA-interleaved\n",
              rounds, n);
  std::vector<double> ours, bwrap, median_ratios;
  for (int r = 0; r < rounds; ++r) {
    const std::string load = loadavg();
    std::vector<double> o, b;
    for (int i = 0; i < n; ++i) {
      if (i % 2 == 0) {
        o.push_back(run_ours(spec));
        b.push_back(run_bwrap());
      } else {
        b.push_back(run_bwrap());
        o.push_back(run_ours(spec));
      }
    }
    Stats so = stats(o), sb = stats(b);
    median_ratios.push_back(so.median / sb.median);
    std::printf(
        "round %d (load %s): jail median %5.2f p90 %5.2f ms | bwrap median %5.2f p90 %5.2f ms"
        " | ratio median %.2f p90 %.2f\n",
        r + 1, load.c_str(), so.median, so.p90, sb.median, sb.p90, so.median / sb.median,
        so.p90 / sb.p90);
    ours.insert(ours.end(), o.begin(), o.end());
    bwrap.insert(bwrap.end(), b.begin(), b.end());
  }
  Stats a = stats(ours), b = stats(bwrap);
  std::printf("all rounds, %zu runs each:\n", ours.size());
  print_line("gosandbox jail (default profile)", a);
  print_line("bwrap --unshare-all", b);
  print_line("  jail: create()", stats(t_create));
  print_line("  jail: release() to reaped", stats(t_run));
  print_line("  jail: teardown (destructor)", stats(t_teardown));
  std::sort(median_ratios.begin(), median_ratios.end());
  std::printf("ratio ours/bwrap: median %.2f, p90 %.2f (per-round median ratios %.2f..%.2f)\n",
              a.median / b.median, a.p90 / b.p90, median_ratios.front(), median_ratios.back());
  return 0;
}
