// libFuzzer target for the untrusted-bytes parsers of the tracer: raw ring-buffer records
// (decode) and sockaddrs. Every decoded event must also survive to_jsonl and replay.
#include <cstddef>
#include <cstdint>
#include <span>

#include "tracer/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  (void)gs::tracer::decode_sockaddr(bytes);
  auto ev = gs::tracer::decode(bytes);
  if (!ev.ok()) return 0;
  std::string line = gs::tracer::to_jsonl(*ev);
  auto back = gs::tracer::from_json(nlohmann::json::parse(line));
  if (!back.ok()) __builtin_trap();
  return 0;
}
