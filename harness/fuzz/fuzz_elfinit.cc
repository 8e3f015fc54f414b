// Fuzz target: the init-array scan of built binaries, which come out of the jail.
#include <cstdint>
#include <span>

#include "elfinit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fs = gs::harness::init_functions(std::span(data, size));
  if (fs && fs->size() > gs::harness::kMaxInitFunctions) __builtin_trap();
  return 0;
}
