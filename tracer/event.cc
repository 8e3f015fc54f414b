// Raw record -> typed Event. Every read goes through bounds-checked helpers: the record
// size must match its type exactly, strings are cut at the end of their field, lengths
// written by the kernel side are clamped to their buffers.
#include "tracer/event.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "tracer/bpf/tracer.h"
#include "tracer/syscall_table.h"

namespace gs::tracer {
namespace {

template <size_t N>
std::string field_string(const char (&f)[N]) {
  return std::string(f, ::strnlen(f, N));
}

// Copies a record of type T out of the span after checking its size.
template <class T>
Result<T> read_record(std::span<const uint8_t> bytes, const char* what) {
  if (bytes.size() < sizeof(T))
    return error(std::string("tracer: short ") + what + " record (" + std::to_string(bytes.size()) +
                 " < " + std::to_string(sizeof(T)) + " bytes)");
  T r;
  std::memcpy(&r, bytes.data(), sizeof(T));
  if (r.h.size != sizeof(T))
    return error(std::string("tracer: ") + what + " record declares size " +
                 std::to_string(r.h.size) + ", expected " + std::to_string(sizeof(T)));
  return r;
}

Header decode_header(const gs_header& h) {
  Header out;
  out.ts_ns = h.ts_ns;
  out.cgroup_id = h.cgroup_id;
  out.pid = h.pid;
  out.tid = h.tid;
  out.ppid = h.ppid;
  out.ns_pid = h.ns_pid;
  out.ns_tid = h.ns_tid;
  out.tag = h.tag;
  out.comm = field_string(h.comm);
  return out;
}

std::vector<std::string> split_argv(const char* buf, size_t len) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < len) {
    size_t n = ::strnlen(buf + i, len - i);
    out.emplace_back(buf + i, n);
    i += n + 1;
  }
  return out;
}

// A path the BPF side walked up from a dentry: names leaf first, NUL-separated. "/" for
// the root itself; "..." in front when the walk stopped early.
std::string walked_path(const char* buf, size_t len, bool truncated) {
  auto parts = split_argv(buf, len);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    if (!it->empty()) out += "/" + *it;  // a dentry name is never empty: padding
  if (out.empty()) out = "/";
  return truncated ? "..." + out : out;
}

// execveat with a dirfd: the kernel names the file "/dev/fd/N/path", or "/dev/fd/N" for
// AT_EMPTY_PATH (fexecve); give back the caller's dirfd and path.
void split_fd_path(ExecEvent& e) {
  constexpr std::string_view kPrefix = "/dev/fd/";
  std::string_view f = e.filename;
  if (!f.starts_with(kPrefix)) return;
  f.remove_prefix(kPrefix.size());
  size_t digits = 0;
  while (digits < f.size() && digits < 10 && f[digits] >= '0' && f[digits] <= '9') ++digits;
  if (digits == 0 || (digits < f.size() && f[digits] != '/')) return;
  e.dirfd = std::stoll(std::string(f.substr(0, digits)));
  if (digits == f.size()) {
    e.filename.clear();
    e.at_flags |= AT_EMPTY_PATH;
  } else {
    e.filename = std::string(f.substr(digits + 1));
  }
}

