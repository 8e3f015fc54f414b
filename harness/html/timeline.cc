// Timeline drawing; see timeline.h. Rows are built from the tracer's attempts (exact
// times) and joined with report.network for names and beacon scores. A destination the
// tracer did not see attempt by attempt (no events, or HTTP requests sharing one
// connection) is drawn from the report's first/last/attempts as a dashed span with hollow
// end marks, so estimated and exact never look alike.
#include "timeline.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "escape.h"
#include "format.h"
#include "json_view.h"

namespace gs::harness::html {
namespace {

using nlohmann::json;

// Geometry in CSS pixels: the picture is drawn 1:1 (never scaled) so ticks stay crisp,
// and fits a 1280 px wide window beside the page margins.
constexpr int width = 1140;
constexpr int label_width = 350;
constexpr int plot_left = label_width + 10;
constexpr int plot_right = width - 16;
constexpr int top = 26;  // room for the phase names above the rows
constexpr int row_height = 44;
constexpr int axis_height = 30;
constexpr int tick_inset = 9;  // vertical gap between a tick and its row's edges
constexpr std::size_t max_label_chars = 40;
constexpr std::size_t dense_ticks = 200;

struct Row {
  std::string key;    // ip:port, or a beacon's destination when no connection matched
  std::string label;  // what a reader knows it by: SNI, HTTP host, DNS name or address
  std::string proto;
  std::vector<const Attempt*> ticks;
  std::set<std::string> phases;
  const json* connection = nullptr;
  const json* beacon = nullptr;
  int64_t reported_attempts = 0;
  int64_t first_ms = -1, last_ms = -1;  // from the report, for the estimated span

  std::size_t failed() const {
    return std::count_if(ticks.begin(), ticks.end(), [](const Attempt* a) { return !a->ok; });
  }
  double beacon_score() const { return beacon ? jv::number(*beacon, "score").value_or(0) : -1; }
  int64_t attempts() const { return std::max<int64_t>(reported_attempts, int64_t(ticks.size())); }
};

std::string address_key(const std::string& ip, int64_t port) {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

// The names the report's network section may use for a connection (see
// harness/src/network.cc destination_name), so a beacon finds its row.
std::vector<std::string> names_of(const json& c, const std::string& key) {
  std::vector<std::string> names;
  std::string port = std::to_string(jv::integer(c, "dst_port").value_or(0));
  if (std::string sni = jv::text(c, "tls_sni"); !sni.empty()) names.push_back(sni + ":" + port);
  if (std::string host = jv::text(jv::get(c, "http"), "host"); !host.empty()) names.push_back(host);
  if (std::string name = jv::text(c, "hostname"); !name.empty()) names.push_back(name + ":" + port);
  names.push_back(key);
  return names;
}

std::vector<Row> build_rows(const json& report, const std::vector<Attempt>& attempts) {
  std::vector<Row> rows;
  std::map<std::string, std::size_t> by_key;
  auto row_for = [&](const std::string& key) -> Row& {
    auto [it, fresh] = by_key.emplace(key, rows.size());
    if (fresh) rows.push_back(Row{.key = key, .label = key});
    return rows[it->second];
  };
  for (const Attempt& a : attempts) {
    Row& r = row_for(a.destination());
    r.ticks.push_back(&a);
    if (r.proto.empty()) r.proto = a.proto;
    if (!a.phase.empty()) r.phases.insert(a.phase);
  }
  const json& network = jv::get(report, "network");
  std::map<std::string, std::size_t> by_name;
  for (const json& c : jv::array(network, "connections")) {
    std::string key = address_key(jv::text(c, "dst_ip"), jv::integer(c, "dst_port").value_or(0));
    if (rows.size() >= max_destinations && !by_key.contains(key)) continue;
    Row& r = row_for(key);
    r.connection = &c;
    auto names = names_of(c, key);
    r.label = names.front();
    for (const auto& n : names) by_name.emplace(n, &r - rows.data());
    if (std::string p = jv::text(c, "proto"); !p.empty()) r.proto = p;
    r.reported_attempts = jv::integer(c, "attempts").value_or(0);
    r.first_ms = jv::integer(c, "first_ms").value_or(-1);
    r.last_ms = jv::integer(c, "last_ms").value_or(r.first_ms);
    for (const json& p : jv::array(c, "phases"))
      if (p.is_string()) r.phases.insert(p.get<std::string>());
  }
  for (const json& b : jv::array(network, "beacons")) {
    std::string dest = jv::text(b, "destination");
    auto it = by_name.find(dest);
    std::size_t index;
    if (it != by_name.end()) {
      index = it->second;
    } else if (by_key.contains(dest)) {
      index = by_key[dest];
    } else {
      if (rows.size() >= max_destinations) continue;
      Row& r = row_for(dest);
      r.reported_attempts = jv::integer(b, "attempts").value_or(0);
      r.first_ms = jv::integer(b, "first_ms").value_or(-1);
      r.last_ms = jv::integer(b, "last_ms").value_or(r.first_ms);
      index = &r - rows.data();
    }
    Row& r = rows[index];
    if (!r.beacon || jv::number(b, "score").value_or(0) > r.beacon_score()) r.beacon = &b;
  }
  // Beacons first, strongest on top; then the busiest destinations.
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.beacon_score() != b.beacon_score()) return a.beacon_score() > b.beacon_score();
    return a.attempts() > b.attempts();
  });
  return rows;
}

