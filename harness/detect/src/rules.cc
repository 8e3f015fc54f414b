// Rule file parsing and validation; see rules.h for the format. Every check that can
// fail names the file and line, because a rule that silently does not load is a
// detection that silently does not happen.
#include "detect/rules.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace gs::detect {

namespace {

enum class ParamType { globs, words, integer, number, regex };

struct ParamSpec {
  const char* key;
  ParamType type;
};

struct KindSpec {
  MatchKind kind;
  const char* name;
  std::vector<ParamSpec> params;
};

const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {MatchKind::exec,
       "exec",
       {{"exe", ParamType::globs},
        {"exe_path", ParamType::globs},
        {"argv", ParamType::regex},
        {"exclude_exe", ParamType::globs}}},
      {MatchKind::file,
       "file",
       {{"path", ParamType::globs},
        {"exclude_path", ParamType::globs},
        {"ops", ParamType::words},
        {"exclude_exe", ParamType::globs},
        {"min_distinct", ParamType::integer}}},
      {MatchKind::write_then_exec,
       "write_then_exec",
       {{"exclude_exe", ParamType::globs}, {"exclude_path", ParamType::globs}}},
      {MatchKind::mass_delete,
       "mass_delete",
       {{"path", ParamType::globs},
        {"exclude_path", ParamType::globs},
        {"min_files", ParamType::integer}}},
      {MatchKind::connect,
       "connect",
       {{"min_attempts", ParamType::integer}, {"port", ParamType::words}}},
      {MatchKind::dns, "dns", {{"type", ParamType::words}, {"min_count", ParamType::integer}}},
      {MatchKind::dns_tunnel,
       "dns_tunnel",
       {{"min_label_length", ParamType::integer},
        {"min_entropy", ParamType::number},
        {"min_unique_subdomains", ParamType::integer}}},
      {MatchKind::beacon, "beacon", {{"min_score", ParamType::number}, {"kind", ParamType::words}}},
      {MatchKind::denied, "denied", {{"syscall", ParamType::words}}},
      {MatchKind::honeytoken_read, "honeytoken_read", {}},
      {MatchKind::exfil, "exfil", {}},
      {MatchKind::constructor, "constructor", {}},
      {MatchKind::pre_runtime, "pre_runtime", {{"kind", ParamType::words}}},
      {MatchKind::listen, "listen", {{"proto", ParamType::words}, {"port", ParamType::words}}},
  };
  return specs;
}

const KindSpec* spec_for(MatchKind k) {
  for (const auto& s : kind_specs())
    if (s.kind == k) return &s;
  return nullptr;
}

const std::set<std::string, std::less<>> kOps = {"read",  "write",  "create", "delete",
                                                 "exec",  "chmod",  "chown",  "rename",
                                                 "mkdir", "link",   "truncate",
                                                 "connect", "bind"};
const std::set<std::string, std::less<>> kPlaceholders = {"exe",    "argv",     "path",  "dest",
                                                          "name",   "count",    "phase", "syscall",
                                                          "source", "encoding", "score",
                                                          "detail"};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