ExecEvent decode_exec(const gs_exec_record& r) {
  ExecEvent e;
  e.nr = r.nr;
  e.syscall = r.nr >= 0 ? std::string(syscall_name(r.nr)) : "";
  e.ret = 0;
  e.filename = field_string(r.filename);
  e.kernel_filename = field_string(r.bprm_filename);
  e.exe_name = field_string(r.exe_name);
  e.interp = field_string(r.interp);
  size_t argv_len = std::min<size_t>(r.argv_len, sizeof(r.argv));
  e.argv = split_argv(r.argv, argv_len);
  e.argv_truncated = (r.flags & GS_F_ARGV_TRUNC) != 0 || r.argv_len > sizeof(r.argv);
  e.filename_truncated = (r.flags & GS_F_STR1_TRUNC) != 0;
  e.filename_from_kernel = (r.flags & GS_F_STR1_FAULT) != 0;
  e.dirfd = r.dirfd;
  e.at_flags = r.at_flags;
  if ((r.flags & GS_F_FILENAME_KERNEL) && e.syscall == "execveat") split_fd_path(e);
  e.old_tid = r.old_tid;
  e.cwd_truncated = (r.flags & GS_F_CWD_TRUNC) != 0;
  e.cwd = walked_path(r.cwd, std::min<size_t>(r.cwd_len, sizeof(r.cwd)), e.cwd_truncated);
  if (r.exe_path_len)
    e.exe_path = walked_path(r.exe_path, std::min<size_t>(r.exe_path_len, sizeof(r.exe_path)),
                             (r.flags & GS_F_EXE_PATH_TRUNC) != 0);
  return e;
}

ExitEvent decode_exit(const gs_exit_record& r) {
  ExitEvent e;
  e.status = r.exit_code;
  e.signal = static_cast<int>(r.exit_code & 0x7f);
  e.core_dumped = (r.exit_code & 0x80) != 0;
  e.exit_code = e.signal == 0 ? static_cast<int>((r.exit_code >> 8) & 0xff) : 0;
  e.process_exit = r.group_dead != 0;
  return e;
}

int as_int32(uint64_t v) { return static_cast<int>(static_cast<int32_t>(v)); }

FileEvent decode_file(const gs_syscall_record& r, std::string_view op) {
  FileEvent f;
  f.nr = r.nr;
  f.op = std::string(op);
  f.ret = r.ret;
  std::string s1 = field_string(r.str1), s2 = field_string(r.str2);
  f.truncated = (r.flags & (GS_F_STR1_TRUNC | GS_F_STR2_TRUNC)) != 0;
  const auto& a = r.args;
  if (op == "open") {
    f.path = s1, f.flags = a[1], f.mode = a[2];
  } else if (op == "openat") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.flags = a[2], f.mode = a[3];
  } else if (op == "openat2") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.flags = r.extra;
  } else if (op == "creat") {
    f.path = s1, f.mode = a[1], f.flags = O_CREAT | O_WRONLY | O_TRUNC;
  } else if (op == "unlink" || op == "rmdir") {
    f.path = s1;
  } else if (op == "unlinkat") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.flags = a[2];
  } else if (op == "rename" || op == "link") {
    f.path = s1, f.path2 = s2;
  } else if (op == "renameat" || op == "renameat2" || op == "linkat") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.dirfd2 = as_int32(a[2]), f.path2 = s2;
    if (op != "renameat") f.flags = a[4];
  } else if (op == "mkdir" || op == "chmod") {
    f.path = s1, f.mode = a[1];
  } else if (op == "mkdirat" || op == "fchmodat" || op == "fchmodat2") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.mode = a[2];
    if (op == "fchmodat2") f.flags = a[3];
  } else if (op == "fchmod") {
    f.fd = as_int32(a[0]), f.mode = a[1];
  } else if (op == "symlink") {
    f.path = s2, f.path2 = s1;
  } else if (op == "symlinkat") {
    f.dirfd = as_int32(a[1]), f.path = s2, f.path2 = s1;
  } else if (op == "chown" || op == "lchown") {
    f.path = s1, f.uid = as_int32(a[1]), f.gid = as_int32(a[2]);
  } else if (op == "fchown") {
    f.fd = as_int32(a[0]), f.uid = as_int32(a[1]), f.gid = as_int32(a[2]);
  } else if (op == "fchownat") {
    f.dirfd = as_int32(a[0]), f.path = s1, f.uid = as_int32(a[2]), f.gid = as_int32(a[3]);
    f.flags = a[4];
  } else if (op == "truncate") {
    f.path = s1, f.length = a[1];
  } else if (op == "ftruncate") {
    f.fd = as_int32(a[0]), f.length = a[1];
  }
  if ((op == "open" || op == "openat" || op == "openat2" || op == "creat") && r.ret >= 0)
    f.fd = r.ret;
  if (r.dir1_len)
    f.dir = walked_path(r.dir1, std::min<size_t>(r.dir1_len, sizeof(r.dir1)),
                        (r.flags & GS_F_DIR1_TRUNC) != 0);
  if (r.dir2_len) {
    std::string walked = walked_path(r.dir2, std::min<size_t>(r.dir2_len, sizeof(r.dir2)),
                                     (r.flags & GS_F_DIR2_TRUNC) != 0);
    (r.flags & GS_F_OPENED_PATH ? f.opened : f.dir2) = std::move(walked);
  }
  // symlink: the record's str2 (and so dir2) is the link, which FileEvent calls path
  if (op == "symlink" || op == "symlinkat") std::swap(f.dir, f.dir2);
  return f;
}

