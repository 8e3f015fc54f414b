// Rule files: the format parses, and every way of getting it wrong is rejected with the
// file, the line and a reason a rule author can act on. Also the path globs rules use.
#include "detect/rules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "detect/glob.h"

namespace gs::detect {
namespace {

constexpr const char* kGood = R"(# a comment
[shell-pipe]
description: a download piped into a shell
severity: critical
attack: T1059.004
phases: init test run
match: exec
argv: (curl|wget).*\|\s*sh
exe: sh bash
exe: dash
summary: piped {argv} in {phase}
score: 95

[cred]
description: credentials read
severity: high
attack: T1552
phases: init
match: file
ops: read
path: ~/.netrc
min_distinct: 1
summary: read {path}
)";

TEST(RuleParse, ReadsEveryField) {
  auto set = RuleSet::parse(kGood, "good.rules");
  ASSERT_TRUE(set) << set.error().message();
  ASSERT_EQ(set->rules().size(), 2u);
  const Rule& r = set->rules()[0];
  EXPECT_EQ(r.id, "shell-pipe");
  EXPECT_EQ(r.severity, "critical");
  EXPECT_EQ(r.attack, "T1059.004");
  EXPECT_EQ(r.phases, (std::vector<std::string>{"init", "test", "run"}));
  EXPECT_EQ(r.match, MatchKind::exec);
  EXPECT_EQ(r.list("exe"),
            (std::vector<std::string>{"sh", "bash", "dash"}));  // repeated keys add up
  EXPECT_EQ(r.argv_patterns.size(), 1u);
  EXPECT_EQ(r.score, 95);
  EXPECT_EQ(r.file, "good.rules");
  EXPECT_EQ(r.line, 2);
  const Rule& c = set->rules()[1];
  EXPECT_EQ(c.score, 70) << "default score comes from the severity";
  EXPECT_EQ(c.integer("min_distinct", 9), 1);
  EXPECT_TRUE(c.applies_to("init"));
  EXPECT_FALSE(c.applies_to("test"));
  EXPECT_EQ(set->find("cred"), &c);
}

struct Bad {
  const char* name;
  const char* text;
  const char* where;   // "file:line"
  const char* reason;  // substring of the message
};

std::string rule_with(const std::string& extra, const std::string& match = "exec\nexe: sh") {
  return "[r]\ndescription: d\nseverity: high\nattack: T1059\nphases: init\nsummary: s\nmatch: " +
         match + "\n" + extra;
}

class RuleParseError : public ::testing::TestWithParam<Bad> {};

TEST_P(RuleParseError, NamesFileLineAndReason) {
  const Bad& b = GetParam();
  auto set = RuleSet::parse(b.text, "bad.rules");
  ASSERT_FALSE(set) << b.name << " was accepted";
  std::string msg = set.error().message();
  EXPECT_TRUE(msg.starts_with(std::string(b.where) + ": ")) << msg;
  EXPECT_NE(msg.find(b.reason), std::string::npos) << msg;
}

// Strings built at static-init time must outlive the test parameters.
const std::string kUnknownParam = rule_with("path: /etc/passwd\n");
const std::string kBadRegex = rule_with("argv: (unclosed\n");
const std::string kBadOp = rule_with("ops: read frobnicate\n", "file\npath: /x");
const std::string kBadInt = rule_with("min_distinct: many\n", "file\npath: /x");
const std::string kTwiceInt = rule_with("min_distinct: 1\nmin_distinct: 2\n", "file\npath: /x");
const std::string kBadNumber = rule_with("min_score: high\n", "beacon");
const std::string kDupKey = rule_with("severity: low\n");
const std::string kExecNoSelector = rule_with("", "exec");
const std::string kFileNoPath = rule_with("", "file");

INSTANTIATE_TEST_SUITE_P(
    Malformed, RuleParseError,
    ::testing::Values(
        Bad{"key_before_header", "description: x\n", "bad.rules:1", "before the first [rule-id]"},
        Bad{"bad_header", "# c\n[oops\n", "bad.rules:2", "rule header"},
        Bad{"bad_id", "[Bad Id]\n", "bad.rules:1", "rule id 'Bad Id'"},
        Bad{"no_colon", "[r]\njust words\n", "bad.rules:2", "expected 'key: value'"},
        Bad{"empty_value", "[r]\ndescription:\n", "bad.rules:2", "has no value"},
        Bad{"bad_severity", "[r]\nseverity: scary\n", "bad.rules:2", "severity 'scary'"},
        Bad{"bad_attack", "[r]\nattack: 1059\n", "bad.rules:2", "ATT&CK id"},
        Bad{"bad_attack_sub", "[r]\nattack: T1059.4\n", "bad.rules:2", "ATT&CK id"},
        Bad{"toolchain_phase", "[r]\nphases: init build\n", "bad.rules:2", "phase 'build'"},
        Bad{"unknown_matcher", "[r]\nmatch: telepathy\n", "bad.rules:2",
            "unknown matcher 'telepathy'"},
        Bad{"param_before_match", "[r]\nexe: sh\n", "bad.rules:2", "before 'match:'"},
        Bad{"unknown_param", kUnknownParam.c_str(), "bad.rules:9",
            "'path' is not a parameter of matcher 'exec'"},
        Bad{"bad_regex", kBadRegex.c_str(), "bad.rules:9", "bad regular expression"},
        Bad{"bad_op", kBadOp.c_str(), "bad.rules:9", "unknown file op 'frobnicate'"},
        Bad{"bad_int", kBadInt.c_str(), "bad.rules:9", "non-negative integer"},
        Bad{"int_twice", kTwiceInt.c_str(), "bad.rules:10", "given twice"},
        Bad{"bad_number", kBadNumber.c_str(), "bad.rules:8", "non-negative number"},
        Bad{"duplicate_key", kDupKey.c_str(), "bad.rules:9", "'severity' given twice"},
        Bad{"bad_score", "[r]\nscore: 101\n", "bad.rules:2", "score must be"},
        Bad{"bad_placeholder", "[r]\nsummary: ran {cmd}\n", "bad.rules:2",
            "unknown placeholder {cmd}"},
        Bad{"unclosed_placeholder", "[r]\nsummary: ran {exe\n", "bad.rules:2", "unclosed"},
        Bad{"missing_severity",
            "# x\n\n[r]\ndescription: d\nattack: T1059\nphases: init\nmatch: exec\nexe: "
            "sh\nsummary: s\n",
            "bad.rules:3", "has no 'severity'"},
        Bad{"missing_match_at_eof",
            "[r]\ndescription: d\nseverity: low\nattack: T1059\nphases: init\nsummary: s\n",
            "bad.rules:1", "has no 'match'"},
        Bad{"exec_without_selector", kExecNoSelector.c_str(), "bad.rules:1",
            "exec needs exe, exe_path or argv"},
        Bad{"file_without_path", kFileNoPath.c_str(), "bad.rules:1", "file needs path"},
        Bad{"duplicate_id",
            "[a]\ndescription: d\nseverity: low\nattack: T1059\nphases: init\nmatch: exec\nexe: "
            "sh\nsummary: s\n[a]\n",
            "bad.rules:9", "duplicate rule id 'a' (first at line 1)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RuleParse, LoadDirRejectsDuplicateIdsAcrossFilesAndNamesBoth) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("gs-detect-rules-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string rule =
      "[same]\ndescription: d\nseverity: low\nattack: T1059\nphases: init\nmatch: exec\nexe: "
      "sh\nsummary: s\n";
  std::ofstream(dir / "a.rules") << rule;
  std::ofstream(dir / "b.rules") << "# second\n" << rule;
  std::ofstream(dir / "notes.txt") << "not a rule file";
  auto set = RuleSet::load_dir(dir.string());
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message().find("b.rules:2: duplicate rule id 'same' (first in "),
            std::string::npos)
      << set.error().message();
  EXPECT_NE(set.error().message().find("a.rules:1)"), std::string::npos) << set.error().message();
  fs::remove(dir / "b.rules");
  auto ok = RuleSet::load_dir(dir.string());
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->rules().size(), 1u);
  fs::remove_all(dir);
  EXPECT_FALSE(RuleSet::load_dir(dir.string()));
}

TEST(RuleParse, BrokenShippedStyleFileNamesTheLine) {
  // A rule file edited with a typo mid-file: the error points at the typo's line.
  std::string text = kGood;
  text += "\n[third]\ndescription: d\nseverity: hihg\n";
  auto set = RuleSet::parse(text, "profiles/rules/x.rules");
  ASSERT_FALSE(set);
  int line = int(std::count(kGood, kGood + std::strlen(kGood), '\n')) + 4;
  EXPECT_TRUE(set.error().message().starts_with("profiles/rules/x.rules:" + std::to_string(line) +
                                                ": severity 'hihg'"))
      << set.error().message();
}

TEST(Glob, SegmentsStarsAndClasses) {
  EXPECT_TRUE(glob_match("/home/*/.ssh/id_*", "/home/dev/.ssh/id_rsa"));
  EXPECT_FALSE(glob_match("/home/*/.ssh/id_*", "/home/dev/x/.ssh/id_rsa"));
  EXPECT_TRUE(glob_match("**/.git/hooks/*", "/home/dev/src/a/.git/hooks/pre-commit"));
  EXPECT_TRUE(glob_match("**/.git/hooks/*", ".git/hooks/post-checkout"));
  EXPECT_FALSE(glob_match("**/.git/hooks/*", "/home/dev/src/a/.git/hooks/sub/x"));
  EXPECT_TRUE(glob_match("/etc/cron.d/**", "/etc/cron.d/a/b"));
  EXPECT_TRUE(glob_match("/proc/[0-9]*/fd/*", "/proc/1234/fd/3"));
  EXPECT_FALSE(glob_match("/proc/[0-9]*/fd/*", "/proc/self/fd/3"));
  EXPECT_TRUE(glob_match("python3*", "python3.11"));
  EXPECT_TRUE(glob_match("/dev/sd?", "/dev/sda"));
  EXPECT_FALSE(glob_match("/dev/sd?", "/dev/sda1"));
  EXPECT_TRUE(glob_match("[!a]b", "xb"));
  EXPECT_FALSE(glob_match("[!a]b", "ab"));
  EXPECT_EQ(expand_home("~/.netrc", "/home/dev"), "/home/dev/.netrc");
  EXPECT_EQ(expand_home("~", "/home/dev"), "/home/dev");
  EXPECT_EQ(expand_home("/etc/x", "/home/dev"), "/etc/x");
  EXPECT_EQ(base_name("/usr/bin/wget"), "wget");
  EXPECT_EQ(base_name("wget"), "wget");
}

}  // namespace
}  // namespace gs::detect
