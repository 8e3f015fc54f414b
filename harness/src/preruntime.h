// What a module binary did before Go's runtime started: the window from its exec to the
// first thread it creates. Go's runtime creates its first thread (sysmon) in
// runtime.main, before any package initialiser; before that, in a cgo binary, only the
// dynamic loader, libc and the binary's C constructors run. So a program started, a file
// changed, a connection or a privileged call inside that window is a C constructor's
// doing: code that acts before any Go-level hook (init, TestMain, main) could see it.
// Pure: it takes the traced events and the report's processes.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "behaviour.h"

namespace gs::harness {

// `programs`: in-jail paths of the binaries the analysis built (init runner, test
// binaries, commands); only processes that exec'd one of them are examined. Returns the
// report's `pre_runtime` array: one entry per such process with at least one action:
// {"process", "phase", "exe", "window_ms", "runtime_started", "actions": [{"kind",
// "detail", "event", "ms"}]}, kinds "exec", "file", "connect", "security".
nlohmann::json pre_runtime_actions(const std::vector<TracedEvent>& events, const nlohmann::json& processes,
                                   const std::set<std::string>& programs, const std::string& home);

}  // namespace gs::harness
