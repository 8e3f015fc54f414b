// Reading outbound attempts back from events.jsonl, because report.json keeps only the
// first and last time of a destination and the timeline needs every one. The same
// filter as the report's network section: connect/sendto/sendmsg to an inet address that
// is not loopback and not port 53 (DNS has its own table).
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "html_report.h"
#include "json_view.h"

namespace gs::harness::html {
namespace {

using nlohmann::json;

constexpr int einprogress = 115;
// socket() results kept to tell TCP from UDP; a flood of sockets just forgets old ones.
constexpr std::size_t max_tracked_sockets = 65536;

bool is_loopback(const std::string& ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

// Reads one line into `line`; false at end of stream. Lines longer than the cap are
// drained and returned empty, so a giant line cannot make us allocate its size.
// istream::getline into a fixed buffer: a per-character loop was 10x slower.
bool read_bounded_line(std::istream& in, std::vector<char>& buffer, std::string& line) {
  buffer.resize(max_event_line_bytes + 1);
  line.clear();
  in.getline(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  auto n = static_cast<std::size_t>(in.gcount());
  if (in.bad()) return false;
  if (in.eof()) {  // the last line, without a newline, or nothing left
    line.assign(buffer.data(), n);
    return n > 0;
  }
  if (in.fail()) {  // the buffer filled before a newline: too long to be an event
    in.clear();
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    return true;
  }
  line.assign(buffer.data(), n - 1);  // gcount counted the newline getline dropped
  return true;
}

class SocketTypes {
 public:
  void on_socket(int64_t pid, int64_t fd, int64_t type) {
    if (types_.size() >= max_tracked_sockets) types_.clear();
    types_[{pid, fd}] = type;
  }
  std::string proto(int64_t pid, int64_t fd, const std::string& op) const {
    auto it = types_.find({pid, fd});
    if (it == types_.end()) return op == "connect" ? "tcp" : "udp";
    return (it->second & 0xf) == 2 /* SOCK_DGRAM */ ? "udp" : "tcp";
  }

 private:
  std::map<std::pair<int64_t, int64_t>, int64_t> types_;
};

}  // namespace

std::string Attempt::destination() const {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

std::vector<Attempt> attempts_from_events(std::istream& events_jsonl) {
  std::vector<Attempt> out;
  std::map<std::string, std::size_t> per_destination;
  SocketTypes sockets;
  std::vector<char> buffer;
  std::string line;
  while (read_bounded_line(events_jsonl, buffer, line)) {
    // Most events are file and syscall records; skip them before paying for a parse.
    if (line.find("\"net\"") == std::string::npos) continue;
    json e = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!e.is_object() || jv::text(e, "type") != "net") continue;
    std::string op = jv::text(e, "op");
    int64_t pid = jv::integer(e, "pid").value_or(-1);
    int64_t ret = jv::integer(e, "ret").value_or(0);
    if (op == "socket") {
      if (ret >= 0) sockets.on_socket(pid, ret, jv::integer(e, "sock_type").value_or(0));
      continue;
    }
    if (op != "connect" && op != "sendto" && op != "sendmsg") continue;
    const json& addr = jv::get(e, "addr");
    std::string family = jv::text(addr, "family");
    if (family != "inet" && family != "inet6") continue;
    Attempt a;
    a.ip = jv::text(addr, "ip");
    auto port = jv::integer(addr, "port");
    if (a.ip.empty() || !port || *port < 0 || *port > 65535 || *port == 53 || is_loopback(a.ip))
      continue;
    a.port = static_cast<uint16_t>(*port);
    std::string key = a.destination();
    auto it = per_destination.find(key);
    if (it == per_destination.end()) {
      if (per_destination.size() >= max_destinations) continue;
      it = per_destination.emplace(key, 0).first;
    }
    if (it->second >= max_attempts_per_destination) continue;
    ++it->second;
    a.ms = jv::integer(e, "ms").value_or(0);
    a.op = op;
    a.proto = sockets.proto(pid, jv::integer(e, "fd").value_or(-1), op);
    a.phase = jv::text(e, "phase");
    bool in_progress = jv::flag(e, "in_progress") || ret == -einprogress;
    a.ok = ret >= 0 || in_progress;
    a.event_id = jv::integer(e, "id").value_or(-1);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace gs::harness::html
