// Fuzzes beacon scoring with arbitrary times, sizes and windows (overflow, NaN, bounds).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "netmon/beacon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int64_t window;
  std::memcpy(&window, data, 8);
  std::vector<int64_t> v((size - 8) / 8);
  if (!v.empty()) std::memcpy(v.data(), data + 8, v.size() * 8);
  std::span<const int64_t> all(v);
  auto half = all.first(all.size() / 2);
  auto s = gs::netmon::beacon::score(half, all.subspan(half.size(), half.size()), window);
  if (std::isnan(s.score) || s.score < 0 || s.score > 1) std::abort();
  auto l =
      gs::netmon::beacon::label_stats(std::string_view(reinterpret_cast<const char*>(data), size));
  if (std::isnan(l.subdomain_entropy)) std::abort();
  return 0;
}
