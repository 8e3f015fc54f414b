// The host's warm build cache for the standard library. `go test -c` of a one-file module
// recompiles runtime/cgo, net, crypto/tls, ... from nothing (4-5 s on this class of
// machine) unless GOCACHE already holds them. One copy per host and toolchain is built
// once, from a seed module of our own, in a build jail like any analysis's, and kept
// root-owned under the cache root; it is never mounted into a jail. Each analysis gets
// a private writable copy (a few MB), so nothing a build writes reaches the shared one.
#pragma once

#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace gs::harness {

// Names the toolchain the cache belongs to: the Go and C compilers' identities (path,
// version file, size, mtime) and the seed's version. A different toolchain gets a
// different directory; Go itself still checks every entry's action id.
Result<std::string> toolchain_key();

// The cache root: $GOSANDBOX_CACHE_DIR when set, else /var/cache/gosandbox.
std::string default_cache_root();

// <root>/gocache-<key>; ready when it holds the `complete` marker.
std::string shared_cache_dir(const std::string& root, const std::string& key);
bool shared_cache_ready(const std::string& dir);

// Exclusive lock on <root>/gocache.lock, released on destruction or if the holder dies.
// Waits up to `timeout_s` for another process building the same cache.
class CacheLock {
 public:
  static Result<CacheLock> acquire(const std::string& root, int timeout_s);

 private:
  explicit CacheLock(FD fd) : fd_(std::move(fd)) {}
  FD fd_;
};

// Copies directories and regular files (never following or copying symlinks, devices or
// fifos), giving the copies `uid`:`gid` and modes without set-id bits.
Status copy_tree(const std::string& from, const std::string& to, uid_t uid, gid_t gid);

// Publishes `from` (a filled GOCACHE) as the shared cache `dir` atomically: copy to a
// temporary sibling, add the marker, rename. Losing a race to another publisher is fine.
Status publish_shared_cache(const std::string& from, const std::string& dir);

// The seed module: blank-imports the standard packages malware and tests pull in most
// (net, net/http, os/exec, os/user, crypto/tls, ...) with cgo on, plus a trivial test.
struct SeedFile {
  const char* name;
  const char* text;
};
const SeedFile* seed_files();  // ends with {nullptr, nullptr}
constexpr const char* kSeedModule = "gosandbox.invalid/warmcache";

}  // namespace gs::harness
