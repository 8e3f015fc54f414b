// See warmcache.h.
#include "warmcache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "base/fs.h"
#include "sha256.h"
#include "target.h"

namespace gs::harness {
namespace fs = std::filesystem;

namespace {

// Bump when the seed changes, so hosts build a fresh cache.
constexpr const char* kSeedVersion = "seed-1";

std::string identity(const std::string& path) {
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) return path + ":missing";
  struct stat st{};
  if (::stat(real.c_str(), &st) != 0) return real.string() + ":unstatable";
  return real.string() + ":" + std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) +
         "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

Result<std::string> toolchain_key() {
  std::error_code ec;
  fs::path go = fs::canonical("/usr/bin/go", ec);
  if (ec) return error("no Go toolchain at /usr/bin/go");
  std::string material = kSeedVersion;
  material += "\n" + identity(go.string());
  // GOROOT/bin/go -> GOROOT/VERSION names the release exactly.
  auto version = read_file((go.parent_path().parent_path() / "VERSION").string(), 4096);
  material += "\n" + (version ? *version : std::string("no VERSION"));
  for (const char* cc : {"/usr/bin/gcc", "/usr/bin/cc"}) material += "\n" + identity(cc);
  return sha256_hex(material).substr(0, 16);
}

std::string default_cache_root() {
  const char* env = std::getenv("GOSANDBOX_CACHE_DIR");
  return env && *env ? env : "/var/cache/gosandbox";
}

std::string shared_cache_dir(const std::string& root, const std::string& key) {
  return root + "/gocache-" + key;
}

bool shared_cache_ready(const std::string& dir) {
  return probe_path(dir + "/complete") == PathKind::kFile;
}

Result<CacheLock> CacheLock::acquire(const std::string& root, int timeout_s) {
  GS_TRY(make_dirs(root, 0755));
  std::string path = root + "/gocache.lock";
  FD fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return sys_error("open('" + path + "')");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return sys_error("flock('" + path + "')");
    if (std::chrono::steady_clock::now() >= deadline)
      return error("another gosandbox has held " + path + " for " + std::to_string(timeout_s) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return CacheLock(std::move(fd));
}

Status copy_tree(const std::string& from, const std::string& to, uid_t uid, gid_t gid) {
  GS_TRY(make_dirs(to, 0755));
  if (::chown(to.c_str(), uid, gid) != 0) return sys_error("chown('" + to + "')");
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::end(it); it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), from);
    const std::string dst = (fs::path(to) / rel).string();
    struct stat st{};
    if (::lstat(it->path().c_str(), &st) != 0) return sys_error("lstat('" + it->path().string() + "')");
    if (S_ISDIR(st.st_mode)) {
      if (::mkdir(dst.c_str(), 0755) != 0 && errno != EEXIST) return sys_error("mkdir('" + dst + "')");
      if (::chown(dst.c_str(), uid, gid) != 0) return sys_error("chown('" + dst + "')");
    } else if (S_ISREG(st.st_mode)) {
      FD in(::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
      if (!in) return sys_error("open('" + it->path().string() + "')");
      int mode = (st.st_mode & 0111) ? 0755 : 0644;
      FD out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
      if (!out) return sys_error("create('" + dst + "')");
      char buf[1 << 16];
      for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_error("read('" + it->path().string() + "')");
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::write(out.get(), buf + off, size_t(n - off));
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) return sys_error("write('" + dst + "')");
          off += w;
        }
      }
      if (::fchown(out.get(), uid, gid) != 0) return sys_error("chown('" + dst + "')");
    }
    // Anything else (symlinks, devices, fifos, sockets) is not part of a Go build cache.
  }
  if (ec) return error("walking '" + from + "': " + ec.message());
  return {};
}

Status publish_shared_cache(const std::string& from, const std::string& dir) {
  std::random_device rd;
  std::string tmp = dir + ".tmp-" + std::to_string(rd()) + std::to_string(::getpid());
  (void)remove_tree(tmp);
  if (auto st = copy_tree(from, tmp, 0, 0); !st) {
    (void)remove_tree(tmp);
    return st;
  }
  if (auto st = write_file_atomic(tmp + "/complete", std::string(kSeedVersion) + "\n"); !st) {
    (void)remove_tree(tmp);
    return st;
  }
  if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    int err = errno;
    (void)remove_tree(tmp);
    // Someone else published it first: theirs is as good as ours.
    if ((err == ENOTEMPTY || err == EEXIST) && shared_cache_ready(dir)) return {};
    return sys_error("rename('" + tmp + "', '" + dir + "')", err);
  }
  return {};
}

const SeedFile* seed_files() {
  static const SeedFile files[] = {
      {"go.mod", "module gosandbox.invalid/warmcache\n\ngo 1.19\n"},
      {"seed.go",
       "// Package warmcache pulls in the standard packages modules use most, so the host's\n"
       "// build cache holds them compiled (cgo on) before any analysis needs them.\n"
       "package warmcache\n\n"
       "import (\n"
       "\t_ \"crypto/tls\"\n\t_ \"encoding/json\"\n\t_ \"net\"\n\t_ \"net/http\"\n"
       "\t_ \"os/exec\"\n\t_ \"os/user\"\n\t_ \"runtime/cgo\"\n)\n"},
      {"seed_test.go",
       "package warmcache\n\nimport \"testing\"\n\nfunc TestSeed(t *testing.T) {}\n"},
      {"cmd/seed/main.go", "package main\n\nimport _ \"gosandbox.invalid/warmcache\"\n\nfunc main() {}\n"},
      {nullptr, nullptr},
  };
  return files;
}

}  // namespace gs::harness
