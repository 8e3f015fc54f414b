// Fuzzes the pcap reader and, for each record, the frame decoder and flow table: the
// whole replay path a hostile capture file goes through.
#include "netmon/flow.h"
#include "netmon/packet.h"
#include "netmon/pcap_file.h"

using namespace gs::netmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = pcap::Reader::from_bytes(std::vector<uint8_t>(data, data + size));
  if (!r.ok()) return 0;
  FlowTable flows(64);
  for (int i = 0; i < 1000; ++i) {
    auto p = r->next();
    if (!p.ok() || !p->has_value()) break;
    auto d = decode_packet(r->link_type(), (*p)->data);
    if (d.ok()) flows.add(*d, (*p)->ts_us);
  }
  (void)flows.flows();
  return 0;
}