NetEvent decode_net(const gs_syscall_record& r, std::string_view op) {
  NetEvent n;
  n.nr = r.nr;
  n.op = std::string(op);
  n.ret = r.ret;
  const auto& a = r.args;
  if (op == "socket") {
    n.domain = as_int32(a[0]), n.type = as_int32(a[1]), n.protocol = as_int32(a[2]);
  } else {
    n.fd = as_int32(a[0]);
  }
  if (op == "listen") n.backlog = as_int32(a[1]);
  size_t len = std::min<size_t>(r.addr_len, sizeof(r.addr));
  if (len > 0) {
    auto& where = (r.flags & GS_F_ADDR_PEER) ? n.peer : n.addr;
    where = decode_sockaddr(std::span<const uint8_t>(r.addr, len));
    if (where && (r.flags & GS_F_ADDR_TRUNC)) where->truncated = true;
    if (where && where->family == AF_UNIX && r.dir1_len)
      where->unix_dir = walked_path(r.dir1, std::min<size_t>(r.dir1_len, sizeof(r.dir1)),
                                    (r.flags & GS_F_DIR1_TRUNC) != 0);
  }
  if ((op == "sendto" || op == "sendmsg") && r.ret >= 0) n.bytes = static_cast<uint64_t>(r.ret);
  if (op == "sendmmsg" && r.ret >= 0) n.messages = static_cast<uint64_t>(r.ret), n.bytes = r.extra;
  n.in_progress = op == "connect" && r.ret == -EINPROGRESS;
  return n;
}

SecurityEvent decode_security(const gs_syscall_record& r, std::string_view op) {
  SecurityEvent s;
  s.nr = r.nr;
  s.op = std::string(op);
  s.ret = r.ret;
  for (size_t i = 0; i < 6; ++i) s.args[i] = r.args[i];
  s.str1 = field_string(r.str1);
  s.str2 = field_string(r.str2);
  if (op == "kill" || op == "tkill" || op == "rt_sigqueueinfo") {
    s.target = as_int32(r.args[0]), s.signal = as_int32(r.args[1]);
  } else if (op == "tgkill" || op == "rt_tgsigqueueinfo") {  // (tgid, tid, sig)
    s.target = as_int32(r.args[1]), s.signal = as_int32(r.args[2]);
  } else if (op == "pidfd_send_signal") {
    s.pidfd = as_int32(r.args[0]), s.signal = as_int32(r.args[1]);
  } else if (op == "pidfd_getfd") {
    s.pidfd = as_int32(r.args[0]);
  } else if (op == "pidfd_open" || op == "process_vm_readv" || op == "process_vm_writev") {
    s.target = as_int32(r.args[0]);
  } else if (op == "ptrace") {
    s.target = as_int32(r.args[1]);
  }
  return s;
}

