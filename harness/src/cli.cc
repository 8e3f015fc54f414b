// CLI parsing with CLI11; see cli.h.
#include "cli.h"

#include <CLI/CLI.hpp>
#include <sstream>

#include "version.h"

namespace gs::harness {

Result<std::set<std::string>> parse_phases(const std::string& text) {
  std::set<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    if (item != "build" && item != "init" && item != "test" && item != "run")
      return error("unknown phase '" + item + "' (expected build, init, test, run)");
    out.insert(item);
  }
  if (out.empty()) return error("--phases needs at least one of build, init, test, run");
  return out;
}

Result<Command> parse_cli(const std::vector<std::string>& args) {
  CLI::App app{"gosandbox: run a Go module's init code, tests and commands in a sandbox and "
               "report what it does",
               "gosandbox"};
  app.require_subcommand(0, 1);
  Command cmd;
  std::string phases = "build,init,test,run";
  double window_s = 0, test_timeout_s = 0;
  std::string network;

  auto* analyze = app.add_subcommand("analyze", "Analyse one module: module@version, a directory or a zip");
  analyze->add_option("target", cmd.analyze.target, "module@version, module directory or module zip")
      ->required();
  analyze->add_option("--out", cmd.analyze.out_dir, "Output directory (default gosandbox-out/<module>@<version>)");
  analyze->add_option("--goproxy", cmd.analyze.goproxy, "GOPROXY to fetch from (default: $GOPROXY)");
  analyze->add_option("--profile", cmd.analyze.profile, "Sandbox profile: a name in profiles/sandbox/ or a file")
      ->capture_default_str();
  analyze->add_option("--phases", phases, "Comma-separated phases to run")->capture_default_str();
  auto* window = analyze->add_option("--window", window_s,
                                     "Observation window for init and run, seconds (default: the profile's, 10)")
                     ->check(CLI::Range(0.1, 86400.0));
  auto* test_timeout = analyze->add_option("--test-timeout", test_timeout_s,
                                           "Time limit per test binary, seconds (default: the profile's, 120); one that "
                                           "ignores it is killed a tenth later (2-10 s)")
                           ->check(CLI::Range(1.0, 86400.0));
  analyze->add_option("--format", cmd.format, "What to print on stdout")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  auto* net = analyze->add_option("--network", network,
                                  "fake: an isolated fake internet for init, test and run; none: loopback "
                                  "only (default: the profile's, fake)")
                  ->check(CLI::IsMember({"fake", "none"}));
  bool no_trace = false;
  analyze->add_flag("--no-trace", no_trace, "Run without the eBPF tracer (the report says the trace is absent)");
  analyze->add_option("--cache-dir", cmd.analyze.cache_root,
                      "Host cache of the precompiled standard library, shared by analyses; none: "
                      "compile it in every analysis (default: $GOSANDBOX_CACHE_DIR or /var/cache/gosandbox)");
  auto batch_cmds = batch::add_batch_commands(app, cmd.batch);
  auto* version = app.add_subcommand("version", "Print the version");

  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app.parse(rev);
  } catch (const CLI::CallForHelp& e) {
    cmd.kind = Command::Kind::kHelp;
    cmd.help_text = app.get_subcommands().empty() ? app.help() : app.get_subcommands()[0]->help();
    return cmd;
  } catch (const CLI::CallForAllHelp& e) {
    cmd.kind = Command::Kind::kHelp;
    cmd.help_text = app.help("", CLI::AppFormatMode::All);
    return cmd;
  } catch (const CLI::ParseError& e) {
    return error(e.what());
  }
  if (version->parsed()) {
    cmd.kind = Command::Kind::kVersion;
    return cmd;
  }
  switch (batch::finish_batch_commands(batch_cmds, cmd.batch)) {
    case batch::Parsed::kBatch: cmd.kind = Command::Kind::kBatch; return cmd;
    case batch::Parsed::kMerge: cmd.kind = Command::Kind::kMerge; return cmd;
    case batch::Parsed::kExportOsv: cmd.kind = Command::Kind::kExportOsv; return cmd;
    case batch::Parsed::kNone: break;
  }
  if (!analyze->parsed()) {
    cmd.kind = Command::Kind::kHelp;
    cmd.help_text = app.help();
    return cmd;
  }
  cmd.kind = Command::Kind::kAnalyze;
  auto ph = parse_phases(phases);
  if (!ph) return ph.take_error();
  cmd.analyze.phases = *ph;
  cmd.analyze.trace = !no_trace;
  if (cmd.analyze.cache_root == "none") cmd.analyze.cache_root.clear();
  if (window->count()) cmd.analyze.window = std::chrono::milliseconds(static_cast<int64_t>(window_s * 1000));
  if (test_timeout->count())
    cmd.analyze.test_timeout = std::chrono::milliseconds(static_cast<int64_t>(test_timeout_s * 1000));
  if (net->count()) cmd.analyze.network = network;
  return cmd;
}

}  // namespace gs::harness
