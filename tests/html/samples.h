// Test helpers: the sample reports and trimmed events in tests/html/data (taken from real
// runs of the fixture modules) and small counting utilities for the rendered page.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "html_report.h"

namespace gs::harness::html::testing {

inline std::string data_path(const std::string& name) {
  return std::string(GS_SOURCE_DIR) + "/tests/html/data/" + name;
}

inline nlohmann::json load_report(const std::string& sample) {
  std::ifstream in(data_path(sample + ".report.json"));
  return nlohmann::json::parse(in);
}

inline std::vector<Attempt> load_attempts(const std::string& sample) {
  std::ifstream in(data_path(sample + ".events.jsonl"));
  return attempts_from_events(in);
}

inline std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

}  // namespace gs::harness::html::testing
