// events.jsonl object -> Event: the replay half of the event source. Missing keys take
// the defaults of the Event structs; wrong types are an error, not an exception.
#include <sys/socket.h>

#include <algorithm>

#include "tracer/event.h"
#include "tracer/syscall_table.h"

namespace gs::tracer {
namespace {

using json = nlohmann::json;

template <class T>
void get(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) out = it->get<T>();
}

int nr_of(const std::string& name) { return syscall_number(name).value_or(-1); }

int family_of(const std::string& name) {
  if (name == "unix") return AF_UNIX;
  if (name == "inet") return AF_INET;
  if (name == "inet6") return AF_INET6;
  if (name == "netlink") return AF_NETLINK;
  if (name == "packet") return AF_PACKET;
  return AF_UNSPEC;
}

std::optional<SockAddr> read_addr(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  SockAddr a;
  std::string fam;
  get(*it, "family", fam);
  a.family = family_of(fam);
  get(*it, "ip", a.ip), get(*it, "port", a.port), get(*it, "path", a.unix_path);
  get(*it, "dir", a.unix_dir), get(*it, "truncated", a.truncated);
  return a;
}

Body read_body(const std::string& type, const json& j) {
  if (type == "fork") {
    ForkEvent f;
    get(j, "child_pid", f.child_pid), get(j, "child_tid", f.child_tid);
    get(j, "child_ns_pid", f.child_ns_pid), get(j, "thread", f.thread);
    return f;
  }
  if (type == "exec") {
    ExecEvent e;
    get(j, "syscall", e.syscall);
    e.nr = e.syscall.empty() ? -1 : nr_of(e.syscall);
    get(j, "ret", e.ret), get(j, "filename", e.filename);
    get(j, "kernel_filename", e.kernel_filename), get(j, "exe_name", e.exe_name);
    get(j, "exe_path", e.exe_path);
    get(j, "interp", e.interp), get(j, "argv", e.argv);
    get(j, "argv_truncated", e.argv_truncated), get(j, "filename_truncated", e.filename_truncated);
    get(j, "filename_from_kernel", e.filename_from_kernel), get(j, "dirfd", e.dirfd);
    get(j, "at_flags", e.at_flags), get(j, "old_tid", e.old_tid);
    get(j, "cwd", e.cwd), get(j, "cwd_truncated", e.cwd_truncated);
    return e;
  }
  if (type == "exit") {
    ExitEvent x;
    get(j, "status", x.status), get(j, "exit_code", x.exit_code), get(j, "signal", x.signal);
    get(j, "core_dumped", x.core_dumped), get(j, "process_exit", x.process_exit);
    return x;
  }
  if (type == "file") {
    FileEvent f;
    get(j, "op", f.op);
    f.nr = nr_of(f.op);
    get(j, "ret", f.ret), get(j, "path", f.path), get(j, "path2", f.path2);
    get(j, "dirfd", f.dirfd), get(j, "dirfd2", f.dirfd2), get(j, "fd", f.fd);
    get(j, "flags", f.flags), get(j, "mode", f.mode), get(j, "length", f.length);
    get(j, "truncated", f.truncated), get(j, "dir", f.dir), get(j, "dir2", f.dir2);
    get(j, "opened", f.opened);
    get(j, "uid", f.uid), get(j, "gid", f.gid);
    return f;
  }
  if (type == "net") {
    NetEvent n;
    get(j, "op", n.op);
    n.nr = nr_of(n.op);
    get(j, "ret", n.ret), get(j, "fd", n.fd), get(j, "domain", n.domain);
    get(j, "sock_type", n.type), get(j, "protocol", n.protocol), get(j, "backlog", n.backlog);
    get(j, "bytes", n.bytes), get(j, "messages", n.messages), get(j, "in_progress", n.in_progress);
    n.addr = read_addr(j, "addr");
    n.peer = read_addr(j, "peer");
    return n;
  }
  if (type == "socket_io") {
    SocketEvent s;
    std::string fam;
    get(j, "fd", s.fd), get(j, "family", fam), get(j, "sock_type", s.type);
    s.family = family_of(fam);
    get(j, "protocol", s.protocol), get(j, "proto", s.proto);
    s.peer = read_addr(j, "peer");
    s.local = read_addr(j, "local");
    get(j, "bytes_out", s.bytes_out), get(j, "bytes_in", s.bytes_in);
    get(j, "sends", s.sends), get(j, "recvs", s.recvs);
    get(j, "send_errors", s.send_errors), get(j, "recv_errors", s.recv_errors);
    get(j, "send_syscall", s.send_syscall), get(j, "recv_syscall", s.recv_syscall);
    get(j, "last_ts_ns", s.last_ts_ns);
    return s;
  }
  if (type == "security") {
    SecurityEvent s;
    get(j, "op", s.op);
    s.nr = nr_of(s.op);
    get(j, "ret", s.ret), get(j, "args", s.args);
    get(j, "target", s.target), get(j, "signal", s.signal), get(j, "pidfd", s.pidfd);
    if (s.op == "memfd_create") get(j, "name", s.str1);
    if (s.op == "mount") get(j, "source", s.str1), get(j, "target_path", s.str2);
    if (s.op == "umount2" || s.op == "chroot" || s.op == "fspick" || s.op == "open_tree" ||
        s.op == "open_tree_attr" || s.op == "mount_setattr")
      get(j, "path", s.str1);
    if (s.op == "fsopen") get(j, "fs_name", s.str1);
    if (s.op == "fsconfig") get(j, "key", s.str1);
    if (s.op == "move_mount") get(j, "from_path", s.str1), get(j, "to_path", s.str2);
    if (s.op == "pivot_root") get(j, "new_root", s.str1), get(j, "put_old", s.str2);
    return s;
  }
  DeniedEvent d;
  get(j, "syscall", d.syscall), get(j, "nr", d.nr), get(j, "ret", d.ret);
  return d;
}

}  // namespace

Result<Event> from_json(const json& j) {
  static const std::string kTypes[] = {"fork", "exec",     "exit",   "file",
                                       "net",  "security", "denied", "socket_io"};
  try {
    if (!j.is_object()) return error("tracer: event is not a JSON object");
    std::string type = j.value("type", "");
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes))
      return error("tracer: unknown event type '" + type + "'");
    Event e;
    Header& h = e.header;
    get(j, "ts_ns", h.ts_ns), get(j, "cgroup_id", h.cgroup_id), get(j, "pid", h.pid);
    get(j, "tid", h.tid), get(j, "ppid", h.ppid), get(j, "ns_pid", h.ns_pid);
    get(j, "ns_tid", h.ns_tid), get(j, "tag", h.tag), get(j, "comm", h.comm);
    e.body = read_body(type, j);
    return e;
  } catch (const json::exception& ex) {
    return error(std::string("tracer: bad event JSON: ") + ex.what());
  }
}

}  // namespace gs::tracer
