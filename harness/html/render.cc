// The report page: one function per section, in the order a researcher reads a verdict:
// what was decided and why (findings), what it talked to (timeline, beacons, connections,
// DNS), what it ran (process tree), how each phase went, and what it touched. Every report
// string goes through escape(); class names come from fixed lists, never from the report.
#include <algorithm>
#include <map>
#include <set>

#include "escape.h"
#include "format.h"
#include "html_report.h"
#include "json_view.h"
#include "style.h"
#include "timeline.h"

namespace gs::harness::html {
namespace {

using nlohmann::json;

constexpr std::size_t max_table_rows = 1000;
constexpr std::size_t max_tree_nodes = 2000;
constexpr int max_tree_depth = 48;
constexpr std::size_t max_evidence_ids = 24;
constexpr std::size_t max_argv_chars = 4000;

bool is_toolchain_phase(const std::string& phase) {
  return phase == "fetch" || phase == "plan" || phase == "build";
}

std::string pick(const std::string& value, std::initializer_list<const char*> allowed,
                 const char* fallback) {
  for (const char* a : allowed)
    if (value == a) return value;
  return fallback;
}

std::string phase_pill(const std::string& phase) {
  if (phase.empty()) return "";
  return "<span class=\"pill ph-" +
         pick(phase, {"fetch", "plan", "build", "init", "test", "run"}, "other") + "\">" +
         escape_truncated(phase, 24) + "</span>";
}

std::string ms_cell(const json& j, std::string_view key) {
  auto v = jv::integer(j, key);
  return v ? format_ms(*v) : "";
}

std::string count_span(std::size_t n) {
  return "<span class=\"count\">" + std::to_string(n) + "</span>";
}

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// argv as a shell would need it typed, so a reader can tell "a b" from "a" "b".
std::string shell_quote(const json& argv) {
  std::string out;
  for (const json& a : argv) {
    std::string s = jv::brief(a);
    bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    });
    if (!out.empty()) out += ' ';
    if (plain) {
      out += s;
    } else {
      out += '\'';
      for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
    if (out.size() > max_argv_chars) break;
  }
  return out;
}

// ---- header ---------------------------------------------------------------------------

std::string verdict_class(const json& report) {
  return "v-" + pick(jv::text(report, "verdict"), {"clean", "suspicious", "malicious", "error"},
                     "unknown");
}

std::string module_name(const json& report) {
  const json& m = jv::get(report, "module");
  std::string name = jv::text(m, "path");
  if (std::string v = jv::text(m, "version"); !v.empty()) name += "@" + v;
  return name.empty() ? "(unknown module)" : name;
}

std::string header_section(const json& report) {
  std::string verdict = jv::text(report, "verdict");
  int64_t score = std::clamp<int64_t>(jv::integer(report, "score").value_or(0), 0, 100);
  const json& m = jv::get(report, "module");
  std::string h =
      "<header class=\"top\">\n<h1>" + escape(module_name(report)) + "</h1>\n<div class=\"sub\">";
  h += "source <b>" + escape(jv::text(m, "source")) + "</b> \u00b7 started <b>" +
       escape(jv::text(report, "started_at")) + "</b> \u00b7 took <b>" +
       ms_cell(report, "duration_ms") + "</b>";
  if (std::string sum = jv::text(m, "sum"); !sum.empty())
    h += " \u00b7 <span class=\"mono\">" + escape(sum) + "</span>";
  h += "</div>\n<div class=\"verdict-row\"><span class=\"verdict " + verdict_class(report) + "\">" +
       escape(verdict.empty() ? "unknown" : verdict) + "</span><span class=\"score\">score <b>" +
       std::to_string(score) +
       "</b>/100<span class=\"scorebar\"><span style=\"width:" + std::to_string(score) +
       "%\"></span></span></span></div>\n";
  // A lossy trace means the page may be missing behaviour; say so where the verdict is.
  const json& trace = jv::get(report, "trace");
  if (jv::get(trace, "present") == false) {
    h += "<div class=\"error-line\">no tracer ran: processes, files and attempt times are not "
         "recorded</div>\n";
  } else if (jv::get(trace, "complete") == false || jv::integer(trace, "lost").value_or(0) > 0) {
    std::string over = jv::integer(trace, "over_cap").value_or(0) > 0
                           ? ", " + escape(jv::text(trace, "over_cap")) + " past the analysis's cap"
                           : "";
    h += "<div class=\"error-line\">the trace is incomplete (" + escape(jv::text(trace, "lost")) +
         " events lost" + over + "): behaviour may be missing from this report</div>\n";
  }
  if (std::string err = jv::text(report, "error"); !err.empty())
    h += "<div class=\"error-line\">analysis error: " + escape(err) + "</div>\n";
  return h + "</header>\n";
}

std::size_t module_process_count(const json& report) {
  std::size_t n = 0;
  for (const json& p : jv::array(report, "processes"))
    if (!jv::flag(p, "jail_init") && !is_toolchain_phase(jv::text(p, "phase"))) ++n;
  return n;
}

std::string summary_cards(const json& report) {
  const json& net = jv::get(report, "network");
  std::set<std::string> names;
  for (const json& d : jv::array(net, "dns")) names.insert(jv::text(d, "name"));
  std::size_t written = 0;
  for (const json& f : jv::array(report, "files")) {
    for (const json& op : jv::array(f, "ops")) {
      std::string o = jv::brief(op);
      if (o != "read" && o != "exec") {  // exec runs a file, it does not change it
        ++written;
        break;
      }
    }
  }
  struct Card {
    std::size_t n;
    const char* what;
  };
  Card cards[] = {{jv::array(report, "findings").size(), "findings"},
                  {module_process_count(report), "module processes"},
                  {jv::array(net, "connections").size(), "destinations"},
                  {jv::array(net, "beacons").size(), "beacons"},
                  {names.size(), "DNS names"},
                  {written, "files changed"},
                  {jv::array(jv::get(report, "syscalls"), "denied").size(), "denied syscalls"}};
  std::string h = "<div class=\"cards\">";
  for (const Card& c : cards) {
    bool hot = c.n > 0 &&
               (std::string_view(c.what) == "findings" || std::string_view(c.what) == "beacons");
    h += std::string("<div class=\"card") + (hot ? " hot" : "") + "\"><b>" + std::to_string(c.n) +
         "</b><span>" + c.what + "</span></div>";
  }
  return h + "</div>\n";
}

// ---- findings -------------------------------------------------------------------------

int severity_rank(const std::string& s) {
  static const std::map<std::string, int> ranks = {
      {"critical", 0}, {"high", 1}, {"medium", 2}, {"low", 3}, {"info", 4}};
  auto it = ranks.find(s);
  return it == ranks.end() ? 5 : it->second;
}

std::string process_label(const json& v, const std::map<std::string, const json*>& processes) {
  if (v.is_object()) {
    std::string exe = jv::text(v, "exe");
    return exe.empty() ? jv::brief(v) : basename_of(exe);
  }
  auto it = processes.find(jv::brief(v));
  if (it == processes.end()) return jv::brief(v);
  return basename_of(jv::text(*it->second, "exe")) + " #" + jv::brief(v);
}

std::string findings_section(const json& report,
                             const std::map<std::string, const json*>& processes) {
  const json& findings = jv::array(report, "findings");
  std::string h = "<section id=\"findings\"><h2>Findings" + count_span(findings.size()) + "</h2>\n";
  if (findings.empty()) return h + "<p class=\"none\">No findings.</p></section>\n";
  std::vector<const json*> sorted;
  for (const json& f : findings) sorted.push_back(&f);
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    return severity_rank(jv::text(*a, "severity")) < severity_rank(jv::text(*b, "severity"));
  });
  h += "<table><tr><th>severity</th><th>rule</th><th>ATT&amp;CK</th><th>phase</th><th>summary</th>"
       "<th>process chain</th><th>destination</th><th>evidence (event ids)</th></tr>\n";
  std::size_t rows = 0;
  for (const json* f : sorted) {
    if (rows++ == max_table_rows) break;
    std::string sev = jv::text(*f, "severity");
    std::string rule = jv::text(*f, "rule");  // kept on one line, cut with the full name on hover
    h += "<tr><td><span class=\"pill sev-" +
         pick(sev, {"critical", "high", "medium", "low", "info"}, "info") + "\">" +
         escape_truncated(sev, 16) + "</span></td><td class=\"mono nowrap\" title=\"" +
         escape(rule) + "\">" + escape_truncated(rule, 40) + "</td><td class=\"nowrap\">";
    if (std::string attack = jv::text(*f, "attack"); !attack.empty())
      h += "<span class=\"attack\">" + escape(attack) + "</span>";
    h += "</td><td>" + phase_pill(jv::text(*f, "phase")) + "</td><td>" +
         escape(jv::text(*f, "summary")) + "</td><td>";
    std::string chain;
    for (const json& p : jv::array(*f, "process_chain"))
      chain += (chain.empty() ? "" : " \u2192 ") + process_label(p, processes);
    h += "<span class=\"mono\">" + escape(chain) + "</span></td><td class=\"mono\">" +
         escape(jv::text(*f, "destination")) + "</td><td class=\"mono\">";
    const json& evidence = jv::array(*f, "evidence");
    std::size_t shown = 0;
    for (const json& e : evidence) {
      if (shown == max_evidence_ids) break;
      h += (shown++ ? ", " : "") + std::string(e.is_number() ? "#" : "") +
           escape_truncated(jv::brief(e), 120);
    }
    if (evidence.size() > shown) h += " +" + std::to_string(evidence.size() - shown) + " more";
    h += "</td></tr>\n";
  }
  return h + "</table></section>\n";
}

