// Classic pcap reader and writer (see pcap_file.h). Record lengths come from the file and
// are checked against the snap length bound and the bytes actually present.
#include "netmon/pcap_file.h"

#include <algorithm>

#include "base/fs.h"
#include "netmon/bytes.h"

namespace gs::netmon::pcap {
namespace {

constexpr uint32_t kMagicMicros = 0xa1b2c3d4;
constexpr uint32_t kMagicNanos = 0xa1b23c4d;
constexpr size_t kGlobalHeader = 24;
constexpr size_t kRecordHeader = 16;

uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

}  // namespace

uint32_t Reader::rd32(size_t at) const {
  uint32_t v = load_le32(bytes_.data() + at);  // pcap files are little endian in practice
  return swapped_ ? bswap32(v) : v;
}

Result<Reader> Reader::from_bytes(std::vector<uint8_t> bytes) {
  if (bytes.size() < kGlobalHeader) return truncated("pcap global header");
  Reader r;
  r.bytes_ = std::move(bytes);
  uint32_t magic = load_le32(r.bytes_.data());
  if (magic == kMagicMicros || magic == kMagicNanos) {
    r.nanos_ = magic == kMagicNanos;
  } else if (bswap32(magic) == kMagicMicros || bswap32(magic) == kMagicNanos) {
    r.swapped_ = true;
    r.nanos_ = bswap32(magic) == kMagicNanos;
  } else {
    return error("pcap: bad magic (pcapng is not supported)");
  }
  r.snap_len_ = r.rd32(16);
  r.link_type_ = r.rd32(20) & 0x0FFFFFFF;  // upper bits carry FCS flags
  return r;
}

Result<Reader> Reader::open(const std::string& path, size_t max_bytes) {
  GS_ASSIGN_OR_RETURN(std::string data, read_file(path, max_bytes));
  return from_bytes(std::vector<uint8_t>(data.begin(), data.end()));
}

Result<std::optional<Packet>> Reader::next() {
  if (pos_ == bytes_.size()) return std::optional<Packet>();
  if (bytes_.size() - pos_ < kRecordHeader) return truncated("pcap record header");
  uint32_t sec = rd32(pos_), frac = rd32(pos_ + 4), incl = rd32(pos_ + 8), orig = rd32(pos_ + 12);
  if (incl > kMaxSnapLen) return error("pcap: record longer than the maximum snap length");
  if (bytes_.size() - pos_ - kRecordHeader < incl) return truncated("pcap record");
  Packet p;
  p.ts_us = int64_t{sec} * 1000000 + (nanos_ ? frac / 1000 : frac);
  p.orig_len = orig;
  const uint8_t* start = bytes_.data() + pos_ + kRecordHeader;
  p.data.assign(start, start + incl);
  pos_ += kRecordHeader + incl;
  return std::optional<Packet>(std::move(p));
}

Result<Writer> Writer::create(const std::string& path, uint32_t link_type, uint32_t snap_len) {
  Writer w;
  w.file_.reset(std::fopen(path.c_str(), "wbe"));
  if (!w.file_) return sys_error("fopen('" + path + "')");
  w.path_ = path;
  w.snap_len_ = snap_len == 0 || snap_len > kMaxSnapLen ? kMaxSnapLen : snap_len;
  uint32_t hdr[6] = {kMagicMicros, 0x00040002 /* version 2.4 */, 0, 0, w.snap_len_, link_type};
  if (std::fwrite(hdr, sizeof hdr, 1, w.file_.get()) != 1)
    return sys_error("fwrite('" + path + "')");
  w.bytes_written_ = sizeof hdr;
  return w;
}

Status Writer::write(int64_t ts_us, std::span<const uint8_t> data, uint32_t orig_len) {
  uint32_t incl = static_cast<uint32_t>(std::min<size_t>(data.size(), snap_len_));
  uint32_t rec[4] = {static_cast<uint32_t>(ts_us / 1000000), static_cast<uint32_t>(ts_us % 1000000),
                     incl, orig_len ? orig_len : static_cast<uint32_t>(data.size())};
  if (std::fwrite(rec, sizeof rec, 1, file_.get()) != 1 ||
      (incl && std::fwrite(data.data(), incl, 1, file_.get()) != 1))
    return sys_error("fwrite('" + path_ + "')");
  bytes_written_ += sizeof rec + incl;
  return {};
}

Status Writer::flush() {
  if (std::fflush(file_.get()) != 0) return sys_error("fflush('" + path_ + "')");
  return {};
}

}  // namespace gs::netmon::pcap