// Syscall records have a variable tail (see tracer.h): anything from the start of str1 to
// the full struct is valid; the missing tail reads as zeros (empty strings).
Result<gs_syscall_record> read_syscall_record(std::span<const uint8_t> bytes) {
  constexpr size_t min = offsetof(gs_syscall_record, str1), max = sizeof(gs_syscall_record);
  if (bytes.size() < min)
    return error("tracer: short syscall record (" + std::to_string(bytes.size()) + " < " +
                 std::to_string(min) + " bytes)");
  gs_syscall_record r;
  std::memset(&r, 0, sizeof(r));
  std::memcpy(&r, bytes.data(), min);
  size_t size = r.h.size;
  if (size < min || size > max || size > bytes.size())
    return error("tracer: syscall record declares size " + std::to_string(size) + " (have " +
                 std::to_string(bytes.size()) + ", valid " + std::to_string(min) + ".." +
                 std::to_string(max) + ")");
  std::memcpy(&r, bytes.data(), size);
  return r;
}

Result<Event> decode_syscall(std::span<const uint8_t> bytes) {
  GS_ASSIGN_OR_RETURN(auto r, read_syscall_record(bytes));
  Event ev{decode_header(r.h), {}};
  std::string_view op = syscall_name(r.nr);
  switch (syscall_category(r.nr)) {
    case Category::process: {  // only failed execs reach here
      ExecEvent e;
      e.nr = r.nr;
      e.syscall = std::string(op);
      e.ret = r.ret;
      e.filename = field_string(r.str1);
      e.filename_truncated = (r.flags & GS_F_STR1_TRUNC) != 0;
      if (op == "execveat") e.dirfd = as_int32(r.args[0]), e.at_flags = r.args[4];
      // a relative name's directory, walked at exit: the cwd's, unless a dirfd named one
      if (r.dir1_len && e.dirfd == AT_FDCWD) {
        e.cwd_truncated = (r.flags & GS_F_DIR1_TRUNC) != 0;
        e.cwd = walked_path(r.dir1, std::min<size_t>(r.dir1_len, sizeof(r.dir1)), e.cwd_truncated);
      }
      e.argv = split_argv(r.str2, std::min<uint64_t>(r.extra, sizeof(r.str2)));
      e.argv_truncated = (r.flags & GS_F_ARGV_TRUNC) != 0;
      e.old_tid = r.h.tid;
      ev.body = std::move(e);
      break;
    }
    case Category::file:
      ev.body = decode_file(r, op);
      break;
    case Category::net:
      ev.body = decode_net(r, op);
      break;
    case Category::security:
      ev.body = decode_security(r, op);
      break;
    default:
      return error("tracer: syscall record for unrecorded syscall " + std::to_string(r.nr));
  }
  return ev;
}

// A socket address from the raw bytes of struct sock fields (network byte order).
std::optional<SockAddr> inet_addr(int family, const uint8_t (&ip)[16], uint16_t port) {
  if (family != AF_INET && family != AF_INET6) return std::nullopt;
  SockAddr a;
  a.family = family;
  a.port = port;
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, ip, buf, sizeof(buf));
  a.ip = buf;
  return a;
}

