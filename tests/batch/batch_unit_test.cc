// Unit tests of the batch library: input lines and the module index format, sharding,
// records and error kinds, the crash-safe ledger, the SQLite dataset and merge, OSV.
// No root, no child processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>

#include "base/fs.h"
#include "batch/cli.h"
#include "batch/dataset.h"
#include "batch/export.h"
#include "batch/input.h"
#include "batch/ledger.h"
#include "batch/record.h"
#include "schema_lite.h"

namespace gs::batch {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("gs-batch-unit-" + std::to_string(::getpid()) + "-" + std::to_string(n_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
  static inline int n_ = 0;
};

std::vector<Item> items_of(const std::string& text) {
  std::istringstream in(text);
  return read_items(in);
}

TEST(BatchInput, ModuleAtVersionAndIndexLinesDeduplicated) {
  auto items = items_of(
      "# a comment\n"
      "github.com/google/uuid@v1.3.0\n"
      "\n"
      "{\"Path\":\"golang.org/x/sys\",\"Version\":\"v0.1.0\",\"Timestamp\":\"2019-04-10T19:08:52.997264Z\"}\n"
      "  github.com/google/uuid@v1.3.0  \r\n"
      "{\"Path\":\"github.com/google/uuid\",\"Version\":\"v1.3.0\",\"Timestamp\":\"2021-07-12T22:33:52Z\"}\n"
      "example.test/a@v1.0.0-20200101000000-abcdefabcdef\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id, "github.com/google/uuid@v1.3.0");
  EXPECT_EQ(items[0].module, "github.com/google/uuid");
  EXPECT_EQ(items[0].version, "v1.3.0");
  EXPECT_EQ(items[0].line, 2u);
  EXPECT_EQ(items[1].id, "golang.org/x/sys@v0.1.0");
  EXPECT_EQ(items[2].version, "v1.0.0-20200101000000-abcdefabcdef");
  for (const auto& it : items) EXPECT_TRUE(it.bad_input.empty()) << it.id;
}

TEST(BatchInput, BadLinesBecomeItemsWithAReason) {
  auto items = items_of(
      "no-version-here\n"
      "{\"Path\": 3}\n"
      "{not json\n"
      "example.test/x@1.0\n"
      "../../etc@v1.0.0\n"
      "example.test/a b@v1\n"
      "no-version-here\n"
      "example.test/\xff\xfe@v1.0.0\n" +
      std::string(600, 'a') + "@v1.0.0\n");
  ASSERT_EQ(items.size(), 8u) << "the repeated bad line is one item";
  std::set<std::string> ids;
  for (const auto& it : items) {
    EXPECT_FALSE(it.bad_input.empty()) << it.raw;
    EXPECT_TRUE(it.id.starts_with("bad-input:")) << it.id;
    ids.insert(it.id);
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(items[3].bad_input, "version does not start with 'v'");
  EXPECT_NE(items[4].bad_input.find("'..'"), std::string::npos);
  EXPECT_EQ(items[6].bad_input, "module path is not ASCII (Go module paths and versions are)");
  EXPECT_EQ(items[7].bad_input, "module path is longer than 500 bytes");
  EXPECT_LT(items[7].id.size(), 40u);
}

TEST(BatchShard, EveryItemInExactlyOneShard) {
  std::vector<Item> all;
  for (int i = 0; i < 5000; ++i) {
    auto it = parse_line("example.test/m" + std::to_string(i) + "@v1." + std::to_string(i % 7) + ".0", i + 1);
    all.push_back(*it);
  }
  for (uint32_t n : {1u, 2u, 7u, 64u}) {
    std::map<std::string, int> seen;
    size_t smallest = all.size(), largest = 0;
    for (uint32_t k = 0; k < n; ++k) {
      auto part = select_shard(all, Shard{k, n});
      smallest = std::min(smallest, part.size());
      largest = std::max(largest, part.size());
      for (const auto& it : part) ++seen[it.id];
    }
    EXPECT_EQ(seen.size(), all.size()) << n;
    for (const auto& [id, count] : seen) ASSERT_EQ(count, 1) << id << " in shards of " << n;
    if (n <= 7) {
      EXPECT_LT(largest - smallest, all.size() / n / 4) << "balanced enough for " << n;
    }
  }
}

TEST(BatchShard, StableAcrossBuildsAndHosts) {
  // FNV-1a 64 of the id: pinned, so a re-run on another host assigns the same shards.
  EXPECT_EQ(shard_of("github.com/google/uuid@v1.3.0", 1), 0u);
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : std::string("github.com/google/uuid@v1.3.0")) h = (h ^ c) * 1099511628211ull;
  EXPECT_EQ(shard_of("github.com/google/uuid@v1.3.0", 10), h % 10);
}

TEST(BatchShard, ParsesKOverN) {
  auto s = parse_shard("3/8");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 3u);
  EXPECT_EQ(s->count, 8u);
  for (const char* bad : {"8/8", "1/0", "x/2", "1", "-1/2", "1/2/3", "/2", "1/"})
    EXPECT_FALSE(parse_shard(bad).ok()) << bad;
}

json report(const std::string& verdict, const std::string& error = "") {
  json r = {{"schema_version", 1},
            {"tool", {{"name", "gosandbox"}, {"version", "0.1.0"}}},
            {"module", {{"path", "example.test/m"}, {"version", "v1.0.0"}, {"source", "proxy"},
                        {"sum", "h1:abc="}, {"zip_sha256", std::string(64, 'a')}}},
            {"duration_ms", 5000},
            {"verdict", verdict},
            {"score", verdict == "malicious" ? 90 : 0},
            {"findings", json::array()},
            {"phases", json::array({{{"name", "fetch"}, {"status", "ok"}, {"duration_ms", 300}},
                                    {{"name", "build"}, {"status", "ok"}, {"duration_ms", 1000}},
                                    {{"name", "build"}, {"status", "ok"}, {"duration_ms", 500}},
                                    {{"name", "test"}, {"status", "ok"}, {"duration_ms", 700}}})},
            {"processes", json::array({{{"id", 7}, {"pid", 1}, {"ppid", 0}, {"phase", "init"}, {"exe", "/bin/sh"},
                                        {"argv", {"sh", "-c", "x"}}, {"start_ms", 1}}})},
            {"files", json::array({{{"path", "/etc/passwd"}, {"phase", "init"}, {"ops", {"read"}}},
                                   {{"path", "/dev/sda"}, {"phase", "init"}, {"ops", {"write"}}, {"failed", true},
                                    {"result", -13}, {"error", "EACCES"}}})},
            {"network", {{"connections", json::array({{{"proto", "tcp"}, {"dst_ip", "192.0.2.1"}, {"dst_port", 4444},
                                                       {"hostname", nullptr}, {"attempts", 5},
                                                       {"http", {{"method", "GET"}, {"path", "/x"}}}}})},
                         {"dns", json::array({{{"name", "c2.example"}, {"type", "A"}, {"count", 2}, {"first_ms", 3}}})},
                         {"beacons", json::array({{{"destination", "192.0.2.1:4444"}, {"attempts", 5},
                                                   {"median_interval_ms", 1000.0}, {"jitter", 0.01},
                                                   {"score", 0.9}, {"confidence", "high"}}})},
                         {"listeners", json::array({{{"proto", "tcp"}, {"ip", "::"}, {"port", 4444},
                                                     {"loopback", false}, {"program", "/work/out/initrunner"},
                                                     {"count", 1}, {"first_ms", 7}, {"phases", {"init"}}}})}}},
            {"syscalls", {{"counts", {{"read", 10}, {"connect", 5}}}, {"denied", json::array()}}},
            {"trace", {{"events", 100}, {"lost", 0}, {"complete", true}}}};
  if (verdict == "malicious")
    r["findings"] = json::array({{{"rule", "reverse-shell"}, {"severity", "critical"}, {"phase", "init"},
                                  {"summary", "a shell with its stdio on a socket to 192.0.2.1:4444"},
                                  {"evidence", {1, 2}}, {"attack", "T1059"}}});
  if (!error.empty()) r["error"] = error;
  return r;
}

Item item(const std::string& id) { return *parse_line(id, 1); }

RunOutcome exited(int code, std::optional<json> rep) {
  RunOutcome o;
  o.exit_code = code;
  o.report = std::move(rep);
  o.wall_ms = 6000;
  o.run_dir = "runs/x";
  return o;
}

TEST(BatchRecord, PhaseTimesAreSummedPerPhase) {
  json ms = phase_ms(report("clean"));
  EXPECT_EQ(ms["fetch"], 300);
  EXPECT_EQ(ms["build"], 1500);
  EXPECT_EQ(ms["test"], 700);
  EXPECT_EQ(ms["init"], 0);
  EXPECT_EQ(ms.size(), 6u) << "every phase has a column";
}

TEST(BatchRecord, VerdictsAndErrorKinds) {
  auto kind = [](const RunOutcome& o) { return make_record(item("example.test/m@v1.0.0"), o, "0/1"); };
  json clean = kind(exited(0, report("clean")));
  EXPECT_EQ(clean["status"], "ok");
  EXPECT_EQ(clean["verdict"], "clean");
  EXPECT_TRUE(clean["error_kind"].is_null());
  EXPECT_EQ(clean["syscall_counts"].size(), 2u);
  EXPECT_TRUE(clean["processes"][0]["id"].is_string());

  json bad_build = report("error", "the module does not build (example.test/m: undefined: x)");
  EXPECT_EQ(kind(exited(1, bad_build))["error_kind"], kBuildFailed);
  json no_fetch = report("error", "go mod download: example.test/m@v9.9.9: not found");
  no_fetch["phases"] = json::array({{{"name", "fetch"}, {"status", "failed"}, {"duration_ms", 10}}});
  json r = kind(exited(1, no_fetch));
  EXPECT_EQ(r["error_kind"], kFetchFailed);
  EXPECT_EQ(r["verdict"], "error");
  EXPECT_NE(r["error"].get<std::string>().find("not found"), std::string::npos);

  RunOutcome budget = exited(1, report("error", "interrupted by signal 15 (Terminated)"));
  budget.over_budget = true;
  EXPECT_EQ(kind(budget)["error_kind"], kTimeout);
  EXPECT_EQ(kind(budget)["verdict"], "error");
  // stopped at the budget with a verdict its evidence already gave: the verdict stays
  RunOutcome seen = exited(4, report("malicious", "interrupted by signal 15 (Terminated)"));
  seen.over_budget = true;
  EXPECT_EQ(kind(seen)["error_kind"], kTimeout);
  EXPECT_EQ(kind(seen)["verdict"], "malicious");
  EXPECT_EQ(kind(seen)["score"], 90);
  RunOutcome killed;
  killed.signal = 9;
  EXPECT_EQ(kind(killed)["error_kind"], kCrashed);
  EXPECT_EQ(kind(killed)["error"], "analysis killed by signal 9");
  EXPECT_EQ(kind(exited(139, std::nullopt))["error_kind"], kCrashed);
  EXPECT_EQ(kind(exited(0, std::nullopt))["error_kind"], kCrashed) << "exit 0 without a report";
  RunOutcome host;
  host.host_error = "fork: Resource temporarily unavailable";
  EXPECT_EQ(kind(host)["error_kind"], kHostFault);
  EXPECT_EQ(kind(exited(1, report("error", "cgroup: cannot create")))["error_kind"], kHostFault);

  json bad = make_record(item("nonsense"), RunOutcome{}, "0/1");
  EXPECT_EQ(bad["error_kind"], kBadInput);
  EXPECT_EQ(bad["status"], "error");
}

TEST(BatchLedger, AppendsAreDurableAndTornTailsDropped) {
  TempDir d;
  const std::string path = d / "records.jsonl";
  {
    auto l = Ledger::open(path);
    ASSERT_TRUE(l.ok()) << l.error().message();
    ASSERT_TRUE(l->append({{"id", "a@v1"}}).ok());
    ASSERT_TRUE(l->append({{"id", "b@v1"}}).ok());
    EXPECT_FALSE(l->append({{"id", "a@v1"}}).ok()) << "a second record for one id is refused";
    EXPECT_FALSE(Ledger::open(path).ok()) << "a second writer is locked out";
  }
  // A crash in the middle of an append, and a line corrupted by a power loss.
  {
    std::string text = *read_file(path);
    ASSERT_TRUE(write_file_atomic(path, text + "\0\0\0{\"id\":\"zz@v1\"}\n{\"id\":\"a@v1\"}\n{\"id\":\"c@v1\",\"x\"").ok());
  }
  auto l = Ledger::open(path);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->ids(), (std::set<std::string>{"a@v1", "b@v1"}));
  ASSERT_TRUE(l->append({{"id", "c@v1"}}).ok());
  EXPECT_EQ(*read_file(path), "{\"id\":\"a@v1\"}\n{\"id\":\"b@v1\"}\n{\"id\":\"c@v1\"}\n");
  std::vector<std::string> seen;
  ASSERT_TRUE(for_each_record(path, [&](json&& r) -> Status {
                seen.push_back(r["id"]);
                return {};
              }).ok());
  EXPECT_EQ(seen.size(), 3u);
}

json rec(const std::string& id, const std::string& verdict, const std::string& shard = "0/1") {
  RunOutcome o = exited(verdict == "error" ? 1 : 0,
                        report(verdict, verdict == "error" ? "the module does not build (x)" : ""));
  return make_record(*parse_line(id, 1), o, shard);
}

int64_t count(Dataset& ds, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(ds.handle(), sql.c_str(), -1, &raw, nullptr), SQLITE_OK) << sql;
  SqliteStmt s(raw);
  EXPECT_EQ(sqlite3_step(s.get()), SQLITE_ROW) << sql;
  return sqlite3_column_int64(s.get(), 0);
}

