// CLI11 declarations of the batch subcommands; see batch/cli.h.
#include "batch/cli.h"

namespace gs::batch {

BatchSubcommands add_batch_commands(CLI::App& app, BatchCommands& o) {
  BatchSubcommands s;
  s.batch = app.add_subcommand("batch", "Analyse a list of module versions, one record each, resumable");
  auto* b = s.batch;
  b->add_option("list", o.batch.list, "File of module@version or Go module index JSON lines; - for stdin")
      ->required();
  b->add_option("--out", o.batch.out_dir, "Output directory: records.jsonl, dataset.sqlite, runs/")
      ->capture_default_str();
  b->add_option("--db", o.batch.db, "SQLite dataset (default <out>/dataset.sqlite)");
  b->add_option("--jobs", o.batch.jobs, "Analyses in parallel")->check(CLI::Range(1u, 256u))->capture_default_str();
  b->add_flag("--resume", o.batch.resume, "Continue the batch in --out: skip recorded items, redo the rest");
  b->add_option("--shard", o.batch.shard, "Analyse shard K of N (0-based), e.g. $JOB_COMPLETION_INDEX/N")
      ->capture_default_str();
  b->add_option("--budget", o.batch.budget_s, "Time budget per module, seconds (then SIGTERM, then SIGKILL)")
      ->check(CLI::Range(1.0, 604800.0))
      ->capture_default_str();
  b->add_option("--grace", o.batch.grace_s, "Seconds between SIGTERM and SIGKILL at the budget")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  b->add_option("--log-interval", o.batch.log_interval_s, "Seconds between progress lines when not on a TTY")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  b->add_option("--goproxy", o.goproxy, "Passed to analyze");
  b->add_option("--window", o.window, "Passed to analyze")->check(CLI::Range(0.1, 86400.0));
  b->add_option("--phases", o.phases, "Passed to analyze");
  b->add_option("--network", o.network, "Passed to analyze")->check(CLI::IsMember({"fake", "none"}));
  b->add_option("--profile", o.profile, "Passed to analyze");
  b->add_option("--test-timeout", o.test_timeout, "Passed to analyze")->check(CLI::Range(1.0, 86400.0));
  b->add_flag("--no-trace", o.no_trace, "Passed to analyze");
  b->add_option("--cache-dir", o.cache_dir, "Passed to analyze");

  s.merge = app.add_subcommand("merge", "Merge batch outputs (per-shard directories, .jsonl, .sqlite) into one");
  s.merge->add_option("sources", o.merge.sources, "Batch output directories, records .jsonl or .sqlite files")
      ->required();
  s.merge->add_option("--out", o.merge.out_dir, "Directory for the merged records.jsonl and dataset.sqlite")
      ->required();

  auto* exp = app.add_subcommand("export", "Export a dataset");
  exp->require_subcommand(1);
  s.export_osv = exp->add_subcommand("osv", "OSV records (ossf/malicious-packages style) for malicious modules");
  s.export_osv->add_option("source", o.osv.source, "Batch output directory, records .jsonl or .sqlite")->required();
  s.export_osv->add_option("--out", o.osv.out_dir, "Directory for the OSV files")->capture_default_str();
  return s;
}

Parsed finish_batch_commands(const BatchSubcommands& s, BatchCommands& o) {
  if (s.merge && s.merge->parsed()) return Parsed::kMerge;
  if (s.export_osv && s.export_osv->parsed()) return Parsed::kExportOsv;
  if (!s.batch || !s.batch->parsed()) return Parsed::kNone;
  auto pass = [&](const char* flag, const std::string& value) {
    if (value.empty()) return;
    o.batch.analyze_args.push_back(flag);
    o.batch.analyze_args.push_back(value);
  };
  pass("--goproxy", o.goproxy);
  pass("--window", o.window);
  pass("--phases", o.phases);
  pass("--network", o.network);
  pass("--profile", o.profile);
  pass("--test-timeout", o.test_timeout);
  pass("--cache-dir", o.cache_dir);
  if (o.no_trace) o.batch.analyze_args.push_back("--no-trace");
  return Parsed::kBatch;
}

}  // namespace gs::batch
