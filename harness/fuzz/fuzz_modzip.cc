// Fuzz target: module zip validation and in-memory inflation of every entry it accepts.
#include <cstdint>
#include <span>
#include <string>

#include "modzip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> zip(data, size);
  auto idx = gs::harness::index_module_zip(zip);
  if (!idx) return 0;
  // Extraction writes files; the fuzzer checks the index's invariants instead.
  const std::string prefix = idx->module_path + "@" + idx->version + "/";
  for (const auto& e : idx->entries) {
    if (e.name.empty() || e.name[0] == '/' || e.name.rfind(prefix, 0) != 0) __builtin_trap();
    size_t start = 0;
    while (start <= e.name.size()) {
      size_t end = e.name.find('/', start);
      if (end == std::string::npos) end = e.name.size();
      if (e.name.compare(start, end - start, "..") == 0 && end - start == 2) __builtin_trap();
      start = end + 1;
    }
  }
  return 0;
}
