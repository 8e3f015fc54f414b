// Unit tests of the harness's pure parts: target parsing, module zip validation and
// hashing, build plans from recorded `go list -json` output, the init runner source,
// report building against the checked-in schema, and CLI parsing.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/fs.h"
#include "cli.h"
#include "goproxy.h"
#include "modzip.h"
#include "plan.h"
#include "report.h"
#include "schema_lite.h"
#include "sha256.h"
#include "target.h"

namespace gs::harness {
namespace {

using testsupport::make_zip;
using testsupport::ZipFile;

PathKind nothing_exists(const std::string&) { return PathKind::kMissing; }
PathKind is_dir(const std::string&) { return PathKind::kDir; }
PathKind is_file(const std::string&) { return PathKind::kFile; }

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Target, ModuleAtVersion) {
  auto t = parse_target("github.com/boltdb/bolt@v1.3.1", nothing_exists);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->kind, Target::Kind::kModule);
  EXPECT_EQ(t->module_path, "github.com/boltdb/bolt");
  EXPECT_EQ(t->version, "v1.3.1");
  EXPECT_TRUE(parse_target("example.test/x@latest", nothing_exists).ok());
  EXPECT_TRUE(parse_target("example.test/x/v2@v2.0.0-20240101000000-abcdefabcdef", nothing_exists).ok());
}

TEST(Target, ExistingPathsAreLocalTargets) {
  EXPECT_EQ(parse_target("/some/dir", is_dir)->kind, Target::Kind::kDir);
  EXPECT_EQ(parse_target("mod.zip", is_file)->kind, Target::Kind::kZip);
}

TEST(Target, MalformedTargetsSayWhy) {
  auto expect_error = [](const char* text, const char* fragment) {
    auto t = parse_target(text, nothing_exists);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_NE(t.error().context.find(fragment), std::string::npos) << t.error().context;
  };
  expect_error("", "empty");
  expect_error("github.com/boltdb/bolt", "not module@version");
  expect_error("github.com/boltdb/bolt@1.3.1", "vMAJOR");
  expect_error("bolt@v1.3.1", "no dot");
  expect_error("github.com/../x@v1.0.0", "'..'");
  expect_error("github.com/a b@v1.0.0", "invalid character");
  expect_error("/no/such/dir", "no such file");
  expect_error("missing.zip", "no such file");
  expect_error("github.com/x@v1.0.0;rm", "invalid character");
}

TEST(Target, EscapesUpperCase) {
  EXPECT_EQ(escape_module_path("github.com/BurntSushi/toml"), "github.com/!burnt!sushi/toml");
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ModZip, AcceptsAWellFormedModuleZip) {
  std::string zip = make_zip({{"example.test/m@v1.0.0/go.mod", "module example.test/m\n"},
                              {"example.test/m@v1.0.0/a/a.go", "package a\n"}});
  auto idx = index_module_zip(bytes(zip));
  ASSERT_TRUE(idx.ok()) << idx.error().message();
  EXPECT_EQ(idx->module_path, "example.test/m");
  EXPECT_EQ(idx->version, "v1.0.0");
  EXPECT_EQ(idx->entries.size(), 2u);
}

TEST(ModZip, RejectsDangerousEntries) {
  auto reason = [](std::vector<ZipFile> files) {
    auto idx = index_module_zip(bytes(make_zip(files)));
    return idx.ok() ? std::string("accepted") : idx.error().context;
  };
  EXPECT_NE(reason({{"example.test/m@v1.0.0/go.mod", "x"}, {"example.test/m@v1.0.0/../../etc/x", "x"}})
                .find("'..'"),
            std::string::npos);
  EXPECT_NE(reason({{"/etc/passwd", "x"}}).find("absolute"), std::string::npos);
  EXPECT_NE(reason({{"example.test/m@v1.0.0/go.mod", "x"}, {"other.test/n@v1.0.0/x.go", "x"}})
                .find("outside the module prefix"),
            std::string::npos);
  EXPECT_NE(reason({{"go.mod", "x"}}).find("module@version"), std::string::npos);
  EXPECT_NE(reason({{"example.test/m@v1.0.0/A.go", "x"}, {"example.test/m@v1.0.0/a.go", "x"}})
                .find("duplicate"),
            std::string::npos);
}

TEST(ModZip, RejectsCorruptBytes) {
  EXPECT_FALSE(index_module_zip(bytes("")).ok());
  EXPECT_FALSE(index_module_zip(bytes("PK\x03\x04 definitely not a zip archive at all")).ok());
  std::string zip = make_zip({{"example.test/m@v1.0.0/go.mod", "module example.test/m\n"}});
  std::string cut = zip.substr(0, zip.size() / 2) + zip.substr(zip.size() - 22);
  EXPECT_FALSE(index_module_zip(bytes(cut)).ok());
}

