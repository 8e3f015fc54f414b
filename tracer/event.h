// Typed tracer events and the decoder from raw ring-buffer records (bpf/tracer.h).
// Decoding is pure: it takes a byte span, checks every size and length against the
// record layout and never reads past the span, so it is safe on hostile or corrupt
// input and testable without a kernel.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace gs::tracer {

// Who did it, and when. Pids are host pids unless prefixed ns_.
struct Header {
  uint64_t ts_ns = 0;      // CLOCK_MONOTONIC ns (sys_exit time for syscall events)
  uint64_t cgroup_id = 0;  // cgroup v2 id of the task
  uint32_t pid = 0;        // tgid
  uint32_t tid = 0;
  uint32_t ppid = 0;    // real parent's tgid
  uint32_t ns_pid = 0;  // tgid inside the task's pid namespace
  uint32_t ns_tid = 0;
  uint32_t tag = 0;  // phase tag of the cgroup
  std::string comm;
};

struct ForkEvent {
  uint32_t child_pid = 0;
  uint32_t child_tid = 0;
  uint32_t child_ns_pid = 0;
  bool thread = false;  // CLONE_THREAD: a new thread, not a new process
};

// A successful exec (from sched_process_exec) or a failed one (ret < 0, from sys_exit).
struct ExecEvent {
  int nr = -1;                  // execve / execveat, -1 when the sys_enter was not seen
  std::string syscall;          // "execve", "execveat" or ""
  int64_t ret = 0;              // 0 on success, -errno on failure
  std::string filename;         // as given by the caller (may be "" for AT_EMPTY_PATH)
  std::string kernel_filename;  // bprm->filename, e.g. "/dev/fd/3" for fexecve
  std::string exe_name;         // dentry name of the file executed, e.g. "memfd:x"
  // The file the kernel ran, walked from bprm->file: its real path whatever name the
  // caller used ("./x", "/proc/self/fd/3", a dirfd); a script's interpreter; empty for a
  // memfd (no path) and for failed execs.
  std::string exe_path;
  std::string interp;           // interpreter path for scripts (== kernel_filename otherwise)
  // Success: the new image's argv (up to GS_ARGV_LEN bytes). Failure: up to 8 args as
  // seen at sys_enter (an arg whose page was not resident ends the list, truncated set).
  std::vector<std::string> argv;
  bool argv_truncated = false;
  bool filename_truncated = false;
  // Only in recordings made before the tracer read the filename from the kernel: the
  // caller's string was not readable at sys_enter.
  bool filename_from_kernel = false;
  // execveat relative to a dirfd: from the kernel's "/dev/fd/N[/path]" (a successful
  // execveat with AT_FDCWD or an absolute path is reported as execve: the kernel keeps no
  // trace of the difference);
  // successful execs know AT_EMPTY_PATH only (other flags are not kept by the kernel),
  // failed ones have the raw flags. AT_FDCWD and 0 for execve.
  int64_t dirfd = -100;
  uint64_t at_flags = 0;
  uint32_t old_tid = 0;        // tid that called exec (differs when a thread execs)
  // as the task's root sees it; for a failed exec only when its name was relative to it
  std::string cwd;
  bool cwd_truncated = false;  // deeper or longer than the kernel-side walk: a suffix
};

struct ExitEvent {
  uint32_t status = 0;  // raw task->exit_code
  int exit_code = 0;    // valid when signal == 0
  int signal = 0;       // terminating signal, 0 for a normal exit
  bool core_dumped = false;
  bool process_exit = false;  // last thread of the process
};

struct FileEvent {
  int nr = 0;
  std::string op;  // syscall name: "openat", "unlinkat", ...
  int64_t ret = 0;
  std::string path;       // the path acted on (for rename/link: the old name)
  std::string path2;      // rename/link: new name; symlink: the link target
  int64_t dirfd = -100;   // dirfd of path (AT_FDCWD when not *at)
  int64_t dirfd2 = -100;  // dirfd of path2
  int64_t fd = -1;        // fchmod/ftruncate: the fd; open*: the result
  uint64_t flags = 0;     // open flags, AT_* flags, RENAME_* flags
  uint32_t mode = 0;
  uint64_t length = 0;     // truncate/ftruncate
  int64_t uid = -1;        // chown family: the new owner (-1: unchanged)
  int64_t gid = -1;        // chown family: the new group (-1: unchanged)
  bool truncated = false;  // a path filled its buffer
  // The directory a relative path / path2 was relative to (its dirfd's file, or the
  // caller's cwd), read by the kernel at the call's exit; for fchmod/ftruncate, dir is
  // the fd's own path. Empty when the path was absolute or nothing could be resolved.
  // "..." in front: the walk stopped early (deeper or longer than it allows).
  std::string dir;
  std::string dir2;
  // open*: the file it opened, walked by the kernel from the result fd, when the path as
  // passed filled its buffer (so the path alone cannot say where the call landed).
  std::string opened;
};
// The absolute path a FileEvent acted on: path (or path2) joined to dir (dir2); for
// fd-only calls, dir. `cwd` is the fallback for a relative AT_FDCWD path without a
// resolved dir (recordings from before dirs were resolved). Empty when not known.
std::string file_abs_path(const FileEvent& f, bool second, const std::string& cwd);

