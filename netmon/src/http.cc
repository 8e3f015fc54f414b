// HTTP/1.x request-head parser (see http.h). Lines are split on LF with an optional CR;
// every value is truncated to a display bound, since these strings end up in reports.
#include "netmon/http.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "netmon/bytes.h"

namespace gs::netmon::http {
namespace {

constexpr size_t kMaxField = 2048;
constexpr size_t kMaxHeaders = 200;
constexpr std::array<std::string_view, 9> kMethods = {
    "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"};

std::string_view as_view(std::span<const uint8_t> d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxField))
    out += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Finds the end of the head: the index just past the blank line, or npos.
size_t head_end(std::string_view s) {
  for (size_t i = s.find('\n'); i != std::string_view::npos; i = s.find('\n', i + 1)) {
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

Status parse_request_line(std::string_view line, RequestHead& h) {
  line = trim(line);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return error("http: bad request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return error("http: bad method");
  if (version.substr(0, 5) != "HTTP/") return error("http: bad version");
  h.method = printable(method);
  h.path = printable(trim(line.substr(sp1 + 1, sp2 - sp1 - 1)));
  h.version = printable(version);
  return {};
}

Status parse_header(std::string_view line, RequestHead& h) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return error("http: bad header line");
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim(line.substr(colon + 1));
  if (++h.header_count > kMaxHeaders) return error("http: too many headers");
  if (iequals(name, "Host"))
    h.host = printable(value);
  else if (iequals(name, "User-Agent"))
    h.user_agent = printable(value);
  else if (iequals(name, "Transfer-Encoding"))
    h.chunked = value.find("chunked") != std::string_view::npos;
  else if (iequals(name, "Content-Length")) {
    uint64_t v = 0;
    if (value.empty() || value.size() > 18) return error("http: bad Content-Length");
    for (char c : value) {
      if (c < '0' || c > '9') return error("http: bad Content-Length");
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    h.content_length = v;
  }
  return {};
}

}  // namespace

bool looks_like_http(std::span<const uint8_t> data) {
  std::string_view s = as_view(data.first(std::min<size_t>(data.size(), 8)));
  for (std::string_view m : kMethods) {
    std::string prefix = std::string(m) + " ";
    size_t n = std::min(prefix.size(), s.size());
    if (n > 0 && s.substr(0, n) == std::string_view(prefix).substr(0, n)) return true;
  }
  return false;
}

Result<RequestHead> parse_request_head(std::span<const uint8_t> data) {
  std::string_view s = as_view(data.first(std::min(data.size(), kMaxHead)));
  size_t end = head_end(s);
  if (end == std::string_view::npos) {
    if (data.size() >= kMaxHead) return error("http: request head too long");
    return truncated("http request head");
  }
  RequestHead h;
  h.head_length = end;
  std::string_view head = s.substr(0, end);
  size_t nl = head.find('\n');
  GS_TRY(parse_request_line(head.substr(0, nl), h));
  head.remove_prefix(nl + 1);
  while (!head.empty()) {
    nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(std::min(head.size(), nl + 1));
    if (trim(line).empty()) break;
    GS_TRY(parse_header(line, h));
  }
  return h;
}

}  // namespace gs::netmon::http
