// The analysis pipeline. run_analysis() reads as the list of steps in DESIGN.md; each
// step records what happened in the AnalysisRecord and a failing step never hides the
// ones that can still run (a test package that does not compile does not stop init).
#include "analysis.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "base/fs.h"
#include "behaviour.h"
#include "detect/honeytokens.h"
#include "detect/rules.h"
#include "detect/verdict.h"
#include "elfinit.h"
#include "eventcap.h"
#include "fetch.h"
#include "html_report.h"
#include "interrupt.h"
#include "netmon/fake_internet.h"
#include "netmon/pcap_file.h"
#include "network.h"
#include "jail.h"
#include "persona.h"
#include "plan.h"
#include "preruntime.h"
#include "profile.h"
#include "report.h"
#include "scratch.h"
#include "target.h"
#include "tracer/session.h"
#include "warmcache.h"

namespace gs::harness {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::string interruption(int sig) {
  return "interrupted by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
}

// Paths inside every jail of an analysis. The module sits where a developer's GOPATH
// checkout would (some tests, and some malware, look at their own source path), its
// dependencies in the usual module cache; build outputs and the build cache live apart.
constexpr const char* kGopath = "/go";  // under the user's home
constexpr const char* kOut = "/work/out";
constexpr const char* kGocache = "/work/gocache";
constexpr const char* kGo = "/usr/bin/go";

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string random_suffix() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[rd() % 36]);
  return s;
}

std::string last_line(std::string s, size_t max = 240) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (auto nl = s.rfind('\n'); nl != std::string::npos) s = s.substr(nl + 1);
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

Status chown_tree(const std::string& root, uid_t uid, gid_t gid) {
  if (::lchown(root.c_str(), uid, gid) != 0) return sys_error("lchown('" + root + "')");
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) return sys_error("lchown('" + it->path().string() + "')");
  }
  if (ec) return Error{ec.value(), "walk('" + root + "')"};
  return {};
}

// Delivers tracer events while a jail runs (the calling thread is busy in Jail::wait),
// then drains what is left once the tree is dead.
class TracePump {
 public:
  TracePump(tracer::Session* s, tracer::Session::Callback cb) : s_(s), cb_(std::move(cb)) {
    if (s_) th_ = std::thread([this] {
      while (!stop_) (void)s_->poll(50, cb_);
    });
  }
  ~TracePump() { finish(); }
  TracePump(const TracePump&) = delete;
  TracePump& operator=(const TracePump&) = delete;
  void finish() {
    if (!s_) return;
    stop_ = true;
    if (th_.joinable()) th_.join();
    (void)s_->drain(cb_);
    s_ = nullptr;
  }

 private:
  tracer::Session* s_;
  tracer::Session::Callback cb_;
  std::atomic<bool> stop_{false};
  std::thread th_;
};

// Syscall counters are kept per phase tag in the kernel.
uint32_t phase_tag(const std::string& phase) {
  static const std::vector<std::string> kPhases{"plan", "build", "init", "test", "run"};
  for (size_t i = 0; i < kPhases.size(); ++i)
    if (kPhases[i] == phase) return uint32_t(i + 1);
  return 0;
}

int64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class Pipeline {
 public:
  explicit Pipeline(const AnalysisOptions& o) : opts_(o), t0_(Clock::now()), t0_ns_(monotonic_ns()) {}
  AnalysisOutcome run();

 private:
  Status fetch();
  Status plan();
  void warm_cache();
  Status build_seed();
  void build();
  void scan_binaries();
  // What the build produced for module code to run: (jail path, target, phase that runs it).
  std::vector<std::tuple<std::string, std::string, std::string>> built_programs() const {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    if (init_runner_built_) out.emplace_back(std::string(kOut) + "/initrunner", "init-runner", "init");
    for (const auto& [pkg, bin] : tests_built_) out.emplace_back(bin, "test:" + pkg, "test");
    for (const auto& [pkg, bin] : commands_built_) out.emplace_back(bin, "cmd:" + pkg, "run");
    return out;
  }
  void init_phase();
  void test_phase();
  void run_phase();
  void record_limits(PhaseRecord& p, const sandbox::ExitRecord& ex);
  Status load_profile();
  Status prepare_home();
  Status start_tracer();
  void collect_trace();
  void judge();
  void write_outputs(AnalysisOutcome& out);
  Status write_events(const std::string& path);
  void write_html(AnalysisOutcome& out);

  std::string src_in_jail() const {
    return persona_.home + kGopath + "/src/" + mod_.path;
  }
  std::string modcache_in_jail() const { return persona_.home + kGopath + "/pkg/mod"; }
  // Module code gets the fake internet; the toolchain's steps get loopback only.
  bool wants_network(const std::string& phase) const {
    return network_ == "fake" && !is_toolchain_phase(phase);
  }
  void add_capture_stats(const netmon::FakeInternetStats& s);
  void merge_captures(const std::string& out_path);
  bool want(const char* phase) const { return opts_.phases.count(phase) > 0; }
  int64_t now_ms() const {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t0_).count();
  }
  sandbox::JailSpec spec_for(bool build_step);
  // Runs one jail to its end and returns its record with status still to be decided.
  PhaseRecord run_jail(const std::string& name, const std::string& target, sandbox::JailSpec spec,
                       sandbox::ExitRecord* exit_out = nullptr);
  PhaseRecord go_build_step(const std::string& target, std::vector<std::string> args);
  void skip(const std::string& name, const std::string& why) {
    rec_.phases.push_back(PhaseRecord{name, "", "skipped", {}, {}, now_ms(), 0, "", "", false, why});
  }

  const AnalysisOptions& opts_;
  Clock::time_point t0_;
  // The profile and the persona chosen from it, and the settings they resolve to.
  sandbox::Profile profile_;
  sandbox::Persona persona_;
  detect::RuleSet rules_;
  detect::Honeytokens honeytokens_;  // unique canary secrets planted for this run
  milliseconds window_{10'000}, test_timeout_{120'000}, build_timeout_{600'000};
  std::string network_ = "fake";
  uint64_t scratch_bytes_ = 4ull << 30;
  int64_t t0_ns_;
  std::unique_ptr<tracer::Session> tracer_;
  std::vector<TracedEvent> events_;
  EventBudget event_budget_;  // bounds events_ (and events.jsonl) against floods
  std::vector<PhaseNetwork> networks_;
  nlohmann::json seccomp_kills_ = nlohmann::json::array();  // from the kernel log, per jail
  std::vector<std::string> pcaps_;        // one capture per networked jail, merged at the end
  nlohmann::json capture_ = nlohmann::json::object();
  AnalysisRecord rec_;
  std::optional<ScratchDir> scratch_;
  FetchedModule mod_;
  BuildPlan plan_;
  bool init_runner_built_ = false;
  std::vector<std::pair<std::string, std::string>> tests_built_;     // import path, binary
  std::vector<std::pair<std::string, std::string>> commands_built_;  // import path, binary
};

