// Stats helpers and the events.jsonl replay source.
#include "tracer/event_source.h"

namespace gs::tracer {

uint64_t Stats::dropped() const {
  uint64_t n = 0;
  for (auto d : drops) n += d;
  return n;
}

nlohmann::json to_json(const Stats& s) {
  nlohmann::json drops = nlohmann::json::object();
  for (int c = 1; c < kCategoryCount; ++c)
    drops[std::string(category_name(static_cast<Category>(c)))] = s.drops[c];
  return {{"events", s.events},
          {"lost", s.dropped()},
          {"complete", s.complete()},
          {"malformed", s.malformed},
          {"drops", drops}};
}

Result<std::unique_ptr<ReplaySource>> ReplaySource::open(const std::string& path) {
  std::unique_ptr<ReplaySource> r(new ReplaySource());
  r->in_.open(path);
  if (!r->in_) return sys_error("tracer: open('" + path + "')");
  return r;
}

Result<int> ReplaySource::poll(int /*timeout_ms*/, const Callback& cb) { return drain(cb); }

Result<int> ReplaySource::drain(const Callback& cb) {
  int n = 0;
  std::string line;
  while (std::getline(in_, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    auto ev = j.is_discarded() ? Result<Event>(error("bad JSON")) : from_json(j);
    if (!ev.ok()) {
      ++stats_.malformed;
      continue;
    }
    ++stats_.events;
    ++n;
    if (cb) cb(*ev);
  }
  return n;
}

}  // namespace gs::tracer
