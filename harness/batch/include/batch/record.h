// The batch record: one JSON object per input item, the unit of the ledger, the JSONL
// dataset and the SQLite rows. It is flattened from report.json so that BigQuery and
// DuckDB load it with a fixed schema (no map-shaped objects whose keys are data), and it
// says why an analysis failed in one of a few kinds. Pure code, unit-tested.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "batch/input.h"

namespace gs::batch {

inline constexpr int kRecordVersion = 1;

// Error kinds, so a dataset can be filtered by cause.
inline constexpr const char* kFetchFailed = "fetch_failed";
inline constexpr const char* kBuildFailed = "build_failed";
inline constexpr const char* kTimeout = "timeout";
inline constexpr const char* kCrashed = "crashed";
inline constexpr const char* kHostFault = "host_fault";
inline constexpr const char* kAnalysisFailed = "analysis_failed";
inline constexpr const char* kBadInput = "bad_input";

// What the batch saw of one child `gosandbox analyze`.
struct RunOutcome {
  std::optional<int> exit_code;   // when it exited
  std::optional<int> signal;      // when a signal ended it
  bool over_budget = false;       // the batch stopped it at the per-module budget
  std::string host_error;         // the batch could not start or watch it
  std::string stderr_tail;        // last line(s) the child printed on stderr
  std::string started_at, finished_at;  // RFC 3339 UTC
  int64_t wall_ms = 0;
  std::optional<nlohmann::json> report;  // report.json when one was written
  std::string run_dir;            // relative to the batch output directory
};

// The record for an item; `shard` as "K/N".
nlohmann::json make_record(const Item& item, const RunOutcome& run, const std::string& shard);
// Sum of phases[].duration_ms per phase name, every phase name present (0 when absent).
nlohmann::json phase_ms(const nlohmann::json& report);
// Error kind for an outcome, or "" when the analysis succeeded.
std::string classify(const RunOutcome& run);

}  // namespace gs::batch