sandbox::JailSpec Pipeline::spec_for(bool build_step) {
  sandbox::JailSpec spec;
  const std::string& run = scratch_->path();
  using M = sandbox::Mount;
  spec.mounts = {
      M{M::Kind::kBind, mod_.src_dir, src_in_jail(), true},
      M{M::Kind::kBind, mod_.modcache, modcache_in_jail(), build_step},
      M{M::Kind::kBind, run + "/out", kOut, build_step},
  };
  if (build_step) spec.mounts.push_back(M{M::Kind::kBind, run + "/gocache", kGocache, true});
  if (!build_step && network_ == "fake") {
    // Any port-53 destination reaches the fake DNS, but the resolver must not be loopback.
    std::string resolv = run + "/resolv.conf";
    if (probe_path(resolv) != PathKind::kFile)
      (void)write_file_atomic(resolv, netmon::FakeInternet::resolv_conf());
    spec.mounts.push_back(M{M::Kind::kBind, resolv, "/etc/resolv.conf", false});
  }
  // The persona's lived-in home (with the module under ~/go/src) for every step.
  spec.mounts.insert(spec.mounts.begin(), M{M::Kind::kBind, run + "/home", persona_.home, true});
  if (build_step) {
    // The toolchain works offline from the private module cache; nothing is fetched here.
    for (const char* kv : {"GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=mod -buildvcs=false",
                           "GO111MODULE=on", "CGO_ENABLED=1", "GOTOOLCHAIN=local"})
      spec.env.push_back(kv);
    spec.env.push_back("GOMODCACHE=" + modcache_in_jail());
    spec.env.push_back(std::string("GOCACHE=") + kGocache);
    spec.env.push_back("GOPATH=" + persona_.home + kGopath);
  }
  sandbox::apply(profile_, persona_, spec);
  if (!build_step)
    for (const auto& [k, v] : honeytokens_.env) spec.env.push_back(k + "=" + v);
  return spec;
}

PhaseRecord Pipeline::run_jail(const std::string& name, const std::string& target,
                               sandbox::JailSpec spec, sandbox::ExitRecord* exit_out) {
  PhaseRecord p{name, target, "error", {}, {}, now_ms()};
  if (int sig = interrupted()) {
    p.note = interruption(sig);
    return p;
  }
  auto jail = sandbox::Jail::create(spec);
  if (!jail) {
    p.note = jail.error().message();
    return p;
  }
  ActiveJail active(jail->get());
  const uint64_t cgroup = (*jail)->cgroup_id();
  if (tracer_) {
    if (auto st = tracer_->add_cgroup(cgroup, phase_tag(name)); !st) {
      p.note = "tracer: " + st.error().message();
      return p;
    }
  }
  std::unique_ptr<netmon::FakeInternet> net;
  if (wants_network(name)) {
    netmon::FakeInternetOptions no;
    no.pcap_path = scratch_->path() + "/capture-" + std::to_string(pcaps_.size()) + ".pcap";
    no.epoch = t0_;
    auto fi = netmon::FakeInternet::make((*jail)->netns_fd(), no);
    if (!fi) {
      p.note = "fake internet: " + fi.error().message();
      return p;
    }
    net = std::move(*fi);
    pcaps_.push_back(no.pcap_path);
  }
  TracePump pump(tracer_.get(), [this, &name](const tracer::Event& e) {
    if (event_budget_.admit(e) != EventBudget::Admit::kKeep) return;
    int64_t ms = (int64_t(e.header.ts_ns) - t0_ns_) / 1'000'000;
    events_.push_back(TracedEvent{events_.size() + 1, name, std::max<int64_t>(ms, 0), e});
  });
  if (auto st = (*jail)->release(); !st) {
    p.note = st.error().message();
    return p;
  }
  auto ex = (*jail)->wait();
  pump.finish();
  if (tracer_) (void)tracer_->remove_cgroup(cgroup);
  if (net) {
    (void)net->stop();
    networks_.push_back(PhaseNetwork{name, target, net->records()});
    add_capture_stats(net->stats());
  }
  p.duration_ms = now_ms() - p.start_ms;
  if (!ex) {
    p.note = ex.error().message();
    return p;
  }
  p.status = "";  // decided by the caller
  if (ex->exited) p.exit_code = ex->exit_code;
  else p.signal = ex->signal;
  record_limits(p, *ex);
  if (int sig = interrupted()) {
    // Stopped from outside (Ctrl-C, a batch budget): not the module's doing, whatever
    // its exit status says.
    p.status = "error";
    p.note = interruption(sig);
  }
  p.stdout_tail = ex->out.tail;
  p.stderr_tail = ex->err.tail;
  p.truncated = ex->out.truncated || ex->err.truncated;
  if (exit_out) *exit_out = std::move(*ex);
  return p;
}

