// Fuzz target: build plans from `go list -json` output, which the jail produces.
#include <cstdint>
#include <string_view>

#include "plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = gs::harness::parse_go_list(text, "example.test/m");
  if (plan) {
    for (const auto& p : plan->packages)
      if (p.rel_dir.empty()) __builtin_trap();  // only packages of the module are kept
  }
  return 0;
}