// ---- network --------------------------------------------------------------------------

std::string beacons_table(const json& net) {
  const json& beacons = jv::array(net, "beacons");
  if (beacons.empty()) return "";
  std::string h =
      "<h3>Beacons" + count_span(beacons.size()) +
      "</h3><table><tr><th>destination</th><th>kind</th><th>attempts</th>"
      "<th>median interval</th><th>jitter</th><th>score</th><th>confidence</th><th>first \u2192 "
      "last</th></tr>\n";
  std::size_t rows = 0;
  for (const json& b : beacons) {
    if (rows++ == max_table_rows) break;
    auto median = jv::number(b, "median_interval_ms");
    auto jitter = jv::number(b, "jitter");
    auto score = jv::number(b, "score");
    auto confidence = jv::number(b, "confidence");
    h += "<tr><td class=\"mono\">" + escape(jv::text(b, "destination")) + "</td><td>" +
         escape(jv::text(b, "kind")) + "</td><td class=\"num\">" + escape(jv::text(b, "attempts")) +
         "</td><td class=\"num\">" + (median ? format_ms(std::llround(*median)) : "") +
         "</td><td class=\"num\">" + (jitter ? format_fixed(*jitter * 100, 1) + " %" : "") +
         "</td><td class=\"num\"><b>" + (score ? format_fixed(*score, 2) : "") +
         "</b></td><td class=\"num\">" +
         (confidence ? format_fixed(*confidence, 2) : escape(jv::text(b, "confidence"))) +
         "</td><td class=\"nowrap\">" + ms_cell(b, "first_ms") + " \u2192 " +
         ms_cell(b, "last_ms") + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string http_cell(const json& http) {
  if (!http.is_object()) return "";
  std::string s = jv::text(http, "method") + " " + jv::text(http, "host") + jv::text(http, "path");
  std::string h = "<span class=\"mono\">" + escape(s) + "</span>";
  if (std::string ua = jv::text(http, "user_agent"); !ua.empty())
    h += "<br><span class=\"muted\">UA " + escape(ua) + "</span>";
  if (auto n = jv::integer(http, "requests"))
    h += "<br><span class=\"muted\">" + std::to_string(*n) + (*n == 1 ? " request" : " requests") +
         "</span>";
  return h;
}

std::string connections_table(const json& net) {
  const json& conns = jv::array(net, "connections");
  std::string h = "<h3>Connections" + count_span(conns.size()) + "</h3>\n";
  if (conns.empty()) return h + "<p class=\"none\">No connections.</p>\n";
  h += "<table><tr><th>destination</th><th>proto</th><th>name / TLS "
       "SNI</th><th>HTTP</th><th>attempts</th>"
       "<th>first \u2192 last</th><th>bytes out / in</th><th>phases</th></tr>\n";
  std::size_t rows = 0;
  for (const json& c : conns) {
    if (rows++ == max_table_rows) break;
    std::string ip = jv::text(c, "dst_ip");
    std::string dest =
        (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + jv::text(c, "dst_port");
    std::string names = escape(jv::text(c, "hostname"));
    if (std::string sni = jv::text(c, "tls_sni"); !sni.empty()) names += "<br>SNI " + escape(sni);
    std::string attempts = escape(jv::text(c, "attempts"));
    if (auto failed = jv::integer(c, "failed"); failed && *failed > 0)
      attempts += " (" + std::to_string(*failed) + " failed)";
    std::string phases;
    for (const json& p : jv::array(c, "phases")) phases += phase_pill(jv::brief(p)) + " ";
    h += "<tr><td class=\"mono\">" + escape(dest) + "</td><td>" + escape(jv::text(c, "proto")) +
         "</td><td class=\"mono\">" + names + "</td><td>" + http_cell(jv::get(c, "http")) +
         "</td><td class=\"num\">" + attempts + "</td><td class=\"nowrap\">" +
         ms_cell(c, "first_ms") + " \u2192 " + ms_cell(c, "last_ms") + "</td><td class=\"num\">" +
         format_bytes(jv::integer(c, "bytes_out").value_or(0)) + " / " +
         format_bytes(jv::integer(c, "bytes_in").value_or(0)) + "</td><td>" + phases +
         "</td></tr>\n";
  }
  return h + "</table>\n";
}

// Sockets module code made to be reached; shown only when there are any.
std::string listeners_table(const json& net) {
  const json& ls = jv::array(net, "listeners");
  if (ls.empty()) return "";
  std::string h = "<h3>Listening sockets" + count_span(ls.size()) + "</h3>\n";
  h += "<table><tr><th>address</th><th>proto</th><th>program</th><th>count</th><th>first</th>"
       "<th>phases</th></tr>\n";
  std::size_t rows = 0;
  for (const json& l : ls) {
    if (rows++ == max_table_rows) break;
    std::string ip = jv::text(l, "ip");
    std::string port = jv::text(l, "port");
    std::string where = (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" +
                        (port == "0" ? std::string("any port") : port);
    if (jv::flag(l, "loopback")) where += " (loopback)";
    std::string phases;
    for (const json& p : jv::array(l, "phases")) phases += phase_pill(jv::brief(p)) + " ";
    h += "<tr><td class=\"mono\">" + escape(where) + "</td><td>" + escape(jv::text(l, "proto")) +
         "</td><td class=\"mono\">" + escape(jv::text(l, "program")) + "</td><td class=\"num\">" +
         escape(jv::text(l, "count")) + "</td><td class=\"nowrap\">" + ms_cell(l, "first_ms") +
         "</td><td>" + phases + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string dns_table(const json& net) {
  const json& dns = jv::array(net, "dns");
  std::string h = "<h3>DNS queries" + count_span(dns.size()) + "</h3>\n";
  if (dns.empty()) return h + "<p class=\"none\">No DNS queries.</p>\n";
  h += "<table><tr><th>name</th><th>type</th><th>answer</th><th>count</th><th>first</th><th>phase</"
       "th><th>note</th></tr>\n";
  std::size_t rows = 0;
  for (const json& d : dns) {
    if (rows++ == max_table_rows) break;
    std::string note;
    if (jv::flag(d, "looks_like_tunnel"))
      note = "tunnel-like: entropy " + format_fixed(jv::number(d, "entropy").value_or(0), 2) +
             ", longest label " + jv::text(d, "longest_label");
    h += "<tr><td class=\"mono\">" + escape(jv::text(d, "name")) + "</td><td>" +
         escape(jv::text(d, "type")) + "</td><td class=\"mono\">" + escape(jv::text(d, "answer")) +
         "</td><td class=\"num\">" + escape(jv::text(d, "count")) + "</td><td class=\"nowrap\">" +
         ms_cell(d, "first_ms") + "</td><td>" + phase_pill(jv::text(d, "phase")) + "</td><td>" +
         escape(note) + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string network_section(const json& report, const std::vector<Attempt>& attempts) {
  const json& net = jv::get(report, "network");
  std::string h = "<section id=\"network\"><h2>Network timeline</h2>\n";
  std::string timeline = timeline_svg(report, attempts);
  bool drawn = timeline.starts_with("<svg");
  h += "<div class=\"timeline-wrap\">" + timeline + "</div>\n";
  if (drawn)
    h += "<p class=\"legend\">one row per destination, one tick per outbound attempt"
         "<i style=\"background:#d62839\"></i>attempt<i style=\"background:#f08c00\"></i>failed "
         "attempt"
         "<i class=\"b\" style=\"background:#fdebd3\"></i>init<i class=\"b\" "
         "style=\"background:#e2f3df\"></i>test"
         "<i class=\"b\" style=\"background:#ece4f8\"></i>run<i class=\"b\" "
         "style=\"background:#eef1f6\"></i>toolchain"
         " \u00b7 dashed span with hollow ends: attempts the report counts whose times the trace "
         "does not hold</p>\n";
  if (std::string mode = jv::text(net, "mode"); !mode.empty())
    h += "<p class=\"note\">network mode: " + escape(mode) + "</p>\n";
  return h + beacons_table(net) + connections_table(net) + listeners_table(net) + dns_table(net) +
         "</section>\n";
}

// ---- processes ------------------------------------------------------------------------

class ProcessTree {
 public:
  explicit ProcessTree(std::vector<const json*> members) : members_(std::move(members)) {
    std::set<std::string> ids;
    for (const json* p : members_) ids.insert(jv::text(*p, "id"));
    for (std::size_t i = 0; i < members_.size(); ++i) {
      std::string parent = jv::text(*members_[i], "parent");
      if (ids.contains(parent) && parent != jv::text(*members_[i], "id")) {
        children_[parent].push_back(i);
      } else {
        roots_.push_back(i);
      }
    }
  }

  std::string html() {
    std::string h = "<ul class=\"tree\">\n";
    for (std::size_t r : roots_) node(h, r, 0);
    // A parent loop leaves members unreachable from any root; show them anyway.
    for (std::size_t i = 0; i < members_.size(); ++i)
      if (!visited_.contains(i)) node(h, i, 0);
    if (drawn_ >= max_tree_nodes)
      h += "<li class=\"note\">" + std::to_string(members_.size() - drawn_) +
           " more processes not shown</li>\n";
    return h + "</ul>\n";
  }

 private:
  void node(std::string& h, std::size_t i, int depth) {
    if (drawn_ >= max_tree_nodes || !visited_.insert(i).second) return;
    ++drawn_;
    const json& p = *members_[i];
    std::string exe = jv::text(p, "exe");
    std::string meta = "pid " + jv::text(p, "pid") + " \u00b7 " + ms_cell(p, "start_ms") +
                       " \u2192 " +
                       (jv::integer(p, "end_ms") ? ms_cell(p, "end_ms") : "still running");
    if (auto sig = jv::integer(p, "signal")) {
      meta += " \u00b7 signal " + std::to_string(*sig);
    } else if (auto code = jv::integer(p, "exit_code")) {
      meta += " \u00b7 exit " + std::to_string(*code);
    }
    h += "<li><div class=\"proc\">" + phase_pill(jv::text(p, "phase")) + " <span class=\"exe\">" +
         escape(exe) + "</span><span class=\"pmeta\">" + escape(meta) + "</span></div>";
    std::string argv = shell_quote(jv::array(p, "argv"));
    if (!argv.empty())
      h += "<div class=\"argv\">" + escape_truncated(argv, max_argv_chars) +
           (jv::flag(p, "argv_truncated") ? " <span class=\"muted\">[argv truncated]</span>" : "") +
           "</div>";
    auto it = children_.find(jv::text(p, "id"));
    if (it != children_.end() && depth < max_tree_depth) {
      h += "\n<ul>\n";
      for (std::size_t c : it->second) node(h, c, depth + 1);
      h += "</ul>";
    }
    h += "</li>\n";
  }

  std::vector<const json*> members_;
  std::map<std::string, std::vector<std::size_t>> children_;
  std::vector<std::size_t> roots_;
  std::set<std::size_t> visited_;
  std::size_t drawn_ = 0;
};

std::string processes_section(const json& report) {
  std::vector<const json*> module, toolchain;
  std::size_t jail_inits = 0;
  for (const json& p : jv::array(report, "processes")) {
    if (jv::flag(p, "jail_init")) {
      ++jail_inits;
    } else {
      (is_toolchain_phase(jv::text(p, "phase")) ? toolchain : module).push_back(&p);
    }
  }
  std::string h = "<section id=\"processes\"><h2>Processes started by the module" +
                  count_span(module.size()) + "</h2>\n";
  if (!jv::get(report, "trace").is_null() && jv::get(jv::get(report, "trace"), "present") == false)
    h += "<p class=\"note\">No tracer ran (trace.present is false): processes are not "
         "recorded.</p>\n";
  h += module.empty() ? "<p class=\"none\">No processes in the init, test or run phases.</p>\n"
                      : ProcessTree(std::move(module)).html();
  if (!toolchain.empty()) {
    // Collapsed: the toolchain runs no module code, but a reader may want to check that.
    std::string count = std::to_string(toolchain.size());
    std::string tree = ProcessTree(std::move(toolchain)).html();
    h += "<details><summary>Go toolchain processes of the fetch, plan and build phases (" + count +
         ")</summary>\n" + tree + "</details>\n";
  }
  if (jail_inits)
    h += "<p class=\"note\">" + std::to_string(jail_inits) +
         " jail init processes (gosandbox's own) are omitted.</p>\n";
  return h + "</section>\n";
}

// ---- phases, files, syscalls, environment ---------------------------------------------

std::string tail_block(const json& phase, std::string_view key, const char* label) {
  std::string tail = jv::text(phase, key);
  if (tail.empty()) return "";
  return "<details><summary>" + std::string(label) + " (" + format_bytes(int64_t(tail.size())) +
         (jv::flag(phase, "truncated") ? ", last part only" : "") + ")</summary><pre>" +
         escape_pre(tail) + "</pre></details>";
}

std::string phases_section(const json& report) {
  const json& phases = jv::array(report, "phases");
  std::string h = "<section id=\"phases\"><h2>Phases" + count_span(phases.size()) + "</h2>\n";
  if (phases.empty()) return h + "<p class=\"none\">No phases ran.</p></section>\n";
  h += "<table><tr><th>phase</th><th>target</th><th>status</th><th>start</th><th>duration</"
       "th><th>exit</th>"
       "<th>note</th><th>output</th></tr>\n";
  for (const json& p : phases) {
    std::string status = jv::text(p, "status");
    std::string exit;
    if (auto sig = jv::integer(p, "signal")) {
      exit = "signal " + std::to_string(*sig);
    } else if (auto code = jv::integer(p, "exit_code")) {
      exit = "exit " + std::to_string(*code);
    }
    h += "<tr><td>" + phase_pill(jv::text(p, "name")) + "</td><td class=\"mono\">" +
         escape(jv::text(p, "target")) + "</td><td><span class=\"pill st-" +
         pick(status, {"ok", "failed", "timeout", "skipped", "error"}, "skipped") + "\">" +
         escape_truncated(status, 16) + "</span></td><td class=\"num\">" + ms_cell(p, "start_ms") +
         "</td><td class=\"num\">" + ms_cell(p, "duration_ms") + "</td><td class=\"nowrap\">" +
         exit + "</td><td>" + escape(jv::text(p, "note")) + "</td><td>" +
         tail_block(p, "stdout_tail", "stdout") + tail_block(p, "stderr_tail", "stderr") +
         "</td></tr>\n";
  }
  return h + "</table></section>\n";
}

std::string files_section(const json& report) {
  const json& files = jv::array(report, "files");
  std::string h = "<section id=\"files\"><h2>Files" + count_span(files.size()) + "</h2>\n";
  if (files.empty()) return h + "<p class=\"none\">No file activity recorded.</p></section>\n";
  h += "<details" + std::string(files.size() <= 40 ? " open" : "") +
       "><summary>paths touched by the module</summary>"
       "<table><tr><th>path</th><th>ops</th><th>phase</th><th>first</th></tr>\n";
  std::size_t rows = 0;
  for (const json& f : files) {
    if (rows++ == max_table_rows) {
      h += "<tr><td colspan=\"4\" class=\"note\">" + std::to_string(files.size() - max_table_rows) +
           " more in report.json</td></tr>\n";
      break;
    }
    std::string ops;
    for (const json& o : jv::array(f, "ops")) ops += (ops.empty() ? "" : ", ") + jv::brief(o);
    h += "<tr><td class=\"mono\">" + escape(jv::text(f, "path")) + "</td><td>" + escape(ops) +
         "</td><td>" + phase_pill(jv::text(f, "phase")) + "</td><td class=\"num\">" +
         ms_cell(f, "first_ms") + "</td></tr>\n";
  }
  return h + "</table></details></section>\n";
}

std::string denied_section(const json& report) {
  const json& denied = jv::array(jv::get(report, "syscalls"), "denied");
  if (denied.empty()) return "";
  std::string h = "<section id=\"denied\"><h2>Denied syscalls" + count_span(denied.size()) +
                  "</h2><table><tr><th>syscall</th><th>process</th><th>count</th></tr>\n";
  std::size_t rows = 0;
  for (const json& d : denied) {
    if (rows++ == max_table_rows) break;
    h += "<tr><td class=\"mono\">" + escape(jv::text(d, "name")) + "</td><td class=\"mono\">" +
         escape(jv::text(d, "process")) + "</td><td class=\"num\">" + escape(jv::text(d, "count")) +
         "</td></tr>\n";
  }
  return h + "</table></section>\n";
}

std::string key_values(const json& object) {
  if (!object.is_object() || object.empty()) return "<p class=\"none\">none</p>";
  std::string h = "<table>";
  std::size_t rows = 0;
  for (const auto& [k, v] : object.items()) {
    if (rows++ == max_table_rows) break;
    h += "<tr><td class=\"mono nowrap\">" + escape(k) + "</td><td class=\"mono\">" +
         escape_truncated(jv::brief(v), 2000) + "</td></tr>";
  }
  return h + "</table>\n";
}

std::string run_section(const json& report) {
  const json& trace = jv::get(report, "trace");
  std::string t =
      jv::get(trace, "present") == false
          ? "no tracer ran"
          : "events " + jv::text(trace, "events") + " \u00b7 lost " + jv::text(trace, "lost") +
                (jv::flag(trace, "complete") ? " \u00b7 complete" : " \u00b7 INCOMPLETE");
  return "<section id=\"run\"><h2>Run</h2><p>trace: " + escape(t) + "</p>\n<h3>Environment</h3>" +
         key_values(jv::get(report, "environment")) + "<h3>Artifacts</h3>" +
         key_values(jv::get(report, "artifacts")) + "</section>\n";
}

std::string document(const json& report, const std::vector<Attempt>& attempts) {
  std::map<std::string, const json*> processes;
  for (const json& p : jv::array(report, "processes")) processes.emplace(jv::text(p, "id"), &p);
  std::string title =
      "gosandbox: " + module_name(report) + " \u2014 " + jv::text(report, "verdict");
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Defence in depth: even if something slipped past escaping, nothing runs or loads.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; "
      "img-src data:\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      escape_truncated(title, 200) + "</title>\n<style>" + stylesheet +
      "</style>\n</head>\n<body>\n";
  h += header_section(report) + "<main>\n" + summary_cards(report);
  h += findings_section(report, processes) + network_section(report, attempts) +
       processes_section(report) + phases_section(report) + files_section(report) +
       denied_section(report) + run_section(report);
  h += "</main>\n<footer>" + escape(jv::text(jv::get(report, "tool"), "name")) + " " +
       escape(jv::text(jv::get(report, "tool"), "version")) + " \u00b7 schema " +
       escape(jv::text(report, "schema_version")) +
       " \u00b7 times are since the analysis started</footer>\n</body>\n</html>\n";
  return h;
}

}  // namespace

std::string render(const nlohmann::json& report, const std::vector<Attempt>& attempts) {
  try {
    return document(report, attempts);
  } catch (const std::exception& e) {
    // Only allocation failure or a library bug gets here; a page that says so beats none.
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>gosandbox "
           "report</title></head><body>"
           "<p>The HTML report could not be rendered: " +
           escape(e.what()) + ". See report.json.</p></body></html>\n";
  }
}

}  // namespace gs::harness::html
