// Small filesystem helpers shared by every part: atomic writes, whole-file reads and
// recursive removal that does not follow symlinks planted by hostile code.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace gs {

// Writes `data` to `path` through a temporary file in the same directory and rename(2),
// so a reader sees either the old file or the whole new one, never a half-written one.
Status write_file_atomic(const std::string& path, std::string_view data, int mode = 0644);
Result<std::string> read_file(const std::string& path, size_t max_bytes = 64 << 20);
// Removes a tree without following symlinks (hostile code may plant them).
Status remove_tree(const std::string& path);
// mkdir -p
Status make_dirs(const std::string& path, int mode = 0755);

}  // namespace gs