TEST(BatchDataset, NormalisedTablesIndexesAndIdempotentPuts) {
  TempDir d;
  auto ds = Dataset::open(d / "d.sqlite");
  ASSERT_TRUE(ds.ok()) << ds.error().message();
  for (const char* t : {"analyses", "findings", "processes", "files", "connections", "dns", "beacons",
                        "listeners", "syscall_counts", "meta"})
    EXPECT_EQ(count(*ds, std::string("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='") + t + "'"), 1)
        << t;
  EXPECT_GE(count(*ds, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name NOT LIKE 'sqlite_%'"), 15);
  json m = rec("example.test/m@v1.0.0", "malicious");
  auto first = ds->put(m);
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(ds->put(m).ok()) << "a replayed record replaces, never duplicates";
  ASSERT_TRUE(ds->put(rec("example.test/b@v1.0.0", "error")).ok());
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM analyses"), 2);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM findings WHERE rule='reverse-shell'"), 1);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM connections WHERE dst_port=4444 AND http_method='GET'"), 2);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM syscall_counts WHERE analysis_id='example.test/m@v1.0.0'"), 2);
  EXPECT_EQ(count(*ds, "SELECT build_ms FROM analyses WHERE id='example.test/m@v1.0.0'"), 1500);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM analyses WHERE error_kind='build_failed'"), 1);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM dns WHERE name='c2.example'"), 2);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM listeners WHERE port=4444 AND loopback=0 AND "
                       "json_extract(phases, '$[0]')='init'"), 2);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM analyses WHERE json_extract(record, '$.verdict')='malicious'"), 1);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM files WHERE path='/dev/sda' AND result=-13 AND error='EACCES'"), 2);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM files WHERE path='/etc/passwd' AND result IS NULL"), 2);
  auto ids = ds->ids();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 2u);
}

