// Fake-internet decisions (see responder.h): the name pool, DNS answers and the TCP
// stream sniffer. The sniffer decides on the first bytes, as Zeek's dynamic protocol
// detection does, and keeps at most kMaxBuffered bytes while undecided.
#include "netmon/responder.h"

#include <algorithm>

#include "netmon/bytes.h"
#include "netmon/http.h"
#include "netmon/tls.h"

namespace gs::netmon {
namespace {

constexpr uint32_t kPoolBase = (198u << 24) | (19u << 16);  // 198.19.0.0/16
constexpr uint32_t kPoolSize = 65534;                       // .0.1 .. .255.254

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

}  // namespace

std::optional<IpAddr> NamePool::address_for(const std::string& name) {
  if (auto it = by_name_.find(name); it != by_name_.end()) return IpAddr::v4(it->second);
  if (by_name_.size() >= std::min<size_t>(max_names_, kPoolSize)) return std::nullopt;
  uint32_t slot = fnv1a(name) % kPoolSize;
  while (by_addr_.count(kPoolBase + 1 + slot)) slot = (slot + 1) % kPoolSize;
  uint32_t addr = kPoolBase + 1 + slot;
  by_name_.emplace(name, addr);
  by_addr_.emplace(addr, name);
  return IpAddr::v4(addr);
}

std::optional<std::string> NamePool::name_for(const IpAddr& addr) const {
  if (addr.family != 4) return std::nullopt;
  auto it = by_addr_.find(addr.v4_host_order());
  if (it == by_addr_.end()) return std::nullopt;
  return it->second;
}

Result<DnsAnswered> answer_dns(std::span<const uint8_t> query, NamePool& pool) {
  GS_ASSIGN_OR_RETURN(dns::Message q, dns::parse(query));
  if (q.is_response) return error("dns: got a response, not a query");
  if (q.questions.empty()) return error("dns: query without question");
  const dns::Question& question = q.questions.front();
  DnsAnswered out;
  out.name = question.name;
  out.type = question.type;
  dns::Answer a;
  if (q.opcode != 0) a.rcode = dns::kNotImp;
  if (question.type == dns::kA) {
    a.v4 = pool.address_for(question.name);
    if (!a.v4) a.rcode = dns::kServFail;  // pool exhausted: fail loudly, never reuse
  } else if (question.type == dns::kPTR) {
    if (auto addr = dns::parse_reverse_v4(question.name)) a.ptr_target = pool.name_for(*addr);
  }
  GS_ASSIGN_OR_RETURN(out.response, dns::build_response(q, a));
  if (auto parsed = dns::parse(out.response); parsed.ok() && !parsed->answers.empty())
    out.answer = parsed->answers.front().text;
  return out;
}

std::vector<uint8_t> http_ok_response(bool head_request) {
  static constexpr std::string_view kBody = "<html><body>ok</body></html>\n";
  std::string r =
      "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nConnection: keep-alive\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n";
  if (!head_request) r += kBody;
  return {r.begin(), r.end()};
}

std::vector<uint8_t> tls_handshake_failure_alert() {
  return {21, 3, 3, 0, 2, 2, 40};  // alert record, fatal, handshake_failure
}

std::vector<uint8_t> StreamSniffer::feed(std::span<const uint8_t> data, int64_t now_ms) {
  std::vector<uint8_t> out;
  if (state_ == State::kDrain || data.empty()) return out;
  size_t room = kMaxBuffered - std::min(kMaxBuffered, buf_.size());
  // While decided on a body, bytes are hashed as they come and never buffered.
  if (state_ == State::kBody || state_ == State::kBodyUntilClose) {
    buf_.insert(buf_.end(), data.begin(), data.end());
    consume_body(out);
    if (state_ == State::kDetect && !buf_.empty()) detect(out, now_ms);
    return out;
  }
  buf_.insert(buf_.end(), data.begin(),
              data.begin() + static_cast<long>(std::min(room, data.size())));
  detect(out, now_ms);
  return out;
}

void StreamSniffer::detect(std::vector<uint8_t>& out, int64_t now_ms) {
  while (state_ == State::kDetect && !buf_.empty()) {
    bool decided;
    if (app_.empty() && tls::looks_like_tls(buf_)) {
      decided = on_tls(out);
    } else if ((app_.empty() || app_ == "http") && http::looks_like_http(buf_)) {
      decided = on_http(out, now_ms);
    } else {
      on_raw();
      decided = true;
    }
    if (!decided) {
      if (buf_.size() >= kMaxBuffered) on_raw();
      return;
    }
  }
}

void StreamSniffer::on_raw() {
  if (app_.empty()) app_ = "raw";
  if (first_hex_.empty() && app_ != "http") first_hex_ = to_hex(buf_, raw_bytes_);
  state_ = State::kDrain;  // counted by the caller, no longer looked at
  buf_.clear();
}

bool StreamSniffer::on_tls(std::vector<uint8_t>& out) {
  auto ch = tls::parse_client_hello(buf_);
  if (!ch.ok() && is_truncated(ch.error()) && buf_.size() < kMaxBuffered) return false;
  app_ = "tls";
  if (ch.ok()) {
    sni_ = ch->sni;
    alpn_ = ch->alpn;
    tls_version_ = tls::version_name(ch->max_version);
  } else {
    first_hex_ = to_hex(buf_, raw_bytes_);
  }
  // Without a certificate the handshake cannot go on; a fatal alert makes the client
  // fail fast and retry, which is what shows a beacon. Holding shows its timeout instead.
  if (!tls_hold_) {
    out = tls_handshake_failure_alert();
    close_ = true;
  }
  state_ = State::kDrain;
  buf_.clear();
  return true;
}

bool StreamSniffer::on_http(std::vector<uint8_t>& out, int64_t now_ms) {
  auto head = http::parse_request_head(buf_);
  if (!head.ok()) {
    if (is_truncated(head.error()) && buf_.size() < http::kMaxHead) return false;
    on_raw();
    return true;
  }
  app_ = "http";
  recording_ = http_.size() < kMaxHttpRecords;
  if (recording_)
    http_.push_back({now_ms, head->method, head->host, head->path, head->user_agent, 0, {}});
  head_request_ = head->method == "HEAD";
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(head->head_length));
  body_hash_ = Sha256();
  if (head->chunked) {
    // The chunk framing is not decoded: answer now, hash everything until close.
    state_ = State::kBodyUntilClose;
    auto r = http_ok_response(head_request_);
    out.insert(out.end(), r.begin(), r.end());
  } else if (head->content_length.value_or(0) > 0) {
    body_left_ = *head->content_length;
    state_ = State::kBody;
  } else {
    finish_body(out);
    return true;
  }
  consume_body(out);
  return true;
}

