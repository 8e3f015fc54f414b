// Minimal behaviour models for rule tests: a report.json with just the sections a rule
// reads, shaped like the pipeline's (process ids, jail init per phase, files aggregated
// per path and phase with event ids, network sections).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gs::detect::testing {

class ModelBuilder {
 public:
  ModelBuilder() {
    r_ = {
        {"environment", {{"home", "/home/dev"}, {"user", "dev"}}},
        {"processes", nlohmann::json::array()},
        {"files", nlohmann::json::array()},
        {"network",
         {{"connections", nlohmann::json::array()},
          {"dns", nlohmann::json::array()},
          {"beacons", nlohmann::json::array()},
          {"listeners", nlohmann::json::array()}}},
        {"syscalls", {{"counts", nlohmann::json::object()}, {"denied", nlohmann::json::array()}}}};
    // Each phase: gosandbox's jail init, then the phase's own program.
    for (const char* phase : {"build", "init", "test", "run"}) {
      int init = add_proc(phase, "gosandbox", {}, 0, true);
      std::string prog = std::string(phase) == "init"   ? "/work/out/initrunner"
                         : std::string(phase) == "test" ? "/work/out/tests/x.test"
                         : std::string(phase) == "run"  ? "/work/out/bin/x"
                                                        : "/usr/bin/go";
      runner_[phase] = add_proc(phase, prog, {prog}, init, false);
    }
  }

  // A program started by the phase's program (or by `parent`).
  int exec(const std::string& phase, const std::string& exe, std::vector<std::string> argv,
           int parent = 0) {
    return add_proc(phase, exe, std::move(argv), parent ? parent : runner_.at(phase), false);
  }
  int runner(const std::string& phase) const { return runner_.at(phase); }

  void file(const std::string& phase, const std::string& path, std::vector<std::string> ops,
            int process = 0, int events = 1) {
    nlohmann::json ev = nlohmann::json::array();
    for (int i = 0; i < events; ++i) ev.push_back(next_event_++);
    r_["files"].push_back({{"path", path},
                           {"phase", phase},
                           {"ops", ops},
                           {"process", process ? process : runner_.at(phase)},
                           {"first_ms", 10},
                           {"events", ev}});
  }

  // A failed attempt: its own entry, as the behaviour model keeps them.
  void failed_file(const std::string& phase, const std::string& path, std::vector<std::string> ops, int result,
                   const std::string& error) {
    file(phase, path, std::move(ops));
    auto& f = r_["files"].back();
    f["failed"] = true;
    f["result"] = result;
    f["error"] = error;
  }

  void connect(const std::string& phase, const std::string& ip, int port,
               const std::string& host = "", int attempts = 1) {
    r_["network"]["connections"].push_back(
        {{"proto", "tcp"},
         {"dst_ip", ip},
         {"dst_port", port},
         {"hostname", host.empty() ? nlohmann::json(nullptr) : nlohmann::json(host)},
         {"attempts", attempts},
         {"phases", {phase}},
         {"http", nullptr},
         {"tls_sni", nullptr}});
  }
  void http(const std::string& path) {
    r_["network"]["connections"].back()["http"] = {{"method", "GET"}, {"path", path}};
  }

  void dns(const std::string& phase, const std::string& name, const std::string& type = "A",
           int count = 1, int ms = 100) {
    r_["network"]["dns"].push_back(
        {{"name", name}, {"type", type}, {"count", count}, {"first_ms", ms}, {"phase", phase}});
  }

  // A socket module code made to be reached (network.listeners).
  void listener(const std::string& phase, const std::string& proto, const std::string& ip, int port,
                const std::string& program = "/work/out/initrunner") {
    bool loopback = ip.starts_with("127.") || ip == "::1";
    r_["network"]["listeners"].push_back({{"proto", proto}, {"ip", ip}, {"port", port},
                                          {"loopback", loopback}, {"program", program},
                                          {"count", 1}, {"first_ms", 50}, {"phases", {phase}},
                                          {"host_pids", {4242}}});
  }

  void beacon(const std::string& dest, double score, const std::string& kind = "beacon") {
    r_["network"]["beacons"].push_back({{"destination", dest},
                                        {"attempts", 6},
                                        {"median_interval_ms", 1000},
                                        {"jitter", 0.1},
                                        {"score", score},
                                        {"confidence", 0.5},
                                        {"kind", kind}});
  }

  void denied(const std::string& syscall, int process, int count = 1) {
    r_["syscalls"]["denied"].push_back({{"name", syscall}, {"process", process}, {"count", count}});
  }

  // A built binary run by `phase` with C constructors named `symbols`.
  void binary(const std::string& phase, const std::string& path, std::vector<std::string> symbols) {
    if (!r_.contains("binaries")) r_["binaries"] = nlohmann::json::array();
    nlohmann::json ctors = nlohmann::json::array();
    for (const auto& s : symbols) ctors.push_back({{"section", ".init_array"}, {"address", "0x401000"}, {"symbol", s}});
    r_["binaries"].push_back({{"path", path}, {"target", "init-runner"}, {"phase", phase}, {"constructors", ctors}});
  }

  // The phase's program did `detail` before Go's runtime started.
  void pre_runtime(const std::string& phase, const std::string& kind, const std::string& detail) {
    if (!r_.contains("pre_runtime")) r_["pre_runtime"] = nlohmann::json::array();
    r_["pre_runtime"].push_back({{"process", runner_.at(phase)},
                                 {"phase", phase},
                                 {"exe", "/work/out/initrunner"},
                                 {"window_ms", 2},
                                 {"runtime_started", true},
                                 {"actions", {{{"kind", kind}, {"detail", detail}, {"event", next_event_++}, {"ms", 5}}}}});
  }

  const nlohmann::json& json() const { return r_; }
  nlohmann::json& json_ref() { return r_; }  // for what the helpers do not cover

 private:
  int add_proc(const std::string& phase, const std::string& exe, std::vector<std::string> argv,
               int parent, bool jail_init) {
    int id = next_id_++;
    r_["processes"].push_back(
        {{"id", id},
         {"pid", id},
         {"ppid", parent},
         {"phase", phase},
         {"exe", exe},
         {"argv", argv},
         {"parent", parent ? nlohmann::json(parent) : nlohmann::json(nullptr)},
         {"jail_init", jail_init},
         {"event", next_event_++},
         {"start_ms", 0}});
    return id;
  }

  nlohmann::json r_;
  std::map<std::string, int> runner_;
  int next_id_ = 1;
  uint64_t next_event_ = 1000;
};

}  // namespace gs::detect::testing