Status Pipeline::fetch() {
  int64_t start = now_ms();
  auto target = parse_target(opts_.target);
  if (!target) return target.take_error();
  if (target->kind == Target::Kind::kModule) {
    rec_.module.path = target->module_path;
    rec_.module.version = target->version;
  }
  FetchOptions fo{opts_.goproxy, "", scratch_->path(),
                  std::chrono::duration_cast<std::chrono::seconds>(opts_.fetch_timeout)};
  auto m = fetch_module(*target, fo);
  PhaseRecord p{"fetch", opts_.target, m ? "ok" : "error", {}, {}, start, now_ms() - start};
  if (!m) {
    p.note = m.error().message();
    rec_.phases.push_back(p);
    return m.take_error();
  }
  mod_ = std::move(*m);
  if (!mod_.deps_error.empty()) p.note = "dependencies: " + mod_.deps_error;
  rec_.phases.push_back(p);
  rec_.module = {mod_.path, mod_.version, mod_.source, mod_.sum, mod_.zip_sha256};
  rec_.environment["goproxy"] = mod_.goproxy;
  // The jail's user owns its writable copies; host ids are the jail's mapping.
  const uid_t uid = sandbox::host_id(1000);
  for (const std::string& d : {scratch_->path() + "/out", scratch_->path() + "/out/tests",
                               scratch_->path() + "/out/bin", scratch_->path() + "/gocache"})
    GS_TRY(make_dirs(d));
  std::string mountpoint = scratch_->path() + "/home" + kGopath + "/src/" + mod_.path;
  GS_TRY(make_dirs(mountpoint));
  for (const std::string& d : {mod_.src_dir, mod_.modcache, scratch_->path() + "/out",
                               scratch_->path() + "/gocache", scratch_->path() + "/home" + kGopath})
    GS_TRY(chown_tree(d, uid, uid));
  return {};
}

Status Pipeline::plan() {
  auto spec = spec_for(true);
  spec.argv = {kGo, "list", "-e", "-json", "./..."};
  spec.cwd = src_in_jail();
  spec.timeout = build_timeout_;
  spec.output_tail_bytes = 64 << 20;  // the whole listing is parsed
  PhaseRecord p = run_jail("plan", "go list", spec);
  std::string listing = std::move(p.stdout_tail);
  p.stdout_tail = listing.size() > 4096 ? listing.substr(listing.size() - 4096) : listing;
  if (p.status == "error") {
    rec_.phases.push_back(p);
    return error("plan: " + p.note);
  }
  auto parsed = parse_go_list(listing, mod_.path);
  if (p.exit_code != 0 || !parsed) {
    p.status = "failed";
    p.note = parsed ? last_line(p.stderr_tail) : parsed.error().message();
    rec_.phases.push_back(p);
    return error("go list failed: " + p.note);
  }
  p.status = "ok";
  plan_ = std::move(*parsed);
  p.note = std::to_string(plan_.libraries.size()) + " libraries, " +
           std::to_string(plan_.commands.size()) + " commands, " +
           std::to_string(plan_.tested.size()) + " tested packages";
  rec_.phases.push_back(p);
  return {};
}

// The standard library comes precompiled: from the host's shared cache when it exists,
// else built once here (under a lock, so parallel analyses build it once) and published.
// A cache problem only costs time: the analysis goes on with a cold cache.
void Pipeline::warm_cache() {
  nlohmann::json info = {{"state", "off"}};
  const int64_t start = now_ms();
  const std::string run_cache = scratch_->path() + "/gocache";
  const uid_t uid = sandbox::host_id(1000);
  auto finish = [&](const std::string& state, const std::string& note = "") {
    info["state"] = state;
    info["ms"] = now_ms() - start;
    if (!note.empty()) info["note"] = note;
    rec_.environment["build_cache"] = info;
  };
  if (opts_.cache_root.empty()) return finish("off");
  auto key = toolchain_key();
  if (!key) return finish("cold", key.error().message());
  const std::string dir = shared_cache_dir(opts_.cache_root, *key);
  info["shared"] = dir;
  if (!shared_cache_ready(dir)) {
    auto lock = CacheLock::acquire(opts_.cache_root, int(build_timeout_.count() / 1000));
    if (!lock) return finish("cold", lock.error().message());
    if (!shared_cache_ready(dir)) {
      if (auto st = build_seed(); !st) return finish("cold", "building the standard library cache: " + st.error().message());
      if (auto st = publish_shared_cache(run_cache, dir); !st)
        return finish("built", "not shared: " + st.error().message());
      return finish("built");  // this run's cache is the one just published
    }
  }
  // Replace what `go list` left there: never copy into a tree a jail has written to.
  if (auto st = remove_tree(run_cache); !st) return finish("cold", st.error().message());
  if (auto st = copy_tree(dir, run_cache, uid, uid); !st) {
    // A half copy is still a valid cache (Go checks each entry), but start clean.
    (void)remove_tree(run_cache);
    (void)make_dirs(run_cache);
    (void)::chown(run_cache.c_str(), uid, uid);
    return finish("cold", "copying " + dir + ": " + st.error().message());
  }
  finish("warm");
}

