// gosandbox: the CLI edge. Parses the command, runs the analysis pipeline, prints the
// summary or the report, and maps the verdict to the exit code (0 clean, 3 suspicious,
// 4 malicious, 1 failed, 2 usage). The only place exceptions are caught wholesale.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "analysis.h"
#include "batch/runner.h"
#include "cli.h"
#include "interrupt.h"
#include "profile.h"
#include "report.h"
#include "scratch.h"
#include "target.h"
#include "version.h"

int main(int argc, char** argv) {
  using namespace gs::harness;
  // Before any thread exists: scratch tmpfs mounts must die with this process.
  if (::geteuid() == 0) {
    if (auto st = enter_private_mount_namespace(); !st) {
      std::cerr << "gosandbox: " << st.error().message() << "\n";
      return 1;
    }
  }
  install_interrupt_handling();
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto cmd = parse_cli(args);
    if (!cmd) {
      std::cerr << "gosandbox: " << cmd.error().context << "\n"
                << "Run 'gosandbox --help' for usage.\n";
      return 2;
    }
    switch (cmd->kind) {
      case Command::Kind::kHelp:
        std::cout << cmd->help_text;
        return 0;
      case Command::Kind::kVersion:
        std::cout << "gosandbox " << kVersion << "\n";
        return 0;
      case Command::Kind::kBatch:
        cmd->batch.batch.interrupted = [] { return interrupted(); };
        return gs::batch::run_batch(cmd->batch.batch);
      case Command::Kind::kMerge:
        return gs::batch::run_merge(cmd->batch.merge);
      case Command::Kind::kExportOsv:
        return gs::batch::run_export_osv(cmd->batch.osv);
      case Command::Kind::kAnalyze:
        break;
    }
    // A target that cannot name a module is a usage error, caught before any work.
    if (auto t = parse_target(cmd->analyze.target); !t) {
      std::cerr << "gosandbox: " << t.error().context << "\n";
      return 2;
    }
    // A bad profile is the user's to fix: say where, before any work.
    if (auto p = gs::sandbox::Profile::load(cmd->analyze.profile, profiles_dir()); !p) {
      std::cerr << "gosandbox: profile: " << p.error().message() << "\n";
      return 2;
    }
    AnalysisOutcome out = run_analysis(cmd->analyze);
    auto report = build_report(out.record);
    if (cmd->format == "json") {
      std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else {
      std::cout << summary_text(report, out.report_path, ::isatty(STDOUT_FILENO));
    }
    if (!out.write_error.empty()) {
      std::cerr << "gosandbox: cannot write the report: " << out.write_error << "\n";
      return 1;
    }
    if (out.record.error) std::cerr << "gosandbox: " << *out.record.error << "\n";
    return exit_code_for(out.record.verdict);
  } catch (const std::exception& e) {
    std::cerr << "gosandbox: internal error: " << e.what() << "\n";
    return 1;
  }
}
