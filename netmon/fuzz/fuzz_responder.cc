// Fuzzes the fake internet's decisions on hostile input: DNS answering with a shared name
// pool, and the TCP stream sniffer fed the input in pieces whose sizes the input picks.
#include <cstdlib>

#include "netmon/responder.h"

using namespace gs::netmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static NamePool pool(1000);
  std::span<const uint8_t> in(data, size);
  (void)answer_dns(in, pool);
  if (size < 1) return 0;
  StreamSniffer s(64, data[0] & 1);
  size_t piece = 1 + data[0] % 97;
  for (size_t off = 1; off < size; off += piece)
    (void)s.feed(in.subspan(off, std::min(piece, size - off)), 1);
  s.finish();
  if (s.first_bytes_hex().size() > 128) std::abort();
  return 0;
}