void StreamSniffer::consume_body(std::vector<uint8_t>& out) {
  size_t n = buf_.size();
  if (state_ == State::kBody) n = static_cast<size_t>(std::min<uint64_t>(n, body_left_));
  body_hash_.update(std::span<const uint8_t>(buf_).first(n));
  if (recording_) http_.back().body_bytes += n;
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(n));
  if (state_ == State::kBody) {
    body_left_ -= n;
    if (body_left_ == 0) finish_body(out);
  }
}

void StreamSniffer::finish_body(std::vector<uint8_t>& out) {
  bool answered_already = state_ == State::kBodyUntilClose;
  if (recording_) http_.back().body_sha256 = body_hash_.finish_hex();
  if (!answered_already) {
    auto r = http_ok_response(head_request_);
    out.insert(out.end(), r.begin(), r.end());
    state_ = State::kDetect;
  }
}

void StreamSniffer::finish() {
  if (state_ == State::kBody || state_ == State::kBodyUntilClose) {
    if (recording_) http_.back().body_sha256 = body_hash_.finish_hex();
    state_ = State::kDrain;
  } else if (state_ == State::kDetect && !buf_.empty()) {
    // A hello cut short is still TLS, just without the fields a whole one would give.
    if (app_.empty() && tls::looks_like_tls(buf_)) app_ = "tls";
    on_raw();
  }
}

}  // namespace gs::netmon
