// The C constructors of a built binary: what its .preinit_array and .init_array make the
// dynamic loader and libc run before main, and so before Go's runtime. A cgo package can
// put code there (`__attribute__((constructor))`, C++ static initialisers); Go code
// cannot. The binaries come out of the jail's build, so the parser treats every byte as
// hostile: each offset and size is checked against the file, nothing is trusted.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::harness {

struct InitFunction {
  std::string section;  // ".init_array" or ".preinit_array"
  uint64_t address = 0;
  std::string symbol;   // "" when the address names no function symbol (stripped)
  bool c_runtime = false;  // the C runtime's own (crtbegin's frame_dummy), not the module's
};

// The entries of an ELF64 little-endian file's init arrays, relocated for PIE (entries
// that are R_X86_64_RELATIVE targets), named from .symtab. Not an ELF64 LE file, or a
// header that points outside the file: an error.
// At most kMaxInitFunctions entries are returned.
constexpr size_t kMaxInitFunctions = 4096;
Result<std::vector<InitFunction>> init_functions(std::span<const uint8_t> file);

// init_functions() of a file on disk, keeping only the module's (c_runtime false).
Result<std::vector<InitFunction>> module_constructors(const std::string& path);

}  // namespace gs::harness
