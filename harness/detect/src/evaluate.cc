// Rule evaluation over the report's behaviour model; see verdict.h. Each matcher turns
// the report into hits (phase, process, event ids, destination, words for the summary);
// hits of one rule in one phase become one finding, so a loop that starts a shell a
// hundred times reads as one line, not a hundred.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "detect/glob.h"
#include "detect/verdict.h"
#include "netmon/beacon.h"

namespace gs::detect {

namespace {

using nlohmann::json;

struct Proc {
  std::string id;
  std::string parent;  // empty: none
  std::string phase;
  std::string exe;
  std::vector<std::string> argv;
  bool jail_init = false;
  uint64_t event = 0;
};

struct Hit {
  std::string phase;
  std::vector<uint64_t> events;
  const Proc* proc = nullptr;
  std::string destination;
  std::map<std::string, std::string> vars;
  std::string item;  // what makes two hits different (path, process, destination)
};

std::string id_key(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return {};
}

// A member object, or a shared empty one; never a temporary, since Model keeps pointers.
const json& object_at(const json& j, const char* key) {
  static const json empty_object = json::object();
  if (!j.is_object()) return empty_object;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty_object;
}

const json& section(const json& j, const char* key) {
  static const json empty_array = json::array();
  if (!j.is_object()) return empty_array;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty_array;
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t num(const json& j, const char* key, int64_t fallback = 0) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : fallback;
}

bool is_module_phase(std::string_view phase) {
  return std::find(std::begin(kModulePhases), std::end(kModulePhases), phase) !=
         std::end(kModulePhases);
}

int phase_rank(std::string_view phase) {
  for (size_t i = 0; i < std::size(kModulePhases); ++i)
    if (kModulePhases[i] == phase) return int(i);
  return 9;
}

bool is_loopback_ip(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip == "0.0.0.0" || ip == "::" ||
         ip.starts_with("::ffff:127.");
}

// The fake internet's own resolver: DNS lookups are reported in network.dns instead.
constexpr std::string_view kResolver = "198.18.0.1";

std::string join_argv(const std::vector<std::string>& argv, size_t max = 160) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

bool any_glob(const std::vector<std::string>& globs, std::string_view text, std::string_view home) {
  for (const auto& g : globs)
    if (glob_match(expand_home(g, home), text)) return true;
  return false;
}

class Model {
 public:
  explicit Model(const json& report) {
    const json& env = object_at(report, "environment");
    home_ = str(env, "home");
    if (home_.empty())
      home_ = "/home/" + (str(env, "user").empty() ? std::string("dev") : str(env, "user"));
    for (const json& p : section(report, "processes")) {
      Proc pr;
      pr.id = id_key(p.value("id", json()));
      pr.parent = id_key(p.value("parent", json()));
      pr.phase = str(p, "phase");
      pr.exe = str(p, "exe");
      if (p.contains("argv") && p["argv"].is_array())
        for (const auto& a : p["argv"])
          if (a.is_string()) pr.argv.push_back(a.get<std::string>());
      pr.jail_init = p.value("jail_init", false);
      pr.event = static_cast<uint64_t>(num(p, "event"));
      if (!pr.id.empty()) procs_.emplace(pr.id, std::move(pr));
    }
    const json& net = object_at(report, "network");
    connections_ = &section(net, "connections");
    dns_ = &section(net, "dns");
    beacons_ = &section(net, "beacons");
    listeners_ = &section(net, "listeners");
    const json& sys = object_at(report, "syscalls");
    denied_ = &section(sys, "denied");
    files_ = &section(report, "files");
    binaries_ = &section(report, "binaries");
    pre_runtime_ = &section(report, "pre_runtime");
  }

  const std::string& home() const { return home_; }
  const json& files() const { return *files_; }
  const json& connections() const { return *connections_; }
  const json& dns() const { return *dns_; }
  const json& beacons() const { return *beacons_; }
  const json& listeners() const { return *listeners_; }
  const json& denied() const { return *denied_; }
  const json& binaries() const { return *binaries_; }
  const json& pre_runtime() const { return *pre_runtime_; }
  const std::map<std::string, Proc>& procs() const { return procs_; }