// Builds our seed module in a build jail exactly like the module's builds, so the cache
// keys match theirs; the seed is removed from the home before module code runs.
Status Pipeline::build_seed() {
  const std::string rel = std::string(kGopath) + "/src/" + kSeedModule;
  const std::string host_dir = scratch_->path() + "/home" + rel;
  const uid_t uid = sandbox::host_id(1000);
  for (const SeedFile* f = seed_files(); f->name; ++f) {
    std::string path = host_dir + "/" + f->name;
    GS_TRY(make_dirs(fs::path(path).parent_path().string()));
    GS_TRY(write_file_atomic(path, f->text));
  }
  GS_TRY(chown_tree(scratch_->path() + "/home" + kGopath + "/src", uid, uid));
  struct Cleanup {
    std::string dir, bin;
    ~Cleanup() {
      (void)remove_tree(dir);
      ::unlink(bin.c_str());
    }
  } cleanup{fs::path(host_dir).parent_path().string(), scratch_->path() + "/out/.warmcache.test"};
  auto spec = spec_for(true);
  spec.argv = {"/bin/sh", "-c",
               std::string(kGo) + " build ./... && " + kGo + " test -c -o " + kOut + "/.warmcache.test ."};
  spec.cwd = persona_.home + rel;
  spec.timeout = build_timeout_;
  if (int sig = interrupted()) return error(interruption(sig));
  GS_ASSIGN_OR_RETURN(auto jail, sandbox::Jail::create(spec));
  ActiveJail active(jail.get());
  GS_TRY(jail->release());
  GS_ASSIGN_OR_RETURN(auto ex, jail->wait());
  if (!ex.exited || ex.exit_code != 0)
    return error(ex.exited ? "exit " + std::to_string(ex.exit_code) + ": " + last_line(ex.err.tail)
                           : "killed by signal " + std::to_string(ex.signal));
  return {};
}

PhaseRecord Pipeline::go_build_step(const std::string& target, std::vector<std::string> args) {
  auto spec = spec_for(true);
  spec.argv = {kGo};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = src_in_jail();
  spec.timeout = build_timeout_;
  PhaseRecord p = run_jail("build", target, spec);
  if (p.status.empty()) {
    if (p.exit_code == 0) {
      p.status = "ok";
    } else {
      p.status = p.signal == SIGKILL && p.duration_ms >= build_timeout_.count() ? "timeout" : "failed";
      if (p.note.empty()) p.note = last_line(p.stderr_tail);
    }
  }
  return p;
}

void Pipeline::build() {
  bool need_runner = want("init") || want("build");
  bool need_tests = want("test") || want("build");
  bool need_cmds = want("run") || want("build");
  if (need_runner && !plan_.libraries.empty()) {
    std::string dir = "gosandboxinit" + random_suffix();
    std::vector<std::string> libs = plan_.libraries;
    auto build_runner = [&](const std::vector<std::string>& imports) {
      (void)make_dirs(mod_.src_dir + "/" + dir);
      (void)write_file_atomic(mod_.src_dir + "/" + dir + "/main.go",
                              init_runner_source(imports, window_));
      ::lchown((mod_.src_dir + "/" + dir).c_str(), sandbox::host_id(1000), sandbox::host_id(1000));
      return go_build_step("init-runner", {"build", "-o", std::string(kOut) + "/initrunner", "./" + dir});
    };
    PhaseRecord p = build_runner(libs);
    if (p.status == "failed") {
      // One broken package must not hide the init code of the others: find the
      // packages that build on their own and import only those.
      std::vector<std::string> good;
      for (const auto& lib : libs) {
        if (go_build_step(lib, {"build", "-o", "/dev/null", lib}).status == "ok") good.push_back(lib);
      }
      if (!good.empty() && good.size() < libs.size()) {
        rec_.phases.push_back(p);
        p = build_runner(good);
        p.note = "imports " + std::to_string(good.size()) + " of " + std::to_string(libs.size()) +
                 " library packages (the others do not build)";
      }
    }
    init_runner_built_ = p.status == "ok";
    rec_.phases.push_back(p);
    (void)remove_tree(mod_.src_dir + "/" + dir);
  }
  if (need_tests) {
    for (const auto& pkg : plan_.tested) {
      std::string bin = std::string(kOut) + "/tests/" + binary_name(pkg) + ".test";
      PhaseRecord p = go_build_step("test:" + pkg, {"test", "-c", "-o", bin, pkg});
      if (p.status == "ok") tests_built_.emplace_back(pkg, bin);
      rec_.phases.push_back(p);
    }
  }
  if (need_cmds) {
    for (const auto& pkg : plan_.commands) {
      std::string bin = std::string(kOut) + "/bin/" + binary_name(pkg);
      PhaseRecord p = go_build_step("cmd:" + pkg, {"build", "-o", bin, pkg});
      if (p.status == "ok") commands_built_.emplace_back(pkg, bin);
      rec_.phases.push_back(p);
    }
  }
  scan_binaries();
}

