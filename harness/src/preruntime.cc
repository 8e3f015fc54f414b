// See preruntime.h.
#include "preruntime.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <limits>
#include <map>

namespace gs::harness {
namespace {
using nlohmann::json;

std::string joined(const std::vector<std::string>& argv, size_t max = 200) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s.size() > max ? s.substr(0, max - 3) + "..." : s;
}

// The loader and libc read libraries and system files; module secrets and the user's
// files are what a constructor would be after. Any change to the filesystem counts.
std::string file_action(const tracer::FileEvent& f, const std::string& cwd, const std::string& home) {
  const std::string path = tracer::file_abs_path(f, false, cwd);
  const bool open = f.op == "open" || f.op == "openat" || f.op == "openat2";
  const int acc = int(f.flags & O_ACCMODE);
  const bool writes = !open || acc != O_RDONLY || (f.flags & (O_CREAT | O_TRUNC));
  const bool sensitive = (!home.empty() && path.starts_with(home + "/")) || path.starts_with("/root/") ||
                         path == "/etc/shadow" || path == "/etc/sudoers";
  if (!writes && !sensitive) return {};
  std::string what = open ? (writes ? "opened for writing" : "read") : f.op;
  std::string s = what + " " + path;
  if (!f.path2.empty()) s += " -> " + tracer::file_abs_path(f, true, cwd);
  if (f.ret < 0) s += " (failed, " + std::to_string(f.ret) + ")";
  return s;
}

}  // namespace

json pre_runtime_actions(const std::vector<TracedEvent>& events, const json& processes,
                         const std::set<std::string>& programs, const std::string& home) {
  std::vector<const TracedEvent*> sorted;
  std::map<uint64_t, const TracedEvent*> by_id;
  for (const auto& e : events) {
    sorted.push_back(&e);
    by_id[e.id] = &e;
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const TracedEvent* a, const TracedEvent* b) {
    return a->event.header.ts_ns < b->event.header.ts_ns;
  });
  json out = json::array();
  if (!processes.is_array()) return out;
  for (const json& p : processes) {
    if (!p.is_object() || !p.contains("exe") || !p["exe"].is_string() || !programs.count(p["exe"].get<std::string>()))
      continue;
    // A process's identity starts at its fork (or exec); the window at the exec that
    // loaded the program.
    auto ev = by_id.find(p.value("event", uint64_t{0}));
    if (ev == by_id.end()) continue;
    const uint32_t pid = p.value("host_pid", uint32_t{0});
    const TracedEvent* exec_ev = nullptr;
    for (const TracedEvent* e : sorted) {
      if (e->event.header.pid != pid || e->event.header.ts_ns < ev->second->event.header.ts_ns) continue;
      const auto* x = std::get_if<tracer::ExecEvent>(&e->event.body);
      if (x && x->ret == 0) {
        exec_ev = e;
        break;
      }
    }
    if (!exec_ev) continue;
    const TracedEvent& exec = *exec_ev;
    const uint64_t t0 = exec.event.header.ts_ns;
    const std::string cwd = p.value("cwd", std::string());
    // The window ends at the first thread (the runtime is up), a new exec or the exit.
    uint64_t end = std::numeric_limits<uint64_t>::max();
    bool runtime_started = false;
    for (const TracedEvent* e : sorted) {
      const auto& h = e->event.header;
      if (h.pid != pid || h.ts_ns <= t0 || e->id == exec.id) continue;
      if (const auto* f = std::get_if<tracer::ForkEvent>(&e->event.body); f && f->thread) {
        end = h.ts_ns;
        runtime_started = true;
        break;
      }
      if (const auto* x = std::get_if<tracer::ExitEvent>(&e->event.body); x && x->process_exit) {
        end = h.ts_ns;
        break;
      }
    }
    json actions = json::array();
    auto add = [&](const char* kind, const std::string& detail, const TracedEvent& e) {
      if (actions.size() < 64) actions.push_back({{"kind", kind}, {"detail", detail}, {"event", e.id}, {"ms", e.ms}});
    };
    for (const TracedEvent* e : sorted) {
      const auto& h = e->event.header;
      if (h.pid != pid || h.ts_ns <= t0 || h.ts_ns >= end || e->id == exec.id) continue;
      const auto& body = e->event.body;
      if (const auto* f = std::get_if<tracer::ForkEvent>(&body)) {
        if (f->thread) continue;
        // The child's first exec names what was started.
        const TracedEvent* child_exec = nullptr;
        for (const TracedEvent* c : sorted)
          if (c->event.header.pid == f->child_pid && c->event.header.ts_ns >= h.ts_ns &&
              std::holds_alternative<tracer::ExecEvent>(c->event.body) &&
              std::get<tracer::ExecEvent>(c->event.body).ret == 0) {
            child_exec = c;
            break;
          }
        if (child_exec) {
          const auto& x = std::get<tracer::ExecEvent>(child_exec->event.body);
          add("exec", "started " + (x.argv.empty() ? x.filename : joined(x.argv)), *child_exec);
        } else {
          add("exec", "forked a child process (pid " + std::to_string(f->child_ns_pid) + ")", *e);
        }
      } else if (const auto* x = std::get_if<tracer::ExecEvent>(&body)) {
        add("exec", (x->ret == 0 ? "replaced itself with " : "tried to execute ") +
                        (x->argv.empty() ? x->filename : joined(x->argv)), *e);
        if (x->ret == 0) break;
      } else if (const auto* f = std::get_if<tracer::FileEvent>(&body)) {
        if (std::string what = file_action(*f, cwd, home); !what.empty()) add("file", what, *e);
      } else if (const auto* n = std::get_if<tracer::NetEvent>(&body)) {
        if ((n->op == "connect" || n->op.starts_with("send")) && n->addr && n->addr->family != AF_UNSPEC) {
          std::string dest = n->addr->unix_path.empty() ? n->addr->ip + ":" + std::to_string(n->addr->port)
                                                         : n->addr->unix_path;
          add("connect", n->op + " " + dest, *e);
        }
      } else if (const auto* s = std::get_if<tracer::SecurityEvent>(&body)) {
        add("security", s->op + (s->str1.empty() ? "" : " " + s->str1), *e);
      }
    }
    if (actions.empty()) continue;
    out.push_back({{"process", p.value("id", json())},
                   {"phase", p.value("phase", std::string())},
                   {"exe", p["exe"]},
                   {"window_ms", runtime_started ? json((int64_t(end - t0)) / 1'000'000) : json(nullptr)},
                   {"runtime_started", runtime_started},
                   {"actions", actions}});
  }
  return out;
}

}  // namespace gs::harness
