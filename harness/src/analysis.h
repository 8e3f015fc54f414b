// One analysis, start to end: fetch, plan, build, init, test, run, report. `main` calls
// run_analysis(); each step is a named function in analysis.cc.
#pragma once

#include <chrono>
#include <set>
#include <string>

#include "model.h"

namespace gs::harness {

struct AnalysisOptions {
  std::string target;                   // as typed by the user
  std::string out_dir;                  // empty: gosandbox-out/<module>@<version>
  std::string goproxy;                  // empty: the environment's
  std::set<std::string> phases{"build", "init", "test", "run"};
  std::chrono::milliseconds window{10'000};        // init and run observation window
  std::chrono::milliseconds test_timeout{120'000};  // per test binary (-test.timeout)
  std::chrono::milliseconds build_timeout{300'000}; // per go command in the build phase
  std::chrono::milliseconds fetch_timeout{300'000};
  std::string network = "fake";         // fake: the fake internet for init/test/run; none: loopback only
  // Size of the tmpfs holding the module copy, dependencies and build outputs: a
  // disk-filling module hits this, not the host's disk.
  uint64_t scratch_bytes = 4ull << 30;
  bool trace = true;                    // false: --no-trace, the report says the trace is absent
  std::string work_root;                // where per-run scratch dirs go (default: TMPDIR or /tmp)
};

struct AnalysisOutcome {
  AnalysisRecord record;
  std::string out_dir;
  std::string report_path;   // empty when the report could not be written
  std::string write_error;
};

// Never throws and always yields a record; a failed analysis has verdict "error" and a
// one-line reason in record.error.
AnalysisOutcome run_analysis(const AnalysisOptions& opts);

}  // namespace gs::harness