struct Scale {
  int64_t end_ms = 1;
  int x(int64_t ms) const {
    double f =
        static_cast<double>(std::clamp<int64_t>(ms, 0, end_ms)) / static_cast<double>(end_ms);
    return plot_left + static_cast<int>(std::lround(f * (plot_right - plot_left)));
  }
};

int64_t run_end(const json& report, const std::vector<Row>& rows) {
  int64_t end = jv::integer(report, "duration_ms").value_or(0);
  for (const json& p : jv::array(report, "phases")) {
    auto start = jv::integer(p, "start_ms");
    if (start) end = std::max(end, *start + jv::integer(p, "duration_ms").value_or(0));
  }
  for (const Row& r : rows) {
    end = std::max(end, r.last_ms);
    for (const Attempt* a : r.ticks) end = std::max(end, a->ms);
  }
  return std::max<int64_t>(end, 1);
}

// A grid step of 1, 2 or 5 times a power of ten giving about eight lines.
int64_t grid_step(int64_t span) {
  int64_t step = 1;
  for (int64_t base = 1; base <= span; base *= 10) {
    for (int64_t m : {1, 2, 5}) {
      if (span / (base * m) >= 4) step = base * m;
    }
  }
  while (span / step > 10) step *= 2;
  return step;
}

std::string axis_label(int64_t ms, int64_t step) {
  if (step < 100) return std::to_string(ms) + " ms";
  return format_fixed(static_cast<double>(ms) / 1000.0, step % 1000 == 0 ? 0 : 1) + " s";
}

// Phase colours come from a fixed class list; a phase name from the report is text only.
std::string band_class(const std::string& phase) {
  static const std::set<std::string> known = {"fetch", "plan", "build", "init", "test", "run"};
  return known.contains(phase) ? "band band-" + phase : "band band-other";
}

void draw_bands(std::string& svg, const json& report, const Scale& s, int bottom) {
  for (const json& p : jv::array(report, "phases")) {
    auto start = jv::integer(p, "start_ms");
    if (!start) continue;
    int64_t dur = std::max<int64_t>(0, jv::integer(p, "duration_ms").value_or(0));
    if (dur == 0) continue;  // skipped phases take no time
    std::string name = jv::text(p, "name");
    int x0 = s.x(*start), x1 = std::max(s.x(*start + dur), x0 + 1);
    svg += "<rect class=\"" + band_class(name) + "\" x=\"" + std::to_string(x0) + "\" y=\"" +
           std::to_string(top - 4) + "\" width=\"" + std::to_string(x1 - x0) + "\" height=\"" +
           std::to_string(bottom - top + 4) + "\"><title>" + escape(name) + " " +
           escape(jv::text(p, "target")) + ": " + format_ms(*start) + " + " + format_ms(dur) +
           "</title></rect>\n";
    // Name the band only where it fits; the phases table has every detail.
    if (x1 - x0 >= static_cast<int>(name.size()) * 7 + 8)
      svg += "<text class=\"band-name\" x=\"" + std::to_string(x0 + 4) + "\" y=\"" +
             std::to_string(top - 9) + "\">" + escape_truncated(name, 12) + "</text>\n";
  }
}

void draw_axis(std::string& svg, const Scale& s, int bottom) {
  int64_t step = grid_step(s.end_ms);
  for (int64_t t = 0; t <= s.end_ms; t += step) {
    std::string x = std::to_string(s.x(t));
    svg += "<line class=\"grid\" x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + std::to_string(top) +
           "\" y2=\"" + std::to_string(bottom + 4) + "\"/><text class=\"axis\" x=\"" + x +
           "\" y=\"" + std::to_string(bottom + 18) + "\">" + axis_label(t, step) + "</text>\n";
  }
}

std::string row_summary(const Row& r) {
  std::string s = r.proto.empty() ? "" : r.proto + " \u00b7 ";
  s += std::to_string(r.attempts()) + (r.attempts() == 1 ? " attempt" : " attempts");
  if (std::size_t f = r.failed()) s += " (" + std::to_string(f) + " failed)";
  if (r.ticks.size() >= max_attempts_per_destination) s += ", drawing capped";
  for (const auto& p : r.phases) s += " \u00b7 " + p;
  return s;
}

std::string beacon_label(const json& b) {
  std::string s = "beacon " + format_fixed(jv::number(b, "score").value_or(0), 2);
  if (auto m = jv::number(b, "median_interval_ms"))
    s += " \u00b7 every " + format_ms(std::llround(*m));
  if (auto j = jv::number(b, "jitter")) s += " \u00b1" + format_fixed(*j * 100.0, 0) + "%";
  return s;
}

