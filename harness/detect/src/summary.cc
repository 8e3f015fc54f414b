// Terminal summary; see summary.h. Everything is bounded (findings, tree lines,
// destinations) so a noisy module still fits on one screen; report.json has the rest.
#include "detect/summary.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

namespace gs::detect {

namespace {

using nlohmann::json;

constexpr size_t kMaxFindings = 6;
constexpr size_t kMaxTreeLines = 8;
constexpr size_t kMaxDestinations = 5;

std::string s(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t n(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

const json& obj(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

const json& arr(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

std::string id_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return {};
}

std::string clip(std::string text, size_t max) {
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

std::string command_line(const json& p) {
  std::string out;
  for (const auto& a : arr(p, "argv")) {
    if (!a.is_string()) continue;
    if (!out.empty()) out += ' ';
    out += a.get<std::string>();
  }
  return out.empty() ? s(p, "exe") : out;
}

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string operator()(const std::string& text, const char* code) const {
    return color_ ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  }

 private:
  bool color_;
};

const char* severity_colour(const std::string& sev) {
  if (sev == "critical") return "1;31";
  if (sev == "high") return "31";
  if (sev == "medium") return "33";
  return "2";
}

void tree(std::ostringstream& o, const json& report) {
  std::map<std::string, const json*> by_id;
  std::map<std::string, std::vector<const json*>> children;
  for (const auto& p : arr(report, "processes")) {
    std::string phase = s(p, "phase");
    if (phase != "init" && phase != "test" && phase != "run") continue;
    by_id[id_of(p.value("id", json()))] = &p;
  }
  for (const auto& [id, p] : by_id) {
    std::string parent = id_of(p->value("parent", json()));
    if (by_id.contains(parent)) children[parent].push_back(p);
  }
  std::vector<std::string> lines;
  std::function<void(const json*, const std::string&, bool)> walk =
      [&](const json* p, const std::string& prefix, bool last) {
        lines.push_back(prefix + (last ? "└─ " : "├─ ") + clip(command_line(*p), 90));
        const auto& kids = children[id_of(p->value("id", json()))];
        for (size_t i = 0; i < kids.size(); ++i)
          walk(kids[i], prefix + (last ? "   " : "│  "), i + 1 == kids.size());
      };
  // Roots: the phase's own program (parent is the jail init); only those that started
  // something are shown, since a program that starts nothing is every module's normal.
  for (const auto& [id, p] : by_id) {
    if (!p->value("jail_init", false)) continue;
    for (const json* prog : children[id]) {
      const auto& kids = children[id_of(prog->value("id", json()))];
      if (kids.empty()) continue;
      lines.push_back(s(*prog, "phase") + "  " + clip(command_line(*prog), 90));
      for (size_t i = 0; i < kids.size(); ++i) walk(kids[i], "  ", i + 1 == kids.size());
    }
  }
  if (lines.empty()) return;
  o << "programs started by module code:\n";
  for (size_t i = 0; i < lines.size() && i < kMaxTreeLines; ++i) o << "  " << lines[i] << "\n";
  if (lines.size() > kMaxTreeLines) o << "  ... " << lines.size() - kMaxTreeLines << " more\n";
}

void network(std::ostringstream& o, const json& report, const Painter& paint) {
  const json& net = obj(report, "network");
  // Series are per (program, destination): show each destination's strongest, and whose.
  std::map<std::string, const json*> beacons;
  std::map<std::string, int> programs_per_dest;
  for (const auto& b : arr(net, "beacons")) {
    const json*& best = beacons[s(b, "destination")];
    ++programs_per_dest[s(b, "destination")];
    if (!best || b.value("score", 0.0) > best->value("score", 0.0)) best = &b;
  }
  std::vector<std::string> lines;
  for (const auto& c : arr(net, "connections")) {
    std::string host = s(c, "hostname");
    std::string ipport = s(c, "dst_ip") + ":" + std::to_string(n(c, "dst_port"));
    std::string dest =
        (host.empty() ? s(c, "dst_ip") : host) + ":" + std::to_string(n(c, "dst_port"));
    std::string phases;
    for (const auto& p : arr(c, "phases"))
      if (p.is_string()) phases += (phases.empty() ? "" : ",") + p.get<std::string>();
    int64_t attempts = n(c, "attempts");
    std::string line = clip(dest, 34) + std::string(dest.size() < 34 ? 34 - dest.size() : 1, ' ') +
                       s(c, "proto") + "  " + std::to_string(attempts) +
                       (attempts == 1 ? " attempt " : " attempts") + "  " + phases;
    const json* b = beacons.contains(ipport) ? beacons[ipport]
                    : beacons.contains(host) ? beacons[host]
                                             : nullptr;
    if (b) {
      double score = b->value("score", 0.0);
      char buf[96];
      std::snprintf(buf, sizeof buf, "  %s %.2f every %lld ms",
                    s(*b, "kind").empty() ? "beacon" : s(*b, "kind").c_str(), score,
                    static_cast<long long>(n(*b, "median_interval_ms")));
      line += score >= 0.7 ? paint(buf, "1;31") : std::string(buf);
      if (std::string prog = s(*b, "program"); !prog.empty()) {
        line += " by " + clip(prog.substr(prog.rfind('/') + 1), 24);
        int others = programs_per_dest[s(*b, "destination")] - 1;
        if (others > 0) line += " (+" + std::to_string(others) + " more)";
      }
    }
    if (c.contains("http") && c["http"].is_object())
      line += "  " + s(c["http"], "method") + " " + clip(s(c["http"], "path"), 40);
    else if (!s(c, "tls_sni").empty())
      line += "  tls " + s(c, "tls_sni");
    lines.push_back(line);
  }
  std::map<std::string, std::vector<std::string>> dns;  // name -> types
  for (const auto& d : arr(net, "dns")) dns[s(d, "name")].push_back(s(d, "type"));
  if (lines.empty() && dns.empty()) return;
  o << "network:\n";
  for (size_t i = 0; i < lines.size() && i < kMaxDestinations; ++i) o << "  " << lines[i] << "\n";
  if (lines.size() > kMaxDestinations)
    o << "  ... " << lines.size() - kMaxDestinations << " more destinations\n";
  if (!dns.empty()) {
    std::string names;
    size_t shown = 0;
    for (const auto& [name, types] : dns) {
      if (shown++ == 4) break;
      names += (names.empty() ? "" : ", ") + clip(name, 60);
    }
    o << "  dns: " << names;
    if (dns.size() > 4) o << " and " << dns.size() - 4 << " more";
    o << "\n";
  }
}

void phases(std::ostringstream& o, const json& report, const Painter& paint) {
  // One line: repeated phases (a test binary per package) are counted, not listed.
  std::vector<std::pair<std::string, std::map<std::string, int>>> order;
  for (const auto& p : arr(report, "phases")) {
    std::string name = s(p, "name");
    auto it =
        std::find_if(order.begin(), order.end(), [&](const auto& e) { return e.first == name; });
    if (it == order.end()) it = order.insert(order.end(), {name, {}});
    ++it->second[s(p, "status")];
  }
  o << "phases:    ";
  bool first = true;
  for (const auto& [name, statuses] : order) {
    if (!first) o << "  ";
    first = false;
    o << name << " ";
    bool first_status = true;
    for (const auto& [st, count] : statuses) {
      const char* col = st == "ok" ? "32" : st == "skipped" ? "2" : st == "timeout" ? "33" : "31";
      o << (first_status ? "" : "/") << paint(st, col);
      if (count > 1) o << "x" << count;
      first_status = false;
    }
  }
  o << "\n";
}

}  // namespace

std::string summary_text(const nlohmann::json& r, const std::string& report_path, bool color) {
  Painter paint(color);
  std::ostringstream o;
  const json& m = obj(r, "module");
  std::string ver = s(m, "version");
  o << "gosandbox: " << s(m, "path") << (ver.empty() ? "" : "@" + ver);
  if (!s(m, "source").empty()) o << "  (" << s(m, "source") << ")";
  o << "\n";
  std::string verdict = s(r, "verdict").empty() ? "error" : s(r, "verdict");
  const char* vcol = verdict == "clean" ? "1;32" : verdict == "suspicious" ? "1;33" : "1;31";
  std::string upper;
  for (char c : verdict) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  char dur[32];
  std::snprintf(dur, sizeof dur, "%.1f", n(r, "duration_ms") / 1000.0);
  o << "verdict:   " << paint(upper, vcol) << "  score " << n(r, "score") << "/100  in " << dur
    << " s\n";
  if (!s(r, "error").empty()) o << "error:     " << s(r, "error") << "\n";

  const json& findings = arr(r, "findings");
  if (!findings.empty()) o << "findings:\n";
  for (size_t i = 0; i < findings.size() && i < kMaxFindings; ++i) {
    const json& f = findings[i];
    std::string sev = s(f, "severity");
    std::string sev_col = sev + std::string(sev.size() < 8 ? 8 - sev.size() : 1, ' ');
    std::string phase = s(f, "phase");
    o << "  " << paint(sev_col, severity_colour(sev)) << " " << phase
      << std::string(phase.size() < 5 ? 5 - phase.size() : 1, ' ') << clip(s(f, "summary"), 110);
    if (!s(f, "attack").empty())
      o << "  " << paint("[" + s(f, "rule") + " " + s(f, "attack") + "]", "2");
    o << "\n";
  }
  if (findings.size() > kMaxFindings)
    o << "  ... " << findings.size() - kMaxFindings << " more in report.json\n";

  tree(o, r);
  network(o, r, paint);
  phases(o, r, paint);

  const json& t = obj(r, "trace");
  if (!t.value("present", false)) {
    o << "trace:     " << paint("absent (no tracer ran): file and process activity unseen", "33")
      << "\n";
  } else if (!t.value("complete", true)) {
    std::string why = std::to_string(n(t, "lost")) + " events lost";
    if (n(t, "over_cap"))
      why += ", " + std::to_string(n(t, "over_cap")) + " past the " + std::to_string(n(t, "keep_max")) +
             " events an analysis keeps";
    o << paint("trace:     INCOMPLETE, " + why + ": absence of findings proves less", "1;31") << "\n";
  } else {
    o << "trace:     complete, " << n(t, "events") << " events";
    if (n(t, "collapsed")) o << " (" << n(t, "collapsed") << " repeats of kept ones not kept)";
    o << "\n";
  }
  if (!report_path.empty()) o << "report:    " << report_path << "\n";
  return o.str();
}

}  // namespace gs::detect
