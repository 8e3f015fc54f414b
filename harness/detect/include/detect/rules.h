// Detection rules as data. A rule file (profiles/rules/*.rules) holds rules in a small
// line format; each rule names one typed matcher over the behaviour model plus its
// parameters, so the engine stays a fixed, tested set of matchers while what counts as
// a shell, a credential file or a persistence path is edited as data. Parsing rejects a
// malformed file with "file:line: reason" so a broken rule never silently stops firing.
//
//   # comment
//   [shell-downloader-pipe]
//   description: a shell runs a download piped into another shell
//   severity: critical            (info | low | medium | high | critical)
//   attack: T1059.004
//   phases: init test run
//   match: exec
//   argv: (curl|wget)[^|]*\|\s*(/\S*/)?(ba|da|z)?sh\b   (a key may repeat: values add up)
//   summary: module code piped a download into a shell: {argv}
//   score: 95                     (optional, default from severity)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace gs::detect {

enum class MatchKind {
  exec,  // a program started by module code (exe, exe_path, argv, exclude_exe)
  file,  // file activity of module code (path, exclude_path, ops, exclude_exe, min_distinct)
  write_then_exec,  // a file written by module code and later executed (exclude_exe, exclude_path)
  mass_delete,      // many distinct files deleted (path, exclude_path, min_files)
  connect,          // outbound connections, loopback excluded (min_attempts, port)
  dns,              // DNS lookups (type, min_count)
  dns_tunnel,       // long/high-entropy labels, many subdomains of one domain
  beacon,           // beacon scores (min_score, kind)
  denied,           // syscalls the sandbox denied (syscall)
  honeytoken_read,  // a planted canary file was read
  exfil,            // a canary found in outbound bytes
  constructor,      // a built binary carries C constructors (report.binaries)
  pre_runtime,      // module binaries acting before Go's runtime started (kind)
  listen,           // sockets module code made to be reached, loopback excluded (proto, port)
};

std::optional<MatchKind> match_kind_from(std::string_view name);
std::string_view match_kind_name(MatchKind k);

// Phases in which module code runs; plan and build are the Go toolchain's.
inline constexpr std::string_view kModulePhases[] = {"init", "test", "run"};

int severity_score(std::string_view severity);  // -1 for an unknown severity

struct Rule {
  std::string id;
  std::string description;
  std::string severity;
  std::string attack;
  std::vector<std::string> phases;
  MatchKind match = MatchKind::exec;
  std::string summary;  // template: {exe} {argv} {path} {dest} {name} {count} {phase} {syscall}
                        // {source} {encoding} {score}
  int score = 0;
  // Matcher parameters, validated against the matcher at parse time.
  std::map<std::string, std::vector<std::string>> params;
  std::vector<std::regex> argv_patterns;
  std::vector<std::string> argv_sources;
  std::string file;
  int line = 0;

  const std::vector<std::string>& list(const std::string& key) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  double number(const std::string& key, double fallback) const;
  bool applies_to(std::string_view phase) const;
};

class RuleSet {
 public:
  // Parses one rule file; `filename` names it in errors.
  static Result<RuleSet> parse(std::string_view text, const std::string& filename);
  // Every *.rules file of `dir`, in name order; rule ids must be unique across files.
  static Result<RuleSet> load_dir(const std::string& dir);

  Status merge(RuleSet other);
  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* find(std::string_view id) const;

 private:
  std::vector<Rule> rules_;
};

}  // namespace gs::detect
