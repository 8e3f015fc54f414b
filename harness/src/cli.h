// The command line: parsing `gosandbox ...` into a Command is separate from acting on it,
// so the parser is unit-tested without running anything.
#pragma once

#include <string>
#include <vector>

#include "analysis.h"
#include "base/result.h"
#include "batch/cli.h"

namespace gs::harness {

struct Command {
  enum class Kind { kAnalyze, kVersion, kHelp, kBatch, kMerge, kExportOsv } kind = Kind::kHelp;
  AnalysisOptions analyze;
  std::string format = "text";   // text | json
  std::string help_text;         // for kHelp
  batch::BatchCommands batch;    // for kBatch, kMerge, kExportOsv
};

// Returns the command, or an error whose context is the usage message (exit code 2).
Result<Command> parse_cli(const std::vector<std::string>& args);
Result<std::set<std::string>> parse_phases(const std::string& text);

}  // namespace gs::harness
