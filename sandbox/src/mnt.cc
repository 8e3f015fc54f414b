// Root filesystem assembly; see mnt.h. The shape follows bubblewrap: init first pivots
// into a scratch tmpfs where the host root stays reachable as /oldroot and the new root
// is built at /newroot, then pivots a second time into /newroot and detaches the host.
// Resolving every bind source through /oldroot means host paths under /tmp stay
// reachable even though the scratch tmpfs was mounted there. The finished root tmpfs is
// remounted read-only, so the only writable places are /tmp, home and writable mounts.
#include "src/mnt.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace gs::sandbox {
namespace {

constexpr const char* kNewRoot = "/newroot";
// System paths of the host every jail mirrors (Planner::mirror).
constexpr const char* kSystemPaths[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
constexpr const char* kOldRoot = "/oldroot";
constexpr unsigned long kSafe = MS_NOSUID | MS_NODEV;

// ---- parent side: building the plan ----

class Planner {
 public:
  // A directory the plan already made (and no mount has hidden since) is not made
  // again: /dev and /etc would otherwise be walked once per node or file bound in them.
  void mkdir(const std::string& target, mode_t mode = 0755) {
    if (target == "/" || made_.count(target)) return;
    for (size_t slash = target.find('/', 1); slash != std::string::npos;
         slash = target.find('/', slash + 1)) {
      made_.insert(target.substr(0, slash));
    }
    made_.insert(target);
    add({.op = MountStep::Op::kMkdir,
         .dst = inside(target),
         .mode = mode,
         .what = "mkdir('" + target + "')"});
  }
  void symlink(const std::string& link_target, const std::string& target) {
    mkdir(parent_of(target));
    add({.op = MountStep::Op::kSymlink,
         .src = link_target,
         .dst = inside(target),
         .what = "symlink('" + link_target + "', '" + target + "')"});
  }
  void write_file(const std::string& target, std::string body) {
    add({.op = MountStep::Op::kWriteFile,
         .src = std::move(body),
         .dst = inside(target),
         .mode = 0644,
         .what = "write('" + target + "')"});
  }
  void tmpfs(const std::string& target, unsigned long flags, std::string data) {
    mkdir(target);
    hide_below(target);
    add({.op = MountStep::Op::kMount,
         .src = "tmpfs",
         .dst = inside(target),
         .fstype = "tmpfs",
         .data = std::move(data),
         .flags = flags,
         .what = "mount('" + target + "', tmpfs)"});
  }
  void proc(const std::string& target) {
    mkdir(target);
    hide_below(target);
    add({.op = MountStep::Op::kMount,
         .src = "proc",
         .dst = inside(target),
         .fstype = "proc",
         .flags = kSafe | MS_NOEXEC,
         .what = "mount('" + target + "', proc)"});
  }
  // Binds the host path `source` (already resolved, known to exist with type `is_dir`).
  void bind(const std::string& source, const std::string& target, bool is_dir, bool readonly,
            unsigned long flags) {
    if (is_dir) {
      mkdir(target);
    } else {
      mkdir(parent_of(target));
      add({.op = MountStep::Op::kTouch,
           .dst = inside(target),
           .mode = 0644,
           .what = "open('" + target + "', O_CREAT)"});
    }
    hide_below(target);
    add({.op = MountStep::Op::kBind,
         .src = kOldRoot + source,
         .dst = inside(target),
         .flags = flags,
         .readonly = readonly,
         .what = "mount('" + source + "' -> '" + target + "', bind" + (readonly ? ", ro)" : ")")});
  }
  // A system path of the host, mirrored as it is: a symlink is recreated (merged-usr hosts
  // have /bin -> usr/bin), a directory or file is bound read-only, a missing one skipped.
  void mirror(const std::string& path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return;
    if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
      if (n <= 0) return;
      symlink(std::string(buf, static_cast<size_t>(n)), path);
      return;
    }
    bind(path, path, S_ISDIR(st.st_mode), true, kSafe);
  }

  MountPlan take() { return std::move(plan_); }

 private:
  static std::string inside(const std::string& target) { return kNewRoot + target; }
  static std::string parent_of(const std::string& p) {
    size_t slash = p.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
  }
  void add(MountStep s) { plan_.steps.push_back(std::move(s)); }
  // A mount on `target` covers whatever was made below it.
  void hide_below(const std::string& target) {
    const std::string prefix = target == "/" ? "/" : target + "/";
    for (auto it = made_.lower_bound(prefix); it != made_.end() && it->starts_with(prefix);) {
      it = made_.erase(it);
    }
  }
  MountPlan plan_;
  std::set<std::string> made_;
};

Status check_target(const std::string& t) {
  if (t.empty() || t[0] != '/') return error("mount target '" + t + "' is not absolute");
  if (t.find("/../") != std::string::npos || t.ends_with("/..")) {
    return error("mount target '" + t + "' contains '..'");
  }
  return {};
}

std::string etc_passwd(const Identity& id) {
  std::string u = std::to_string(id.uid), g = std::to_string(id.gid);
  return "root:x:0:0:root:/root:/bin/bash\n" + id.user + ":x:" + u + ":" + g + ":" + id.user + ":" +
         id.home + ":/bin/bash\n" + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
}

std::string etc_group(const Identity& id) {
  return "root:x:0:\n" + id.user + ":x:" + std::to_string(id.gid) + ":\nnogroup:x:65534:\n";
}

// ---- child side: executing the plan (no allocation below this line) ----

// Every path below is resolved without following symlinks: writable binds hold content
// that earlier hostile runs controlled, and a planted link must not steer a mount onto
// /oldroot (the host) or a host path into the jail.
int open_nofollow(const char* path, int flags, mode_t mode = 0) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_NO_SYMLINKS;
  return static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how));
}

