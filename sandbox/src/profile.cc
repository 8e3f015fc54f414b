// Profile parsing; see profile.h. The format is line-oriented on purpose: every value and
// every seccomp rule sits on its own line, so an error can name the line it came from,
// and a diff of a profile reads as a diff of policy.
//
//   # comment                       [section]       key = value
//   [seccomp]  default = allow      ACTION syscall... [if argN & FLAG|FLAG|0x10]
//                                   ACTION syscall... [if argN == VALUE]
//
// ACTION is allow, kill, log or errno(NAME|number). Sizes take B/KiB/MiB/GiB/TiB, times
// ms/s/m/h. Compiling the rules into BPF lives in seccomp_policy.cc.
#include "profile.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <sstream>

#include "base/fs.h"
#include "src/seccomp_policy.h"

namespace gs::sandbox {
namespace {

std::string trim(std::string s) {
  auto sp = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && sp(s[i])) ++i;
  return s.substr(i);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) {
    cur = trim(cur);
    if (!cur.empty()) out.push_back(cur);
  }
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool parse_u64(const std::string& s, uint64_t& out) {
  if (s.empty() || s[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || *end != 0) return false;
  out = v;
  return true;
}

// "512MiB", "4GiB", "4096": bytes.
bool parse_size(const std::string& s, uint64_t& out) {
  static const std::pair<const char*, uint64_t> units[] = {
      {"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
  for (const auto& [suffix, mult] : units) {
    std::string u = suffix;
    if (s.size() > u.size() && s.compare(s.size() - u.size(), u.size(), u) == 0) {
      uint64_t v;
      if (!parse_u64(trim(s.substr(0, s.size() - u.size())), v)) return false;
      if (v > UINT64_MAX / mult) return false;
      out = v * mult;
      return true;
    }
  }
  return parse_u64(s, out);
}

// "10s", "500ms", "2m", "1h": whole seconds (ms rounds up).
bool parse_duration(const std::string& s, std::chrono::seconds& out) {
  static const std::pair<const char*, uint64_t> units[] = {
      {"ms", 0}, {"s", 1}, {"m", 60}, {"h", 3600}};
  for (const auto& [suffix, mult] : units) {
    std::string u = suffix;
    if (s.size() > u.size() && s.compare(s.size() - u.size(), u.size(), u) == 0) {
      uint64_t v;
      if (!parse_u64(s.substr(0, s.size() - u.size()), v)) return false;
      out = std::chrono::seconds(mult ? v * mult : (v + 999) / 1000);
      return true;
    }
  }
  return false;
}

// "2", "0.5", "1.25": CPUs as millicores.
bool parse_cpus(const std::string& s, uint32_t& out) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == s.c_str() || *end != 0 || v < 0 || v > 4096) return false;
  out = static_cast<uint32_t>(v * 1000 + 0.5);
  return v == 0 || out > 0;
}

const std::map<std::string, int>& errno_names() {
  static const std::map<std::string, int> m = {{"EPERM", EPERM},
                                               {"EACCES", EACCES},
                                               {"ENOSYS", ENOSYS},
                                               {"EINVAL", EINVAL},
                                               {"ENOENT", ENOENT},
                                               {"EAGAIN", EAGAIN},
                                               {"EOPNOTSUPP", EOPNOTSUPP},
                                               {"ENOMEM", ENOMEM},
                                               {"EBUSY", EBUSY},
                                               {"EROFS", EROFS},
                                               {"EAFNOSUPPORT", EAFNOSUPPORT}};
  return m;
}

// Flag names allowed in conditions, so a policy says CLONE_NEWUSER rather than 0x10000000.
const std::map<std::string, uint64_t>& flag_names() {
  static const std::map<std::string, uint64_t> m = {{"CLONE_NEWNS", 0x00020000},
                                                    {"CLONE_NEWCGROUP", 0x02000000},
                                                    {"CLONE_NEWUTS", 0x04000000},
                                                    {"CLONE_NEWIPC", 0x08000000},
                                                    {"CLONE_NEWUSER", 0x10000000},
                                                    {"CLONE_NEWPID", 0x20000000},
                                                    {"CLONE_NEWNET", 0x40000000},
                                                    {"CLONE_NEWTIME", 0x00000080},
                                                    {"ADDR_NO_RANDOMIZE", 0x0040000},
                                                    {"MMAP_PAGE_ZERO", 0x0100000},
                                                    {"ADDR_COMPAT_LAYOUT", 0x0200000},
                                                    {"READ_IMPLIES_EXEC", 0x0400000},
                                                    {"ADDR_LIMIT_32BIT", 0x0800000},
                                                    {"SHORT_INODE", 0x1000000},
                                                    {"WHOLE_SECONDS", 0x2000000},
                                                    {"STICKY_TIMEOUTS", 0x4000000},
                                                    {"ADDR_LIMIT_3GB", 0x8000000},
                                                    {"TIOCSTI", 0x5412},
                                                    {"AF_PACKET", 17},
                                                    {"AF_NETLINK", 16}};
  return m;
}

class Parser {
 public:
  Parser(const std::string& path) : path_(path) {}

  Error fail(int line, const std::string& why) const {
    return error(path_ + ":" + std::to_string(line) + ": " + why);
  }

  Result<Profile> run(const std::string& text) {
    Profile p;
    p.path = path_;
    std::istringstream in(text);
    std::string raw, section;
    int line = 0;
    bool any_section = false;
    while (std::getline(in, raw)) {
      ++line;
      std::string s = raw;
      if (size_t hash = s.find('#'); hash != std::string::npos) s.erase(hash);
      s = trim(s);
      if (s.empty()) continue;
      if (s.front() == '[') {
        if (s.back() != ']') return fail(line, "malformed section header '" + s + "'");
        section = trim(s.substr(1, s.size() - 2));
        static const std::set<std::string> known = {"limits", "timeouts", "network", "persona",
                                                    "seccomp"};
        if (!known.count(section)) return fail(line, "unknown section '[" + section + "]'");
        if (!seen_sections_.insert(section).second) {
          return fail(line, "section '[" + section + "]' appears twice");
        }
        any_section = true;
        continue;
      }
      if (section.empty()) return fail(line, "'" + s + "' outside of any section");
      // In [seccomp] only `default = ACTION` is a setting; rules may contain "==".
      if (section == "seccomp" && words(s)[0] != "default" && s.rfind("default=", 0) != 0) {
        GS_TRY(rule(p, s, line));
        continue;
      }
      size_t eq = s.find('=');
      if (eq == std::string::npos) return fail(line, "expected 'key = value', got '" + s + "'");
      std::string key = trim(s.substr(0, eq)), value = trim(s.substr(eq + 1));
      if (key.empty() || value.empty())
        return fail(line, "expected 'key = value', got '" + s + "'");
      if (!seen_keys_.insert(section + "." + key).second) {
        return fail(line, "'" + key + "' set twice in [" + section + "]");
      }
      Status st = section == "limits"     ? limit(p, key, value, line)
                  : section == "timeouts" ? timeout(p, key, value, line)
                  : section == "network"  ? network(p, key, value, line)
                  : section == "persona"  ? persona(p, key, value, line)
                                          : seccomp_setting(p, key, value, line);
      if (!st.ok()) return st.take_error();
    }
    if (!any_section) return fail(line, "empty profile: no sections");
    if (!seen_sections_.count("seccomp")) return fail(line, "missing section [seccomp]");
    auto bpf = compile_seccomp(p.default_action, default_errno_, p.rules);
    if (!bpf.ok()) {
      // compile_seccomp names the rule's line; prefix the file.
      return error(path_ + ":" + bpf.error().context);
    }
    p.seccomp_bpf = std::move(*bpf);
    for (const SeccompRule& r : p.rules) {
      if (r.action == SeccompRule::Action::kErrno || r.action == SeccompRule::Action::kKill) {
        p.denied.insert(r.syscall);
      }
      if (r.action == SeccompRule::Action::kKill) p.killed.insert(r.syscall);
      if (r.action == SeccompRule::Action::kErrno && r.errno_value == ENOSYS) p.fallback.insert(r.syscall);
    }
    return p;
  }

 private:
  Status limit(Profile& p, const std::string& key, const std::string& v, int line) {
    uint64_t n = 0;
    Limits& l = p.limits;
    auto size = [&](uint64_t& dst) -> Status {
      if (!parse_size(v, n)) return fail(line, "bad size '" + v + "' for '" + key + "'");
      dst = n;
      return {};
    };
    if (key == "memory") return size(l.memory_bytes);
    if (key == "tmp") return size(l.tmp_bytes);
    if (key == "home") return size(l.home_bytes);
    if (key == "disk") return size(p.disk_bytes);
    if (key == "fsize") return size(l.file_size_bytes);
    if (key == "nofile" || key == "pids") {
      if (!parse_u64(v, n) || n > (key == "pids" ? 1u << 22 : 1u << 20)) {
        return fail(line, "bad count '" + v + "' for '" + key + "'");
      }
      if (key == "pids")
        l.max_pids = static_cast<uint32_t>(n);
      else
        l.open_files = n;
      return {};
    }
    if (key == "cpu") {
      if (!parse_cpus(v, l.cpu_millicores)) return fail(line, "bad CPU count '" + v + "'");
      return {};
    }
    return fail(line, "unknown limit '" + key + "'");
  }

  Status timeout(Profile& p, const std::string& key, const std::string& v, int line) {
    std::chrono::seconds d;
    if (!parse_duration(v, d)) return fail(line, "bad duration '" + v + "' for '" + key + "'");
    if (key == "window")
      p.timeouts.window = d;
    else if (key == "test")
      p.timeouts.test = d;
    else if (key == "build")
      p.timeouts.build = d;
    else
      return fail(line, "unknown timeout '" + key + "'");
    return {};
  }

  Status network(Profile& p, const std::string& key, const std::string& v, int line) {
    if (key != "mode") return fail(line, "unknown network setting '" + key + "'");
    if (v != "fake" && v != "none")
      return fail(line, "network mode must be fake or none, not '" + v + "'");
    p.network = v;
    return {};
  }

  Status persona(Profile& p, const std::string& key, const std::string& v, int line) {
    PersonaSpec& ps = p.persona;
    if (key == "users") {
      ps.users = split(v, ',');
      for (const auto& u : ps.users) {
        size_t colon = u.find(':');
        std::string login = u.substr(0, colon);
        bool ok = !login.empty() && login.size() <= 31 &&
                  std::islower(static_cast<unsigned char>(login[0]));
        for (char c : login)
          ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                      std::isdigit(static_cast<unsigned char>(c)));
        if (!ok)
          return fail(line, "bad user '" + u + "' (want login:Full Name, login [a-z][a-z0-9]*)");
      }
    } else if (key == "hostnames") {
      ps.hostnames = split(v, ',');
    } else if (key == "email_domains") {
      ps.email_domains = split(v, ',');
    } else if (key == "projects") {
      ps.projects = split(v, ',');
    } else if (key == "uptime_days") {
      size_t dots = v.find("..");
      uint64_t lo, hi;
      if (dots == std::string::npos || !parse_u64(v.substr(0, dots), lo) ||
          !parse_u64(v.substr(dots + 2), hi) || lo > hi || hi > 3650) {
        return fail(line, "bad range '" + v + "' for uptime_days (want MIN..MAX days)");
      }
      ps.uptime_days_min = static_cast<uint32_t>(lo);
      ps.uptime_days_max = static_cast<uint32_t>(hi);
    } else if (key == "shell")
      ps.shell = v;
    else if (key == "lang")
      ps.lang = v;
    else if (key == "term")
      ps.term = v;
    else if (key == "editor")
      ps.editor = v;
    else if (key == "tz")
      ps.tz = v;
    else
      return fail(line, "unknown persona setting '" + key + "'");
    if ((key == "users" || key == "hostnames") &&
        (key == "users" ? ps.users : ps.hostnames).empty()) {
      return fail(line, "'" + key + "' must not be empty");
    }
    return {};
  }

  Result<std::pair<SeccompRule::Action, int>> action(const std::string& w, int line) {
    using A = SeccompRule::Action;
    if (w == "allow") return std::pair{A::kAllow, 0};
    if (w == "kill") return std::pair{A::kKill, 0};
    if (w == "log") return std::pair{A::kLog, 0};
    if (w.rfind("errno(", 0) == 0 && w.back() == ')') {
      std::string e = w.substr(6, w.size() - 7);
      auto it = errno_names().find(e);
      if (it != errno_names().end()) return std::pair{A::kErrno, it->second};
      uint64_t n;
      if (parse_u64(e, n) && n > 0 && n < 4096) return std::pair{A::kErrno, static_cast<int>(n)};
      return fail(line, "unknown errno '" + e + "'");
    }
    return fail(line, "unknown action '" + w + "' (want allow, kill, log or errno(NAME))");
  }

  Status seccomp_setting(Profile& p, const std::string& key, const std::string& v, int line) {
    if (key != "default") return fail(line, "unknown seccomp setting '" + key + "'");
    GS_ASSIGN_OR_RETURN(auto a, action(v, line));
    p.default_action = a.first;
    default_errno_ = a.second;
    return {};
  }

  Result<uint64_t> flags(const std::string& s, int line) {
    uint64_t mask = 0;
    for (const auto& part : split(s, '|')) {
      uint64_t n;
      auto it = flag_names().find(part);
      if (it != flag_names().end())
        mask |= it->second;
      else if (parse_u64(part, n))
        mask |= n;
      else
        return fail(line, "unknown flag '" + part + "'");
    }
    if (mask == 0) return fail(line, "empty flag mask '" + s + "'");
    return mask;
  }

  Status rule(Profile& p, const std::string& s, int line) {
    std::vector<std::string> w = words(s);
    GS_ASSIGN_OR_RETURN(auto act, action(w[0], line));
    SeccompRule proto;
    proto.action = act.first;
    proto.errno_value = act.second;
    proto.line = line;
    auto cond = std::find(w.begin(), w.end(), "if");
    if (cond != w.end()) {
      // if argN & MASK   |   if argN == VALUE
      if (w.end() - cond != 4)
        return fail(line, "condition must be 'if argN & FLAGS' or 'if argN == VALUE'");
      const std::string& a = cond[1];
      if (a.size() != 4 || a.compare(0, 3, "arg") != 0 || a[3] < '0' || a[3] > '5') {
        return fail(line, "bad argument '" + a + "' (want arg0..arg5)");
      }
      proto.arg = a[3] - '0';
      if (cond[2] == "&") {
        proto.cmp = SeccompRule::Cmp::kAnyBit;
        GS_ASSIGN_OR_RETURN(proto.value, flags(cond[3], line));
      } else if (cond[2] == "==") {
        proto.cmp = SeccompRule::Cmp::kEq;
        GS_ASSIGN_OR_RETURN(proto.value, flags(cond[3], line));
      } else {
        return fail(line, "unknown comparison '" + cond[2] + "' (want & or ==)");
      }
    }
    if (cond - w.begin() < 2) return fail(line, "rule names no syscall");
    for (auto it = w.begin() + 1; it != cond; ++it) {
      if (!syscall_known(*it)) return fail(line, "unknown syscall '" + *it + "'");
      SeccompRule r = proto;
      r.syscall = *it;
      p.rules.push_back(r);
    }
    return {};
  }

  std::string path_;
  std::set<std::string> seen_sections_, seen_keys_;
  int default_errno_ = EPERM;
};

}  // namespace

