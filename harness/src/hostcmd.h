// Runs a trusted host tool (the Go toolchain for fetching) with an exact environment, a
// time limit and output collected to files, through Boost.Process. Never used for module
// code: that only ever runs in a jail.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::harness {

struct HostCommand {
  std::vector<std::string> argv;             // argv[0] is looked up in PATH when not absolute
  std::map<std::string, std::string> env;    // the whole environment
  std::string cwd;
  std::chrono::seconds timeout{300};
  std::string scratch_dir;                   // where stdout/stderr files go
};

struct HostCommandResult {
  int exit_code = -1;
  bool timed_out = false;
  std::string out;   // whole stdout (bounded at 64 MiB)
  std::string err;   // whole stderr (bounded)
};

Result<HostCommandResult> run_host_command(const HostCommand& cmd);

}  // namespace gs::harness
