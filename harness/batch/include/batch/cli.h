// The `batch`, `merge` and `export osv` subcommands, declared on the CLI's CLI11 app by
// harness/src/cli.cc so their options live next to the code that uses them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "batch/runner.h"

namespace gs::batch {

struct BatchCommands {
  BatchOptions batch;
  MergeOptions merge;
  ExportOsvOptions osv;
  // Pass-through options of `analyze`, kept as typed so the child parses them itself.
  std::string goproxy, window, phases, network, profile, test_timeout, cache_dir;
  bool no_trace = false;
};

struct BatchSubcommands {
  CLI::App* batch = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* export_osv = nullptr;
};

BatchSubcommands add_batch_commands(CLI::App& app, BatchCommands& out);

enum class Parsed { kNone, kBatch, kMerge, kExportOsv };
// After a successful parse: which one ran, with the pass-through args filled in.
Parsed finish_batch_commands(const BatchSubcommands& subs, BatchCommands& out);

}  // namespace gs::batch
