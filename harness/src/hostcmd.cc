// Host tool execution; see hostcmd.h.
#include "hostcmd.h"

#include <unistd.h>

#include <atomic>
#include <boost/process.hpp>
#include <filesystem>
#include <thread>

#include "base/fs.h"

namespace gs::harness {
namespace bp = boost::process;

Result<HostCommandResult> run_host_command(const HostCommand& cmd) {
  if (cmd.argv.empty()) return error("run_host_command: empty argv");
  static std::atomic<int> seq{0};
  std::string stem = cmd.scratch_dir + "/cmd-" + std::to_string(::getpid()) + "-" +
                     std::to_string(seq++);
  std::string out_path = stem + ".out", err_path = stem + ".err";

  bp::environment env;
  for (const auto& [k, v] : cmd.env) env[k] = v;
  std::string exe = cmd.argv[0];
  if (exe.find('/') == std::string::npos) {
    auto found = bp::search_path(exe);
    if (found.empty()) return error("run '" + exe + "': not found in PATH");
    exe = found.string();
  }
  std::vector<std::string> args(cmd.argv.begin() + 1, cmd.argv.end());

  HostCommandResult res;
  try {
    bp::child child(exe, bp::args(args), env, bp::start_dir(cmd.cwd), bp::std_in < bp::null,
                    bp::std_out > out_path, bp::std_err > err_path);
    // child::wait_for of Boost 1.74 can miss a child that exits at once and block
    // forever; polling running() (waitpid with WNOHANG) cannot.
    const auto deadline = std::chrono::steady_clock::now() + cmd.timeout;
    while (child.running()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        child.terminate();
        res.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!res.timed_out) res.exit_code = child.exit_code();
  } catch (const std::exception& e) {
    return error("run '" + exe + "': " + e.what());
  }
  auto out = read_file(out_path);
  auto err = read_file(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  if (out) res.out = std::move(out.value());
  if (err) res.err = std::move(err.value());
  return res;
}

}  // namespace gs::harness
