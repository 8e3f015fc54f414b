// gs-detect: judge an existing report.json with the rules, offline. For tuning rules on
// recorded runs and for researchers re-judging old reports after a rule change:
//   gs-detect [--rules DIR] [--pcap FILE] [--json] [--color] REPORT.json
// Without the run's honeytokens only reads of paths and encoded-free signals are seen;
// exfiltration needs the canaries the run planted.
#include <cstring>
#include <fstream>
#include <iostream>

#include "detect/summary.h"
#include "detect/verdict.h"

int main(int argc, char** argv) {
  std::string rules_dir = GS_RULES_DIR, pcap, report_path;
  bool as_json = false, color = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rules" && i + 1 < argc)
      rules_dir = argv[++i];
    else if (a == "--pcap" && i + 1 < argc)
      pcap = argv[++i];
    else if (a == "--json")
      as_json = true;
    else if (a == "--color")
      color = true;
    else if (!a.empty() && a[0] != '-' && report_path.empty())
      report_path = a;
    else {
      std::cerr << "usage: gs-detect [--rules DIR] [--pcap FILE] [--json] [--color] REPORT.json\n";
      return 2;
    }
  }
  if (report_path.empty()) {
    std::cerr << "usage: gs-detect [--rules DIR] [--pcap FILE] [--json] [--color] REPORT.json\n";
    return 2;
  }
  auto rules = gs::detect::RuleSet::load_dir(rules_dir);
  if (!rules) {
    std::cerr << "gs-detect: " << rules.error().message() << "\n";
    return 1;
  }
  std::ifstream in(report_path);
  if (!in) {
    std::cerr << "gs-detect: open('" << report_path << "'): " << std::strerror(errno) << "\n";
    return 1;
  }
  nlohmann::json report = nlohmann::json::parse(in, nullptr, false);
  if (report.is_discarded()) {
    std::cerr << "gs-detect: " << report_path << ": not JSON\n";
    return 1;
  }
  gs::detect::Honeytokens none;
  gs::detect::ExfilScan exfil(none);
  if (!pcap.empty()) {
    if (auto st = exfil.scan_pcap(pcap); !st)
      std::cerr << "gs-detect: " << st.error().message() << "\n";
  }
  auto v = gs::detect::evaluate(*rules, report, none, exfil);
  report["verdict"] = v.verdict;
  report["score"] = v.score;
  report["findings"] = v.findings_json();
  if (as_json) {
    std::cout << nlohmann::json{{"verdict", v.verdict},
                                {"score", v.score},
                                {"findings", report["findings"]}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << gs::detect::summary_text(report, report_path, color);
  }
  return v.verdict == "clean" ? 0 : v.verdict == "suspicious" ? 3 : 4;
}
