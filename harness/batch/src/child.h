// One child `gosandbox analyze`: fork/exec with its own process group and a parent-death
// signal, watched through a pidfd against the per-module budget (SIGTERM, so the analysis
// stops its jail and writes its report, then SIGKILL of the group after a grace period).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gs::batch {

struct ChildSpec {
  std::vector<std::string> argv;
  std::string stdout_path, stderr_path;
  std::string pid_file;  // the child's pid, so a resumed batch can find an orphan of a dead one
  std::chrono::milliseconds budget{900'000};
  std::chrono::milliseconds grace{20'000};
  std::function<bool()> cancelled;  // the batch is stopping: end the child, nothing recorded
};

struct ChildResult {
  std::optional<int> exit_code, signal;
  bool over_budget = false;
  bool cancelled = false;
  std::string host_error;   // could not start it
  int64_t wall_ms = 0;
};

ChildResult run_child(const ChildSpec& spec);

}  // namespace gs::batch
