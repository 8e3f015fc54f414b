// Input lines, dedup and sharding; see input.h.
#include "batch/input.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace gs::batch {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Module paths and versions never contain spaces, quotes or control bytes; rejecting them
// keeps ids safe in file names, SQL and argv.
std::string check_part(std::string_view s, const char* what) {
  if (s.empty()) return std::string(what) + " is empty";
  // Go's own limits are far below this; an id that long would be a record of its own
  if (s.size() > 500) return std::string(what) + " is longer than 500 bytes";
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c == 0x7f || c == '@')
      return std::string(what) + " has a forbidden character";
    if (c >= 0x80) return std::string(what) + " is not ASCII (Go module paths and versions are)";
  }
  if (s.front() == '-' || s.front() == '/') return std::string(what) + " starts with '" + s.front() + "'";
  // Module paths become directory names (OSV export): no element may climb out.
  std::string padded = "/" + std::string(s) + "/";
  if (padded.find("/../") != std::string::npos || padded.find("/./") != std::string::npos ||
      padded.find("//") != std::string::npos)
    return std::string(what) + " has an empty, '.' or '..' element";
  return "";
}

Item bad(std::string_view line, uint64_t no, std::string why) {
  Item it;
  it.raw = std::string(line);
  it.id = "bad-input:" + hex(fnv1a(line));
  it.bad_input = std::move(why);
  it.line = no;
  return it;
}

Item from_parts(std::string_view line, uint64_t no, std::string module, std::string version) {
  std::string why = check_part(module, "module path");
  if (why.empty()) why = check_part(version, "version");
  if (why.empty() && version != "latest" && version.front() != 'v') why = "version does not start with 'v'";
  if (!why.empty()) return bad(line, no, why);
  Item it;
  it.raw = std::string(line);
  it.id = module + "@" + version;
  it.module = std::move(module);
  it.version = std::move(version);
  it.line = no;
  return it;
}

Item parse_index_json(std::string_view line, uint64_t no) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad(line, no, "not valid JSON");
  auto path = j.find("Path");
  auto version = j.find("Version");
  if (path == j.end() || version == j.end() || !path->is_string() || !version->is_string())
    return bad(line, no, "index line without string Path and Version");
  return from_parts(line, no, path->get<std::string>(), version->get<std::string>());
}

}  // namespace

bool safe_module_path(std::string_view path) { return check_part(path, "module path").empty(); }

std::optional<Item> parse_line(std::string_view line, uint64_t line_no) {
  line = trim(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  if (line.front() == '{') return parse_index_json(line, line_no);
  auto at = line.rfind('@');
  if (at == std::string_view::npos) return bad(line, line_no, "expected module@version");
  return from_parts(line, line_no, std::string(line.substr(0, at)), std::string(line.substr(at + 1)));
}

std::vector<Item> read_items(std::istream& in) {
  std::vector<Item> out;
  std::set<std::string> seen;
  std::string line;
  uint64_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    auto it = parse_line(line, no);
    if (!it || !seen.insert(it->id).second) continue;
    out.push_back(std::move(*it));
  }
  return out;
}

Result<Shard> parse_shard(std::string_view text) {
  auto slash = text.find('/');
  Shard s;
  if (slash == std::string_view::npos) return error("--shard wants K/N, got '" + std::string(text) + "'");
  auto k = text.substr(0, slash), n = text.substr(slash + 1);
  auto rk = std::from_chars(k.data(), k.data() + k.size(), s.index);
  auto rn = std::from_chars(n.data(), n.data() + n.size(), s.count);
  if (k.empty() || n.empty() || rk.ec != std::errc() || rn.ec != std::errc() || rk.ptr != k.data() + k.size() ||
      rn.ptr != n.data() + n.size())
    return error("--shard wants K/N with integers, got '" + std::string(text) + "'");
  if (s.count == 0 || s.index >= s.count)
    return error("--shard K/N needs 0 <= K < N, got '" + std::string(text) + "'");
  return s;
}

uint32_t shard_of(std::string_view id, uint32_t count) {
  return count <= 1 ? 0 : static_cast<uint32_t>(fnv1a(id) % count);
}

std::vector<Item> select_shard(std::vector<Item> items, Shard shard) {
  std::vector<Item> out;
  for (auto& it : items)
    if (shard_of(it.id, shard.count) == shard.index) out.push_back(std::move(it));
  return out;
}

std::string safe_name(std::string_view id) {
  // Readable where possible, and the hash keeps distinct ids distinct after escaping.
  std::string out;
  for (char c : id) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '@';
    out += keep ? c : '_';
  }
  if (out.size() > 120) out.resize(120);
  return out + "-" + hex(fnv1a(id)).substr(0, 8);
}

}  // namespace gs::batch