  const Proc* proc(const std::string& id) const {
    auto it = procs_.find(id);
    return it == procs_.end() ? nullptr : &it->second;
  }
  bool is_module(const Proc& p) const { return !p.jail_init && is_module_phase(p.phase); }
  // Started by module code: the phase's own program (the init runner, a test binary, a
  // command) is started by the jail init and is not a finding by being started.
  bool started_by_module(const Proc& p) const {
    if (!is_module(p)) return false;
    const Proc* parent = proc(p.parent);
    return parent && !parent->jail_init;
  }

  std::vector<std::string> chain(const Proc* p) const {
    std::vector<std::string> out;
    for (int depth = 0; p && !p->jail_init && depth < 8; ++depth) {
      out.push_back(p->argv.empty() ? p->exe : join_argv(p->argv, 100));
      p = proc(p->parent);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  // host:port for an ip:port when the fake internet knows the name.
  std::string named(const json& c) const {
    std::string host = str(c, "hostname");
    if (host.empty()) host = str(c, "dst_ip");
    return host + ":" + std::to_string(num(c, "dst_port"));
  }

  std::vector<std::string> phases_of_destination(std::string_view dest) const {
    std::vector<std::string> out;
    auto add = [&](const std::string& ph) {
      if (!ph.empty() && std::find(out.begin(), out.end(), ph) == out.end()) out.push_back(ph);
    };
    for (const json& c : connections()) {
      std::string ipport = str(c, "dst_ip") + ":" + std::to_string(num(c, "dst_port"));
      std::string host = str(c, "hostname");
      if (dest == ipport || dest == host || dest == named(c) ||
          (!host.empty() && dest == "dns:" + host))
        for (const auto& ph : section(c, "phases"))
          if (ph.is_string()) add(ph.get<std::string>());
    }
    if (dest.starts_with("dns:")) {
      std::string domain(dest.substr(4));
      for (const json& d : dns()) {
        std::string name = str(d, "name");
        if (name == domain || name.ends_with("." + domain)) add(str(d, "phase"));
      }
    }
    for (const json& d : dns())
      if (str(d, "name") == dest) add(str(d, "phase"));
    return out;
  }

  std::string display_destination(std::string_view dest) const {
    for (const json& c : connections())
      if (dest == str(c, "dst_ip") + ":" + std::to_string(num(c, "dst_port"))) return named(c);
    return std::string(dest);
  }

 private:
  std::string home_;
  std::map<std::string, Proc> procs_;
  const json* files_;
  const json* connections_;
  const json* dns_;
  const json* beacons_;
  const json* listeners_;
  const json* denied_;
  const json* binaries_;
  const json* pre_runtime_;
};

std::vector<std::string> ops_of(const json& f) {
  std::vector<std::string> ops;
  for (const auto& o : section(f, "ops"))
    if (o.is_string()) ops.push_back(o.get<std::string>());
  return ops;
}

bool has_op(const std::vector<std::string>& ops, std::string_view op) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

std::vector<uint64_t> events_of(const json& f) {
  std::vector<uint64_t> ev;
  for (const auto& e : section(f, "events"))
    if (e.is_number_unsigned() || e.is_number_integer()) ev.push_back(e.get<uint64_t>());
  return ev;
}

// ---- matchers ----

std::vector<Hit> match_exec(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  const auto& exe = r.list("exe");
  const auto& exe_path = r.list("exe_path");
  const auto& exclude = r.list("exclude_exe");
  for (const auto& [id, p] : m.procs()) {
    if (!m.started_by_module(p) || !r.applies_to(p.phase)) continue;
    std::string_view exe_base = base_name(p.exe);
    std::string_view argv0_base = p.argv.empty() ? exe_base : base_name(p.argv[0]);
    if (!exe.empty() && !any_glob(exe, exe_base, m.home()) && !any_glob(exe, argv0_base, m.home()))
      continue;
    if (!exe_path.empty() && !any_glob(exe_path, p.exe, m.home()) &&
        !(p.argv.size() && any_glob(exe_path, p.argv[0], m.home())))
      continue;
    if (!exclude.empty() && any_glob(exclude, p.exe, m.home())) continue;
    std::string argv = join_argv(p.argv, 4096);
    if (!r.argv_patterns.empty()) {
      bool any = false;
      for (const auto& re : r.argv_patterns) any = any || std::regex_search(argv, re);
      if (!any) continue;
    }
    Hit h;
    h.phase = p.phase;
    h.proc = &p;
    if (p.event) h.events.push_back(p.event);
    h.vars = {{"exe", p.exe}, {"argv", join_argv(p.argv)}, {"path", p.exe}};
    h.item = p.exe + "\n" + argv;
    hits.push_back(std::move(h));
  }
  return hits;
}

const Proc* file_proc(const json& f, const Model& m) {
  return m.proc(id_key(f.value("process", json())));
}

std::vector<Hit> match_file(const Rule& r, const Model& m) {
  std::map<std::string, std::vector<Hit>> by_phase;
  const auto& ops = r.list("ops");
  for (const json& f : m.files()) {
    std::string phase = str(f, "phase"), path = str(f, "path");
    if (!r.applies_to(phase)) continue;
    const Proc* p = file_proc(f, m);
    if (p && p->jail_init) continue;
    auto fops = ops_of(f);
    if (!ops.empty() &&
        std::none_of(ops.begin(), ops.end(), [&](const auto& o) { return has_op(fops, o); }))
      continue;
    if (!any_glob(r.list("path"), path, m.home()) ||
        any_glob(r.list("exclude_path"), path, m.home()))
      continue;
    if (p && any_glob(r.list("exclude_exe"), p->exe, m.home())) continue;
    Hit h;
    h.phase = phase;
    h.proc = p;
    h.events = events_of(f);
    h.vars = {{"path", path}, {"exe", p ? p->exe : ""}};
    h.item = path;
    by_phase[phase].push_back(std::move(h));
  }
  std::vector<Hit> hits;
  size_t min_distinct = static_cast<size_t>(r.integer("min_distinct", 1));
  for (auto& [phase, hs] : by_phase) {
    std::set<std::string> distinct;
    for (const auto& h : hs) distinct.insert(h.item);
    if (distinct.size() < min_distinct) continue;
    for (auto& h : hs) {
      h.vars["count"] = std::to_string(distinct.size());
      hits.push_back(std::move(h));
    }
  }
  return hits;
}

std::vector<Hit> match_write_then_exec(const Rule& r, const Model& m) {
  // Paths module code wrote, with the earliest phase; the toolchain's own outputs
  // (go build run by a test) are excluded by the rule's exclude_exe.
  std::map<std::string, int> written;
  for (const json& f : m.files()) {
    std::string phase = str(f, "phase"), path = str(f, "path");
    // A failed write dropped nothing.
    if (!is_module_phase(phase) || f.value("failed", false)) continue;
    auto ops = ops_of(f);
    if (!has_op(ops, "write") && !has_op(ops, "create") && !has_op(ops, "truncate")) continue;
    const Proc* p = file_proc(f, m);
    if (p && (p->jail_init || any_glob(r.list("exclude_exe"), p->exe, m.home()))) continue;
    if (any_glob(r.list("exclude_path"), path, m.home())) continue;
    auto [it, fresh] = written.emplace(path, phase_rank(phase));
    if (!fresh) it->second = std::min(it->second, phase_rank(phase));
  }
  std::vector<Hit> hits;
  for (const json& f : m.files()) {
    std::string phase = str(f, "phase"), path = str(f, "path");
    // an exec the kernel refused ran nothing; the attempt stays in files
    if (!r.applies_to(phase) || !has_op(ops_of(f), "exec") || f.value("failed", false)) continue;
    auto it = written.find(path);
    if (it == written.end() || it->second > phase_rank(phase)) continue;
    // The process that ran the dropped file, for the chain.
    const Proc* runner = nullptr;
    for (const auto& [id, p] : m.procs())
      if (p.phase == phase && p.exe == path && !p.jail_init) runner = &p;
    if (!runner) runner = file_proc(f, m);
    Hit h;
    h.phase = phase;
    h.proc = runner;
    h.events = events_of(f);
    if (runner && runner->event) h.events.push_back(runner->event);
    h.vars = {{"path", path}, {"exe", path}, {"argv", runner ? join_argv(runner->argv) : path}};
    h.item = path;
    hits.push_back(std::move(h));
  }
  return hits;
}

// Deletes through a directory fd (rm -r, os.RemoveAll) are recorded with names relative
// to a directory the report does not resolve, and aggregated by name: "file0.go" may
// stand for one file in each of forty directories. Those count once per recorded event,
// and only in a phase where module code also deleted an absolute path in scope: so
// t.TempDir() cleanup under /tmp (excluded) never lends its relative names to a count.
std::vector<Hit> match_mass_delete(const Rule& r, const Model& m) {
  struct PhaseDeletes {
    std::vector<const json*> absolute, relative;
  };
  std::map<std::string, PhaseDeletes> by_phase;
  for (const json& f : m.files()) {
    std::string phase = str(f, "phase"), path = str(f, "path");
    if (!r.applies_to(phase) || !has_op(ops_of(f), "delete")) continue;
    const Proc* p = file_proc(f, m);
    if (p && p->jail_init) continue;
    if (!path.starts_with("/")) {
      by_phase[phase].relative.push_back(&f);
      continue;
    }
    if (!r.list("path").empty() && !any_glob(r.list("path"), path, m.home())) continue;
    if (any_glob(r.list("exclude_path"), path, m.home())) continue;
    by_phase[phase].absolute.push_back(&f);
  }
  std::vector<Hit> hits;
  size_t min_files = static_cast<size_t>(r.integer("min_files", 50));
  for (const auto& [phase, d] : by_phase) {
    if (d.absolute.empty()) continue;
    size_t count = d.absolute.size();
    for (const json* f : d.relative) count += std::max<size_t>(1, events_of(*f).size());
    if (count < min_files) continue;
    Hit h;
    h.phase = phase;
    const json& first = *d.absolute.front();
    h.proc = d.relative.empty() ? file_proc(first, m) : file_proc(*d.relative.front(), m);
    for (const auto* list : {&d.absolute, &d.relative})
      for (const json* f : *list)
        for (uint64_t e : events_of(*f))
          if (h.events.size() < 16) h.events.push_back(e);
    h.vars = {{"count", std::to_string(count)},
              {"path", str(first, "path")},
              {"exe", h.proc ? h.proc->exe : ""}};
    h.item = phase;
    hits.push_back(std::move(h));
  }
  return hits;
}

// The process a network finding is about: the first of the entry's `processes` (exec
// identities, joined by the harness) that ran in the finding's phase.
const Proc* network_proc(const json& entry, const std::string& phase, const Model& m) {
  for (const auto& id : section(entry, "processes")) {
    const Proc* p = m.proc(id_key(id));
    if (p && p->phase == phase && !p->jail_init) return p;
  }
  return nullptr;
}

std::vector<Hit> match_connect(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  int64_t min_attempts = r.integer("min_attempts", 1);
  const auto& ports = r.list("port");
  for (const json& c : m.connections()) {
    std::string ip = str(c, "dst_ip");
    int64_t port = num(c, "dst_port");
    if (ip.empty() || is_loopback_ip(ip) || (ip == kResolver && port == 53)) continue;
    if (!ports.empty() &&
        std::find(ports.begin(), ports.end(), std::to_string(port)) == ports.end())
      continue;
    if (num(c, "attempts", 1) < min_attempts) continue;
    for (const auto& ph : section(c, "phases")) {
      if (!ph.is_string() || !r.applies_to(ph.get<std::string>())) continue;
      Hit h;
      h.phase = ph.get<std::string>();
      h.proc = network_proc(c, h.phase, m);
      h.destination = m.named(c);
      h.vars = {{"dest", h.destination},
                {"count", std::to_string(num(c, "attempts", 1))},
                {"name", str(c, "hostname")}};
      h.item = h.destination;
      hits.push_back(std::move(h));
    }
  }
  return hits;
}

// A listener is a local address, not a destination: the finding names it in its summary.
std::vector<Hit> match_listen(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  const auto& protos = r.list("proto");
  const auto& ports = r.list("port");
  for (const json& l : m.listeners()) {
    std::string ip = str(l, "ip"), proto = str(l, "proto");
    int64_t port = num(l, "port");
    // (0.0.0.0 and :: are loopback to connect to, but every address to listen on)
    bool loopback = ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
    if (ip.empty() || loopback || l.value("loopback", false)) continue;
    if (!protos.empty() && std::find(protos.begin(), protos.end(), proto) == protos.end()) continue;
    if (!ports.empty() &&
        std::find(ports.begin(), ports.end(), std::to_string(port)) == ports.end())
      continue;
    std::string where = (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" +
                        (port ? std::to_string(port) : std::string("(any port)"));
    for (const auto& ph : section(l, "phases")) {
      if (!ph.is_string() || !r.applies_to(ph.get<std::string>())) continue;
      Hit h;
      h.phase = ph.get<std::string>();
      h.vars = {{"dest", proto + " " + where},
                {"count", std::to_string(num(l, "count", 1))},
                {"exe", str(l, "program")}};
      h.item = proto + " " + where;
      hits.push_back(std::move(h));
    }
  }
  return hits;
}

bool ignorable_name(std::string_view name) {
  return name.empty() || name == "localhost" || name.ends_with(".localhost") ||
         name == "localhost.";
}

std::vector<Hit> match_dns(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  const auto& types = r.list("type");
  int64_t min_count = r.integer("min_count", 1);
  for (const json& d : m.dns()) {
    std::string phase = str(d, "phase"), name = str(d, "name"), type = str(d, "type");
    if (!r.applies_to(phase) || ignorable_name(name)) continue;
    if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
    if (num(d, "count", 1) < min_count) continue;
    Hit h;
    h.phase = phase;
    h.destination = "dns:" + name;
    h.vars = {{"name", name}, {"dest", name}, {"count", std::to_string(num(d, "count", 1))}};
    h.item = name;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::string registered_domain(std::string_view name) {
  while (name.ends_with('.')) name.remove_suffix(1);
  size_t last = name.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(name);
  size_t second = name.rfind('.', last - 1);
  return std::string(second == std::string_view::npos ? name : name.substr(second + 1));
}

std::vector<Hit> match_dns_tunnel(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  size_t min_label = static_cast<size_t>(r.integer("min_label_length", 40));
  double min_entropy = r.number("min_entropy", 4.0);
  size_t min_unique = static_cast<size_t>(r.integer("min_unique_subdomains", 12));
  std::map<std::pair<std::string, std::string>, std::set<std::string>>
      subdomains;  // (phase, domain)
  for (const json& d : m.dns()) {
    std::string phase = str(d, "phase"), name = str(d, "name");
    if (!r.applies_to(phase) || ignorable_name(name)) continue;
    std::string domain = registered_domain(name);
    if (name != domain) subdomains[{phase, domain}].insert(name);
    auto st = netmon::beacon::label_stats(name);
    bool high_entropy = st.max_label_entropy >= min_entropy && st.longest_label >= 16;
    if (!st.looks_like_tunnel && st.longest_label < min_label && !high_entropy) continue;
    Hit h;
    h.phase = phase;
    h.destination = "dns:" + domain;
    char ent[32];
    std::snprintf(ent, sizeof ent, "%.1f", st.max_label_entropy);
    h.vars = {{"name", name.size() > 90 ? name.substr(0, 87) + "..." : name},
              {"dest", domain},
              {"count", std::to_string(st.longest_label)},
              {"score", ent}};
    h.item = domain;
    hits.push_back(std::move(h));
  }
  for (const auto& [key, names] : subdomains) {
    if (names.size() < min_unique) continue;
    Hit h;
    h.phase = key.first;
    h.destination = "dns:" + key.second;
    h.vars = {
        {"name", *names.begin()}, {"dest", key.second}, {"count", std::to_string(names.size())}};
    h.item = key.second;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<Hit> match_beacon(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  double min_score = r.number("min_score", netmon::beacon::kBeaconThreshold);
  std::vector<std::string> kinds = r.list("kind");
  if (kinds.empty()) kinds = {"beacon"};
  for (const json& b : m.beacons()) {
    std::string dest = str(b, "destination");
    double score = b.value("score", 0.0);
    std::string kind = b.contains("kind") ? str(b, "kind") : std::string("beacon");
    if (score < min_score || std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
    std::string host =
        dest.substr(0, dest.rfind(':') == std::string::npos ? dest.size() : dest.rfind(':'));
    if (is_loopback_ip(host) || host == "localhost" || host == "[::1]") continue;
    for (const auto& phase : m.phases_of_destination(dest)) {
      if (!r.applies_to(phase)) continue;
      Hit h;
      h.phase = phase;
      h.proc = network_proc(b, phase, m);
      h.destination = dest;
      char sc[32];
      std::snprintf(sc, sizeof sc, "%.2f", score);
      h.vars = {{"dest", dest},
                {"score", sc},
                {"count", std::to_string(num(b, "attempts"))},
                {"name", std::to_string(num(b, "median_interval_ms")) + " ms"}};
      h.item = dest;
      hits.push_back(std::move(h));
    }
  }
  return hits;
}

std::vector<Hit> match_denied(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  const auto& names = r.list("syscall");
  for (const json& d : m.denied()) {
    const Proc* p = m.proc(id_key(d.value("process", json())));
    if (!p || p->jail_init || !r.applies_to(p->phase)) continue;
    std::string name = str(d, "name");
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
    Hit h;
    h.phase = p->phase;
    h.proc = p;
    h.vars = {{"syscall", name}, {"exe", p->exe}, {"count", std::to_string(num(d, "count", 1))}};
    h.item = name + "\n" + p->id;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<Hit> match_honeytoken_read(const Rule& r, const Model& m, const Honeytokens& ht) {
  std::vector<Hit> hits;
  for (const json& f : m.files()) {
    std::string phase = str(f, "phase"), path = str(f, "path");
    if (!r.applies_to(phase) || !has_op(ops_of(f), "read") || !ht.is_planted(path, m.home()))
      continue;
    const Proc* p = file_proc(f, m);
    if (p && p->jail_init) continue;
    Hit h;
    h.phase = phase;
    h.proc = p;
    h.events = events_of(f);
    h.vars = {{"path", path}, {"exe", p ? p->exe : ""}, {"source", path}};
    h.item = path;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<Hit> match_exfil(const Rule& r, const Model& m, const ExfilScan& exfil) {
  std::vector<ExfilHit> all = exfil.hits();
  auto add = [&](std::vector<ExfilHit> more) {
    for (auto& h : more) {
      bool dup = std::any_of(all.begin(), all.end(), [&](const ExfilHit& o) {
        return o.source == h.source && o.destination == h.destination;
      });
      if (!dup) all.push_back(std::move(h));
    }
  };
  // What the report itself carries: query names in time order, HTTP request lines.
  std::vector<std::pair<int64_t, std::string>> names;
  for (const json& d : m.dns()) names.push_back({num(d, "first_ms"), str(d, "name")});
  std::stable_sort(names.begin(), names.end());
  std::vector<std::string> ordered;
  for (auto& [ms, n] : names) ordered.push_back(n);
  add(exfil.scan_dns_names(ordered));
  for (const json& c : m.connections()) {
    if (!c.contains("http") || !c["http"].is_object()) continue;
    std::string text =
        str(c["http"], "path") + " " + str(c["http"], "host") + " " + str(c["http"], "user_agent");
    std::string dest = str(c, "dst_ip") + ":" + std::to_string(num(c, "dst_port"));
    add(exfil.scan_bytes(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                         dest, "http"));
  }
  std::vector<Hit> hits;
  for (const auto& e : all) {
    std::vector<std::string> phases = m.phases_of_destination(e.destination);
    if (phases.empty()) phases.push_back("");
    std::string phase = phases.front();
    if (!phase.empty() && !r.applies_to(phase)) continue;
    Hit h;
    h.phase = phase.empty() ? "unknown" : phase;
    h.destination = m.display_destination(e.destination);
    h.vars = {{"source", e.source},
              {"encoding", e.encoding},
              {"dest", h.destination},
              {"name", e.channel}};
    h.item = e.source + "\n" + e.destination;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<Hit> match_constructor(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  for (const json& b : m.binaries()) {
    std::string phase = str(b, "phase"), path = str(b, "path");
    if (!r.applies_to(phase)) continue;
    std::string names;
    size_t n = 0;
    for (const json& c : section(b, "constructors")) {
      std::string sym = str(c, "symbol");
      if (sym.empty()) sym = "function at " + str(c, "address");
      names += (n++ ? ", " : "") + sym;
    }
    if (n == 0) continue;
    Hit h;
    h.phase = phase;
    h.vars = {{"path", path}, {"name", names}, {"count", std::to_string(n)}, {"detail", str(b, "target")}};
    h.item = path;
    hits.push_back(std::move(h));
  }
  return hits;
}

std::vector<Hit> match_pre_runtime(const Rule& r, const Model& m) {
  std::vector<Hit> hits;
  const auto& kinds = r.list("kind");
  for (const json& e : m.pre_runtime()) {
    std::string phase = str(e, "phase");
    if (!r.applies_to(phase)) continue;
    const Proc* p = m.proc(id_key(e.value("process", json())));
    for (const json& a : section(e, "actions")) {
      std::string kind = str(a, "kind");
      if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) continue;
      Hit h;
      h.phase = phase;
      h.proc = p;
      if (int64_t ev = num(a, "event"); ev > 0) h.events.push_back(uint64_t(ev));
      h.vars = {{"exe", str(e, "exe")}, {"detail", str(a, "detail")}, {"name", kind}};
      h.item = kind + "\n" + str(a, "detail");
      hits.push_back(std::move(h));
    }
  }
  return hits;
}

std::vector<Hit> hits_for(const Rule& r, const Model& m, const Honeytokens& ht,
                          const ExfilScan& ex) {
  switch (r.match) {
    case MatchKind::exec:
      return match_exec(r, m);
    case MatchKind::file:
      return match_file(r, m);
    case MatchKind::write_then_exec:
      return match_write_then_exec(r, m);
    case MatchKind::mass_delete:
      return match_mass_delete(r, m);
    case MatchKind::connect:
      return match_connect(r, m);
    case MatchKind::dns:
      return match_dns(r, m);
    case MatchKind::dns_tunnel:
      return match_dns_tunnel(r, m);
    case MatchKind::beacon:
      return match_beacon(r, m);
    case MatchKind::denied:
      return match_denied(r, m);
    case MatchKind::honeytoken_read:
      return match_honeytoken_read(r, m, ht);
    case MatchKind::exfil:
      return match_exfil(r, m, ex);
    case MatchKind::constructor:
      return match_constructor(r, m);
    case MatchKind::pre_runtime:
      return match_pre_runtime(r, m);
    case MatchKind::listen:
      return match_listen(r, m);
  }
  return {};
}

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars,
                   const std::string& phase) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    size_t end = tmpl[i] == '{' ? tmpl.find('}', i) : std::string::npos;
    if (end == std::string::npos) {
      out += tmpl[i];
      continue;
    }
    std::string key = tmpl.substr(i + 1, end - i - 1);
    if (key == "phase") {
      out += phase;
    } else {
      auto it = vars.find(key);
      out += it == vars.end() ? "?" : it->second;
    }
    i = end;
  }
  return out;
}

// Matchers that already summarise many items in one hit.
bool aggregating(MatchKind k) { return k == MatchKind::mass_delete; }

}  // namespace

nlohmann::json Finding::to_json() const {
  return {{"rule", rule},
          {"severity", severity},
          {"phase", phase},
          {"summary", summary},
          {"evidence", evidence},
          {"attack", attack},
          {"score", score},
          {"process_chain", process_chain},
          {"destination", destination.empty() ? json(nullptr) : json(destination)}};
}

nlohmann::json Verdict::findings_json() const {
  json out = json::array();
  for (const auto& f : findings) out.push_back(f.to_json());
  return out;
}

Verdict evaluate(const RuleSet& rules, const nlohmann::json& report, const Honeytokens& honeytokens,
                 const ExfilScan& exfil) {
  Model model(report);
  Verdict v;
  for (const Rule& r : rules.rules()) {
    std::vector<Hit> hits = hits_for(r, model, honeytokens, exfil);
    std::map<std::string, std::vector<Hit*>> by_phase;
    for (auto& h : hits) by_phase[h.phase].push_back(&h);
    for (auto& [phase, hs] : by_phase) {
      const Hit& first = *hs.front();
      Finding f;
      f.rule = r.id;
      f.severity = r.severity;
      f.phase = phase;
      f.attack = r.attack;
      f.score = r.score;
      auto vars = first.vars;
      std::set<std::string> items;
      for (const Hit* h : hs) items.insert(h->item);
      if (!vars.contains("count")) vars["count"] = std::to_string(items.size());
      f.summary = render(r.summary, vars, phase);
      if (items.size() > 1 && !aggregating(r.match))
        f.summary += " (+" + std::to_string(items.size() - 1) + " more)";
      std::set<uint64_t> ev;
      for (const Hit* h : hs)
        for (uint64_t e : h->events) ev.insert(e);
      f.evidence.assign(ev.begin(), ev.end());
      if (f.evidence.size() > 32) f.evidence.resize(32);
      f.process_chain = model.chain(first.proc);
      f.destination = first.destination;
      v.findings.push_back(std::move(f));
    }
  }
  std::stable_sort(v.findings.begin(), v.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.score != b.score) return a.score > b.score;
    if (phase_rank(a.phase) != phase_rank(b.phase))
      return phase_rank(a.phase) < phase_rank(b.phase);
    return a.rule < b.rule;
  });
  // Noisy-OR over distinct rules: independent evidence adds up, repeats of one rule do not.
  std::map<std::string, int> per_rule;
  int strongest = 0;
  for (const auto& f : v.findings) {
    per_rule[f.rule] = std::max(per_rule[f.rule], f.score);
    strongest = std::max(strongest, f.score);
  }
  double clean_odds = 1.0;
  for (const auto& [rule, s] : per_rule) clean_odds *= 1.0 - s / 100.0;
  int score = static_cast<int>(std::lround(100.0 * (1.0 - clean_odds)));
  // Weak signals never add up to malicious on their own.
  if (strongest < kMaliciousScore) score = std::min(score, kMaliciousScore - 1);
  v.score = std::clamp(score, 0, 100);
  v.verdict = strongest >= kMaliciousScore  ? "malicious"
              : v.score >= kSuspiciousScore ? "suspicious"
                                            : "clean";
  return v;
}

}  // namespace gs::detect
