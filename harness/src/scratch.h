// Per-analysis scratch space: a size-limited tmpfs in gosandbox's own mount namespace.
// Everything a run writes outside the jail's private /tmp and home (the module copy, its
// dependencies, build outputs, captures) lives here, so a disk-filling module hits the
// limit instead of the host's disk, and because the mount exists only in gosandbox's
// namespace it vanishes with the process, even after kill -9.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace gs::harness {

// Moves the calling process into a private mount namespace whose mounts do not propagate
// back to the host. Call first thing in main, before any thread exists (unshare of a
// mount namespace is refused to a process that shares its fs_struct with threads).
Status enter_private_mount_namespace();

class ScratchDir {
 public:
  // Creates root/gosandbox-run-<pid>-XXXXXX and, when `bytes` > 0 and we may mount, a
  // tmpfs of that size on it. Also removes the empty mountpoints of dead runs.
  static Result<ScratchDir> make(const std::string& root, uint64_t bytes);
  ScratchDir(ScratchDir&& o) noexcept;
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }
  bool size_limited() const { return mounted_; }

 private:
  ScratchDir(std::string p, bool mounted) : path_(std::move(p)), mounted_(mounted) {}
  std::string path_;
  bool mounted_ = false;
};

}  // namespace gs::harness
