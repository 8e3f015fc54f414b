// The analysis record: everything one analysis learned, as plain data. The pipeline fills
// it step by step; report.cc turns it into report.json. Times are ms since the analysis
// started.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gs::harness {

struct PhaseRecord {
  std::string name;          // plan, build, init, test, run
  std::string target;        // what ran: a package import path, "init-runner", ...
  std::string status;        // ok, failed, timeout, skipped, error
  std::optional<int> exit_code;
  std::optional<int> signal;
  int64_t start_ms = 0;
  int64_t duration_ms = 0;
  std::string stdout_tail;
  std::string stderr_tail;
  bool truncated = false;
  std::string note;          // one line: why skipped / failed, when known
  std::vector<std::string> limits;  // limits hit: oom, pids, cpu, disk, timeout, seccomp
  std::string seccomp_kill;  // the syscall a seccomp kill rule ended the payload on
};

struct ModuleRecord {
  std::string path, version, source, sum, zip_sha256;
};

struct AnalysisRecord {
  ModuleRecord module;
  std::string started_at;    // RFC 3339, UTC
  int64_t duration_ms = 0;
  std::vector<PhaseRecord> phases;
  std::string verdict = "clean";
  int score = 0;
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json processes = nlohmann::json::array();
  nlohmann::json files = nlohmann::json::array();
  // Built binaries with C constructors (elfinit.h), and what module binaries did before
  // Go's runtime started (preruntime.h).
  nlohmann::json binaries = nlohmann::json::array();
  nlohmann::json pre_runtime = nlohmann::json::array();
  nlohmann::json network = {{"connections", nlohmann::json::array()},
                            {"dns", nlohmann::json::array()},
                            {"beacons", nlohmann::json::array()}};
  nlohmann::json syscalls = {{"counts", nlohmann::json::object()},
                             {"denied", nlohmann::json::array()}};
  nlohmann::json trace = {{"events", 0}, {"lost", 0}, {"complete", false}, {"present", false}};
  nlohmann::json environment = nlohmann::json::object();
  nlohmann::json artifacts = {{"events", nullptr}, {"pcap", nullptr}, {"html", nullptr}};
  std::optional<std::string> error;
};

}  // namespace gs::harness
