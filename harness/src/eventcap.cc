// See eventcap.h.
#include "eventcap.h"

#include <random>
#include <string>
#include <type_traits>

namespace gs::harness {
namespace {

// What makes an event a repeat of another: its process and what it did, without times,
// fds or byte counts. Nothing for events that are never repeats: process events, and
// connects (their times are a beacon's evidence).
struct KeyOf {
  std::string k;
  void add(const std::string& s) { k += s, k += '\0'; }
  void add(int64_t v) { k += std::to_string(v), k += '\0'; }
  void add(const std::optional<tracer::SockAddr>& a) {
    if (!a) return add("-");
    add(a->family), add(a->ip), add(a->port), add(a->unix_path), add(a->unix_dir);
  }

  void operator()(const tracer::ForkEvent&) {}
  void operator()(const tracer::ExecEvent&) {}
  void operator()(const tracer::ExitEvent&) {}
  void operator()(const tracer::FileEvent& f) {
    add(f.op), add(f.path), add(f.path2), add(f.dir), add(f.dir2), add(f.opened);
    add(int64_t(f.flags)), add(f.ret < 0 ? f.ret : 0);
  }
  void operator()(const tracer::NetEvent& n) {
    if (n.op == "connect") return;
    // socket()'s fd is what later events of the socket are joined by
    add(n.op), add(n.addr), add(n.peer), add(n.domain), add(n.type);
    add(n.op == "socket" ? n.ret : n.ret < 0 ? n.ret : 0);
  }
  void operator()(const tracer::SecurityEvent& s) {
    add(s.op), add(s.str1), add(s.str2), add(s.target), add(s.ret < 0 ? s.ret : 0);
    for (uint64_t a : s.args) add(int64_t(a));
  }
  void operator()(const tracer::DeniedEvent& d) { add(d.syscall), add(d.ret); }
  void operator()(const tracer::SocketEvent& s) { add(s.proto), add(s.peer), add(s.local); }
};

}  // namespace

EventBudget::EventBudget(uint64_t keep_all, uint64_t keep_max) : keep_all_(keep_all), keep_max_(keep_max) {
  std::random_device rd;
  for (int i = 0; i < 4; ++i) salt_ += std::to_string(rd()) + '\0';
}

EventBudget::Admit EventBudget::admit(const tracer::Event& e) {
  if (kept_ >= keep_max_) {
    ++over_cap_;
    return Admit::kOverCap;
  }
  KeyOf key{salt_};
  std::visit(key, e.body);
  if (key.k.size() > salt_.size()) {
    key.add(int64_t(e.header.pid));
    key.add(std::string(e.type()));
    // salted per run: a module cannot make a path whose hash matches another's
    const uint64_t h = std::hash<std::string>{}(key.k);
    const bool fresh = seen_.insert(h).second;
    if (!fresh && kept_ >= keep_all_) {
      ++collapsed_;
      return Admit::kCollapse;
    }
  }
  ++kept_;
  return Admit::kKeep;
}

}  // namespace gs::harness