// C constructors in what was built: code the loader runs before Go's runtime. Go code
// cannot put anything there; a cgo package can.
void Pipeline::scan_binaries() {
  for (const auto& [path, target, phase] : built_programs()) {
    auto ctors = module_constructors(scratch_->path() + "/out" + path.substr(std::string(kOut).size()));
    if (!ctors) {
      rec_.environment["binary_scan_errors"].push_back(path + ": " + ctors.error().message());
      continue;
    }
    if (ctors->empty()) continue;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : *ctors) {
      char addr[32];
      std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(c.address));
      list.push_back({{"section", c.section}, {"address", addr}, {"symbol", c.symbol}});
    }
    rec_.binaries.push_back({{"path", path}, {"target", target}, {"phase", phase}, {"constructors", list}});
  }
}

void Pipeline::init_phase() {
  if (!want("init")) return skip("init", "not selected");
  if (plan_.libraries.empty()) return skip("init", "the module has no library packages");
  if (!init_runner_built_) return skip("init", "the init runner did not build");
  auto spec = spec_for(false);
  spec.argv = {std::string(kOut) + "/initrunner"};
  spec.cwd = src_in_jail();
  spec.timeout = window_ + milliseconds(5'000);
  sandbox::ExitRecord ex;
  PhaseRecord p = run_jail("init", "init-runner", spec, &ex);
  if (p.status.empty()) {
    if (ex.timed_out) {
      p.status = "timeout";
      p.note = "still running after the window";
    } else {
      p.status = p.exit_code == 0 ? "ok" : "failed";
      if (p.exit_code != 0 && p.note.empty()) p.note = "init code ended the process before the window";
    }
  }
  rec_.phases.push_back(p);
}

void Pipeline::test_phase() {
  if (!want("test")) return skip("test", "not selected");
  if (plan_.tested.empty()) return skip("test", "the module has no tests");
  if (tests_built_.empty()) return skip("test", "no test binary built");
  for (const auto& [pkg, bin] : tests_built_) {
    auto spec = spec_for(false);
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(test_timeout_).count();
    // -test.short: the long variants of a suite (multi-GiB files, stress loops) cost the
    // time budget without running different code paths of the module's own.
    spec.argv = {bin, "-test.v", "-test.short", "-test.timeout=" + std::to_string(secs) + "s"};
    const GoPackage* gp = nullptr;
    for (const auto& p : plan_.packages)
      if (p.import_path == pkg) gp = &p;
    spec.cwd = src_in_jail() + (gp && gp->rel_dir != "." ? "/" + gp->rel_dir : "");
    // Go's own -test.timeout panics with every goroutine's stack, which names the stuck
    // test: a margin lets that reach the tail. A test binary that never starts its timer
    // (a TestMain that never calls m.Run) is stopped at the end of the margin (then the
    // jail's SIGTERM grace): a tenth of the limit, 2 to 10 s.
    spec.timeout = test_timeout_ + std::clamp(test_timeout_ / 10, milliseconds(2'000), milliseconds(10'000));
    sandbox::ExitRecord ex;
    PhaseRecord p = run_jail("test", pkg, spec, &ex);
    if (p.status.empty()) {
      bool go_timeout = (p.stdout_tail + p.stderr_tail).find("panic: test timed out") != std::string::npos;
      if (ex.timed_out || go_timeout) {
        p.status = "timeout";
        p.note = "test binary exceeded " + std::to_string(secs) + "s";
      } else {
        p.status = p.exit_code == 0 ? "ok" : "failed";
        if (p.exit_code != 0 && p.note.empty()) p.note = "tests failed";
      }
    }
    rec_.phases.push_back(p);
  }
}

void Pipeline::run_phase() {
  if (!want("run")) return skip("run", "not selected");
  if (plan_.commands.empty()) return skip("run", "the module has no commands");
  if (commands_built_.empty()) return skip("run", "no command built");
  for (const auto& [pkg, bin] : commands_built_) {
    auto spec = spec_for(false);
    spec.argv = {bin};
    spec.cwd = src_in_jail();
    spec.timeout = window_;
    sandbox::ExitRecord ex;
    PhaseRecord p = run_jail("run", pkg, spec, &ex);
    if (p.status.empty()) {
      // A command still running at the end of the window is the normal case.
      p.status = ex.timed_out || p.exit_code == 0 ? "ok" : "failed";
      if (ex.timed_out) p.note = "stopped at the end of the window";
    }
    rec_.phases.push_back(p);
  }
}

void Pipeline::judge() {
  const int sig = interrupted();
  bool ran = false;
  std::string build_error;
  for (const auto& p : rec_.phases) {
    if ((p.name == "init" || p.name == "test" || p.name == "run") && p.status != "skipped" &&
        p.status != "error")
      ran = true;
    if (p.name == "build" && p.status != "ok" && build_error.empty())
      build_error = p.target + ": " + p.note;
  }
  bool wanted_execution = want("init") || want("test") || want("run");
  if (wanted_execution && !ran && !build_error.empty()) {
    rec_.verdict = "error";
    rec_.error = sig ? interruption(sig) : "the module does not build (" + build_error + ")";
    return;
  }
  // Secrets in outbound bytes: every capture of the run, before the scratch goes.
  detect::ExfilScan exfil(honeytokens_);
  for (const auto& pcap : pcaps_) (void)exfil.scan_pcap(pcap);
  nlohmann::json report = build_report(rec_);
  detect::Verdict v = detect::evaluate(rules_, report, honeytokens_, exfil);
  rec_.verdict = v.verdict;
  rec_.score = v.score;
  rec_.findings = v.findings_json();
  rec_.environment["honeytokens"] = honeytokens_.canaries.size();
  if (sig) {
    // What was seen before the signal stands (a beacon seen is a beacon); only "clean"
    // needs the whole run. The error line says the analysis was cut short either way.
    rec_.error = interruption(sig);
    if (rec_.verdict == "clean") rec_.verdict = "error";
  }
}

void Pipeline::add_capture_stats(const netmon::FakeInternetStats& s) {
  auto add = [&](const char* key, uint64_t v) { capture_[key] = capture_.value(key, uint64_t{0}) + v; };
  add("packets_captured", s.packets_captured);
  add("packets_written", s.packets_written);
  add("packets_over_cap", s.packets_over_cap);
  add("kernel_drops", s.kernel_drops);
  add("dns_queries", s.dns_queries);
  add("tcp_connections", s.tcp_connections);
  add("udp_datagrams", s.udp_datagrams);
  add("records_dropped", s.records_dropped);
  capture_["snap_len"] = s.snap_len;
  capture_["max_bytes_per_jail"] = s.pcap_max_bytes;
  if (!s.capture_error.empty()) capture_["error"] = s.capture_error;
}

// Phases run one after another, so their captures concatenate in time order.
void Pipeline::merge_captures(const std::string& out_path) {
  std::optional<netmon::pcap::Writer> w;
  for (const auto& path : pcaps_) {
    auto r = netmon::pcap::Reader::open(path);
    if (!r) continue;
    if (!w) {
      auto created = netmon::pcap::Writer::create(out_path + ".tmp", r->link_type(), r->snap_len());
      if (!created) return;
      w.emplace(std::move(*created));
    }
    for (;;) {
      auto pkt = r->next();
      if (!pkt || !*pkt) break;
      (void)w->write((*pkt)->ts_us, (*pkt)->data, (*pkt)->orig_len);
    }
  }
  if (!w) return;
  (void)w->flush();
  capture_["bytes"] = w->bytes_written();
  w.reset();
  if (::rename((out_path + ".tmp").c_str(), out_path.c_str()) == 0) rec_.artifacts["pcap"] = "capture.pcap";
}

// Limits the jail ran into, and seccomp kills with their syscall: evidence in the
// phase, and kills are denials too.
void Pipeline::record_limits(PhaseRecord& p, const sandbox::ExitRecord& ex) {
  if (ex.limits.oom_kills) p.limits.push_back("oom");
  if (ex.limits.pids_max) p.limits.push_back("pids");
  if (ex.limits.cpu_throttled) p.limits.push_back("cpu");
  if (!ex.limits.disk_full.empty()) p.limits.push_back("disk");
  if (ex.timed_out) p.limits.push_back("timeout");
  if (!ex.seccomp_kill.empty()) {
    p.limits.push_back("seccomp");
    p.seccomp_kill = ex.seccomp_kill;
  }
  if (!ex.seccomp_kill.empty()) p.note = "killed by seccomp: " + ex.seccomp_kill;
  else if (ex.limits.oom_kills) p.note = "hit the memory limit (OOM kill)";
  else if (ex.limits.pids_max) p.note = "hit the process limit";
  else if (!ex.limits.disk_full.empty()) p.note = "filesystem full: " + ex.limits.disk_full.front();
  for (const auto& s : ex.seccomp) {
    seccomp_kills_.push_back({{"name", s.syscall.empty() ? "nr " + std::to_string(s.nr) : s.syscall},
                              {"process", nullptr}, {"host_pid", s.host_pid}, {"comm", s.comm},
                              {"count", 1}, {"action", s.action}, {"phase", p.name}});
  }
}

Status Pipeline::load_profile() {
  auto p = sandbox::Profile::load(opts_.profile, profiles_dir());
  if (!p) return p.take_error();
  profile_ = std::move(*p);
  window_ = opts_.window.value_or(profile_.timeouts.window);
  test_timeout_ = opts_.test_timeout.value_or(profile_.timeouts.test);
  build_timeout_ = profile_.timeouts.build;
  network_ = opts_.network.value_or(profile_.network);
  if (profile_.disk_bytes) scratch_bytes_ = profile_.disk_bytes;
  std::random_device rd;
  uint64_t seed = (uint64_t(rd()) << 32) | rd();
  auto persona = sandbox::Persona::randomize(profile_.persona, seed);
  if (!persona) return persona.take_error();
  persona_ = std::move(*persona);
  auto rules = detect::RuleSet::load_dir(profiles_dir() + "/rules");
  if (!rules) return error("rules: " + rules.error().message());
  rules_ = std::move(*rules);
  // Canaries name the persona (a key comment, a .netrc login), as real ones would.
  honeytokens_ = detect::Honeytokens::generate((uint64_t(rd()) << 32) | rd(), persona_.user, persona_.hostname);
  rec_.environment = {{"profile", profile_.name},      {"profile_path", profile_.path},
                      {"hostname", persona_.hostname}, {"user", persona_.user},
                      {"home", persona_.home},         {"persona_seed", persona_.seed},
                      {"uptime_s", persona_.uptime.count()}, {"warp_factor", 1},
                      {"network", network_},           {"window_ms", window_.count()},
                      {"test_timeout_ms", test_timeout_.count()},
                      {"scratch_limit_bytes", scratch_bytes_}};
  return {};
}

// The home the module sees: lived-in (populate_home), owned by the jail's user, with the
// mount points for the module and its dependencies made in advance (the jail's root has
// no rights over the user's files, so it could not create them itself).
Status Pipeline::prepare_home() {
  std::string home = scratch_->path() + "/home";
  // Its own tmpfs of the profile's home size: every jail binds this directory over the
  // home tmpfs the jail makes, so without it the profile's `home` limit was the scratch's
  // (4 GiB) and a payload filling $HOME met the memory limit, not a full disk. Inside the
  // scratch and this process's private mount namespace, it goes with the scratch.
  if (scratch_->size_limited()) {
    GS_TRY(make_dirs(home));
    const auto& l = profile_.limits;
    const std::string data = "mode=0755,size=" + std::to_string(l.home_bytes ? l.home_bytes : l.tmp_bytes);
    if (::mount("gosandbox-home", home.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, data.c_str()) != 0)
      return sys_error("mount(tmpfs, '" + home + "')");
  }
  GS_TRY(sandbox::populate_home(persona_, home));
  for (const auto& [rel, content] : honeytokens_.files) {
    std::string path = home + "/" + rel;
    std::string dir = path.substr(0, path.rfind('/'));
    GS_TRY(make_dirs(dir, 0700));
    GS_TRY(write_file_atomic(path, content, 0600));
  }
  const uid_t uid = sandbox::host_id(persona_.uid);
  for (const std::string& rel : {std::string(kGopath) + "/pkg/mod", std::string(kGopath) + "/src"}) {
    GS_TRY(make_dirs(home + rel));
  }
  return chown_tree(home, uid, uid);
}

Status Pipeline::start_tracer() {
  if (!opts_.trace) return {};
  tracer::Options o;
  // Only the profile's denials become events: the kernel's own EPERMs (Go's epoll_ctl on
  // every regular file it opens) would be about half of all records and are dropped here
  // anyway (collect_trace).
  o.denied_syscalls = profile_.evidence_denials();
  auto s = tracer::Session::make(o);
  if (!s) return error(s.error().message() + " (--no-trace analyses without it)");
  tracer_ = std::move(*s);
  return {};
}

void Pipeline::collect_trace() {
  if (!tracer_) {
    rec_.trace = {{"events", 0}, {"lost", 0}, {"complete", false}, {"present", false}};
    rec_.syscalls["denied"] = seccomp_kills_;  // unfiltered: nothing to check them against
    return;
  }
  // The ring buffer delivers syscall events at exit with their entry time: order by
  // time, then number them, so ids and events.jsonl read in the order things happened.
  std::stable_sort(events_.begin(), events_.end(), [](const TracedEvent& a, const TracedEvent& b) {
    return a.event.header.ts_ns < b.event.header.ts_ns;
  });
  for (size_t i = 0; i < events_.size(); ++i) events_[i].id = i + 1;
  Behaviour b = build_behaviour(events_, profile_.evidence_denials(), sandbox::jail_symlinks());
  // The kernel log is host-wide: keep only kills of processes this run's trace saw.
  std::set<int64_t> traced_pids;
  for (const auto& e : events_) traced_pids.insert(e.event.header.pid);
  for (auto& k : seccomp_kills_) {
    const int64_t pid = k["host_pid"].get<int64_t>();
    if (!traced_pids.count(pid)) continue;
    // The log names a host pid and a comm the payload can set: tie the row to the exec
    // identity that died of it (SIGSYS), else that pid's last one, so that rules judge
    // the program that made the call and the row is not dropped as nobody's.
    nlohmann::json id = nullptr;
    bool died = false;
    for (const auto& p : b.processes) {
      if (p.value("host_pid", int64_t(-1)) != pid) continue;
      const bool sigsys = p["signal"].is_number_integer() && p["signal"].get<int>() == SIGSYS;
      if (sigsys || !died) {
        id = p["id"];
        died = sigsys;
      }
    }
    k["process"] = id;
    b.denied.push_back(std::move(k));
  }
  rec_.processes = std::move(b.processes);
  rec_.files = std::move(b.files);
  std::set<std::string> programs;
  for (const auto& b : built_programs()) programs.insert(std::get<0>(b));
  rec_.pre_runtime = pre_runtime_actions(events_, rec_.processes, programs, persona_.home);
  rec_.syscalls["denied"] = std::move(b.denied);
  nlohmann::json by_phase = nlohmann::json::object(), module_counts = nlohmann::json::object();
  for (const char* phase : {"plan", "build", "init", "test", "run"}) {
    auto counts = tracer_->syscall_counts(phase_tag(phase));
    if (!counts || counts->empty()) continue;
    by_phase[phase] = *counts;
    if (is_toolchain_phase(phase)) continue;
    for (const auto& [name, n] : *counts) module_counts[name] = module_counts.value(name, uint64_t{0}) + n;
  }
  rec_.syscalls["counts"] = std::move(module_counts);
  rec_.syscalls["counts_by_phase"] = std::move(by_phase);
  rec_.trace = tracer::to_json(tracer_->stats());
  rec_.trace["present"] = true;
  // What the analysis kept of what the tracer delivered (eventcap.h): repeats collapsed
  // are still in the files and counts; events over the cap are missing.
  rec_.trace["kept"] = event_budget_.kept();
  rec_.trace["collapsed"] = event_budget_.collapsed();
  rec_.trace["over_cap"] = event_budget_.over_cap();
  rec_.trace["keep_max"] = event_budget_.keep_max();
  if (event_budget_.over_cap()) rec_.trace["complete"] = false;
}

Status Pipeline::write_events(const std::string& path) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& e : events_) out << event_line(e) << '\n';
    out.flush();
    if (!out) return sys_error("write('" + tmp + "')");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("rename('" + tmp + "')");
  return {};
}

