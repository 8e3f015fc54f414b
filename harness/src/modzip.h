// Module zips are untrusted bytes: this file checks one against the rules `go` applies to
// module zips (every entry under `module@version/`, no absolute paths, no `..`, no
// symlinks, bounded sizes) before a single byte is written, then extracts it and computes
// the Go `h1:` hash of its contents.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::harness {

struct ZipEntry {
  std::string name;           // full name, with the module@version/ prefix
  uint32_t local_offset = 0;
  uint32_t compressed_size = 0;
  uint32_t uncompressed_size = 0;
  uint16_t method = 0;        // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  bool is_dir = false;
};

struct ZipIndex {
  std::string module_path;    // from the common prefix
  std::string version;
  std::vector<ZipEntry> entries;
  uint64_t total_uncompressed = 0;
};

inline constexpr uint64_t kMaxZipUncompressed = 500ull << 20;  // Go's own limit

// Parses the central directory and applies the module-zip rules. Pure: takes bytes.
Result<ZipIndex> index_module_zip(std::span<const uint8_t> zip);

// Extracts every file of a validated zip under `dest` (the module@version/ prefix
// stripped) and returns the `h1:` hash of the contents.
Result<std::string> extract_module_zip(std::span<const uint8_t> zip, const ZipIndex& index,
                                       const std::string& dest);

// The `h1:` hash (golang.org/x/mod/sumdb/dirhash Hash1) of files given as (name, sha256).
std::string hash1(std::vector<std::pair<std::string, std::string>> name_and_sha256_hex);

}  // namespace gs::harness