TEST(ModZip, ExtractsAndHashesLikeGo) {
  auto dir = std::filesystem::temp_directory_path() / ("gs-zip-test-" + std::to_string(::getpid()));
  std::string zip = make_zip({{"example.test/m@v1.0.0/go.mod", "module example.test/m\n"},
                              {"example.test/m@v1.0.0/a/a.go", "package a\n"}});
  auto idx = index_module_zip(bytes(zip));
  ASSERT_TRUE(idx.ok());
  auto sum = extract_module_zip(bytes(zip), *idx, dir.string());
  ASSERT_TRUE(sum.ok()) << sum.error().message();
  EXPECT_EQ(*read_file((dir / "a/a.go").string()), "package a\n");
  // Hash1 is sha256 over "<hex>  <name>\n" lines sorted by name, base64-encoded.
  std::string summary = sha256_hex("package a\n") + "  example.test/m@v1.0.0/a/a.go\n" +
                        sha256_hex("module example.test/m\n") + "  example.test/m@v1.0.0/go.mod\n";
  auto d = sha256(summary);
  EXPECT_EQ(*sum, "h1:" + base64(d.data(), d.size()));
  (void)remove_tree(dir.string());
}

std::string recorded(const char* name) {
  return *read_file(std::string(GS_SOURCE_DIR) + "/tests/harness/data/" + name);
}

TEST(Plan, LibrariesTestsAndCommandsFromGoList) {
  auto plan = parse_go_list(recorded("golist_partial.json"), "example.test/partial");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->libraries, (std::vector<std::string>{"example.test/partial/bad", "example.test/partial/good"}));
  EXPECT_EQ(plan->tested, (std::vector<std::string>{"example.test/partial/good"}));
  EXPECT_TRUE(plan->commands.empty());

  auto cmd = parse_go_list(recorded("golist_cmdonly.json"), "example.test/cmdonly");
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(cmd->commands, (std::vector<std::string>{"example.test/cmdonly/cmd/hello"}));
  EXPECT_TRUE(cmd->libraries.empty());
  EXPECT_EQ(cmd->packages[0].rel_dir, "cmd/hello");

  auto t = parse_go_list(recorded("golist_testonly.json"), "example.test/testonly");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tested, (std::vector<std::string>{"example.test/testonly"}));
  EXPECT_EQ(t->packages[0].rel_dir, ".");
}

TEST(Plan, PackagesWithErrorsOrOutsideTheModuleAreNotLibraries) {
  std::string listing = R"({"ImportPath":"example.test/m/x","Name":"x","GoFiles":["x.go"],
                            "Error":{"Err":"cannot find package"}}
                           {"ImportPath":"other.test/y","Name":"y","GoFiles":["y.go"]}
                           {"ImportPath":"example.test/m/internal/z","Name":"z","CgoFiles":["z.go"]})";
  auto plan = parse_go_list(listing, "example.test/m");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->libraries, (std::vector<std::string>{"example.test/m/internal/z"}));
  EXPECT_EQ(plan->packages.size(), 2u);
  EXPECT_EQ(plan->packages[0].error, "cannot find package");
  EXPECT_FALSE(parse_go_list("{not json", "example.test/m").ok());
}

TEST(Plan, InitRunnerImportsEveryLibraryAndWaits) {
  std::string src = init_runner_source({"example.test/m", "example.test/m/internal/a"},
                                       std::chrono::milliseconds(2500));
  EXPECT_NE(src.find("package main"), std::string::npos);
  EXPECT_NE(src.find("_ \"example.test/m\"\n"), std::string::npos);
  EXPECT_NE(src.find("_ \"example.test/m/internal/a\"\n"), std::string::npos);
  EXPECT_NE(src.find("time.Sleep(2500 * time.Millisecond)"), std::string::npos);
  EXPECT_EQ(binary_name("example.test/m/cmd/x"), "example.test_m_cmd_x");
}

nlohmann::json schema() {
  return nlohmann::json::parse(*read_file(std::string(GS_SOURCE_DIR) + "/docs/report.schema.json"));
}