SocketEvent decode_sock(const gs_sock_record& r) {
  SocketEvent s;
  s.fd = r.fd;
  s.family = r.family;
  s.type = r.type;
  s.protocol = r.protocol;
  s.proto = std::string(socket_proto(r.family, r.type, r.protocol));
  static constexpr uint8_t kZero[16] = {};
  bool connected = r.dport != 0 || std::memcmp(r.daddr, kZero, sizeof(kZero)) != 0;
  if (connected) s.peer = inet_addr(r.family, r.daddr, r.dport);
  s.local = inet_addr(r.family, r.saddr, r.sport);
  if (r.family == AF_UNIX) {  // lengths come from the kernel's record: clamp them
    auto name = [](const uint8_t* bytes, size_t len) {
      return decode_sockaddr(
          std::span<const uint8_t>(bytes, std::min<size_t>(len, GS_UNIX_ADDR_LEN)));
    };
    if (r.peer_un_len) s.peer = name(r.peer_un, r.peer_un_len);
    if (r.local_un_len) s.local = name(r.local_un, r.local_un_len);
  }
  s.bytes_out = r.bytes_out;
  s.bytes_in = r.bytes_in;
  s.sends = r.sends;
  s.recvs = r.recvs;
  s.send_errors = r.send_errors;
  s.recv_errors = r.recv_errors;
  if (r.send_nr >= 0) s.send_syscall = syscall_label(r.send_nr);
  if (r.recv_nr >= 0) s.recv_syscall = syscall_label(r.recv_nr);
  s.last_ts_ns = r.last_ts_ns;
  return s;
}

}  // namespace

std::string_view Event::type() const {
  static constexpr std::string_view kNames[] = {"fork", "exec",     "exit",   "file",
                                                "net",  "security", "denied", "socket_io"};
  return kNames[body.index()];
}

std::string_view socket_proto(int family, int type, int protocol) {
  if (family == AF_UNIX) return "unix";
  if (family != AF_INET && family != AF_INET6) return "other";
  if (type == SOCK_STREAM) return "tcp";
  if (type == SOCK_DGRAM)
    return protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6 ? "icmp" : "udp";
  if (type == SOCK_RAW) return "raw";
  return "other";
}

std::optional<SockAddr> decode_sockaddr(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(sa_family_t)) return std::nullopt;
  SockAddr out;
  sa_family_t fam;
  std::memcpy(&fam, bytes.data(), sizeof(fam));
  out.family = fam;
  char buf[INET6_ADDRSTRLEN] = {};
  if (fam == AF_INET) {
    if (bytes.size() < sizeof(sockaddr_in)) {
      out.truncated = true;
      return out;
    }
    sockaddr_in in;
    std::memcpy(&in, bytes.data(), sizeof(in));
    ::inet_ntop(AF_INET, &in.sin_addr, buf, sizeof(buf));
    out.ip = buf;
    out.port = ntohs(in.sin_port);
  } else if (fam == AF_INET6) {
    if (bytes.size() < sizeof(sockaddr_in6)) {
      out.truncated = true;
      return out;
    }
    sockaddr_in6 in6;
    std::memcpy(&in6, bytes.data(), sizeof(in6));
    ::inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof(buf));
    out.ip = buf;
    out.port = ntohs(in6.sin6_port);
  } else if (fam == AF_UNIX) {
    size_t off = offsetof(sockaddr_un, sun_path);
    size_t n = bytes.size() > off ? bytes.size() - off : 0;
    n = std::min(n, sizeof(sockaddr_un::sun_path));
    const char* p = reinterpret_cast<const char*>(bytes.data() + off);
    if (n > 0 && p[0] == '\0') {  // abstract: the whole length counts, no terminator
      std::string name(p + 1, n - 1);
      out.unix_path = "@" + name;
    } else {
      out.unix_path = std::string(p, ::strnlen(p, n));
    }
  }
  return out;
}

namespace {
// `rel` (relative) under the directory `base`; `rel` as it is when base is unknown.
std::string join_dir(const std::string& base, const std::string& rel) {
  if (base.empty()) return rel;
  if (rel == ".") return base;
  return base == "/" ? "/" + rel : base + "/" + rel;
}
}  // namespace

std::string file_abs_path(const FileEvent& f, bool second, const std::string& cwd) {
  const std::string& path = second ? f.path2 : f.path;
  const std::string& dir = second ? f.dir2 : f.dir;
  const int64_t dirfd = second ? f.dirfd2 : f.dirfd;
  if (path.empty()) return second ? std::string() : dir;  // fd-only: the fd's own path
  if (path[0] == '/') return path;
  // a link's target is resolved when the link is used, not when it is made: as written
  if (second && (f.op == "symlink" || f.op == "symlinkat")) return path;
  return join_dir(!dir.empty() ? dir : (dirfd == AT_FDCWD ? cwd : std::string()), path);
}

