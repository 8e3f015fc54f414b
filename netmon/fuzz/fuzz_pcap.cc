// Fuzzes the whole offline path a hostile capture file goes through: the pcap reader,
// the frame decoder, flows, DNS decoding and TCP session sniffing (replay.h).
#include "netmon/replay.h"

using namespace gs::netmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = pcap::Reader::from_bytes(std::vector<uint8_t>(data, data + size));
  if (!r.ok()) return 0;
  ReplayOptions opts;
  opts.max_flows = 64;
  opts.max_sessions = 64;
  opts.max_dns = 64;
  (void)replay(*r, opts);
  return 0;
}