// A dataset made before files.result/error existed gains them and takes new records.
TEST(BatchDataset, OlderDatasetsAreUpgradedInPlace) {
  TempDir d;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open((d / "old.sqlite").c_str(), &raw), SQLITE_OK);
    std::string ddl = dataset_schema_sql();
    auto at = ddl.find(",\n  result INTEGER, error TEXT);");
    ASSERT_NE(at, std::string::npos);
    ddl.replace(at, ddl.find('\n', at + 2) - at, ");");
    ASSERT_EQ(sqlite3_exec(raw, ddl.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto ds = Dataset::open(d / "old.sqlite");
  ASSERT_TRUE(ds.ok()) << ds.error().message();
  ASSERT_TRUE(ds->put(rec("example.test/m@v1.0.0", "malicious")).ok());
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM files WHERE error='EACCES'"), 1);
  EXPECT_EQ(count(*ds, "SELECT value FROM meta WHERE key='schema_version'"), kDatasetSchemaVersion);
}

TEST(BatchMerge, ShardsFoldIntoOneDatasetWithoutDuplicates) {
  TempDir d;
  {
    auto a = Ledger::open(d / "a.jsonl");
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(a->append(rec("m1@v1.0.0", "clean", "0/2")).ok());
    ASSERT_TRUE(a->append(rec("m2@v1.0.0", "error", "0/2")).ok());
  }
  fs::create_directories(d / "shard1");
  {
    auto b = Ledger::open(d / "shard1/records.jsonl");
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(b->append(rec("m3@v1.0.0", "malicious", "1/2")).ok());
    ASSERT_TRUE(b->append(rec("m2@v1.0.0", "clean", "1/2")).ok());  // a rerun that worked
  }
  {
    auto c = Dataset::open(d / "c.sqlite");
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->put(rec("m4@v1.0.0", "suspicious")).ok());
    ASSERT_TRUE(c->put(rec("m1@v1.0.0", "clean")).ok());
  }
  auto st = merge({d / "a.jsonl", d / "shard1", d / "c.sqlite"}, d / "merged");
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->records, 4u);
  EXPECT_EQ(st->duplicates, 2u);
  auto ds = Dataset::open(d / "merged/dataset.sqlite");
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM analyses"), 4);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM analyses WHERE id='m2@v1.0.0' AND status='ok'"), 1);
  EXPECT_EQ(count(*ds, "SELECT count(*) FROM findings"), 1);
  size_t lines = 0;
  ASSERT_TRUE(for_each_record(d / "merged/records.jsonl", [&](json&&) -> Status {
                ++lines;
                return {};
              }).ok());
  EXPECT_EQ(lines, 4u);
  // Merging the merged dataset again changes nothing.
  auto again = merge({d / "merged", d / "merged/dataset.sqlite"}, d / "merged2");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records, 4u);
  // A merge never replaces a dataset (a batch may be writing it): name it as a source.
  auto over = merge({d / "a.jsonl"}, d / "merged");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("already holds records.jsonl"), std::string::npos);
  EXPECT_EQ(merge({d / "merged2"}, d / "merged").ok(), false);
}

