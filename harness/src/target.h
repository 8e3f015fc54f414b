// What the user asked to analyse: `module@version` (fetched through a GOPROXY), a local
// module directory, or a module zip file. Parsing is pure apart from one stat of the path.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace gs::harness {

struct Target {
  enum class Kind { kModule, kDir, kZip };
  Kind kind = Kind::kModule;
  std::string module_path;  // kModule
  std::string version;      // kModule: a semantic version, a pseudo-version or "latest"
  std::string path;         // kDir, kZip: the host path as given
};

enum class PathKind { kMissing, kDir, kFile, kOther };
PathKind probe_path(const std::string& path);

// Anything naming an existing directory or file is a local target; otherwise the text
// must be `module@version`. The error says which rule the text broke.
Result<Target> parse_target(std::string_view text, PathKind (*probe)(const std::string&) = probe_path);

// Go's rules for module paths (golang.org/x/mod/module.CheckPath, simplified) and versions.
Status check_module_path(std::string_view path);
Status check_version(std::string_view version);

// Case-encoding of module paths and versions used in proxy URLs and cache dirs: each
// upper-case letter becomes '!' + lower case.
std::string escape_module_path(std::string_view path);

}  // namespace gs::harness
