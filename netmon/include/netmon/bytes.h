// A bounds-checked cursor over untrusted bytes. Every parser in netmon reads through it,
// so no parser does its own pointer arithmetic and no length field is ever trusted: a
// read past the end fails instead of touching memory outside the span.
#pragma once

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace gs::netmon {

// Errors whose err is ENODATA mean "the input ended early": a stream sniffer may wait for
// more bytes and try again, any other error means the bytes are not this protocol.
inline Error truncated(std::string what) { return Error{ENODATA, std::move(what) + ": truncated"}; }
inline bool is_truncated(const Error& e) { return e.err == ENODATA; }

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  std::span<const uint8_t> whole() const { return data_; }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  bool u8(uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }
  bool u16(uint16_t& v) {  // big endian, as on the wire
    if (remaining() < 2) return false;
    v = static_cast<uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u24(uint32_t& v) {
    if (remaining() < 3) return false;
    v = uint32_t{data_[pos_]} << 16 | uint32_t{data_[pos_ + 1]} << 8 | data_[pos_ + 2];
    pos_ += 3;
    return true;
  }
  bool u32(uint32_t& v) {
    if (remaining() < 4) return false;
    v = uint32_t{data_[pos_]} << 24 | uint32_t{data_[pos_ + 1]} << 16 |
        uint32_t{data_[pos_ + 2]} << 8 | data_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }
  bool seek(size_t p) {
    if (p > data_.size()) return false;
    pos_ = p;
    return true;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Printable rendering of untrusted bytes for logs: hex, at most max_bytes of input.
std::string to_hex(std::span<const uint8_t> data, size_t max_bytes = 64);

}  // namespace gs::netmon
