// Filesystem helpers; see fs.h.
#include "base/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "base/fd.h"

namespace gs {

Status write_file_atomic(const std::string& path, std::string_view data, int mode) {
  std::random_device rd;
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd());
  FD fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) return sys_error("open('" + tmp + "')");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = sys_error("write('" + tmp + "')");
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    Error e = sys_error("fsync('" + tmp + "')");
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = sys_error("rename('" + tmp + "', '" + path + "')");
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  FD fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open('" + path + "')");
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read('" + path + "')");
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return error("read('" + path + "'): larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Status remove_tree(const std::string& path) {
  std::error_code ec;
  // std::filesystem::remove_all does not follow symlinks; it removes the link itself.
  // Directories made read-only by hostile code (or by the Go module cache) are made
  // writable first so their entries can go.
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return {};
  for (auto it = std::filesystem::recursive_directory_iterator(
           path, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
  }
  ::chmod(path.c_str(), 0700);
  ec.clear();
  std::filesystem::remove_all(path, ec);
  if (ec) return Error{ec.value(), "remove_all('" + path + "')"};
  return {};
}

Status make_dirs(const std::string& path, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error{ec.value(), "mkdir('" + path + "')"};
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return {};
}

}  // namespace gs
