// Report building and the terminal summary; see report.h.
#include "report.h"

#include <sstream>

#include "base/fs.h"
#include "version.h"

namespace gs::harness {

nlohmann::json build_report(const AnalysisRecord& a) {
  using nlohmann::json;
  json phases = json::array();
  for (const PhaseRecord& p : a.phases) {
    json j = {{"name", p.name},
              {"target", p.target},
              {"status", p.status},
              {"exit_code", p.exit_code ? json(*p.exit_code) : json(nullptr)},
              {"signal", p.signal ? json(*p.signal) : json(nullptr)},
              {"start_ms", p.start_ms},
              {"duration_ms", p.duration_ms},
              {"stdout_tail", p.stdout_tail},
              {"stderr_tail", p.stderr_tail},
              {"truncated", p.truncated}};
    if (!p.note.empty()) j["note"] = p.note;
    j["limits"] = p.limits;
    if (!p.seccomp_kill.empty()) j["seccomp_kill"] = p.seccomp_kill;
    phases.push_back(std::move(j));
  }
  json r = {
      {"schema_version", kSchemaVersion},
      {"tool", {{"name", "gosandbox"}, {"version", kVersion}}},
      {"module",
       {{"path", a.module.path},
        {"version", a.module.version},
        {"source", a.module.source},
        {"sum", a.module.sum},
        {"zip_sha256", a.module.zip_sha256}}},
      {"started_at", a.started_at},
      {"duration_ms", a.duration_ms},
      {"verdict", a.verdict},
      {"score", a.score},
      {"findings", a.findings},
      {"phases", phases},
      {"processes", a.processes},
      {"files", a.files},
      {"network", a.network},
      {"syscalls", a.syscalls},
      {"trace", a.trace},
      {"environment", a.environment},
      {"artifacts", a.artifacts},
  };
  if (a.error) r["error"] = *a.error;
  return r;
}

Status write_report(const std::string& path, const nlohmann::json& report) {
  // Reports carry module output; invalid UTF-8 is replaced rather than refused.
  return write_file_atomic(path, report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

int exit_code_for(const std::string& verdict) {
  if (verdict == "clean") return 0;
  if (verdict == "suspicious") return 3;
  if (verdict == "malicious") return 4;
  return 1;
}

std::string summary_text(const nlohmann::json& r, const std::string& report_path, bool color) {
  auto paint = [&](const std::string& s, const char* code) {
    return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  };
  std::string verdict = r.value("verdict", "error");
  const char* vcol = verdict == "clean" ? "1;32" : verdict == "suspicious" ? "1;33" : "1;31";
  std::ostringstream o;
  const auto& m = r["module"];
  std::string ver = m.value("version", "");
  o << "gosandbox: " << m.value("path", "?") << (ver.empty() ? "" : "@" + ver) << "  ("
    << m.value("source", "") << ")\n";
  o << "verdict:   " << paint(verdict, vcol) << "  score " << r.value("score", 0) << "/100  in "
    << r.value("duration_ms", 0) / 1000.0 << " s\n";
  if (r.contains("error")) o << "error:     " << r["error"].get<std::string>() << "\n";
  for (const auto& f : r["findings"]) {
    o << "  [" << f.value("severity", "") << "] " << f.value("rule", "") << ": "
      << f.value("summary", "") << "\n";
  }
  o << "phases:\n";
  for (const auto& p : r["phases"]) {
    std::string st = p.value("status", "");
    const char* col = st == "ok" ? "32" : st == "skipped" ? "2" : "31";
    o << "  " << p.value("name", "") << "  " << paint(st, col);
    if (!p.value("target", "").empty()) o << "  " << p.value("target", "");
    o << "  " << p.value("duration_ms", 0) << " ms";
    if (p["exit_code"].is_number()) o << "  exit " << p["exit_code"].get<int>();
    if (p["signal"].is_number()) o << "  signal " << p["signal"].get<int>();
    if (p.contains("note")) o << "  (" << p["note"].get<std::string>() << ")";
    o << "\n";
  }
  const auto& t = r["trace"];
  if (!t.value("present", false)) {
    o << "trace:     absent (no tracer ran)\n";
  } else if (!t.value("complete", true)) {
    o << paint("trace:     INCOMPLETE, " + std::to_string(t.value("lost", 0)) + " events lost", "1;31")
      << "\n";
  }
  if (!report_path.empty()) o << "report:    " << report_path << "\n";
  return o.str();
}

}  // namespace gs::harness