struct SockAddr {
  int family = 0;         // AF_*
  std::string ip;         // inet/inet6 textual address
  uint16_t port = 0;      // host byte order
  std::string unix_path;  // AF_UNIX; abstract names start with '@'
  bool truncated = false;
  // AF_UNIX with a relative unix_path named by connect/bind/send*: the caller's cwd at the
  // call, walked by the kernel ("..." in front: the walk stopped early). Else empty.
  std::string unix_dir;
};
// The absolute path of an AF_UNIX address: unix_path joined to unix_dir, or to `cwd` when
// the kernel resolved none (recordings from before). Abstract names ('@') and absolute
// paths as they are; empty when there is no name.
std::string unix_abs_path(const SockAddr& a, const std::string& cwd);

struct NetEvent {
  int nr = 0;
  // "socket", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg", "sendmmsg"
  std::string op;
  int64_t ret = 0;
  int64_t fd = -1;  // the socket acted on; for socket(): -1 (the new fd is ret)
  int domain = 0, type = 0, protocol = 0;  // socket()
  int backlog = 0;                         // listen()
  // Destination named by the call (connect, sendto, sendmsg, sendmmsg: its first message),
  // local address (bind), peer (accept).
  std::optional<SockAddr> addr;
  // send* that named no destination: the connected peer of the socket (inet only). Kept
  // apart from addr: sends on a connected socket are data, not new attempts.
  std::optional<SockAddr> peer;
  uint64_t bytes = 0;        // sendto/sendmsg: ret when >= 0; sendmmsg: bytes of all messages
  uint64_t messages = 0;     // sendmmsg: messages sent (ret when >= 0)
  bool in_progress = false;  // connect returned -EINPROGRESS: still an attempt
};

// Bytes one process moved through one socket (summed in the kernel, one event per
// process and socket; see gs_sock_record), whichever syscalls did it: write and read on a
// connected socket show up here with the peer. Header: the first call (ts_ns) and the
// task that made it.
struct SocketEvent {
  int64_t fd = -1;  // of the first call; -1 when it was not a plain fd syscall
  int family = 0;   // AF_*
  int type = 0;     // SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, ...
  int protocol = 0;
  std::string proto;              // "tcp", "udp", "icmp", "raw", "unix" or "other"
  std::optional<SockAddr> peer;   // connected peer (inet), nullopt when not connected
  std::optional<SockAddr> local;  // bound address (inet)
  uint64_t bytes_out = 0, bytes_in = 0;
  uint32_t sends = 0, recvs = 0;  // calls, failed ones included
  uint32_t send_errors = 0, recv_errors = 0;
  std::string send_syscall, recv_syscall;  // of the first send / recv; "" when none
  uint64_t last_ts_ns = 0;
};

struct SecurityEvent {
  int nr = 0;
  std::string op;  // "kill", "ptrace", "memfd_create", "mount", "setuid", "prctl", ...
  int64_t ret = 0;
  std::array<uint64_t, 6> args{};
  // memfd_create name, mount source, umount/chroot/fspick/open_tree/mount_setattr path,
  // fsopen filesystem, fsconfig key, move_mount source
  std::string str1;
  std::string str2;  // mount target, move_mount target
  // kill/tkill/tgkill, rt_sigqueueinfo/rt_tgsigqueueinfo, pidfd_open, ptrace,
  // process_vm_readv/writev: target pid/tid; the signalling calls: signal
  int64_t target = 0;
  int signal = 0;
  // pidfd_send_signal/pidfd_getfd: the pidfd naming the target (pidfd_open's result)
  int pidfd = -1;
};

// A syscall that returned -EPERM, -EACCES or -ENOSYS.
struct DeniedEvent {
  int nr = 0;
  std::string syscall;
  int64_t ret = 0;
};

using Body = std::variant<ForkEvent, ExecEvent, ExitEvent, FileEvent, NetEvent, SecurityEvent,
                          DeniedEvent, SocketEvent>;

struct Event {
  Header header;
  Body body;
  // "fork", "exec", "exit", "file", "net", "security", "denied", "socket_io"
  std::string_view type() const;
};

// Decodes one raw record. Errors name what was wrong with the bytes.
Result<Event> decode(std::span<const uint8_t> bytes);
// Calls fn with each record in one ring-buffer record: the record itself, or each record
// inside a batch (GS_REC_BATCH, see struct gs_batch). An error means the batch's framing is
// broken; the records before the break were passed to fn.
Status for_each_record(std::span<const uint8_t> bytes,
                       const std::function<void(std::span<const uint8_t>)>& fn);
// Parses a raw struct sockaddr of `bytes.size()` bytes; nullopt when empty/unknown family.
std::optional<SockAddr> decode_sockaddr(std::span<const uint8_t> bytes);

// One events.jsonl object: {"type", "ts_ns", "cgroup_id", "pid", "tid", "ppid", "ns_pid",
// "ns_tid", "tag", "comm", ...type-specific keys}.
nlohmann::json to_json(const Event& e);
nlohmann::json to_json(const SockAddr& a);
// to_json(e) as one line without the trailing newline. Paths and comm come from hostile
// code and may be invalid UTF-8: bad bytes become U+FFFD instead of throwing.
std::string to_jsonl(const Event& e);
// The inverse of to_json, for replaying a recorded events.jsonl through the same
// analysis code as a live Session (no kernel needed). Unknown keys are ignored.
Result<Event> from_json(const nlohmann::json& j);
std::string_view family_name(int family);
// "tcp", "udp", "icmp", "raw", "unix" or "other" for a socket's family, type and protocol.
std::string_view socket_proto(int family, int type, int protocol);

}  // namespace gs::tracer
