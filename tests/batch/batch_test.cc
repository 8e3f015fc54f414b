// Privileged end-to-end test of `gosandbox batch`: a list mixing real Debian modules,
// malicious and broken fixtures, a nonexistent version, a hanging module, a duplicate and
// a bad line, served by a file:// GOPROXY. The batch is killed with SIGKILL mid-run and
// resumed; afterwards every input item has exactly one record with the right status, the
// SQLite dataset agrees with the ledger, no analysis outlived the killed batch, and the
// malicious fixture exports to OSV.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "base/fs.h"
#include "batch/dataset.h"
#include "batch/ledger.h"
#include "goproxy.h"
#include "privileged.h"

namespace gs::batch {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kFixtures = std::string(GS_SOURCE_DIR) + "/tests/fixtures/modules";
const std::string kGosandbox = std::string(GS_BINARY_DIR) + "/harness/gosandbox";

// The hanging module goes last, so the kill lands while short analyses run.
const char* kList =
    "# fixtures, real modules, a missing version, a duplicate, a bad line\n"
    "example.test/testonly@v1.0.0\n"
    "example.test/broken@v1.0.0\n"
    "github.com/google/uuid@v1.0.0\n"
    "{\"Path\":\"github.com/pkg/errors\",\"Version\":\"v1.0.0\",\"Timestamp\":\"2019-01-03T19:31:39Z\"}\n"
    "example.test/revshell@v1.0.0\n"
    "example.test/testonly@v9.9.9\n"
    "example.test/initgoroutine@v1.0.0\n"
    "github.com/google/uuid@v1.0.0\n"
    "this line names no module\n"
    "example.test/hangtest@v1.0.0\n";

struct Expect {
  std::string status, verdict, error_kind;
};
const std::map<std::string, Expect> kExpected = {
    {"example.test/testonly@v1.0.0", {"ok", "clean", ""}},
    {"example.test/broken@v1.0.0", {"error", "error", "build_failed"}},
    {"github.com/google/uuid@v1.0.0", {"ok", "clean", ""}},
    {"github.com/pkg/errors@v1.0.0", {"ok", "clean", ""}},
    {"example.test/revshell@v1.0.0", {"ok", "", ""}},  // verdict: see below
    {"example.test/testonly@v9.9.9", {"error", "error", "fetch_failed"}},
    {"example.test/initgoroutine@v1.0.0", {"ok", "clean", ""}},
    {"example.test/hangtest@v1.0.0", {"error", "error", "timeout"}},
};

class Batch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    root_ = fs::temp_directory_path() / ("gs-batch-test-" + std::to_string(::getpid()));
    proxy_ = (root_ / "proxy").string();
    for (const char* m : {"testonly", "broken", "hangtest", "revshell", "initgoroutine"}) {
      auto st = testsupport::add_to_proxy(proxy_, kFixtures + "/" + m, std::string("example.test/") + m, "v1.0.0");
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
    for (const char* m : {"github.com/google/uuid", "github.com/pkg/errors"}) {
      auto st = testsupport::add_to_proxy(proxy_, std::string("/usr/share/gocode/src/") + m, m, "v1.0.0");
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
    ASSERT_TRUE(write_file_atomic((root_ / "list.txt").string(), kList).ok());
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) (void)remove_tree(root_.string());
  }
  void SetUp() override { GS_REQUIRE_ROOT(); }

  // Starts `gosandbox batch` with stderr to a log; returns its pid.
  pid_t start_batch(const std::string& out, bool resume) {
    std::vector<std::string> args = {kGosandbox, "batch", (root_ / "list.txt").string(), "--out", out,
                                     "--jobs", "2", "--goproxy", "file://" + proxy_, "--window", "1",
                                     "--phases", "build,init,test", "--test-timeout", "600",
                                     "--budget", "75", "--grace", "10", "--log-interval", "5"};
    if (resume) args.push_back("--resume");
    std::string log = out + (resume ? ".resume.log" : ".log");
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("HOME", root_.c_str(), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    return pid;
  }

  static int wait_exit(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  static size_t ledger_lines(const std::string& out) {
    auto text = read_file(out + "/records.jsonl");
    return text ? std::count(text->begin(), text->end(), '\n') : 0;
  }

  // Processes whose command line mentions `needle` (analyses of a batch name its out dir).
  static int processes_mentioning(const std::string& needle) {
    int n = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == ::getpid()) continue;
      auto cmd = read_file(e.path().string() + "/cmdline", 1 << 16);
      if (cmd && cmd->find(needle) != std::string::npos) ++n;
    }
    return n;
  }

  static inline fs::path root_;
  static inline std::string proxy_;
};

