// Report building and the terminal summary; see report.h.
#include "report.h"


#include "base/fs.h"
#include "detect/summary.h"
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
      {"binaries", a.binaries},
      {"pre_runtime", a.pre_runtime},
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
  return detect::summary_text(r, report_path, color);
}

}  // namespace gs::harness
