// libFuzzer target for the untrusted-bytes parsers of the tracer: raw ring-buffer records
// (for_each_record's batch framing, then decode) and sockaddrs. Every decoded event must
// also survive to_jsonl and replay.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tracer/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  (void)gs::tracer::decode_sockaddr(bytes);
  (void)gs::tracer::for_each_record(bytes, [&](std::span<const uint8_t> record) {
    if (record.data() < bytes.data() || record.data() + record.size() > bytes.data() + bytes.size())
      __builtin_trap();  // a record must lie inside what was given
    auto ev = gs::tracer::decode(record);
    if (!ev.ok()) return;
    std::string line = gs::tracer::to_jsonl(*ev);
    auto back = gs::tracer::from_json(nlohmann::json::parse(line));
    if (!back.ok()) __builtin_trap();
  });
  return 0;
}