TEST(BatchOsv, MaliciousRecordsOnlyAndValidAgainstTheOsvSchema) {
  TempDir d;
  {
    auto l = Ledger::open(d / "records.jsonl");
    ASSERT_TRUE(l.ok());
    ASSERT_TRUE(l->append(rec("example.test/revshell@v1.0.0", "malicious")).ok());
    ASSERT_TRUE(l->append(rec("example.test/clean@v1.0.0", "clean")).ok());
    ASSERT_TRUE(l->append(rec("example.test/broken@v1.0.0", "error")).ok());
  }
  {
    // a record from elsewhere whose module path climbs out of --out is skipped
    auto l = Ledger::open(d / "records.jsonl");
    ASSERT_TRUE(l.ok());
    json evil = rec("example.test/evil@v1.0.0", "malicious");
    evil["id"] = "example.test/../../../evil@v1.0.0", evil["module"] = "example.test/../../../evil";
    ASSERT_TRUE(l->append(evil).ok());
  }
  auto n = export_osv(d.str(), d / "osv");
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, 1u);
  EXPECT_FALSE(fs::exists(d / "evil"));
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(d / "osv"))
    if (e.is_regular_file()) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].parent_path(), fs::path(d / "osv/go/example.test/revshell"));
  json osv = json::parse(*read_file(files[0].string()));
  auto schema = json::parse(*read_file(std::string(GS_SOURCE_DIR) + "/tests/batch/osv.schema.json"));
  auto errs = testsupport::validate(schema, osv);
  EXPECT_TRUE(errs.empty()) << errs.front();
  EXPECT_TRUE(std::regex_match(osv["id"].get<std::string>(), std::regex("MAL-0000-[A-Za-z0-9-]+")));
  const std::regex rfc3339("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
  EXPECT_TRUE(std::regex_match(osv["modified"].get<std::string>(), rfc3339));
  const json& a = osv["affected"][0];
  EXPECT_EQ(a["package"]["ecosystem"], "Go");
  EXPECT_EQ(a["package"]["name"], "example.test/revshell");
  EXPECT_EQ(a["versions"], json::array({"v1.0.0"}));
  const json& ev = osv["database_specific"]["gosandbox"];
  EXPECT_EQ(ev["findings"][0]["rule"], "reverse-shell");
  EXPECT_EQ(ev["beacons"].size(), 1u);
  EXPECT_NE(osv["details"].get<std::string>().find("reverse-shell"), std::string::npos);
}

