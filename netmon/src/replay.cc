// Capture replay (see replay.h). TCP payload is fed to the same StreamSniffer the live
// servers use, in sequence order: retransmitted bytes are skipped, and a gap (a lost
// packet, or a payload cut by the snap length) ends the sniffing of that flow, since
// guessing across a hole would misreport what was sent.
#include "netmon/replay.h"

#include <map>
#include <memory>

#include "netmon/bytes.h"
#include "netmon/dns.h"
#include "netmon/packet.h"
#include "netmon/responder.h"

namespace gs::netmon {
namespace {

struct SessionState {
  size_t index;  // into ReplaySummary::sessions
  std::optional<uint32_t> next_seq;
  bool done = false;
  std::unique_ptr<StreamSniffer> sniffer;
};

class Replayer {
 public:
  explicit Replayer(const ReplayOptions& opts) : opts_(opts), flows_(opts.max_flows) {}

  // `cut`: the frame was cut by the snap length, so its payload is incomplete.
  void packet(const DecodedPacket& p, int64_t ts_us, bool cut) {
    flows_.add(p, ts_us);
    if (p.proto == kUdp && (p.dport == 53 || p.sport == 53)) dns(p, ts_us);
    if (p.proto == kTcp) tcp(p, cut);
  }

  ReplaySummary finish(ReplaySummary s) {
    for (auto& [key, st] : states_) sync(st, true);
    s.flows = flows_.flows();
    s.flows_dropped = flows_.dropped();
    s.dns = std::move(dns_);
    s.sessions = std::move(sessions_);
    return s;
  }

 private:
  void dns(const DecodedPacket& p, int64_t ts_us) {
    if (dns_.size() >= opts_.max_dns) return;
    auto m = dns::parse(p.payload);
    if (!m.ok() || m->questions.empty()) return;
    ReplayedDns d;
    d.ts_us = ts_us;
    d.response = m->is_response;
    d.name = m->questions[0].name;
    d.type = dns::type_name(m->questions[0].type);
    for (const auto& a : m->answers)
      if (!a.text.empty()) d.answers.push_back(a.text);
    d.client = m->is_response ? p.dst : p.src;
    d.server = m->is_response ? p.src : p.dst;
    dns_.push_back(std::move(d));
  }

  // Only the initiator's direction is sniffed: that is what the code under analysis sent.
  SessionState* state_for(const DecodedPacket& p) {
    FlowKey key{p.proto, p.src, p.sport, p.dst, p.dport};
    if (auto it = states_.find(key); it != states_.end()) return &it->second;
    if (states_.count(key.reversed())) return nullptr;  // the responder's direction
    if ((p.tcp_flags & tcp_flag::kSyn) && (p.tcp_flags & tcp_flag::kAck)) {
      states_.emplace(key.reversed(),
                      SessionState{new_session(key.reversed()), {}, false, nullptr});
      return nullptr;
    }
    auto& st =
        states_.emplace(key, SessionState{new_session(key), {}, false, nullptr}).first->second;
    return &st;
  }

  size_t new_session(const FlowKey& key) {
    if (sessions_.size() >= opts_.max_sessions) return SIZE_MAX;
    sessions_.push_back({});
    sessions_.back().key = key;
    return sessions_.size() - 1;
  }

  void tcp(const DecodedPacket& p, bool cut) {
    SessionState* st = state_for(p);
    if (!st || st->done || st->index == SIZE_MAX) return;
    if (p.tcp_flags & tcp_flag::kSyn) {
      st->next_seq = p.tcp_seq + 1;
      return;
    }
    if (p.payload.empty()) return;
    if (!st->next_seq) st->next_seq = p.tcp_seq;  // capture began mid-connection
    auto data = p.payload;
    uint32_t ahead = p.tcp_seq - *st->next_seq;  // modulo 2^32, as TCP sequence numbers
    if (ahead != 0 && ahead < 0x80000000u) return stop(*st, true);
    uint32_t behind = *st->next_seq - p.tcp_seq;
    if (behind >= data.size()) return;  // a pure retransmission
    data = data.subspan(behind);
    if (!st->sniffer) st->sniffer = std::make_unique<StreamSniffer>(opts_.raw_bytes, true);
    (void)st->sniffer->feed(data, 0);
    *st->next_seq += static_cast<uint32_t>(data.size());
    if (cut)
      stop(*st, true);
    else
      sync(*st, false);
  }

  void stop(SessionState& st, bool gap) {
    sessions_[st.index].gap = gap;
    sync(st, true);
    st.done = true;
  }

  void sync(SessionState& st, bool final) {
    if (st.index == SIZE_MAX || !st.sniffer) return;
    if (final) st.sniffer->finish();
    ReplayedSession& s = sessions_[st.index];
    const StreamSniffer& sn = *st.sniffer;
    s.app = sn.app();
    s.first_bytes_hex = sn.first_bytes_hex();
    s.tls_sni = sn.tls_sni();
    s.tls_alpn = sn.tls_alpn();
    s.tls_version = sn.tls_version();
    s.http.clear();
    for (const auto& h : sn.http()) s.http.push_back({h.method, h.host, h.path, h.user_agent});
    if (final) st.sniffer.reset();  // frees its buffer; the session keeps the result
  }

  ReplayOptions opts_;
  FlowTable flows_;
  std::map<FlowKey, SessionState> states_;
  std::vector<ReplayedSession> sessions_;
  std::vector<ReplayedDns> dns_;
};

}  // namespace

Result<ReplaySummary> replay(pcap::Reader& reader, const ReplayOptions& opts) {
  Replayer r(opts);
  ReplaySummary s;
  for (;;) {
    GS_ASSIGN_OR_RETURN(auto p, reader.next());
    if (!p) break;
    ++s.packets;
    auto d = decode_packet(reader.link_type(), p->data);
    if (!d.ok()) {
      ++s.undecodable;
      continue;
    }
    r.packet(*d, p->ts_us, p->orig_len > p->data.size());
  }
  return r.finish(std::move(s));
}

}  // namespace gs::netmon