TEST(Report, EveryTopLevelKeyAndValidAgainstSchema) {
  AnalysisRecord a;
  a.module = {"example.test/m", "v1.0.0", "proxy", "h1:abc=", "00"};
  a.started_at = "2026-01-01T00:00:00Z";
  a.phases.push_back({"build", "init-runner", "ok", 0, {}, 5, 100, "out", "err", false, ""});
  a.phases.push_back({"run", "example.test/m/cmd/x", "ok", {}, 15, 200, 1000, "", "", true, "stopped"});
  auto r = build_report(a);
  for (const char* key : {"schema_version", "tool", "module", "started_at", "duration_ms", "verdict",
                          "score", "findings", "phases", "processes", "files", "network", "syscalls",
                          "trace", "environment", "artifacts"})
    EXPECT_TRUE(r.contains(key)) << key;
  EXPECT_FALSE(r.contains("error"));
  EXPECT_EQ(r["phases"][1]["signal"], 15);
  EXPECT_TRUE(r["phases"][1]["exit_code"].is_null());
  auto errs = testsupport::validate(schema(), r);
  EXPECT_TRUE(errs.empty()) << errs.front();

  a.verdict = "error";
  a.error = "fetch example.test/m@v1.0.0: not found";
  r = build_report(a);
  EXPECT_EQ(r["error"], "fetch example.test/m@v1.0.0: not found");
  EXPECT_TRUE(testsupport::validate(schema(), r).empty());
}

TEST(Report, SchemaCatchesBrokenReports) {
  AnalysisRecord a;
  auto r = build_report(a);
  r.erase("phases");
  r["verdict"] = "fine";
  auto errs = testsupport::validate(schema(), r);
  ASSERT_EQ(errs.size(), 2u);
}

TEST(Report, ExitCodesAndSummary) {
  EXPECT_EQ(exit_code_for("clean"), 0);
  EXPECT_EQ(exit_code_for("suspicious"), 3);
  EXPECT_EQ(exit_code_for("malicious"), 4);
  EXPECT_EQ(exit_code_for("error"), 1);
  AnalysisRecord a;
  a.module = {"example.test/m", "v1.0.0", "proxy", "", ""};
  a.phases.push_back({"test", "example.test/m", "timeout", 2, {}, 0, 3000, "", "", false, "hung"});
  std::string s = summary_text(build_report(a), "/out/report.json", false);
  EXPECT_NE(s.find("example.test/m@v1.0.0"), std::string::npos);
  EXPECT_NE(s.find("test timeout"), std::string::npos) << s;
  EXPECT_NE(s.find("/out/report.json"), std::string::npos);
  EXPECT_EQ(s.find("\033["), std::string::npos);
  EXPECT_NE(summary_text(build_report(a), "", true).find("\033["), std::string::npos);
}

TEST(Cli, AnalyzeDefaultsAndFlags) {
  auto c = parse_cli({"analyze", "example.test/m@v1.0.0"});
  ASSERT_TRUE(c.ok()) << c.error().context;
  EXPECT_EQ(c->kind, Command::Kind::kAnalyze);
  EXPECT_EQ(c->analyze.phases.size(), 4u);
  EXPECT_EQ(c->format, "text");
  EXPECT_EQ(c->analyze.profile, "default");
  EXPECT_FALSE(c->analyze.window.has_value());  // the profile decides
  EXPECT_FALSE(c->analyze.network.has_value());
  c = parse_cli({"analyze", "x.test/m@v1.0.0", "--out", "/o", "--goproxy", "file:///p", "--phases",
                 "build,init", "--window", "2.5", "--format", "json"});
  ASSERT_TRUE(c.ok()) << c.error().context;
  EXPECT_EQ(c->analyze.out_dir, "/o");
  EXPECT_EQ(c->analyze.goproxy, "file:///p");
  EXPECT_EQ(c->analyze.phases, (std::set<std::string>{"build", "init"}));
  EXPECT_EQ(c->analyze.window->count(), 2500);
  EXPECT_FALSE(c->analyze.test_timeout.has_value());
  EXPECT_EQ(c->format, "json");
}

TEST(Cli, UsageErrors) {
  EXPECT_FALSE(parse_cli({"analyze"}).ok());
  EXPECT_FALSE(parse_cli({"analyze", "m@v1", "--phases", "build,fly"}).ok());
  EXPECT_FALSE(parse_cli({"analyze", "m@v1", "--format", "xml"}).ok());
  EXPECT_FALSE(parse_cli({"analyze", "m@v1", "--window", "-3"}).ok());
  EXPECT_FALSE(parse_cli({"frobnicate"}).ok());
  EXPECT_EQ(parse_cli({"version"})->kind, Command::Kind::kVersion);
  auto h = parse_cli({"analyze", "--help"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kind, Command::Kind::kHelp);
  EXPECT_NE(h->help_text.find("--goproxy"), std::string::npos);
}

}  // namespace
}  // namespace gs::harness