void draw_row(std::string& svg, const Row& r, int y, const Scale& s) {
  int mid = y + row_height / 2;
  svg += "<g class=\"row\"><title>" + escape(r.label) +
         (r.label != r.key ? " (" + escape(r.key) + ")" : "") + "</title>\n";
  svg += "<line class=\"sep\" x1=\"0\" x2=\"" + std::to_string(width) + "\" y1=\"" +
         std::to_string(y + row_height) + "\" y2=\"" + std::to_string(y + row_height) + "\"/>\n";
  svg += "<text class=\"dest\" x=\"8\" y=\"" + std::to_string(y + 18) + "\">" +
         escape_truncated(r.label, max_label_chars) + "</text>\n";
  svg += "<text class=\"meta\" x=\"8\" y=\"" + std::to_string(y + 35) + "\">";
  if (r.beacon)
    svg += "<tspan class=\"beacon\">" + escape(beacon_label(*r.beacon)) + "</tspan> \u00b7 ";
  svg += escape(row_summary(r)) + "</text>\n";

  // The report knows more than the tracer saw (or the tracer saw nothing): dashed span.
  bool estimated = r.first_ms >= 0 && r.reported_attempts > static_cast<int64_t>(r.ticks.size());
  if (estimated) {
    int x0 = s.x(r.first_ms), x1 = s.x(r.last_ms);
    svg += "<line class=\"span\" x1=\"" + std::to_string(x0) + "\" x2=\"" + std::to_string(x1) +
           "\" y1=\"" + std::to_string(mid) + "\" y2=\"" + std::to_string(mid) + "\"><title>" +
           std::to_string(r.reported_attempts) + " attempts between " + format_ms(r.first_ms) +
           " and " + format_ms(r.last_ms) +
           "; the individual times are not in the trace</title></line>\n";
    for (int x : {x0, x1})
      svg += "<rect class=\"est\" x=\"" + std::to_string(x - 3) + "\" y=\"" +
             std::to_string(mid - 7) + "\" width=\"6\" height=\"14\"/>\n";
  }
  // Per-tick tooltips only while they stay cheap; a flood of ticks is read as a band, and
  // past that point a second tick on the same pixel column would add bytes, not ink.
  bool dense = r.ticks.size() > dense_ticks;
  std::set<std::pair<int, bool>> drawn;
  std::string tick_y = std::to_string(y + tick_inset),
              tick_h = std::to_string(row_height - 2 * tick_inset);
  for (const Attempt* a : r.ticks) {
    if (dense && !drawn.emplace(s.x(a->ms), a->ok).second) continue;
    svg += std::string("<rect class=\"tk ") + (a->ok ? "ok" : "fail") + "\" x=\"" +
           std::to_string(s.x(a->ms) - 1) + "\" y=\"" + tick_y + "\" width=\"3\" height=\"" +
           tick_h + "\"";
    if (!dense) {
      svg += "><title>" + format_ms(a->ms) + " " + escape(a->op) + " " + escape(a->destination()) +
             " (" + escape(a->phase) + ")" + (a->ok ? "" : " failed") + " event " +
             std::to_string(a->event_id) + "</title></rect>\n";
    } else {
      svg += "/>\n";
    }
  }
  svg += "</g>\n";
}

}  // namespace

std::string timeline_svg(const nlohmann::json& report, const std::vector<Attempt>& attempts) {
  std::vector<Row> rows = build_rows(report, attempts);
  if (rows.empty())
    return "<p class=\"none\">No outbound attempts: the module did not try to reach the "
           "network.</p>\n";
  std::size_t shown = std::min(rows.size(), max_timeline_rows);
  Scale s{run_end(report, rows)};
  int bottom = top + static_cast<int>(shown) * row_height;
  int height = bottom + axis_height;
  std::string svg =
      "<svg class=\"timeline\" viewBox=\"0 0 " + std::to_string(width) + " " +
      std::to_string(height) + "\" width=\"" + std::to_string(width) + "\" height=\"" +
      std::to_string(height) +
      "\" role=\"img\" aria-label=\"outbound attempts per destination over the run\">\n";
  svg += "<rect class=\"labels\" x=\"0\" y=\"" + std::to_string(top - 4) + "\" width=\"" +
         std::to_string(label_width) + "\" height=\"" + std::to_string(bottom - top + 4) + "\"/>\n";
  draw_bands(svg, report, s, bottom);
  draw_axis(svg, s, bottom);
  for (std::size_t i = 0; i < shown; ++i)
    draw_row(svg, rows[i], top + static_cast<int>(i) * row_height, s);
  svg += "</svg>\n";
  if (rows.size() > shown)
    svg += "<p class=\"note\">" + std::to_string(rows.size() - shown) +
           " more destinations are not drawn; the connections table lists them.</p>\n";
  return svg;
}

}  // namespace gs::harness::html