std::string unix_abs_path(const SockAddr& a, const std::string& cwd) {
  const std::string& path = a.unix_path;
  if (path.empty() || path[0] == '/') return path;
  // a resolved dir first: a file literally named "@x" is relative, not abstract
  if (!a.unix_dir.empty()) return join_dir(a.unix_dir, path);
  return path[0] == '@' ? path : join_dir(cwd, path);
}

Result<Event> decode(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(gs_header))
    return error("tracer: record shorter than its header (" + std::to_string(bytes.size()) +
                 " bytes)");
  gs_header h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  switch (h.type) {
    case GS_REC_FORK: {
      GS_ASSIGN_OR_RETURN(auto r, read_record<gs_fork_record>(bytes, "fork"));
      return Event{decode_header(r.h),
                   ForkEvent{r.child_pid, r.child_tid, r.child_ns_pid, r.is_thread != 0}};
    }
    case GS_REC_EXEC: {
      GS_ASSIGN_OR_RETURN(auto r, read_record<gs_exec_record>(bytes, "exec"));
      return Event{decode_header(r.h), decode_exec(r)};
    }
    case GS_REC_EXIT: {
      GS_ASSIGN_OR_RETURN(auto r, read_record<gs_exit_record>(bytes, "exit"));
      return Event{decode_header(r.h), decode_exit(r)};
    }
    case GS_REC_SYSCALL:
      return decode_syscall(bytes);
    case GS_REC_DENIED: {
      GS_ASSIGN_OR_RETURN(auto r, read_record<gs_denied_record>(bytes, "denied"));
      return Event{decode_header(r.h), DeniedEvent{r.nr, syscall_label(r.nr), r.ret}};
    }
    case GS_REC_SOCK: {
      GS_ASSIGN_OR_RETURN(auto r, read_record<gs_sock_record>(bytes, "socket"));
      return Event{decode_header(r.h), decode_sock(r)};
    }
  }
  return error("tracer: unknown record type " + std::to_string(h.type));
}

Status for_each_record(std::span<const uint8_t> bytes,
                       const std::function<void(std::span<const uint8_t>)>& fn) {
  gs_batch b{};
  if (bytes.size() >= sizeof(b)) std::memcpy(&b, bytes.data(), sizeof(b));
  if (bytes.size() < sizeof(b) || b.type != GS_REC_BATCH) {
    fn(bytes);  // a single record; decode() judges it
    return {};
  }
  if (b.size < sizeof(b) || b.size > bytes.size())
    return error("tracer: batch declares size " + std::to_string(b.size) + " (have " +
                 std::to_string(bytes.size()) + ")");
  size_t off = sizeof(b);
  uint32_t n = 0;
  while (off < b.size) {
    uint32_t head[2];  // type, size: the start of every record's gs_header
    if (b.size - off < sizeof(head))
      return error("tracer: batch record at offset " + std::to_string(off) + " is cut short");
    std::memcpy(head, bytes.data() + off, sizeof(head));
    if (head[0] == GS_REC_BATCH)
      return error("tracer: batch inside a batch at offset " + std::to_string(off));
    if (head[1] < sizeof(head) || head[1] > b.size - off)
      return error("tracer: batch record at offset " + std::to_string(off) + " declares size " +
                   std::to_string(head[1]) + " (" + std::to_string(b.size - off) + " left)");
    fn(bytes.subspan(off, head[1]));
    ++n;
    off += (size_t{head[1]} + 7) & ~size_t{7};
  }
  if (n != b.count)
    return error("tracer: batch holds " + std::to_string(n) + " records but declares " +
                 std::to_string(b.count));
  return {};
}

}  // namespace gs::tracer
