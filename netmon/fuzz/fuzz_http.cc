// Fuzzes the HTTP request-head parser; the head length it reports must be in bounds.
#include <cstdlib>

#include "netmon/http.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)gs::netmon::http::looks_like_http(in);
  auto h = gs::netmon::http::parse_request_head(in);
  if (h.ok() && h->head_length > size) std::abort();
  return 0;
}