// mkdir -p of `rel` below the directory `base`, which stays open. Every plan path is under
// /newroot, so init walks from its fd instead of from "/" each time.
bool mkdir_p_at(int base, const char* rel, mode_t mode) {
  char buf[PATH_MAX];
  size_t n = std::strlen(rel);
  if (n >= sizeof buf) return errno = ENAMETOOLONG, false;
  std::memcpy(buf, rel, n + 1);
  int dir = base;
  auto drop = [&] {
    if (dir != base) ::close(dir);
  };
  char* comp = buf;
  for (size_t i = 0; i <= n; ++i) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    buf[i] = 0;
    bool last = i == n;
    if (*comp) {
      if (::mkdirat(dir, comp, last ? mode : 0755) != 0 && errno != EEXIST) break;
      int next = ::openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0) break;
      drop();
      dir = next;
    }
    comp = buf + i + 1;
    if (last) {
      drop();
      return true;
    }
  }
  int e = errno;
  drop();
  return errno = e, false;
}

bool mkdir_p(const char* path, mode_t mode, int newroot) {
  const size_t prefix = std::strlen(kNewRoot);
  if (newroot >= 0 && std::strncmp(path, kNewRoot, prefix) == 0 && path[prefix] == '/') {
    return mkdir_p_at(newroot, path + prefix + 1, mode);
  }
  int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return false;
  bool ok = mkdir_p_at(root, path + 1, mode);
  int e = errno;
  ::close(root);
  return errno = e, ok;
}