// report.html beside report.json: the same report, with the per-attempt timeline read
// back from events.jsonl.
void Pipeline::write_html(AnalysisOutcome& out) {
  rec_.artifacts["html"] = "report.html";
  std::vector<html::Attempt> attempts;
  if (tracer_) {
    std::ifstream events(out.out_dir + "/events.jsonl");
    attempts = html::attempts_from_events(events);
  }
  std::string page = html::render(build_report(rec_), attempts);
  if (auto st = write_file_atomic(out.out_dir + "/report.html", page); !st) {
    rec_.artifacts["html"] = nullptr;
    out.write_error = st.error().message();
  }
  out.record = rec_;
}

AnalysisOutcome Pipeline::run() {
  AnalysisOutcome out;
  rec_.started_at = now_rfc3339();
  Status st = load_profile();
  std::string root = opts_.work_root;
  if (root.empty()) root = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  if (st) {
    auto sd = ScratchDir::make(root, scratch_bytes_);
    if (sd) scratch_.emplace(std::move(*sd));
    else st = sd.take_error();
  }
  if (st) st = prepare_home();
  if (st) st = start_tracer();
  if (st) st = fetch();
  if (st) st = plan();
  if (st) {
    if (want("init") || want("test") || want("run") || want("build")) {
      warm_cache();
      build();
    }
    init_phase();
    test_phase();
    run_phase();
  }
  collect_trace();
  rec_.network = build_network(networks_, events_, window_.count());
  // Join each destination and each beacon series to the processes (exec identities)
  // that tried it.
  for (const char* section : {"connections", "beacons"}) {
    for (auto& c : rec_.network[section]) {
      std::set<int64_t> ids;
      for (const auto& hp : c.value("host_pids", nlohmann::json::array()))
        for (const auto& proc : rec_.processes)
          if (proc["host_pid"] == hp && proc["phase"] != "build" && proc["phase"] != "plan")
            ids.insert(proc["id"].get<int64_t>());
      c["processes"] = ids;
    }
  }
  rec_.network["mode"] = network_;
  rec_.network["capture"] = capture_;
  if (st) {
    judge();
  } else {
    rec_.verdict = "error";
    rec_.error = st.error().message();
  }
  rec_.duration_ms = now_ms();
  write_outputs(out);
  scratch_.reset();  // removes everything of the run but the outputs
  return out;
}

