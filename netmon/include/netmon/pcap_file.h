// Classic pcap files (not pcapng), read and written without libpcap. The reader takes
// untrusted bytes (a capture of hostile traffic is hostile input) and the writer lets
// tests generate captures and replay them through the same decoders, with no root.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::netmon::pcap {

enum LinkType : uint32_t { kEthernet = 1, kRaw = 101, kLinuxSll = 113, kLinuxSll2 = 276 };

struct Packet {
  int64_t ts_us = 0;      // capture time, microseconds since the epoch
  uint32_t orig_len = 0;  // length on the wire; data may be shorter (snap length)
  std::vector<uint8_t> data;
};

inline constexpr uint32_t kMaxSnapLen = 262144;

class Reader {
 public:
  // Validates the global header. The bytes are owned by the reader.
  static Result<Reader> from_bytes(std::vector<uint8_t> bytes);
  static Result<Reader> open(const std::string& path, size_t max_bytes = size_t{1} << 30);

  uint32_t link_type() const { return link_type_; }
  uint32_t snap_len() const { return snap_len_; }
  // The next packet, nullopt at a clean end of file, an error on a damaged record.
  Result<std::optional<Packet>> next();

 private:
  Reader() = default;
  uint32_t rd32(size_t at) const;
  std::vector<uint8_t> bytes_;
  size_t pos_ = 24;
  bool swapped_ = false;
  bool nanos_ = false;
  uint32_t link_type_ = 0;
  uint32_t snap_len_ = 0;
};

// Writes microsecond-resolution, host-endian pcap. Each packet is flushed to the FILE
// buffer; flush() pushes it to the kernel.
class Writer {
 public:
  static Result<Writer> create(const std::string& path, uint32_t link_type,
                               uint32_t snap_len = 65535);
  Status write(int64_t ts_us, std::span<const uint8_t> data, uint32_t orig_len = 0);
  Status flush();
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  struct Closer {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  Writer() = default;
  std::unique_ptr<FILE, Closer> file_;
  std::string path_;
  uint32_t snap_len_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace gs::netmon::pcap
