// DNS message parsing and response building (see dns.h). Name decoding follows
// compression pointers at most kMaxJumps times and only ever backwards, which together
// bound the work per name whatever the packet says.
#include "netmon/dns.h"

#include <cctype>
#include <cstdio>

#include "netmon/bytes.h"

namespace gs::netmon::dns {
namespace {

constexpr int kMaxJumps = 16;
constexpr size_t kMaxNameWire = 255;
constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxQuestions = 16;

void append_label_text(std::string& out, std::span<const uint8_t> label) {
  if (!out.empty()) out += '.';
  for (uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c > 0x20 && c < 0x7f) {
      out += static_cast<char>(std::tolower(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    }
  }
}

struct DecodedName {
  std::string text;
  std::vector<uint8_t> wire;
};

// Reads a possibly compressed name starting at r.pos(); leaves r after the name's bytes
// in the original position (not after the pointer target).
Result<DecodedName> read_name(ByteReader& r) {
  DecodedName name;
  ByteReader cur = r;
  bool jumped = false;
  int jumps = 0;
  size_t lowest_target = r.pos();  // pointers must go strictly backwards from here
  for (;;) {
    uint8_t len;
    if (!cur.u8(len)) return truncated("dns name");
    if ((len & 0xC0) == 0xC0) {
      uint8_t lo;
      if (!cur.u8(lo)) return truncated("dns name pointer");
      size_t target = size_t{static_cast<uint8_t>(len & 0x3F)} << 8 | lo;
      if (++jumps > kMaxJumps) return error("dns name: too many compression pointers");
      if (target >= lowest_target) return error("dns name: forward compression pointer");
      lowest_target = target;
      if (!jumped) r.seek(cur.pos());
      jumped = true;
      cur.seek(target);
      continue;
    }
    if ((len & 0xC0) != 0) return error("dns name: reserved label type");
    if (name.wire.size() + 1 + len > kMaxNameWire) return error("dns name: longer than 255");
    name.wire.push_back(len);
    if (len == 0) break;
    std::span<const uint8_t> label;
    if (!cur.bytes(len, label)) return truncated("dns label");
    name.wire.insert(name.wire.end(), label.begin(), label.end());
    append_label_text(name.text, label);
  }
  if (!jumped) r.seek(cur.pos());
  return name;
}

Result<Question> read_question(ByteReader& r) {
  GS_ASSIGN_OR_RETURN(DecodedName name, read_name(r));
  Question q;
  q.name = std::move(name.text);
  q.wire_name = std::move(name.wire);
  if (!r.u16(q.type) || !r.u16(q.klass)) return truncated("dns question");
  return q;
}

std::string decode_txt(std::span<const uint8_t> rdata) {
  std::string out;
  ByteReader r(rdata);
  uint8_t len;
  while (r.u8(len)) {
    std::span<const uint8_t> s;
    if (!r.bytes(len, s)) break;
    if (!out.empty()) out += ' ';
    for (uint8_t c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return out;
}

// Decodes the rdata of the common record types for display; names inside rdata may use
// compression pointers into the whole message, hence `msg`.
std::string decode_rdata(std::span<const uint8_t> msg, size_t rdata_pos, const Record& rec) {
  if (rec.type == kA && rec.rdata.size() == 4)
    return IpAddr::from_v4_bytes(std::span<const uint8_t, 4>(rec.rdata.data(), 4)).to_string();
  if (rec.type == kAAAA && rec.rdata.size() == 16)
    return IpAddr::from_v6_bytes(std::span<const uint8_t, 16>(rec.rdata.data(), 16)).to_string();
  if (rec.type == kTXT) return decode_txt(rec.rdata);
  size_t skip = rec.type == kMX ? 2 : 0;
  if (rec.type == kCNAME || rec.type == kNS || rec.type == kPTR || rec.type == kMX) {
    ByteReader r(msg.first(rdata_pos + rec.rdata.size()));
    if (!r.seek(rdata_pos + skip)) return {};
    auto name = read_name(r);
    return name.ok() ? name->text : std::string();
  }
  return {};
}

Result<Record> read_record(ByteReader& r) {
  GS_ASSIGN_OR_RETURN(DecodedName name, read_name(r));
  Record rec;
  rec.name = std::move(name.text);
  uint16_t rdlen;
  if (!r.u16(rec.type) || !r.u16(rec.klass) || !r.u32(rec.ttl) || !r.u16(rdlen))
    return truncated("dns record");
  size_t rdata_pos = r.pos();
  std::span<const uint8_t> rdata;
  if (!r.bytes(rdlen, rdata)) return truncated("dns rdata");
  rec.rdata.assign(rdata.begin(), rdata.end());
  rec.text = decode_rdata(r.whole(), rdata_pos, rec);
  return rec;
}

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}

// One answer record whose owner name is a pointer to the question name at offset 12.
void put_answer(std::vector<uint8_t>& out, uint16_t type, uint32_t ttl,
                std::span<const uint8_t> rdata) {
  put16(out, 0xC00C);
  put16(out, type);
  put16(out, 1);
  put32(out, ttl);
  put16(out, static_cast<uint16_t>(rdata.size()));
  out.insert(out.end(), rdata.begin(), rdata.end());
}

// "<label>" followed by a pointer to the question name: mail.<qname>, ns1.<qname>, ...
std::vector<uint8_t> prefixed_qname(std::string_view label) {
  std::vector<uint8_t> v{static_cast<uint8_t>(label.size())};
  v.insert(v.end(), label.begin(), label.end());
  put16(v, 0xC00C);
  return v;
}

std::vector<uint8_t> txt_rdata(std::string_view text) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i < text.size() || i == 0; i += 255) {
    std::string_view chunk = text.substr(i, 255);
    v.push_back(static_cast<uint8_t>(chunk.size()));
    v.insert(v.end(), chunk.begin(), chunk.end());
  }
  return v;
}

// Appends the answers for one question type; returns how many were added.
Result<uint16_t> put_answers_for(std::vector<uint8_t>& out, uint16_t qtype, const Answer& a) {
  switch (qtype) {
    case kA:
      if (!a.v4) return uint16_t{0};
      put_answer(out, kA, a.ttl, std::span<const uint8_t>(a.v4->bytes.data(), 4));
      return uint16_t{1};
    case kAAAA:
      if (!a.v6) return uint16_t{0};
      put_answer(out, kAAAA, a.ttl, a.v6->bytes);
      return uint16_t{1};
    case kTXT:
      put_answer(out, kTXT, a.ttl, txt_rdata(a.txt));
      return uint16_t{1};
    case kMX: {
      std::vector<uint8_t> rd;
      put16(rd, 10);
      auto target = prefixed_qname("mail");
      rd.insert(rd.end(), target.begin(), target.end());
      put_answer(out, kMX, a.ttl, rd);
      return uint16_t{1};
    }
    case kNS:
      put_answer(out, kNS, a.ttl, prefixed_qname("ns1"));
      return uint16_t{1};
    case kCNAME:
      put_answer(out, kCNAME, a.ttl, prefixed_qname("edge"));
      return uint16_t{1};
    case kPTR: {
      if (!a.ptr_target) return uint16_t{0};
      GS_ASSIGN_OR_RETURN(auto rd, encode_name(*a.ptr_target));
      put_answer(out, kPTR, a.ttl, rd);
      return uint16_t{1};
    }
    default:
      return uint16_t{0};
  }
}

}  // namespace

Result<Message> parse(std::span<const uint8_t> data) {
  ByteReader r(data);
  Message m;
  uint16_t qd, an;
  if (!r.u16(m.id) || !r.u16(m.flags) || !r.u16(qd) || !r.u16(an) || !r.u16(m.authority_count) ||
      !r.u16(m.additional_count))
    return truncated("dns header");
  m.is_response = (m.flags & 0x8000) != 0;
  m.opcode = static_cast<uint8_t>((m.flags >> 11) & 0xF);
  m.rcode = static_cast<uint8_t>(m.flags & 0xF);
  if (qd > kMaxQuestions) return error("dns: too many questions (" + std::to_string(qd) + ")");
  for (uint16_t i = 0; i < qd; ++i) {
    GS_ASSIGN_OR_RETURN(Question q, read_question(r));
    m.questions.push_back(std::move(q));
  }
  // Each record needs at least 11 bytes, so the data bounds this loop, not the count.
  for (uint16_t i = 0; i < an; ++i) {
    GS_ASSIGN_OR_RETURN(Record rec, read_record(r));
    m.answers.push_back(std::move(rec));
  }
  return m;
}

Result<std::vector<uint8_t>> build_response(const Message& query, const Answer& answer) {
  if (query.questions.empty()) return error("dns response: query has no question");
  const Question& q = query.questions.front();
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + q.wire_name.size() + 4 + 300);
  put16(out, query.id);
  // QR, same opcode, AA, RD copied, RA, rcode
  uint16_t flags = 0x8000 | (query.flags & 0x7800) | 0x0400 | (query.flags & 0x0100) | 0x0080 |
                   (answer.rcode & 0xF);
  put16(out, flags);
  put16(out, 1);
  put16(out, 0);  // answer count, patched below
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), q.wire_name.begin(), q.wire_name.end());
  put16(out, q.type);
  put16(out, q.klass);
  uint16_t count = 0;
  if (answer.rcode == kNoError && query.opcode == 0) {
    GS_ASSIGN_OR_RETURN(count, put_answers_for(out, q.type, answer));
  }
  out[6] = static_cast<uint8_t>(count >> 8);
  out[7] = static_cast<uint8_t>(count);
  return out;
}