// SIGTERM (a scheduler's preemption, Ctrl-C) stops the batch promptly: the analyses in
// flight are stopped and left for --resume, the records kept are whole and unique.
TEST_F(Batch, TerminatedBatchStopsItsAnalysesAndKeepsWholeRecords) {
  const std::string out = (root_ / "term").string();
  pid_t pid = start_batch(out, false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (ledger_lines(out) < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GE(ledger_lines(out), 1u) << *read_file(out + ".log");
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(pid), 1);
  auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_LT(took.count(), 60) << "a terminated batch must not finish its list first";
  std::string log = *read_file(out + ".log");
  EXPECT_NE(log.find("interrupted: "), std::string::npos) << log;
  EXPECT_NE(log.find("--resume continues"), std::string::npos) << log;
  EXPECT_EQ(processes_mentioning(out + "/runs/"), 0) << "an analysis outlived its batch";
  std::set<std::string> ids;
  size_t lines = 0;
  std::ifstream in(out + "/records.jsonl");
  for (std::string line; std::getline(in, line); ++lines) {
    json r = json::parse(line, nullptr, false);
    ASSERT_FALSE(r.is_discarded()) << "torn record: " << line;
    EXPECT_TRUE(ids.insert(r["id"].get<std::string>()).second) << "duplicate " << r["id"];
    EXPECT_NE(r.value("error_kind", ""), "crashed") << "a stopped analysis was recorded: " << line;
  }
  EXPECT_LT(lines, 9u);
  auto ds = Dataset::open(out + "/dataset.sqlite");
  ASSERT_TRUE(ds.ok());
  auto in_db = ds->ids();
  ASSERT_TRUE(in_db.ok());
  EXPECT_EQ(*in_db, ids);
}

TEST_F(Batch, KilledMidRunAndResumedEveryItemOnceWithTheRightStatus) {
  const std::string out = (root_ / "out").string();
  pid_t pid = start_batch(out, false);
  // Kill -9 once a few records are durable and more analyses are in flight.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (ledger_lines(out) < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_GE(ledger_lines(out), 3u) << *read_file(out + ".log");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
  const size_t before = ledger_lines(out);
  EXPECT_LT(before, 9u) << "the kill landed after the end";

  // The orphaned analyses got SIGTERM from the kernel and stop by themselves.
  for (int i = 0; i < 60 && processes_mentioning(out + "/runs/") > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(processes_mentioning(out + "/runs/"), 0) << "an analysis outlived its batch";

  // Without --resume the batch refuses to touch a directory that holds one.
  EXPECT_EQ(wait_exit(start_batch(out, false)), 2);
  EXPECT_EQ(ledger_lines(out), before);

  pid = start_batch(out, true);
  ASSERT_EQ(wait_exit(pid), 0) << *read_file(out + ".resume.log");
  std::string log = *read_file(out + ".resume.log");
  EXPECT_NE(log.find("gosandbox batch: " + std::to_string(before) + "/9"), std::string::npos) << log;

  // Exactly one record per item: 8 module versions and the bad line.
  std::map<std::string, json> records;
  size_t lines = 0;
  std::ifstream in(out + "/records.jsonl");
  for (std::string line; std::getline(in, line); ++lines) {
    json r = json::parse(line);
    EXPECT_TRUE(records.emplace(r["id"].get<std::string>(), r).second) << "duplicate " << r["id"];
  }
  EXPECT_EQ(lines, 9u);
  EXPECT_EQ(records.size(), 9u);
  for (const auto& [id, want] : kExpected) {
    ASSERT_TRUE(records.count(id)) << id;
    const json& r = records[id];
    EXPECT_EQ(r["status"], want.status) << id << ": " << r["error"];
    if (!want.verdict.empty()) {
      EXPECT_EQ(r["verdict"], want.verdict) << id << ": " << r["error"];
    }
    if (!want.error_kind.empty()) {
      EXPECT_EQ(r["error_kind"], want.error_kind) << id << ": " << r["error"];
    }
    if (want.status == "ok") {
      EXPECT_GT(r["phase_ms"]["build"].get<int64_t>(), 0) << id;
      EXPECT_GT(r["wall_ms"].get<int64_t>(), r["phase_ms"]["build"].get<int64_t>()) << id;
      EXPECT_TRUE(fs::exists(out + "/" + r["run_dir"].get<std::string>() + "/report.json")) << id;
    }
  }
  size_t bad = 0;
  for (const auto& [id, r] : records) bad += r["error_kind"] == "bad_input";
  EXPECT_EQ(bad, 1u);
  // The backdoor's call home is in the record, whatever the rules made of it.
  const json& revshell = records["example.test/revshell@v1.0.0"];
  bool called_home = false;
  for (const auto& c : revshell["connections"])
    called_home |= c["dst_ip"] == "203.0.113.10" && c["dst_port"] == 4444;
  EXPECT_TRUE(called_home) << revshell["connections"].dump();

  // The SQLite dataset holds the same ids, once each.
  auto ds = Dataset::open(out + "/dataset.sqlite");
  ASSERT_TRUE(ds.ok());
  auto ids = ds->ids();
  ASSERT_TRUE(ids.ok());
  std::set<std::string> ledger_ids;
  for (const auto& [id, r] : records) ledger_ids.insert(id);
  EXPECT_EQ(*ids, ledger_ids);
  sqlite3_stmt* raw = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(ds->handle(),
                               "SELECT count(*) FROM connections WHERE analysis_id = 'example.test/revshell@v1.0.0' "
                               "AND dst_port = 4444",
                               -1, &raw, nullptr),
            SQLITE_OK);
  SqliteStmt q(raw);
  ASSERT_EQ(sqlite3_step(q.get()), SQLITE_ROW);
  EXPECT_GE(sqlite3_column_int(q.get(), 0), 1);

  // OSV for the modules judged malicious, and only for them (the verdict is the rules
  // engine's; the OSV format itself is unit-tested).
  size_t malicious = 0;
  for (const auto& [id, r] : records) malicious += r["verdict"] == "malicious";
  std::string osv = (root_ / "osv").string();
  std::string cmd = kGosandbox + " export osv " + out + " --out " + osv + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  size_t files = 0;
  if (fs::exists(osv))
    for (const auto& e : fs::recursive_directory_iterator(osv)) files += e.is_regular_file();
  EXPECT_EQ(files, malicious);
  if (revshell["verdict"] == "malicious") {
    EXPECT_TRUE(fs::exists(osv + "/go/example.test/revshell"));
  }
}

}  // namespace
}  // namespace gs::batch
