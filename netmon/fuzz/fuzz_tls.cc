// Fuzzes the TLS ClientHello parser on arbitrary stream prefixes.
#include "netmon/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)gs::netmon::tls::looks_like_tls(in);
  auto ch = gs::netmon::tls::parse_client_hello(in);
  if (ch.ok()) (void)gs::netmon::tls::version_name(ch->max_version);
  return 0;
}
