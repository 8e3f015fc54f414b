// Event -> one events.jsonl object. Keys are stable: the harness and report readers
// depend on them.
#include <sys/socket.h>

#include "tracer/event.h"

namespace gs::tracer {
namespace {

using json = nlohmann::json;

json body_json(const ForkEvent& f) {
  return {{"child_pid", f.child_pid},
          {"child_tid", f.child_tid},
          {"child_ns_pid", f.child_ns_pid},
          {"thread", f.thread}};
}

json body_json(const ExecEvent& e) {
  json j = {{"syscall", e.syscall},
          {"ret", e.ret},
          {"filename", e.filename},
          {"kernel_filename", e.kernel_filename},
          {"exe_name", e.exe_name},
          {"interp", e.interp},
          {"argv", e.argv},
          {"argv_truncated", e.argv_truncated},
          {"filename_truncated", e.filename_truncated},
          {"filename_from_kernel", e.filename_from_kernel},
          {"dirfd", e.dirfd},
          {"at_flags", e.at_flags},
          {"old_tid", e.old_tid},
          {"cwd", e.cwd},
          {"cwd_truncated", e.cwd_truncated}};
  if (!e.exe_path.empty()) j["exe_path"] = e.exe_path;
  return j;
}

json body_json(const ExitEvent& x) {
  return {{"status", x.status},
          {"exit_code", x.exit_code},
          {"signal", x.signal},
          {"core_dumped", x.core_dumped},
          {"process_exit", x.process_exit}};
}

json body_json(const FileEvent& f) {
  json j = {{"op", f.op},       {"syscall", f.op},  {"ret", f.ret},
            {"path", f.path},   {"dirfd", f.dirfd}, {"fd", f.fd},
            {"flags", f.flags}, {"mode", f.mode},   {"truncated", f.truncated}};
  if (!f.path2.empty()) j["path2"] = f.path2, j["dirfd2"] = f.dirfd2;
  if (f.op == "truncate" || f.op == "ftruncate") j["length"] = f.length;
  if (f.op.find("chown") != std::string::npos) j["uid"] = f.uid, j["gid"] = f.gid;
  if (!f.dir.empty()) j["dir"] = f.dir;
  if (!f.dir2.empty()) j["dir2"] = f.dir2;
  if (!f.opened.empty()) j["opened"] = f.opened;
  return j;
}

json body_json(const NetEvent& n) {
  json j = {{"op", n.op}, {"syscall", n.op}, {"ret", n.ret}, {"fd", n.fd}};
  if (n.op == "socket") {
    j["domain"] = n.domain, j["family"] = family_name(n.domain);
    j["sock_type"] = n.type & 0xf, j["protocol"] = n.protocol;
  }
  if (n.op == "listen") j["backlog"] = n.backlog;
  if (n.addr) j["addr"] = to_json(*n.addr);
  if (n.peer) j["peer"] = to_json(*n.peer);
  if (n.op == "sendto" || n.op == "sendmsg" || n.op == "sendmmsg") j["bytes"] = n.bytes;
  if (n.op == "sendmmsg") j["messages"] = n.messages;
  if (n.op == "connect") j["in_progress"] = n.in_progress;
  return j;
}

json body_json(const SecurityEvent& s) {
  json j = {{"op", s.op}, {"syscall", s.op}, {"ret", s.ret}, {"args", s.args}};
  if (s.op == "kill" || s.op == "tkill" || s.op == "tgkill" || s.op == "rt_sigqueueinfo" ||
      s.op == "rt_tgsigqueueinfo") {
    j["target"] = s.target, j["signal"] = s.signal;
  } else if (s.op == "pidfd_send_signal") {
    j["pidfd"] = s.pidfd, j["signal"] = s.signal;
  } else if (s.op == "pidfd_getfd") {
    j["pidfd"] = s.pidfd, j["target_fd"] = s.args[1];
  } else if (s.op == "pidfd_open" || s.op == "process_vm_readv" || s.op == "process_vm_writev") {
    j["target"] = s.target;
  } else if (s.op == "ptrace") {
    j["request"] = s.args[0], j["target"] = s.target;
  } else if (s.op == "memfd_create") {
    j["name"] = s.str1, j["flags"] = s.args[1];
  } else if (s.op == "mount") {
    j["source"] = s.str1, j["target_path"] = s.str2, j["flags"] = s.args[3];
  } else if (s.op == "umount2" || s.op == "chroot" || s.op == "fspick" || s.op == "open_tree" ||
             s.op == "open_tree_attr" || s.op == "mount_setattr") {
    j["path"] = s.str1;
  } else if (s.op == "fsopen") {
    j["fs_name"] = s.str1;
  } else if (s.op == "fsconfig") {
    j["cmd"] = s.args[1], j["key"] = s.str1;
  } else if (s.op == "move_mount") {
    j["from_path"] = s.str1, j["to_path"] = s.str2;
  } else if (s.op == "pivot_root") {
    j["new_root"] = s.str1, j["put_old"] = s.str2;
  } else if (s.op == "bpf") {
    j["cmd"] = s.args[0];
  } else if (s.op == "prctl") {
    j["option"] = s.args[0];
  }
  return j;
}

json body_json(const DeniedEvent& d) {
  return {{"syscall", d.syscall}, {"nr", d.nr}, {"ret", d.ret}};
}

json body_json(const SocketEvent& s) {
  json j = {{"fd", s.fd},
            {"family", family_name(s.family)},
            {"sock_type", s.type},
            {"protocol", s.protocol},
            {"proto", s.proto},
            {"peer", s.peer ? to_json(*s.peer) : json(nullptr)},
            {"bytes_out", s.bytes_out},
            {"bytes_in", s.bytes_in},
            {"sends", s.sends},
            {"recvs", s.recvs},
            {"send_errors", s.send_errors},
            {"recv_errors", s.recv_errors},
            {"send_syscall", s.send_syscall},
            {"recv_syscall", s.recv_syscall},
            {"last_ts_ns", s.last_ts_ns}};
  if (s.local) j["local"] = to_json(*s.local);
  return j;
}

}  // namespace

std::string_view family_name(int family) {
  switch (family) {
    case AF_UNIX:
      return "unix";
    case AF_INET:
      return "inet";
    case AF_INET6:
      return "inet6";
    case AF_NETLINK:
      return "netlink";
    case AF_PACKET:
      return "packet";
    case AF_UNSPEC:
      return "unspec";
  }
  return "other";
}

json to_json(const SockAddr& a) {
  json j = {{"family", family_name(a.family)}};
  if (a.family == AF_INET || a.family == AF_INET6) j["ip"] = a.ip, j["port"] = a.port;
  if (a.family == AF_UNIX) j["path"] = a.unix_path;
  if (!a.unix_dir.empty()) j["dir"] = a.unix_dir;
  if (a.truncated) j["truncated"] = true;
  return j;
}

json to_json(const Event& e) {
  const Header& h = e.header;
  json j = {{"type", e.type()},   {"ts_ns", h.ts_ns},   {"cgroup_id", h.cgroup_id},
            {"pid", h.pid},       {"tid", h.tid},       {"ppid", h.ppid},
            {"ns_pid", h.ns_pid}, {"ns_tid", h.ns_tid}, {"tag", h.tag},
            {"comm", h.comm}};
  j.update(std::visit([](const auto& b) { return body_json(b); }, e.body));
  return j;
}

std::string to_jsonl(const Event& e) {
  return to_json(e).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gs::tracer
