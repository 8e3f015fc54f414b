// The terminal summary a researcher reads in ten seconds: verdict and score, the top
// findings, the tree of programs module code started, destinations with beacon scores,
// phases and whether the trace is complete. Colour only when asked (a TTY); the same
// signature as harness::summary_text so the CLI can swap it in.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace gs::detect {

std::string summary_text(const nlohmann::json& report, const std::string& report_path, bool color);

}  // namespace gs::detect