void Pipeline::write_outputs(AnalysisOutcome& out) {
  out.out_dir = opts_.out_dir;
  if (out.out_dir.empty()) {
    std::string name = rec_.module.path.empty() ? "unknown" : binary_name(rec_.module.path);
    out.out_dir = "gosandbox-out/" + name + "@" + (rec_.module.version.empty() ? "local" : rec_.module.version);
  }
  out.record = rec_;
  if (auto st = make_dirs(out.out_dir); !st) {
    out.write_error = st.error().message();
    return;
  }
  if (tracer_) {
    if (auto st = write_events(out.out_dir + "/events.jsonl"); st) rec_.artifacts["events"] = "events.jsonl";
    else out.write_error = st.error().message();
    out.record = rec_;
  }
  if (!pcaps_.empty()) {
    merge_captures(out.out_dir + "/capture.pcap");
    rec_.network["capture"] = capture_;
    out.record = rec_;
  }
  write_html(out);
  out.report_path = out.out_dir + "/report.json";
  if (auto st = write_report(out.report_path, build_report(rec_)); !st) {
    out.write_error = st.error().message();
    out.report_path.clear();
  }
}

}  // namespace

AnalysisOutcome run_analysis(const AnalysisOptions& opts) { return Pipeline(opts).run(); }

std::string profiles_dir() {
  if (const char* d = std::getenv("GOSANDBOX_PROFILES_DIR"); d && *d) return d;
  return GS_PROFILES_DIR;
}

}  // namespace gs::harness
