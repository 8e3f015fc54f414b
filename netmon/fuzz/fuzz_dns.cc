// Fuzzes the DNS parser as the fake DNS server uses it: parse, answer, re-parse the
// answer (which must always parse), and the TCP framing.
#include <cstdlib>

#include "netmon/dns.h"

using namespace gs::netmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto framed = dns::tcp_unframe(in);
  if (framed.ok() && framed->consumed > size) std::abort();
  auto m = dns::parse(in);
  if (!m.ok() || m->questions.empty()) return 0;
  dns::Answer a;
  a.v4 = IpAddr::v4(0xC6120007);
  a.v6 = IpAddr::parse("2001:db8::7");
  a.ptr_target = m->questions[0].name;
  auto r = dns::build_response(*m, a);
  if (r.ok() && !dns::parse(*r).ok()) std::abort();
  return 0;
}