template <class T>
bool parse_num(std::string_view s, T* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Unknown placeholders in a summary would print literally; catch them at load time.
std::string bad_placeholder(std::string_view tmpl) {
  for (size_t i = 0; (i = tmpl.find('{', i)) != std::string_view::npos; ++i) {
    size_t end = tmpl.find('}', i);
    if (end == std::string_view::npos) return "unclosed '{'";
    std::string_view name = tmpl.substr(i + 1, end - i - 1);
    if (!kPlaceholders.contains(name)) return "unknown placeholder {" + std::string(name) + "}";
  }
  return {};
}

class Parser {
 public:
  explicit Parser(const std::string& file) : file_(file) {}

  Result<std::vector<Rule>> run(std::string_view text) {
    std::vector<Rule> rules;
    std::optional<Rule> cur;
    std::set<std::string> seen_keys;
    int n = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view raw =
          text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      ++n;
      std::string_view line = trim(raw);
      if (line.empty() || line.front() == '#') continue;
      if (line.front() == '[') {
        if (line.back() != ']') return fail(n, "rule header must be [rule-id]");
        if (cur) GS_TRY(finish(*cur, seen_keys, &rules));
        std::string id(trim(line.substr(1, line.size() - 2)));
        if (!valid_id(id))
          return fail(n, "rule id '" + id + "' must be lowercase letters, digits, '-', '_' or '.'");
        for (const auto& r : rules)
          if (r.id == id)
            return fail(
                n, "duplicate rule id '" + id + "' (first at line " + std::to_string(r.line) + ")");
        cur.emplace();
        cur->id = id;
        cur->file = file_;
        cur->line = n;
        seen_keys.clear();
        continue;
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return fail(n, "expected 'key: value' or '[rule-id]'");
      if (!cur)
        return fail(n, "'" + std::string(line.substr(0, colon)) + "' before the first [rule-id]");
      std::string key(trim(line.substr(0, colon)));
      std::string_view value = trim(line.substr(colon + 1));
      GS_TRY(set(*cur, key, value, n, &seen_keys));
    }
    if (cur) GS_TRY(finish(*cur, seen_keys, &rules));
    return rules;
  }

 private:
  Error fail(int line, const std::string& reason) const {
    return error(file_ + ":" + std::to_string(line) + ": " + reason);
  }

  Status set(Rule& r, const std::string& key, std::string_view value, int n,
             std::set<std::string>* seen) {
    if (value.empty()) return fail(n, "'" + key + "' has no value");
    static const std::set<std::string> single = {"description", "severity", "attack", "phases",
                                                 "match",       "summary",  "score"};
    if (single.contains(key)) {
      if (!seen->insert(key).second)
        return fail(n, "'" + key + "' given twice in rule '" + r.id + "'");
      if (key == "description") {
        r.description = value;
      } else if (key == "severity") {
        if (severity_score(value) < 0)
          return fail(n, "severity '" + std::string(value) +
                             "' is not one of info, low, medium, high, critical");
        r.severity = value;
      } else if (key == "attack") {
        // MITRE ATT&CK technique ids: T1234 or T1234.001.
        bool ok = value.size() >= 5 && value[0] == 'T' &&
                  std::all_of(value.begin() + 1, value.begin() + 5,
                              [](char c) { return c >= '0' && c <= '9'; }) &&
                  (value.size() == 5 || (value.size() == 9 && value[5] == '.' &&
                                         std::all_of(value.begin() + 6, value.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; })));
        if (!ok)
          return fail(
              n, "attack '" + std::string(value) + "' is not an ATT&CK id like T1059 or T1059.004");
        r.attack = value;
      } else if (key == "phases") {
        for (auto& p : words(value)) {
          if (std::find(std::begin(kModulePhases), std::end(kModulePhases), p) ==
              std::end(kModulePhases))
            return fail(n,
                        "phase '" + p +
                            "' is not one of init, test, run (plan and build are the toolchain's)");
          r.phases.push_back(p);
        }
      } else if (key == "match") {
        auto k = match_kind_from(value);
        if (!k) return fail(n, "unknown matcher '" + std::string(value) + "'");
        r.match = *k;
      } else if (key == "summary") {
        std::string bad = bad_placeholder(value);
        if (!bad.empty()) return fail(n, "summary: " + bad);
        r.summary = value;
      } else if (key == "score") {
        int s = 0;
        if (!parse_num(value, &s) || s < 0 || s > 100)
          return fail(n, "score must be an integer 0-100");
        r.score = s;
      }
      return {};
    }
    if (!seen->contains("match"))
      return fail(n, "parameter '" + key + "' before 'match:' in rule '" + r.id + "'");
    const KindSpec* spec = spec_for(r.match);
    const ParamSpec* ps = nullptr;
    for (const auto& p : spec->params)
      if (key == p.key) ps = &p;
    if (!ps) return fail(n, "'" + key + "' is not a parameter of matcher '" + spec->name + "'");
    auto& slot = r.params[key];
    switch (ps->type) {
      case ParamType::globs:
      case ParamType::words:
        for (auto& w : words(value)) {
          if (key == "ops" && !kOps.contains(w)) return fail(n, "unknown file op '" + w + "'");
          slot.push_back(w);
        }
        break;
      case ParamType::integer: {
        int64_t v = 0;
        if (!slot.empty()) return fail(n, "'" + key + "' given twice");
        if (!parse_num(value, &v) || v < 0)
          return fail(n, "'" + key + "' must be a non-negative integer");
        slot.push_back(std::string(value));
        break;
      }
      case ParamType::number: {
        if (!slot.empty()) return fail(n, "'" + key + "' given twice");
        std::string s(value);
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (end != s.c_str() + s.size() || v < 0)
          return fail(n, "'" + key + "' must be a non-negative number");
        slot.push_back(s);
        break;
      }
      case ParamType::regex:
        try {
          r.argv_patterns.emplace_back(std::string(value),
                                       std::regex::ECMAScript | std::regex::optimize);
          r.argv_sources.emplace_back(value);
        } catch (const std::regex_error& e) {
          return fail(n, "bad regular expression: " + std::string(e.what()));
        }
        slot.push_back(std::string(value));
        break;
    }
    return {};
  }

  Status finish(Rule& r, const std::set<std::string>& seen, std::vector<Rule>* out) {
    for (const char* key : {"description", "severity", "attack", "phases", "match", "summary"}) {
      bool missing = (std::string_view(key) == "description" && r.description.empty()) ||
                     (std::string_view(key) == "severity" && r.severity.empty()) ||
                     (std::string_view(key) == "attack" && r.attack.empty()) ||
                     (std::string_view(key) == "phases" && r.phases.empty()) ||
                     (std::string_view(key) == "match" && !seen.contains("match")) ||
                     (std::string_view(key) == "summary" && r.summary.empty());
      if (missing) return fail(r.line, "rule '" + r.id + "' has no '" + key + "'");
    }
    if (r.score == 0 && r.severity != "info") r.score = severity_score(r.severity);
    if (r.match == MatchKind::exec && r.list("exe").empty() && r.list("exe_path").empty() &&
        r.argv_patterns.empty())
      return fail(r.line, "rule '" + r.id + "': exec needs exe, exe_path or argv");
    if (r.match == MatchKind::file && r.list("path").empty())
      return fail(r.line, "rule '" + r.id + "': file needs path");
    out->push_back(std::move(r));
    return {};
  }

  std::string file_;
};

}  // namespace

