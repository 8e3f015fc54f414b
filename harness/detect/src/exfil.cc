// Canary search in outbound bytes; see honeytokens.h. Patterns are indexed by their first
// four bytes so a scan costs one hash probe per byte however many canaries there are.
#include <algorithm>
#include <cctype>
#include <set>

#include "detect/honeytokens.h"

namespace gs::detect {

namespace {

// Shorter forms (the edges of a tiny secret) would hit random bytes; canaries are long.
constexpr size_t kMinPattern = 12;

uint32_t prefix_key(const char* p) {
  return uint32_t(uint8_t(p[0])) | uint32_t(uint8_t(p[1])) << 8 | uint32_t(uint8_t(p[2])) << 16 |
         uint32_t(uint8_t(p[3])) << 24;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The registered domain, approximated by the last two labels (no public suffix list:
// exfiltration domains are rarely under multi-label suffixes, and a miss only costs
// the cross-query join, not the per-name scan).
std::pair<std::string, std::string> split_domain(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  size_t last = name.rfind('.');
  if (last == std::string_view::npos || last == 0) return {"", std::string(name)};
  size_t second = name.rfind('.', last - 1);
  if (second == std::string_view::npos) return {"", std::string(name)};
  return {std::string(name.substr(0, second)), std::string(name.substr(second + 1))};
}

std::string strip_dots(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '.') out += c;
  return out;
}

}  // namespace

void ExfilScan::Index::add(std::string text, size_t canary, const char* encoding) {
  if (text.size() < kMinPattern) return;
  for (const auto& p : patterns)
    if (p.text == text) return;
  by_prefix[prefix_key(text.data())].push_back(patterns.size());
  patterns.push_back({std::move(text), canary, encoding});
}

ExfilScan::ExfilScan(const std::vector<Canary>& canaries) : canaries_(canaries) {
  for (size_t i = 0; i < canaries_.size(); ++i) {
    const std::string& v = canaries_[i].value;
    exact_.add(v, i, "raw");
    folded_.add(lower(v), i, "raw");
    for (auto& f : base64_forms(v, false)) exact_.add(f, i, "base64");
    for (auto& f : base64_forms(v, true)) exact_.add(f, i, "base64url");
    for (auto& f : base32_forms(v)) {
      exact_.add(f, i, "base32");
      exact_.add(lower(f), i, "base32");
      folded_.add(lower(f), i, "base32");
    }
    exact_.add(hex_form(v, false), i, "hex");
    exact_.add(hex_form(v, true), i, "hex");
    folded_.add(hex_form(v, false), i, "hex");
  }
}

std::vector<ExfilHit> ExfilScan::find(const Index& index, std::string_view hay,
                                      std::string_view dest, std::string_view channel) const {
  std::vector<ExfilHit> out;
  std::set<std::pair<size_t, std::string_view>> seen;
  if (index.patterns.empty() || hay.size() < kMinPattern) return out;
  for (size_t i = 0; i + 4 <= hay.size(); ++i) {
    auto it = index.by_prefix.find(prefix_key(hay.data() + i));
    if (it == index.by_prefix.end()) continue;
    for (size_t pi : it->second) {
      const Pattern& p = index.patterns[pi];
      if (hay.compare(i, p.text.size(), p.text) != 0) continue;
      if (!seen.insert({p.canary, p.encoding}).second) continue;
      out.push_back(
          {canaries_[p.canary].source, p.encoding, std::string(dest), std::string(channel)});
    }
  }
  return out;
}

std::vector<ExfilHit> ExfilScan::scan_bytes(std::span<const uint8_t> bytes,
                                            std::string_view destination,
                                            std::string_view channel) const {
  std::string_view hay(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return find(exact_, hay, destination, channel);
}

std::vector<ExfilHit> ExfilScan::scan_dns_name(std::string_view name) const {
  std::string joined = strip_dots(name);
  std::string dest = "dns:" + split_domain(name).second;
  auto out = find(exact_, joined, dest, "dns");
  for (auto& h : find(folded_, lower(joined), dest, "dns")) {
    bool dup = std::any_of(out.begin(), out.end(), [&](const ExfilHit& o) {
      return o.source == h.source && o.encoding == h.encoding;
    });
    if (!dup) out.push_back(std::move(h));
  }
  return out;
}

std::vector<ExfilHit> ExfilScan::scan_dns_names(std::span<const std::string> names) const {
  std::vector<ExfilHit> out;
  auto add_unique = [&](std::vector<ExfilHit> hits) {
    for (auto& h : hits) {
      bool dup = std::any_of(out.begin(), out.end(), [&](const ExfilHit& o) {
        return o.source == h.source && o.encoding == h.encoding && o.destination == h.destination;
      });
      if (!dup) out.push_back(std::move(h));
    }
  };
  // Per domain, three joins of the subdomain labels in query order, because tools lay
  // chunks out differently: data first ("<chunk>.<seq>.<id>.domain"), data in the
  // longest label ("<seq>.<chunk>.domain"), or data over every label.
  struct Joined {
    std::string domain, first, longest, all;
  };
  std::vector<Joined> joined;
  for (const auto& n : names) {
    add_unique(scan_dns_name(n));
    // named, not a structured binding: clang before 16 cannot capture those in a lambda
    const auto split = split_domain(n);
    const auto& sub = split.first;
    const auto& domain = split.second;
    if (sub.empty()) continue;
    auto it = std::find_if(joined.begin(), joined.end(),
                           [&](const Joined& j) { return j.domain == domain; });
    if (it == joined.end()) it = joined.insert(joined.end(), Joined{domain, "", "", ""});
    std::string_view rest = sub, longest;
    std::string_view first = rest.substr(0, rest.find('.'));
    while (!rest.empty()) {
      size_t dot = rest.find('.');
      std::string_view label = rest.substr(0, dot);
      if (label.size() > longest.size()) longest = label;
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    }
    it->first += first;
    it->longest += longest;
    it->all += strip_dots(sub);
  }
  for (const auto& j : joined)
    for (const std::string* text : {&j.first, &j.longest, &j.all})
      add_unique(scan_dns_name(*text + "." + j.domain));
  return out;
}

void ExfilScan::add(std::vector<ExfilHit> hits) {
  for (auto& h : hits) {
    bool dup = std::any_of(hits_.begin(), hits_.end(), [&](const ExfilHit& o) {
      return o.source == h.source && o.encoding == h.encoding && o.destination == h.destination;
    });
    if (!dup) hits_.push_back(std::move(h));
  }
}

}  // namespace gs::detect
