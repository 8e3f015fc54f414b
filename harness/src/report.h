// report.json (schema_version 1): building it from the analysis record (pure), writing it
// atomically, and the short human summary printed at the end of `analyze`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "model.h"

namespace gs::harness {

inline constexpr int kSchemaVersion = 1;

nlohmann::json build_report(const AnalysisRecord& a);
Status write_report(const std::string& path, const nlohmann::json& report);
// A few lines a researcher reads at a glance; `color` adds ANSI colours.
std::string summary_text(const nlohmann::json& report, const std::string& report_path, bool color);
// Exit code of `analyze` for a verdict: 0 clean, 3 suspicious, 4 malicious, 1 error.
int exit_code_for(const std::string& verdict);

}  // namespace gs::harness
