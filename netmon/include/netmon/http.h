// HTTP/1.x request-head parsing from the first bytes of a TCP stream: enough to log what
// a download-and-run loader or a C2 check-in asked for (method, Host, path, User-Agent,
// body size) and to know where the body starts. Not a general HTTP implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"

namespace gs::netmon::http {

struct RequestHead {
  std::string method;
  std::string path;
  std::string version;  // "HTTP/1.1"
  std::string host;
  std::string user_agent;
  std::optional<uint64_t> content_length;
  bool chunked = false;
  size_t header_count = 0;
  size_t head_length = 0;  // bytes up to and including the blank line
};

inline constexpr size_t kMaxHead = 64 * 1024;

// True when the bytes start with a known method and a space (or could still, if short).
bool looks_like_http(std::span<const uint8_t> data);

// Parses the request line and headers. ENODATA (is_truncated) means the blank line has
// not arrived yet; heads longer than kMaxHead are rejected.
Result<RequestHead> parse_request_head(std::span<const uint8_t> data);

}  // namespace gs::netmon::http
