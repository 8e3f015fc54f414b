// The batch run: items -> shard -> skip what the ledger has -> a fixed pool of worker
// threads, each running one child `gosandbox analyze` at a time -> one record per item,
// appended to the ledger (durable) and then put into SQLite. An interrupted batch leaves
// in-flight items unrecorded, so --resume runs them again from a clean run directory.
#include "batch/runner.h"

#include <sys/stat.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/fs.h"
#include "batch/dataset.h"
#include "batch/export.h"
#include "batch/input.h"
#include "batch/ledger.h"
#include "batch/record.h"
#include "child.h"
#include "progress.h"

namespace gs::batch {
namespace {
using nlohmann::json;

// Shared state of one batch run. Workers only take items and hand records to `record`.
struct Run {
  const BatchOptions& opts;
  std::string shard;
  std::vector<Item> todo;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};  // interrupted, or the ledger failed
  std::mutex record_mu;
  Ledger* ledger;
  Dataset* dataset;
  Progress* progress;
  std::string fatal;

  bool stopping() const { return stop.load() || (opts.interrupted && opts.interrupted() != 0); }
};

std::string last_line(const std::string& path) {
  auto text = read_file(path, 1 << 20);
  if (!text) return "";
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  auto nl = s.rfind('\n');
  s = nl == std::string::npos ? s : s.substr(nl + 1);
  return s.size() > 2000 ? s.substr(0, 2000) : s;
}

std::vector<std::string> analyze_argv(const BatchOptions& o, const Item& it, const std::string& dir) {
  std::vector<std::string> argv = {o.self_exe, "analyze", it.id, "--out", dir, "--format", "json"};
  argv.insert(argv.end(), o.analyze_args.begin(), o.analyze_args.end());
  return argv;
}

// An analysis of a batch that died gets SIGTERM from the kernel and may still be writing
// its report into the run directory: it must be gone before the directory is reused.
void stop_orphan(const std::string& dir) {
  auto text = read_file(dir + "/analyze.pid", 64);
  if (!text) return;
  pid_t pid = static_cast<pid_t>(std::atol(text->c_str()));
  if (pid <= 1) return;
  for (int i = 0; i < 200; ++i) {
    auto cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline", 1 << 16);
    if (!cmd || cmd->find(dir) == std::string::npos) return;  // gone, or the pid was reused
    if (i == 100) ::kill(pid, SIGKILL);  // 10 s to finish its own cleanup
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Runs the child; nullopt when the batch is stopping and the item must stay pending.
std::optional<RunOutcome> analyse(Run& run, const Item& it) {
  RunOutcome out;
  out.run_dir = "runs/" + safe_name(it.id);
  const std::string dir = run.opts.out_dir + "/" + out.run_dir;
  out.started_at = now_rfc3339();
  // A run directory left by a crashed attempt holds nothing we trust.
  stop_orphan(dir);
  (void)remove_tree(dir);
  if (auto st = make_dirs(dir); !st) {
    out.host_error = st.error().message();
    return out;
  }
  ChildSpec spec;
  spec.argv = analyze_argv(run.opts, it, dir);
  spec.stdout_path = dir + "/analyze.stdout";
  spec.stderr_path = dir + "/analyze.stderr";
  spec.pid_file = dir + "/analyze.pid";
  spec.budget = std::chrono::milliseconds(static_cast<int64_t>(run.opts.budget_s * 1000));
  spec.grace = std::chrono::milliseconds(static_cast<int64_t>(run.opts.grace_s * 1000));
  spec.cancelled = [&run] { return run.stopping(); };
  ChildResult c = run_child(spec);
  if (c.cancelled) return std::nullopt;
  out.exit_code = c.exit_code;
  out.signal = c.signal;
  out.over_budget = c.over_budget;
  out.host_error = c.host_error;
  out.wall_ms = c.wall_ms;
  out.finished_at = now_rfc3339();
  out.stderr_tail = last_line(spec.stderr_path);
  (void)::unlink(spec.stdout_path.c_str());  // the report is in report.json
  (void)::unlink(spec.pid_file.c_str());
  if (auto text = read_file(dir + "/report.json"); text) {
    auto j = json::parse(*text, nullptr, false);
    if (!j.is_discarded() && j.is_object()) out.report = std::move(j);
  }
  return out;
}

void record(Run& run, const json& rec) {
  std::lock_guard lock(run.record_mu);
  if (run.stop) return;
  if (auto st = run.ledger->append(rec); !st) {
    // Without a durable ledger nothing can be counted as done: stop, resume later.
    run.fatal = st.error().message();
    run.stop = true;
    return;
  }
  if (auto st = run.dataset->put(rec); !st)
    std::cerr << "\ngosandbox batch: " << rec["id"].get<std::string>()
              << ": not in the database yet (the next --resume or merge adds it): " << st.error().message() << "\n";
  run.progress->done(rec["verdict"].get<std::string>());
}

void work(Run& run) {
  for (;;) {
    if (run.stopping()) return;
    size_t i = run.next.fetch_add(1);
    if (i >= run.todo.size()) return;
    const Item& it = run.todo[i];
    std::optional<RunOutcome> out = RunOutcome{};
    if (it.bad_input.empty()) {
      out = analyse(run, it);
      // A host fault says nothing about the module: one more try before recording it.
      if (out && !out->host_error.empty() && !run.stopping()) out = analyse(run, it);
    }
    if (!out) return;
    record(run, make_record(it, *out, run.shard));
  }
}

Result<std::vector<Item>> load_items(const BatchOptions& o, Shard shard) {
  std::vector<Item> items;
  if (o.list == "-") {
    items = read_items(std::cin);
  } else {
    struct stat st {};
    if (::stat(o.list.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return error("'" + o.list + "' is a directory, not a list of modules");
    std::ifstream in(o.list);
    if (!in) return sys_error("open('" + o.list + "')");
    items = read_items(in);
  }
  return select_shard(std::move(items), shard);
}

// Records the ledger has and the database lacks (a crash between the two writes).
Status sync_dataset(Ledger& ledger, Dataset& ds) {
  GS_ASSIGN_OR_RETURN(auto in_db, ds.ids());
  if (in_db.size() == ledger.size()) return {};
  auto skipped = for_each_record(ledger.path(), [&](json&& r) -> Status {
    if (in_db.count(r["id"].get<std::string>())) return {};
    return ds.put(r);
  });
  if (!skipped) return skipped.take_error();
  return {};
}

int fail(const std::string& msg, int code = 1) {
  std::cerr << "gosandbox batch: " << msg << "\n";
  return code;
}

}  // namespace

int run_batch(const BatchOptions& opts) {
  auto shard = parse_shard(opts.shard);
  if (!shard) return fail(shard.error().message(), 2);
  auto items = load_items(opts, *shard);
  if (!items) return fail(items.error().message(), 2);
  if (auto st = make_dirs(opts.out_dir); !st) return fail(st.error().message());
  auto ledger = Ledger::open(opts.out_dir + "/records.jsonl");
  if (!ledger) return fail(ledger.error().message());
  if (ledger->size() > 0 && !opts.resume)
    return fail(opts.out_dir + " already holds a batch (" + std::to_string(ledger->size()) +
                    " records): pass --resume to continue it, or choose another --out",
                2);
  auto ds = Dataset::open(opts.db.empty() ? opts.out_dir + "/dataset.sqlite" : opts.db);
  if (!ds) return fail(ds.error().message());
  if (auto st = sync_dataset(*ledger, *ds); !st) return fail(st.error().message());

  std::vector<Item> todo;
  for (auto& it : *items)
    if (!ledger->has(it.id)) todo.push_back(std::move(it));
  const size_t total = items->size();
  Progress progress(total, total - todo.size(), ::isatty(STDERR_FILENO) != 0,
                    std::chrono::milliseconds(static_cast<int64_t>(opts.log_interval_s * 1000)), stderr);
  Run run{opts, opts.shard, std::move(todo)};
  run.ledger = &*ledger;
  run.dataset = &*ds;
  run.progress = &progress;
  progress.tick();
  {
    const unsigned jobs = std::max(1u, opts.jobs);
    std::atomic<unsigned> finished{0};
    std::vector<std::jthread> workers;
    for (unsigned j = 0; j < jobs; ++j)
      workers.emplace_back([&run, &finished] {
        work(run);
        ++finished;
      });
    while (finished.load() < jobs) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      progress.tick();
    }
  }  // joins the workers: every child has been reaped
  progress.finish();
  if (!run.fatal.empty()) return fail("stopped: " + run.fatal + " (fix it, then --resume)");
  if (opts.interrupted && opts.interrupted())
    return fail("interrupted: " + std::to_string(ledger->size()) + " records kept; --resume continues");
  std::cerr << "gosandbox batch: " << total << " items, all recorded in " << opts.out_dir << "/records.jsonl\n";
  return 0;
}

int run_merge(const MergeOptions& opts) {
  auto stats = merge(opts.sources, opts.out_dir);
  if (!stats) {
    std::cerr << "gosandbox merge: " << stats.error().message() << "\n";
    return 1;
  }
  std::cerr << "gosandbox merge: " << stats->records << " records (" << stats->duplicates
            << " duplicates dropped) in " << opts.out_dir << "/records.jsonl and dataset.sqlite\n";
  return 0;
}

int run_export_osv(const ExportOsvOptions& opts) {
  auto n = export_osv(opts.source, opts.out_dir);
  if (!n) {
    std::cerr << "gosandbox export osv: " << n.error().message() << "\n";
    return 1;
  }
  std::cerr << "gosandbox export osv: " << *n << " OSV records in " << opts.out_dir << "\n";
  return 0;
}

}  // namespace gs::batch