std::optional<MatchKind> match_kind_from(std::string_view name) {
  for (const auto& s : kind_specs())
    if (name == s.name) return s.kind;
  return std::nullopt;
}

std::string_view match_kind_name(MatchKind k) {
  const KindSpec* s = spec_for(k);
  return s ? s->name : "?";
}

int severity_score(std::string_view severity) {
  // Only high and critical reach the malicious threshold alone (see evaluate.cc).
  if (severity == "info") return 0;
  if (severity == "low") return 15;
  if (severity == "medium") return 35;
  if (severity == "high") return 70;
  if (severity == "critical") return 90;
  return -1;
}

const std::vector<std::string>& Rule::list(const std::string& key) const {
  static const std::vector<std::string> empty;
  auto it = params.find(key);
  return it == params.end() ? empty : it->second;
}

int64_t Rule::integer(const std::string& key, int64_t fallback) const {
  const auto& v = list(key);
  int64_t out = fallback;
  if (!v.empty()) (void)parse_num(std::string_view(v[0]), &out);
  return out;
}

double Rule::number(const std::string& key, double fallback) const {
  const auto& v = list(key);
  return v.empty() ? fallback : std::strtod(v[0].c_str(), nullptr);
}

bool Rule::applies_to(std::string_view phase) const {
  return std::find(phases.begin(), phases.end(), phase) != phases.end();
}

Result<RuleSet> RuleSet::parse(std::string_view text, const std::string& filename) {
  Parser p(filename);
  GS_ASSIGN_OR_RETURN(std::vector<Rule> rules, p.run(text));
  RuleSet set;
  set.rules_ = std::move(rules);
  return set;
}

Status RuleSet::merge(RuleSet other) {
  for (auto& r : other.rules_) {
    if (const Rule* prev = find(r.id))
      return error(r.file + ":" + std::to_string(r.line) + ": duplicate rule id '" + r.id +
                   "' (first in " + prev->file + ":" + std::to_string(prev->line) + ")");
    rules_.push_back(std::move(r));
  }
  return {};
}

const Rule* RuleSet::find(std::string_view id) const {
  for (const auto& r : rules_)
    if (r.id == id) return &r;
  return nullptr;
}

Result<RuleSet> RuleSet::load_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".rules") files.push_back(it->path());
  if (ec) return Error{ec.value(), "read rules directory '" + dir + "'"};
  if (files.empty()) return error("rules directory '" + dir + "' has no *.rules file");
  std::sort(files.begin(), files.end());
  RuleSet all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return sys_error("open('" + f.string() + "')");
    std::ostringstream text;
    text << in.rdbuf();
    GS_ASSIGN_OR_RETURN(RuleSet one, parse(text.str(), f.string()));
    GS_TRY(all.merge(std::move(one)));
  }
  return all;
}

}  // namespace gs::detect
