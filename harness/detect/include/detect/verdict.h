// Verdicts: the rules applied to a report's behaviour model (processes, files, network,
// syscalls) plus honeytoken and exfiltration evidence, giving findings in the report
// schema's shape and a clean / suspicious / malicious verdict with a 0-100 score.
//
// What is never a finding: anything of the plan and build phases (the Go toolchain),
// gosandbox's own jail init, loopback traffic, and the program a phase itself runs
// (the init runner, a test binary, a command) as an "exec" — only what module code
// starts is. Only rules of severity high or critical can make a verdict malicious
// alone, so a verdict rests on high-precision behaviour, not on weak signals adding up.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "detect/honeytokens.h"
#include "detect/rules.h"

namespace gs::detect {

struct Finding {
  std::string rule;
  std::string severity;
  std::string phase;
  std::string summary;                     // one line, plain words
  std::string attack;                      // MITRE ATT&CK technique id
  int score = 0;                           // the rule's weight, 0-100
  std::vector<uint64_t> evidence;          // event ids (events.jsonl "id")
  std::vector<std::string> process_chain;  // outermost module program first
  std::string destination;                 // host:port or dns:<domain>, when there is one

  nlohmann::json to_json() const;
};

struct Verdict {
  std::string verdict = "clean";  // clean | suspicious | malicious
  int score = 0;                  // 0-100
  std::vector<Finding> findings;  // strongest first

  nlohmann::json findings_json() const;
};

// Thresholds: malicious needs one finding of score >= kMaliciousScore; suspicious needs a
// combined score >= kSuspiciousScore.
inline constexpr int kMaliciousScore = 70;
inline constexpr int kSuspiciousScore = 30;

// `report` is report.json as the pipeline builds it (sections processes, files, network,
// syscalls, environment.home). Honeytokens name the planted files; exfil carries hits
// from scan_pcap, and evaluate also scans the report's DNS names and HTTP paths.
Verdict evaluate(const RuleSet& rules, const nlohmann::json& report, const Honeytokens& honeytokens,
                 const ExfilScan& exfil);

}  // namespace gs::detect
