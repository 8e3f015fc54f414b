// Sandbox profiles: data in profiles/sandbox/NAME.profile that says how a jail is built
// for an analysis (seccomp policy, limits, timeouts, network mode, the persona the code
// sees). Profile::load parses and compiles a profile once; apply() fills a JailSpec from
// it. Parsing is pure (no root, no kernel), so every kind of bad profile has a unit test;
// errors name the file, the line and the reason: "bad.profile:12: unknown syscall 'x'".
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "jail.h"
#include "persona.h"

namespace gs::sandbox {

// One seccomp rule as written in the profile, kept for reports and tests.
struct SeccompRule {
  enum class Action { kAllow, kErrno, kKill, kLog };
  Action action = Action::kAllow;
  int errno_value = 0;  // kErrno only
  std::string syscall;  // as written, e.g. "clone"
  int arg = -1;         // -1: unconditional; else the argument index of the condition
  enum class Cmp { kNone, kAnyBit, kEq } cmp = Cmp::kNone;
  uint64_t value = 0;  // the mask (kAnyBit) or the value (kEq)
  int line = 0;        // where it was written
};

const char* action_name(SeccompRule::Action a);

struct ProfileTimeouts {
  std::chrono::seconds window{10};  // init and run phases
  std::chrono::seconds test{120};   // per test binary
  std::chrono::seconds build{600};  // plan and build steps
};

struct Profile {
  std::string name;         // "default", or the file's stem
  std::string path;         // the file it came from
  Limits limits;            // memory, pids, cpu, tmp/home sizes, fsize, nofile
  uint64_t disk_bytes = 0;  // recommended size of the harness's per-analysis scratch tmpfs
  ProfileTimeouts timeouts;
  std::string network = "fake";  // "fake" | "none"
  PersonaSpec persona;
  SeccompRule::Action default_action = SeccompRule::Action::kAllow;
  std::vector<SeccompRule> rules;
  std::vector<uint8_t> seccomp_bpf;  // compiled with libseccomp for the native arch
  std::set<std::string> denied;      // syscalls with an errno or kill rule (any condition)
  std::set<std::string> killed;      // syscalls with a kill rule
  // Syscalls answered with ENOSYS so callers fall back (clone3: glibc's pthread_create
  // tries it first in every cgo program). Denied, but routine: a report may show them
  // apart from denials that are evidence.
  std::set<std::string> fallback;

  // `name_or_path` is a file when it contains '/' or ends in ".profile"; otherwise it is
  // resolved to profiles_dir/sandbox/NAME.profile.
  static Result<Profile> load(const std::string& name_or_path, const std::string& profiles_dir);
  // Parses and compiles profile text; `path` is only used in error messages.
  static Result<Profile> parse(const std::string& text, const std::string& path);

  // "denied by profile": true when any rule of the profile denies or kills `syscall`.
  bool denies(const std::string& syscall) const { return denied.count(syscall) != 0; }
  // The denials that are evidence: `denied` without `fallback` (ENOSYS answers that only
  // steer callers to an older syscall, clone3 -> clone in every cgo program, are the
  // profile working as meant). What the tracer records as denied syscalls.
  std::set<std::string> evidence_denials() const {
    std::set<std::string> out;
    for (const auto& s : denied)
      if (!fallback.count(s)) out.insert(s);
    return out;
  }
};

// Fills `spec` from the profile and a persona made from it: seccomp filter, limits,
// identity (user, hostname, home; uid stays 1000), time-namespace boot offset, and the
// environment of an interactive login shell. Keys of spec.env that the persona does not
// set (GOFLAGS, GOPATH, ...) are kept; CI markers (CI, GITHUB_*, ...) are removed.
// Call it first in spec_for(), then build mounts from spec.identity.home.
void apply(const Profile& profile, const Persona& persona, JailSpec& spec);

// The interactive-shell environment of a persona ("K=V"), as a login shell would export it.
std::vector<std::string> shell_env(const Persona& persona);

// True for variables that tell a program it runs in CI or a sandbox (CI, GITHUB_ACTIONS,
// JENKINS_URL, ...); apply() drops them.
bool is_ci_variable(const std::string& key);

}  // namespace gs::sandbox
