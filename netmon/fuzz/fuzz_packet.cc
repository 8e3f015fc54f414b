// Fuzzes the frame decoder for each supported link type (first byte picks it).
#include <cstdlib>

#include "netmon/packet.h"
#include "netmon/pcap_file.h"

using namespace gs::netmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr uint32_t kLinks[] = {pcap::kEthernet, pcap::kRaw, pcap::kLinuxSll,
                                        pcap::kLinuxSll2};
  std::span<const uint8_t> frame(data + 1, size - 1);
  auto d = decode_packet(kLinks[data[0] % 4], frame);
  if (d.ok() && !d->payload.empty() &&
      (d->payload.data() < frame.data() ||
       d->payload.data() + d->payload.size() > frame.data() + frame.size()))
    std::abort();
  return 0;
}
