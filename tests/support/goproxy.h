// Test support: builds module zips and `file://` GOPROXY trees from module source
// directories (fixtures in tests/fixtures/modules, real Debian sources under
// /usr/share/gocode/src), so privileged tests fetch exactly the way `go` does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace gs::testsupport {

// Entries are stored (not compressed), which is a valid module zip.
struct ZipFile {
  std::string name;
  std::string content;
};
std::string make_zip(const std::vector<ZipFile>& files);

// Files of a module directory as zip entries under `module@version/`, skipping .git and
// nested modules, the way `go mod download` would see them.
Result<std::vector<ZipFile>> module_files(const std::string& dir, const std::string& module_path,
                                          const std::string& version);

// Adds module_path@version from `dir` to the proxy tree at `proxy_root`.
// go.mod is taken from dir or synthesized as "module <path>".
Status add_to_proxy(const std::string& proxy_root, const std::string& dir,
                    const std::string& module_path, const std::string& version);

}  // namespace gs::testsupport
