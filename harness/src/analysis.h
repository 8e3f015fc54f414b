// One analysis, start to end: fetch, plan, build, init, test, run, report. `main` calls
// run_analysis(); each step is a named function in analysis.cc.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>

#include "model.h"
#include "warmcache.h"

namespace gs::harness {

struct AnalysisOptions {
  std::string target;                   // as typed by the user
  std::string out_dir;                  // empty: gosandbox-out/<module>@<version>
  std::string goproxy;                  // empty: the environment's
  std::string profile = "default";      // name in profiles/sandbox/ or a file path
  std::set<std::string> phases{"build", "init", "test", "run"};
  // Unset: the profile's value.
  std::optional<std::chrono::milliseconds> window;        // init and run observation window
  std::optional<std::chrono::milliseconds> test_timeout;  // per test binary (-test.timeout)
  std::optional<std::string> network;   // fake: the fake internet for init/test/run; none: loopback only
  std::chrono::milliseconds fetch_timeout{300'000};
  bool trace = true;                    // false: --no-trace, the report says the trace is absent
  std::string work_root;                // where per-run scratch dirs go (default: TMPDIR or /tmp)
  // The host's shared standard-library build cache (warmcache.h); empty: none, every
  // analysis compiles the standard library itself.
  std::string cache_root = default_cache_root();
};

// Where sandbox profiles and rules live: $GOSANDBOX_PROFILES_DIR, else the source tree's.
std::string profiles_dir();

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
