// `gosandbox batch`, `gosandbox merge` and `gosandbox export osv`: the commands' options
// (filled by the CLI parser) and their entry points, which return the process exit code.
//
// A batch runs each item as a child `gosandbox analyze` process (own cgroup, netns and run
// directory, created by the child) from a fixed pool of long-lived worker threads, so a
// crash, OOM or hang of one analysis becomes an error record instead of a dead batch.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace gs::batch {

struct BatchOptions {
  std::string list;                       // file of items, or "-" for stdin
  std::string out_dir = "gosandbox-batch";
  std::string db;                         // default <out_dir>/dataset.sqlite
  unsigned jobs = 1;
  bool resume = false;
  std::string shard = "0/1";              // K/N
  double budget_s = 900;                  // per module, whole analysis
  double grace_s = 20;                    // SIGTERM -> SIGKILL
  double log_interval_s = 30;             // progress lines when stderr is not a TTY
  std::vector<std::string> analyze_args;  // passed to every `analyze`
  std::string self_exe = "/proc/self/exe";
  std::function<int()> interrupted;       // non-zero once SIGINT/SIGTERM/SIGHUP arrived
};

struct MergeOptions {
  std::vector<std::string> sources;       // batch dirs, records .jsonl or .sqlite files
  std::string out_dir;
};

struct ExportOsvOptions {
  std::string source;                     // batch dir, .jsonl or .sqlite
  std::string out_dir = "osv";
};

// Exit codes: 0 every item has its record; 1 the batch stopped early (interrupted, or the
// ledger could not be written); 2 usage (bad list or shard).
int run_batch(const BatchOptions& opts);
int run_merge(const MergeOptions& opts);
int run_export_osv(const ExportOsvOptions& opts);

}  // namespace gs::batch