Result<std::vector<uint8_t>> encode_name(std::string_view dotted) {
  std::vector<uint8_t> out;
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  while (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view label = dotted.substr(0, dot);
    if (label.empty() || label.size() > 63)
      return error("dns name: bad label in '" + std::string(dotted) + "'");
    out.push_back(static_cast<uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  out.push_back(0);
  if (out.size() > kMaxNameWire) return error("dns name: longer than 255");
  return out;
}

Result<std::vector<uint8_t>> build_query(std::string_view name, uint16_t type, uint16_t id) {
  GS_ASSIGN_OR_RETURN(auto wire, encode_name(name));
  std::vector<uint8_t> out;
  put16(out, id);
  put16(out, 0x0100);  // RD
  put16(out, 1);
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), wire.begin(), wire.end());
  put16(out, type);
  put16(out, 1);
  return out;
}

std::optional<IpAddr> parse_reverse_v4(std::string_view name) {
  constexpr std::string_view kSuffix = ".in-addr.arpa";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  name.remove_suffix(kSuffix.size());
  uint8_t b[4];
  for (int i = 3; i >= 0; --i) {
    size_t dot = name.find('.');
    std::string_view part = name.substr(0, dot);
    if (part.empty() || part.size() > 3) return std::nullopt;
    unsigned v = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 255) return std::nullopt;
    b[i] = static_cast<uint8_t>(v);
    if ((dot == std::string_view::npos) != (i == 0)) return std::nullopt;
    if (dot != std::string_view::npos) name = name.substr(dot + 1);
  }
  return IpAddr::from_v4_bytes(std::span<const uint8_t, 4>(b, 4));
}

std::vector<uint8_t> tcp_frame(std::span<const uint8_t> message) {
  std::vector<uint8_t> out;
  put16(out, static_cast<uint16_t>(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

Result<TcpFrame> tcp_unframe(std::span<const uint8_t> stream) {
  ByteReader r(stream);
  uint16_t len;
  if (!r.u16(len)) return truncated("dns tcp length");
  if (len < kHeaderSize) return error("dns tcp: frame shorter than a header");
  TcpFrame f;
  if (!r.bytes(len, f.message)) return truncated("dns tcp frame");
  f.consumed = r.pos();
  return f;
}

std::string type_name(uint16_t type) {
  switch (type) {
    case kA:
      return "A";
    case kNS:
      return "NS";
    case kCNAME:
      return "CNAME";
    case kSOA:
      return "SOA";
    case kPTR:
      return "PTR";
    case kMX:
      return "MX";
    case kTXT:
      return "TXT";
    case kAAAA:
      return "AAAA";
    case kSRV:
      return "SRV";
    case kHTTPS:
      return "HTTPS";
    case kANY:
      return "ANY";
    default:
      return "TYPE" + std::to_string(type);
  }
}

}  // namespace gs::netmon::dns