Parsed parse(std::vector<std::string> args, BatchCommands& out) {
  CLI::App app;
  auto subs = add_batch_commands(app, out);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return finish_batch_commands(subs, out);
}

TEST(BatchCli, OptionsAndPassThroughToAnalyze) {
  BatchCommands c;
  ASSERT_EQ(parse({"batch", "-", "--jobs", "2", "--shard", "3/8", "--resume", "--budget", "60", "--window", "1",
                   "--phases", "build,init", "--no-trace", "--goproxy", "file:///p", "--out", "o"},
                  c),
            Parsed::kBatch);
  EXPECT_EQ(c.batch.list, "-");
  EXPECT_EQ(c.batch.jobs, 2u);
  EXPECT_EQ(c.batch.shard, "3/8");
  EXPECT_TRUE(c.batch.resume);
  EXPECT_EQ(c.batch.budget_s, 60);
  EXPECT_EQ(c.batch.out_dir, "o");
  EXPECT_EQ(c.batch.analyze_args, (std::vector<std::string>{"--goproxy", "file:///p", "--window", "1", "--phases",
                                                            "build,init", "--no-trace"}));
  BatchCommands m;
  EXPECT_EQ(parse({"merge", "a", "b.sqlite", "--out", "m"}, m), Parsed::kMerge);
  EXPECT_EQ(m.merge.sources, (std::vector<std::string>{"a", "b.sqlite"}));
  BatchCommands o;
  EXPECT_EQ(parse({"export", "osv", "ds", "--out", "x"}, o), Parsed::kExportOsv);
  EXPECT_EQ(o.osv.source, "ds");
  BatchCommands bad;
  EXPECT_THROW(parse({"batch", "l", "--jobs", "0"}, bad), CLI::ParseError);
  EXPECT_THROW(parse({"batch", "l", "--network", "real"}, bad), CLI::ParseError);
}

}  // namespace
}  // namespace gs::batch