const char* action_name(SeccompRule::Action a) {
  switch (a) {
    case SeccompRule::Action::kAllow:
      return "allow";
    case SeccompRule::Action::kErrno:
      return "errno";
    case SeccompRule::Action::kKill:
      return "kill";
    case SeccompRule::Action::kLog:
      return "log";
  }
  return "?";
}

Result<Profile> Profile::parse(const std::string& text, const std::string& path) {
  Parser parser(path);
  GS_ASSIGN_OR_RETURN(Profile p, parser.run(text));
  std::string stem = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (size_t dot = stem.rfind(".profile"); dot != std::string::npos) stem.erase(dot);
  p.name = stem;
  return p;
}

Result<Profile> Profile::load(const std::string& name_or_path, const std::string& profiles_dir) {
  std::string path = name_or_path;
  bool is_file = name_or_path.find('/') != std::string::npos ||
                 (name_or_path.size() > 8 &&
                  name_or_path.compare(name_or_path.size() - 8, 8, ".profile") == 0);
  if (!is_file) {
    for (char c : name_or_path) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        return error("profile '" + name_or_path +
                     "': a name is [A-Za-z0-9_-]+; give a path for a file");
      }
    }
    path = profiles_dir + "/sandbox/" + name_or_path + ".profile";
  }
  auto text = read_file(path, 1 << 20);
  if (!text.ok()) {
    Error e = text.take_error();
    if (!is_file && e.err == ENOENT) {
      return error("profile '" + name_or_path + "': no such profile (" + path + ")");
    }
    return e;
  }
  return parse(*text, path);
}

}  // namespace gs::sandbox