bool bind(const MountStep& s) {
  int src = open_nofollow(s.src.c_str(), O_PATH);
  if (src < 0) return false;
  // A detached recursive clone of the source, made read-only as a whole before it is
  // attached, so no submount of a read-only bind stays writable.
  int tree =
      ::open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  int e = errno;
  ::close(src);
  if (tree < 0) return errno = e, false;
  struct mount_attr attr;
  std::memset(&attr, 0, sizeof attr);
  if (s.readonly) attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (s.flags & MS_NOSUID) attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (s.flags & MS_NODEV) attr.attr_set |= MOUNT_ATTR_NODEV;
  bool ok = attr.attr_set == 0 ||
            ::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0;
  if (ok) {
    int dst = open_nofollow(s.dst.c_str(), O_PATH);
    ok = dst >= 0 &&
         ::move_mount(tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
    e = errno;
    if (dst >= 0) ::close(dst);
  } else {
    e = errno;
  }
  ::close(tree);
  return errno = e, ok;
}

// mount(2) on the directory itself (as ".") rather than by path, so a symlink swapped in
// after the check cannot redirect the mount.
bool mount_on_dir(const MountStep& s) {
  int dst = open_nofollow(s.dst.c_str(), O_PATH | O_DIRECTORY);
  if (dst < 0) return false;
  bool ok = ::fchdir(dst) == 0 && ::mount(s.src.c_str(), ".", s.fstype.c_str(), s.flags,
                                          s.data.empty() ? nullptr : s.data.c_str()) == 0;
  int e = errno;
  ::close(dst);
  if (::chdir("/") != 0 && ok) return false;
  return errno = e, ok;
}

bool write_all(int fd, const std::string& body) {
  size_t off = 0;
  while (off < body.size()) {
    ssize_t n = ::write(fd, body.data() + off, body.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

bool run_step(const MountStep& s, int newroot) {
  switch (s.op) {
    case MountStep::Op::kMkdir:
      return mkdir_p(s.dst.c_str(), s.mode, newroot);
    case MountStep::Op::kTouch:
    case MountStep::Op::kWriteFile: {
      // A bind target may be an existing file of the caller's: create, never truncate it.
      int flags = O_WRONLY | O_CREAT | (s.op == MountStep::Op::kWriteFile ? O_TRUNC : 0);
      int fd = open_nofollow(s.dst.c_str(), flags, s.mode);
      if (fd < 0) return false;
      bool ok = s.op == MountStep::Op::kTouch || write_all(fd, s.src);
      int e = errno;
      ::close(fd);
      return errno = e, ok;
    }
    case MountStep::Op::kSymlink:
      return ::symlink(s.src.c_str(), s.dst.c_str()) == 0 || errno == EEXIST;
    case MountStep::Op::kMount:
      return mount_on_dir(s);
    case MountStep::Op::kBind:
      return bind(s);
  }
  return errno = EINVAL, false;
}

}  // namespace

std::map<std::string, std::string> jail_symlinks() {
  std::map<std::string, std::string> links{{"/var/run", "/run"}};  // plan_mounts makes it
  for (const char* d : kSystemPaths) {  // mirrored as the host has them
    char buf[PATH_MAX];
    ssize_t n = ::readlink(d, buf, sizeof buf - 1);
    if (n > 0) links[d] = std::string(buf, static_cast<size_t>(n));
  }
  return links;
}

Result<MountPlan> plan_mounts(const JailSpec& spec) {
  const Identity& id = spec.identity;
  const Limits& lim = spec.limits;
  GS_TRY(check_target(id.home));
  GS_TRY(check_target(spec.cwd));
  Planner p;

  for (const char* d : kSystemPaths) p.mirror(d);

  p.mkdir("/etc");
  p.write_file("/etc/passwd", etc_passwd(id));
  p.write_file("/etc/group", etc_group(id));
  p.write_file("/etc/hostname", id.hostname + "\n");
  p.write_file("/etc/hosts",
               "127.0.0.1 localhost " + id.hostname + "\n::1 localhost ip6-localhost\n");
  p.write_file("/etc/resolv.conf", "nameserver 127.0.0.53\n");
  p.write_file("/etc/nsswitch.conf",
               "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
               "networks: files\nprotocols: files\nservices: files\n");
  for (const char* e :
       {"/etc/alternatives", "/etc/ssl", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
        "/etc/localtime", "/etc/os-release", "/etc/protocols", "/etc/services"}) {
    p.mirror(e);
  }

  p.proc("/proc");

  // A tmpfs /dev holds only harmless nodes, bound from the host because a user namespace
  // cannot mknod. They keep their device semantics, so no nodev on them.
  p.tmpfs("/dev", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k");
  for (const char* n : {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string host = std::string("/dev/") + n;
    if (::access(host.c_str(), F_OK) == 0) p.bind(host, host, false, false, 0);
  }
  p.symlink("/proc/self/fd", "/dev/fd");
  p.symlink("/proc/self/fd/0", "/dev/stdin");
  p.symlink("/proc/self/fd/1", "/dev/stdout");
  p.symlink("/proc/self/fd/2", "/dev/stderr");
  p.tmpfs("/dev/shm", kSafe, "mode=1777,size=" + std::to_string(lim.tmp_bytes));

  p.tmpfs("/tmp", kSafe, "mode=1777,size=" + std::to_string(lim.tmp_bytes));
  p.mkdir("/root", 0700);
  // /run, empty and read-only, and /var/run -> /run, as on any Debian host: their absence
  // would tell a payload it is jailed, and one that chdir()s to /var/run before naming a
  // container runtime's socket by a relative name then goes on to connect, which the
  // report shows (the socket is not there).
  p.tmpfs("/run", kSafe | MS_RDONLY, "mode=0755,size=4k");
  p.symlink("/run", "/var/run");
  // /var/tmp, writable like /tmp: droppers favour it (it survives reboots on a host), and
  // one that finds it missing stops before the download and exec the report is about.
  p.tmpfs("/var/tmp", kSafe, "mode=1777,size=" + std::to_string(lim.tmp_bytes));
  p.tmpfs(id.home, kSafe,
          "mode=0755,uid=" + std::to_string(id.uid) + ",gid=" + std::to_string(id.gid) +
              ",size=" + std::to_string(lim.home_bytes ? lim.home_bytes : lim.tmp_bytes));

  for (const Mount& m : spec.mounts) {
    GS_TRY(check_target(m.target));
    if (m.kind == Mount::Kind::kTmpfs) {
      std::string data = "mode=0755,size=" + std::to_string(m.tmpfs_bytes);
      if (m.writable) {
        data += ",uid=" + std::to_string(id.uid) + ",gid=" + std::to_string(id.gid);
      }
      p.tmpfs(m.target, kSafe | (m.writable ? 0 : MS_RDONLY), data);
      continue;
    }
    // Resolve on the host now: symlinks in the source would otherwise resolve against the
    // scratch root inside init, and a missing source is the caller's error to see early.
    char real[PATH_MAX];
    if (!::realpath(m.source.c_str(), real)) {
      if (m.optional && (errno == ENOENT || errno == ENOTDIR)) continue;
      return sys_error("realpath('" + m.source + "') for mount on '" + m.target + "'");
    }
    struct stat st;
    if (::stat(real, &st) != 0) return sys_error("stat('" + std::string(real) + "')");
    p.bind(real, m.target, S_ISDIR(st.st_mode), !m.writable, kSafe);
  }
  return p.take();
}

bool assemble_root(const MountPlan& plan, const char** what) {
  // Nothing we mount may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return *what = "mount('/', MS_REC|MS_PRIVATE)", false;
  }
  // First pivot: into a scratch tmpfs; the host root stays reachable at /oldroot.
  if (::mount("tmpfs", "/tmp", "tmpfs", kSafe, "mode=0755,size=64k") != 0) {
    return *what = "mount('/tmp', scratch tmpfs)", false;
  }
  if (::chdir("/tmp") != 0) return *what = "chdir('/tmp')", false;
  if (::mkdir("newroot", 0755) != 0 || ::mkdir("oldroot", 0755) != 0) {
    return *what = "mkdir('/tmp/newroot')", false;
  }
  if (::syscall(SYS_pivot_root, "/tmp", "/tmp/oldroot") != 0) {
    return *what = "pivot_root('/tmp', '/tmp/oldroot')", false;
  }
  if (::chdir("/") != 0) return *what = "chdir('/')", false;
  if (::mount("tmpfs", kNewRoot, "tmpfs", kSafe, "mode=0755,size=16m") != 0) {
    return *what = "mount('/', root tmpfs)", false;
  }

  // The top of /newroot, reopened after a mount onto /newroot itself (a caller's mount
  // on "/"): an fd keeps referring to what was there when it was opened.
  int newroot = -1;
  for (const MountStep& s : plan.steps) {
    if (newroot < 0) newroot = ::open(kNewRoot, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool ok = newroot >= 0 && run_step(s, newroot);
    int e = errno;
    if (!ok || s.dst.find_first_not_of('/', std::strlen(kNewRoot)) == std::string::npos) {
      if (newroot >= 0) ::close(newroot);
      newroot = -1;
    }
    if (!ok) return errno = e, *what = s.what.c_str(), false;
  }
  if (newroot >= 0) ::close(newroot);

  // Detach the host root; private first so the detach does not propagate to the host.
  if (::mount(kOldRoot, kOldRoot, nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return *what = "mount('/oldroot', MS_REC|MS_PRIVATE)", false;
  }
  if (::umount2(kOldRoot, MNT_DETACH) != 0) return *what = "umount2('/oldroot')", false;

  // Second pivot: into /newroot, stacking the scratch root on top and detaching it.
  int scratch = ::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (scratch < 0) return *what = "open('/')", false;
  bool ok = ::chdir(kNewRoot) == 0 && ::syscall(SYS_pivot_root, ".", ".") == 0 &&
            ::fchdir(scratch) == 0 && ::umount2(".", MNT_DETACH) == 0 && ::chdir("/") == 0;
  int saved = errno;
  ::close(scratch);
  if (!ok) return errno = saved, *what = "pivot_root('/newroot')", false;

  if (::mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | kSafe, nullptr) != 0) {
    return *what = "mount('/', remount ro)", false;
  }
  return true;
}

}  // namespace gs::sandbox
