// Fetch: the host-side step that turns a target into a writable copy of the module's
// source plus a private module cache holding its dependencies. No module code runs here:
// only `go mod download`, which reads go.mod files and zips, with version control off.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "target.h"

namespace gs::harness {

struct FetchOptions {
  std::string goproxy;      // empty: the environment's GOPROXY, else Go's default
  std::string gosumdb;      // empty: the environment's GOSUMDB; "off" for file:// proxies
  std::string run_dir;      // per-analysis scratch dir (host); fetch fills src/ and modcache/
  std::chrono::seconds timeout{300};
};

struct FetchedModule {
  std::string path;         // module path
  std::string version;      // "" for a local directory
  std::string source;       // "proxy", "dir" or "zip"
  std::string sum;          // h1: hash of the module's files ("" for a directory)
  std::string zip_sha256;   // sha256 of the module zip ("" for a directory)
  std::string goproxy;      // the proxy used (for the report)
  std::string src_dir;      // host path of the writable copy of the module
  std::string modcache;     // host path of the private GOMODCACHE
  std::string deps_error;   // non-empty when some dependency could not be downloaded, or a
                            // local replace directive was not followed (fetch.cc)
};

Result<FetchedModule> fetch_module(const Target& target, const FetchOptions& opts);

// The module path declared by a go.mod file's text ("" when none).
std::string parse_gomod_module(std::string_view gomod);

}  // namespace gs::harness
