// Building batch records from child outcomes; see record.h.
#include "batch/record.h"

namespace gs::batch {
namespace {
using nlohmann::json;

const json kEmptyArray = json::array();

const json& array_at(const json& j, const char* a, const char* b = nullptr) {
  if (!j.is_object() || !j.contains(a)) return kEmptyArray;
  const json& x = j.at(a);
  if (!b) return x.is_array() ? x : kEmptyArray;
  if (!x.is_object() || !x.contains(b) || !x.at(b).is_array()) return kEmptyArray;
  return x.at(b);
}

std::string str_at(const json& j, const char* a, const char* b = nullptr) {
  const json* x = &j;
  for (const char* k : {a, b}) {
    if (!k) break;
    if (!x->is_object() || !x->contains(k)) return "";
    x = &x->at(k);
  }
  return x->is_string() ? x->get<std::string>() : "";
}

bool contains_any(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s.find(w) != std::string::npos) return true;
  return false;
}

// Process ids are integers or strings in reports; one type per column keeps loaders happy.
json normalise_processes(const json& procs) {
  json out = json::array();
  for (json p : procs) {
    if (p.contains("id") && !p["id"].is_string()) p["id"] = p["id"].dump();
    out.push_back(std::move(p));
  }
  return out;
}

json syscall_counts(const json& report) {
  json out = json::array();
  if (!report.contains("syscalls") || !report["syscalls"].contains("counts")) return out;
  for (const auto& [name, n] : report["syscalls"]["counts"].items()) out.push_back({{"name", name}, {"count", n}});
  return out;
}

std::string kind_from_report(const json& report) {
  for (const auto& p : array_at(report, "phases"))
    if (str_at(p, "name") == "fetch" && str_at(p, "status") != "ok" && str_at(p, "status") != "skipped")
      return kFetchFailed;
  std::string err = str_at(report, "error");
  if (contains_any(err, {"does not build"})) return kBuildFailed;
  if (contains_any(err, {"go mod download", "fetch", "unknown revision", "not found", "no matching versions"}))
    return kFetchFailed;
  if (contains_any(err, {"interrupted by signal"})) return kCrashed;
  if (contains_any(err, {"cgroup", "jail", "tracer", "bpf", "BPF", "mount", "clone", "netns", "No space left",
                         "scratch", "Cannot allocate memory"}))
    return kHostFault;
  return kAnalysisFailed;
}

}  // namespace

json phase_ms(const json& report) {
  json out = {{"fetch", 0}, {"plan", 0}, {"build", 0}, {"init", 0}, {"test", 0}, {"run", 0}};
  for (const auto& p : array_at(report, "phases")) {
    std::string name = str_at(p, "name");
    if (!out.contains(name) || !p.contains("duration_ms") || !p["duration_ms"].is_number()) continue;
    out[name] = out[name].get<int64_t>() + p["duration_ms"].get<int64_t>();
  }
  return out;
}

std::string classify(const RunOutcome& run) {
  if (!run.host_error.empty()) return kHostFault;
  if (run.over_budget) return kTimeout;
  if (run.signal) return kCrashed;
  bool known_exit = run.exit_code && (*run.exit_code == 0 || *run.exit_code == 1 || *run.exit_code == 3 ||
                                      *run.exit_code == 4);
  if (!known_exit) return kCrashed;
  if (!run.report) return *run.exit_code == 1 ? kAnalysisFailed : kCrashed;
  if (str_at(*run.report, "verdict") == "error") return kind_from_report(*run.report);
  return "";
}

json make_record(const Item& item, const RunOutcome& run, const std::string& shard) {
  const json empty = json::object();
  const json& rep = run.report ? *run.report : empty;
  std::string kind = item.bad_input.empty() ? classify(run) : kBadInput;
  std::string error;
  if (kind == kBadInput) error = item.bad_input + ": " + item.raw;
  else if (kind == kTimeout) error = "over the per-module time budget";
  else if (!run.host_error.empty()) error = run.host_error;
  else if (!kind.empty()) error = !str_at(rep, "error").empty() ? str_at(rep, "error") : run.stderr_tail;
  if (kind == kCrashed && error.empty())
    error = run.signal ? "analysis killed by signal " + std::to_string(*run.signal)
                       : "analysis exited with " + (run.exit_code ? std::to_string(*run.exit_code) : "?");
  // An analysis stopped at the budget keeps the verdict its evidence already gave (a
  // beacon seen is a beacon); only one that would need the whole run to judge is "error".
  const std::string judged = str_at(rep, "verdict");
  const bool kept = kind == kTimeout && (judged == "suspicious" || judged == "malicious");
  std::string verdict = kind.empty() || kept ? judged : "error";
  json trace = rep.contains("trace") ? rep["trace"] : json::object();
  return {
      {"record_version", kRecordVersion},
      {"id", item.id},
      {"module", item.module},
      {"version", item.version},
      {"input_line", item.line},
      {"shard", shard},
      {"status", kind.empty() ? "ok" : "error"},
      {"verdict", verdict},
      {"score", (kind.empty() || kept) && rep.contains("score") ? rep["score"] : json(0)},
      {"error_kind", kind.empty() ? json(nullptr) : json(kind)},
      {"error", error.empty() ? json(nullptr) : json(error)},
      {"exit_code", run.exit_code ? json(*run.exit_code) : json(nullptr)},
      {"signal", run.signal ? json(*run.signal) : json(nullptr)},
      {"started_at", run.started_at},
      {"finished_at", run.finished_at},
      {"wall_ms", run.wall_ms},
      {"analysis_ms", rep.contains("duration_ms") ? rep["duration_ms"] : json(0)},
      {"phase_ms", phase_ms(rep)},
      {"module_sum", str_at(rep, "module", "sum")},
      {"zip_sha256", str_at(rep, "module", "zip_sha256")},
      {"tool_version", str_at(rep, "tool", "version")},
      {"findings", array_at(rep, "findings")},
      {"processes", normalise_processes(array_at(rep, "processes"))},
      {"files", array_at(rep, "files")},
      {"connections", array_at(rep, "network", "connections")},
      {"dns", array_at(rep, "network", "dns")},
      {"beacons", array_at(rep, "network", "beacons")},
      {"listeners", array_at(rep, "network", "listeners")},
      {"syscall_counts", syscall_counts(rep)},
      {"syscalls_denied", rep.contains("syscalls") ? array_at(rep["syscalls"], "denied") : kEmptyArray},
      {"trace", trace},
      {"run_dir", run.run_dir},
  };
}

}  // namespace gs::batch
