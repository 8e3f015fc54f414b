// Unit tests of the pure tracer code: synthetic raw records of every type go through
// decode() and to_json(); corrupt records must be rejected, never over-read.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <set>
#include <vector>

#include "tracer/bpf/tracer.h"
#include "tracer/event.h"
#include "tracer/event_source.h"
#include "tracer/syscall_table.h"

namespace gs::tracer {
namespace {

int nr_of(const char* name) {
  auto n = syscall_number(name);
  EXPECT_TRUE(n.has_value()) << name;
  return n.value_or(-1);
}

template <size_t N>
void put(char (&dst)[N], const std::string& s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.data(), std::min(N, s.size()));
}

void fill_header(gs_header& h, uint32_t type, uint32_t size) {
  h.type = type;
  h.size = size;
  h.ts_ns = 123456789;
  h.cgroup_id = 4242;
  h.pid = 100;
  h.tid = 101;
  h.ppid = 99;
  h.ns_pid = 1;
  h.ns_tid = 2;
  h.tag = 3;
  put(h.comm, "payload");
}

template <class T>
std::vector<uint8_t> bytes_of(const T& r) {
  std::vector<uint8_t> v(sizeof(T));
  std::memcpy(v.data(), &r, sizeof(T));
  return v;
}

template <class T>
T blank(uint32_t type) {
  T r;
  std::memset(&r, 0, sizeof(r));
  fill_header(r.h, type, sizeof(T));
  return r;
}

gs_syscall_record syscall_record(const char* name, std::initializer_list<uint64_t> args,
                                 int64_t ret) {
  auto r = blank<gs_syscall_record>(GS_REC_SYSCALL);
  r.nr = nr_of(name);
  size_t i = 0;
  for (auto a : args) r.args[i++] = a;
  r.ret = ret;
  return r;
}

Event must_decode(const std::vector<uint8_t>& b) {
  auto ev = decode(b);
  EXPECT_TRUE(ev.ok()) << (ev.ok() ? "" : ev.error().message());
  return ev.ok() ? std::move(ev).value() : Event{};
}

TEST(SyscallTable, NamesAndSpecsMatchX8664) {
  EXPECT_EQ(syscall_name(0), "read");
  EXPECT_EQ(syscall_name(257), "openat");
  EXPECT_EQ(syscall_name(59), "execve");
  EXPECT_EQ(syscall_name(322), "execveat");  // the BPF side hardcodes 322
  EXPECT_EQ(syscall_label(500), "syscall_500");
  // newer than the build host's header may be, and recorded: a chmod by fchmodat2
  EXPECT_EQ(syscall_name(452), "fchmodat2");
  EXPECT_EQ(syscall_number("fchmodat2"), 452);
  EXPECT_EQ(syscall_category(452), Category::file);
  EXPECT_EQ(syscall_name(462), "mseal");
  EXPECT_EQ(syscall_label(GS_NR_IA32_BUCKET), "ia32_abi");
  EXPECT_EQ(syscall_label(GS_NR_X32_BUCKET), "x32_abi");
  // the buckets must never collide with a real x86_64 number
  EXPECT_EQ(syscall_name(GS_NR_X32_BUCKET), "");
  EXPECT_EQ(syscall_name(GS_NR_IA32_BUCKET), "");
  EXPECT_EQ(syscall_category(257), Category::file);
  EXPECT_EQ(syscall_category(nr_of("connect")), Category::net);
  EXPECT_EQ(syscall_category(nr_of("kill")), Category::security);
  EXPECT_EQ(syscall_category(0), Category::none);
  auto specs = all_syscall_specs();
  ASSERT_EQ(specs.size(), size_t{GS_MAX_SYSCALLS});
  EXPECT_EQ(specs[nr_of("openat")].str1_arg, 1);
  EXPECT_EQ(specs[nr_of("sendto")].addr_arg, 4);
  EXPECT_EQ(specs[nr_of("sendto")].addrlen_arg, 5);
  // the BPF side hardcodes these to recognise sends in the socket hooks
  EXPECT_EQ(nr_of("sendto"), 44);
  EXPECT_EQ(nr_of("sendmsg"), 46);
  EXPECT_EQ(nr_of("sendmmsg"), 307);
  EXPECT_EQ(nr_of("execve"), 59);
  EXPECT_EQ(nr_of("exit"), 60);
  EXPECT_EQ(nr_of("exit_group"), 231);
  EXPECT_EQ(syscall_category(nr_of("sendmmsg")), Category::net);
  // addr and str1 share their bytes in gs_syscall_record: no spec may use both.
  for (int nr = 0; nr < GS_MAX_SYSCALLS; ++nr) {
    const auto& sp = specs[nr];
    bool has_addr = sp.addr_arg < 6 || sp.special == GS_SPECIAL_SENDMSG ||
                    sp.special == GS_SPECIAL_SENDMMSG || sp.special == GS_SPECIAL_ACCEPT;
    EXPECT_FALSE(has_addr && sp.str1_arg < 6) << syscall_label(nr);
  }
}

TEST(Decode, Header) {
  auto r = blank<gs_fork_record>(GS_REC_FORK);
  auto ev = must_decode(bytes_of(r));
  EXPECT_EQ(ev.header.ts_ns, 123456789u);
  EXPECT_EQ(ev.header.cgroup_id, 4242u);
  EXPECT_EQ(ev.header.pid, 100u);
  EXPECT_EQ(ev.header.tid, 101u);
  EXPECT_EQ(ev.header.ppid, 99u);
  EXPECT_EQ(ev.header.ns_pid, 1u);
  EXPECT_EQ(ev.header.ns_tid, 2u);
  EXPECT_EQ(ev.header.tag, 3u);
  EXPECT_EQ(ev.header.comm, "payload");
}

TEST(Decode, CommWithoutTerminatorStopsAtField) {
  auto r = blank<gs_exit_record>(GS_REC_EXIT);
  std::memset(r.h.comm, 'A', sizeof(r.h.comm));
  auto ev = must_decode(bytes_of(r));
  EXPECT_EQ(ev.header.comm, std::string(GS_COMM_LEN, 'A'));
}

TEST(Decode, Fork) {
  auto r = blank<gs_fork_record>(GS_REC_FORK);
  r.child_pid = 200, r.child_tid = 200, r.child_ns_pid = 5, r.is_thread = 0;
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "fork");
  auto& f = std::get<ForkEvent>(ev.body);
  EXPECT_EQ(f.child_pid, 200u);
  EXPECT_EQ(f.child_ns_pid, 5u);
  EXPECT_FALSE(f.thread);
  auto j = to_json(ev);
  EXPECT_EQ(j["type"], "fork");
  EXPECT_EQ(j["child_pid"], 200);
  EXPECT_EQ(j["pid"], 100);
}

TEST(Decode, ExecWithArgvAndMemfd) {
  auto r = blank<gs_exec_record>(GS_REC_EXEC);
  r.nr = nr_of("execveat");
  r.dirfd = 3;
  r.at_flags = AT_EMPTY_PATH;
  put(r.filename, "");
  put(r.bprm_filename, "/dev/fd/3");
  put(r.exe_name, "memfd:stage2");
  put(r.interp, "/dev/fd/3");
  const char argv[] = "sh\0-c\0echo hi";
  std::memcpy(r.argv, argv, sizeof(argv));
  r.argv_len = sizeof(argv);
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "exec");
  auto& e = std::get<ExecEvent>(ev.body);
  EXPECT_EQ(e.syscall, "execveat");
  EXPECT_EQ(e.ret, 0);
  EXPECT_EQ(e.kernel_filename, "/dev/fd/3");
  EXPECT_EQ(e.exe_name, "memfd:stage2");
  EXPECT_EQ(e.dirfd, 3);
  EXPECT_EQ(e.argv, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_FALSE(e.argv_truncated);
  EXPECT_EQ(e.cwd, "/");  // empty walk: the root itself
  auto j = to_json(ev);
  EXPECT_EQ(j["argv"][2], "echo hi");
  EXPECT_EQ(j["exe_name"], "memfd:stage2");
}

// The file the kernel loaded, walked like a cwd, whatever name ran it.
TEST(Decode, ExecCarriesThePathOfTheFileItRan) {
  auto r = blank<gs_exec_record>(GS_REC_EXEC);
  r.nr = nr_of("execve");
  put(r.filename, "./stage2");
  put(r.bprm_filename, "./stage2");
  put(r.interp, "./stage2");
  const char walked[] = "stage2\0tmp";
  std::memcpy(r.exe_path, walked, sizeof(walked));
  r.exe_path_len = sizeof(walked);
  auto ev = must_decode(bytes_of(r));
  EXPECT_EQ(std::get<ExecEvent>(ev.body).exe_path, "/tmp/stage2");
  EXPECT_EQ(to_json(ev)["exe_path"], "/tmp/stage2");
  auto back = from_json(to_json(ev));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<ExecEvent>(back->body).exe_path, "/tmp/stage2");
  r.exe_path_len = 0;  // a memfd has no path
  auto m = must_decode(bytes_of(r));
  EXPECT_TRUE(std::get<ExecEvent>(m.body).exe_path.empty());
  EXPECT_FALSE(to_json(m).contains("exe_path"));
}

TEST(Decode, ExecveatDirfdAndPathComeBackFromTheKernelName) {
  auto r = blank<gs_exec_record>(GS_REC_EXEC);
  r.nr = nr_of("execveat");
  r.flags = GS_F_FILENAME_KERNEL;
  r.dirfd = AT_FDCWD;            // what the kernel side writes
  put(r.filename, "/dev/fd/4");  // fexecve: execveat(4, "", ..., AT_EMPTY_PATH)
  put(r.bprm_filename, "/dev/fd/4");
  auto e = std::get<ExecEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(e.filename, "");
  EXPECT_EQ(e.dirfd, 4);
  EXPECT_EQ(e.at_flags, uint64_t(AT_EMPTY_PATH));
  EXPECT_EQ(e.kernel_filename, "/dev/fd/4");
  put(r.filename, "/dev/fd/12/bin/stage2");
  e = std::get<ExecEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(e.filename, "bin/stage2");
  EXPECT_EQ(e.dirfd, 12);
  EXPECT_EQ(e.at_flags, 0u);
  // not the kernel's form: left alone; and execve of a /dev/fd path is not split
  put(r.filename, "/dev/fd/x1");
  EXPECT_EQ(std::get<ExecEvent>(must_decode(bytes_of(r)).body).filename, "/dev/fd/x1");
  r.nr = nr_of("execve");
  put(r.filename, "/dev/fd/3");
  e = std::get<ExecEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(e.filename, "/dev/fd/3");
  EXPECT_EQ(e.dirfd, AT_FDCWD);
}

TEST(Decode, ExecCwdComponentsAreLeafFirst) {
  auto r = blank<gs_exec_record>(GS_REC_EXEC);
  const char cwd[] = "build\0main\0work";
  std::memcpy(r.cwd, cwd, sizeof(cwd));
  r.cwd_len = sizeof(cwd);
  auto ev = must_decode(bytes_of(r));
  EXPECT_EQ(std::get<ExecEvent>(ev.body).cwd, "/work/main/build");
  EXPECT_EQ(to_json(ev)["cwd"], "/work/main/build");
  r.flags = GS_F_CWD_TRUNC;
  r.cwd_len = 9999;  // clamped to the field
  auto t = std::get<ExecEvent>(must_decode(bytes_of(r)).body);
  EXPECT_TRUE(t.cwd_truncated);
  EXPECT_EQ(t.cwd, ".../work/main/build");
}

TEST(Decode, ExecArgvLengthIsClampedAndTruncationReported) {
  auto r = blank<gs_exec_record>(GS_REC_EXEC);
  r.nr = nr_of("execve");
  std::memset(r.argv, 'x', sizeof(r.argv));  // no terminator at all
  r.argv_len = 1u << 30;                     // lies about its length
  r.flags = GS_F_ARGV_TRUNC;
  auto ev = must_decode(bytes_of(r));
  auto& e = std::get<ExecEvent>(ev.body);
  ASSERT_EQ(e.argv.size(), 1u);
  EXPECT_EQ(e.argv[0].size(), size_t{GS_ARGV_LEN});
  EXPECT_TRUE(e.argv_truncated);
}

TEST(Decode, FailedExecComesFromSyscallRecord) {
  auto r = syscall_record("execve", {0x1000, 0x2000, 0x3000}, -ENOENT);
  put(r.str1, "/usr/bin/wget");
  const char argv[] = "wget\0-O\0-";
  std::memcpy(r.str2, argv, sizeof(argv));
  r.extra = sizeof(argv);
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "exec");
  auto& e = std::get<ExecEvent>(ev.body);
  EXPECT_EQ(e.filename, "/usr/bin/wget");
  EXPECT_EQ(e.ret, -ENOENT);
  EXPECT_EQ(e.argv, (std::vector<std::string>{"wget", "-O", "-"}));
  r.extra = 1u << 20;  // lies: clamped to the field
  EXPECT_LE(std::get<ExecEvent>(must_decode(bytes_of(r)).body).argv.size(), size_t{GS_PATH_LEN});
  EXPECT_EQ(to_json(ev)["ret"], -ENOENT);
}

TEST(Decode, ExitCodeAndSignal) {
  auto r = blank<gs_exit_record>(GS_REC_EXIT);
  r.exit_code = 3 << 8;
  r.group_dead = 1;
  auto ev = must_decode(bytes_of(r));
  auto& x = std::get<ExitEvent>(ev.body);
  EXPECT_EQ(x.exit_code, 3);
  EXPECT_EQ(x.signal, 0);
  EXPECT_TRUE(x.process_exit);

  r.exit_code = SIGKILL;
  auto ev2 = must_decode(bytes_of(r));
  auto& k = std::get<ExitEvent>(ev2.body);
  EXPECT_EQ(k.signal, SIGKILL);
  EXPECT_EQ(k.exit_code, 0);
  EXPECT_EQ(to_json(ev2)["signal"], SIGKILL);
}

TEST(Decode, FileOpenat) {
  auto r = syscall_record("openat", {uint64_t(AT_FDCWD), 0x1000, O_WRONLY | O_CREAT, 0644}, 5);
  put(r.str1, "/tmp/x");
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "file");
  auto& f = std::get<FileEvent>(ev.body);
  EXPECT_EQ(f.op, "openat");
  EXPECT_EQ(f.path, "/tmp/x");
  EXPECT_EQ(f.dirfd, AT_FDCWD);
  EXPECT_EQ(f.flags, uint64_t(O_WRONLY | O_CREAT));
  EXPECT_EQ(f.mode, 0644u);
  EXPECT_EQ(f.fd, 5);
  auto j = to_json(ev);
  EXPECT_EQ(j["op"], "openat");
  EXPECT_EQ(j["path"], "/tmp/x");
  EXPECT_EQ(j["ret"], 5);
}

TEST(Decode, FileOpenat2FlagsFromOpenHow) {
  auto r = syscall_record("openat2", {uint64_t(AT_FDCWD), 0x1000, 0x2000, 24}, -EACCES);
  r.extra = O_RDONLY | O_DIRECTORY;
  put(r.str1, "/etc");
  auto f = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.flags, uint64_t(O_DIRECTORY));
  EXPECT_EQ(f.fd, -1);
  EXPECT_EQ(f.ret, -EACCES);
}

TEST(Decode, FileRenameat2BothPaths) {
  auto r = syscall_record("renameat2", {uint64_t(AT_FDCWD), 1, 7, 2, 1}, 0);
  put(r.str1, "a.txt");
  put(r.str2, "b.txt");
  auto f = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.path, "a.txt");
  EXPECT_EQ(f.path2, "b.txt");
  EXPECT_EQ(f.dirfd2, 7);
  EXPECT_EQ(f.flags, 1u);
}

TEST(Decode, FileSymlinkPathIsTheLink) {
  auto r = syscall_record("symlinkat", {1, uint64_t(AT_FDCWD), 2}, 0);
  put(r.str1, "/etc/passwd");
  put(r.str2, "innocent");
  auto f = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.path, "innocent");
  EXPECT_EQ(f.path2, "/etc/passwd");
}

TEST(Decode, FileFdOnlyOps) {
  auto r = syscall_record("fchmod", {9, 0755}, 0);
  auto f = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.fd, 9);
  EXPECT_EQ(f.mode, 0755u);
  auto t = syscall_record("ftruncate", {4, 4096}, 0);
  auto ev = must_decode(bytes_of(t));
  EXPECT_EQ(std::get<FileEvent>(ev.body).length, 4096u);
  EXPECT_EQ(to_json(ev)["length"], 4096);
}

TEST(Decode, FileRelativePathsCarryTheirResolvedDirectories) {
  auto r = syscall_record("renameat2", {5, 1, uint64_t(AT_FDCWD), 2, 0}, 0);
  put(r.str1, "x.tmp");
  put(r.str2, ".bashrc");
  const char d1[] = "cache\0dev\0home", d2[] = "dev\0home";
  std::memcpy(r.dir1, d1, sizeof(d1));
  std::memcpy(r.dir2, d2, sizeof(d2));
  r.dir1_len = sizeof(d1), r.dir2_len = sizeof(d2);
  auto ev = must_decode(bytes_of(r));
  auto f = std::get<FileEvent>(ev.body);
  EXPECT_EQ(f.dir, "/home/dev/cache");
  EXPECT_EQ(f.dir2, "/home/dev");
  EXPECT_EQ(file_abs_path(f, false, "/elsewhere"), "/home/dev/cache/x.tmp");
  EXPECT_EQ(file_abs_path(f, true, "/elsewhere"), "/home/dev/.bashrc");
  EXPECT_EQ(to_json(ev)["dir2"], "/home/dev");
  auto back = from_json(to_json(ev));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<FileEvent>(back->body).dir, "/home/dev/cache");

  // A walk that stopped early says so; a dir length beyond the field is clamped.
  r.flags = GS_F_DIR1_TRUNC;
  r.dir1_len = 60000;
  auto t = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_TRUE(t.dir.starts_with(".../home/dev/cache"));

  // symlinkat: the record's second string is the link, and so is its dir.
  auto l = syscall_record("symlinkat", {1, 5, 2}, 0);
  put(l.str1, "/etc/passwd");
  put(l.str2, "innocent");
  std::memcpy(l.dir2, d2, sizeof(d2));
  l.dir2_len = sizeof(d2);
  auto lf = std::get<FileEvent>(must_decode(bytes_of(l)).body);
  EXPECT_EQ(file_abs_path(lf, false, ""), "/home/dev/innocent");
  EXPECT_EQ(file_abs_path(lf, true, ""), "/etc/passwd");

  // fd-only: the fd's own path; no dir: AT_FDCWD falls back to the cwd, a dirfd does not.
  auto c = syscall_record("fchmod", {9, 0755}, 0);
  const char own[] = "authorized_keys\0.ssh\0dev\0home";
  std::memcpy(c.dir1, own, sizeof(own));
  c.dir1_len = sizeof(own);
  auto cf = std::get<FileEvent>(must_decode(bytes_of(c)).body);
  EXPECT_EQ(file_abs_path(cf, false, "/"), "/home/dev/.ssh/authorized_keys");
  FileEvent plain;
  plain.op = "openat", plain.path = "a/b";
  EXPECT_EQ(file_abs_path(plain, false, "/w"), "/w/a/b");
  EXPECT_EQ(file_abs_path(plain, false, "/"), "/a/b");
  plain.dirfd = 3;
  EXPECT_EQ(file_abs_path(plain, false, "/w"), "a/b");
  plain.path = "/abs";
  EXPECT_EQ(file_abs_path(plain, false, "/w"), "/abs");
}

TEST(Decode, FileChownFamily) {
  auto r =
      syscall_record("fchownat", {uint64_t(AT_FDCWD), 1, 0, 0, uint64_t(AT_SYMLINK_NOFOLLOW)}, 0);
  put(r.str1, "/tmp/dropper");
  auto ev = must_decode(bytes_of(r));
  auto f = std::get<FileEvent>(ev.body);
  EXPECT_EQ(f.path, "/tmp/dropper");
  EXPECT_EQ(f.uid, 0);
  EXPECT_EQ(f.gid, 0);
  EXPECT_EQ(f.flags, uint64_t(AT_SYMLINK_NOFOLLOW));
  EXPECT_EQ(to_json(ev)["uid"], 0);
  auto c = syscall_record("fchown", {6, uint64_t(uint32_t(-1)), 1000}, -EPERM);
  auto cf = std::get<FileEvent>(must_decode(bytes_of(c)).body);
  EXPECT_EQ(cf.fd, 6);
  EXPECT_EQ(cf.uid, -1);
  EXPECT_EQ(cf.gid, 1000);
  auto l = syscall_record("lchown", {1, 0, 0}, 0);
  put(l.str1, "link");
  EXPECT_EQ(std::get<FileEvent>(must_decode(bytes_of(l)).body).path, "link");
  auto back = from_json(to_json(ev));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<FileEvent>(back->body).uid, 0);
}

TEST(Decode, FilePathWithoutTerminatorIsCut) {
  auto r = syscall_record("unlink", {1}, 0);
  std::memset(r.str1, 'p', sizeof(r.str1));
  r.flags = GS_F_STR1_TRUNC;
  auto f = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.path.size(), size_t{GS_PATH_LEN});
  EXPECT_TRUE(f.truncated);
}

// An open whose path filled its buffer carries the file it opened (the kernel's walk of
// the result fd) in dir2, flagged, not a directory.
TEST(Decode, FileOpenWithACutPathCarriesTheFileItOpened) {
  auto r = syscall_record("openat", {uint64_t(AT_FDCWD), 1, O_WRONLY | O_CREAT, 0644}, 5);
  std::memset(r.str1, 'p', sizeof(r.str1));
  r.str1[0] = '/';
  const char opened[] = ".zshrc\0dev\0home";
  std::memcpy(r.dir2, opened, sizeof(opened));
  r.dir2_len = sizeof(opened);
  r.flags = GS_F_STR1_TRUNC | GS_F_OPENED_PATH;
  auto ev = must_decode(bytes_of(r));
  auto f = std::get<FileEvent>(ev.body);
  EXPECT_TRUE(f.truncated);
  EXPECT_EQ(f.opened, "/home/dev/.zshrc");
  EXPECT_TRUE(f.dir2.empty());
  EXPECT_EQ(to_json(ev)["opened"], "/home/dev/.zshrc");
  auto back = from_json(to_json(ev));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<FileEvent>(back->body).opened, "/home/dev/.zshrc");
  // without the flag, dir2 is a directory as before
  r.flags = GS_F_STR1_TRUNC;
  auto d = std::get<FileEvent>(must_decode(bytes_of(r)).body);
  EXPECT_TRUE(d.opened.empty());
  EXPECT_EQ(d.dir2, "/home/dev/.zshrc");
}

TEST(Decode, NetSocket) {
  auto r = syscall_record("socket", {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0}, 3);
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "net");
  auto& n = std::get<NetEvent>(ev.body);
  EXPECT_EQ(n.domain, AF_INET);
  EXPECT_EQ(n.type & 0xf, SOCK_STREAM);
  EXPECT_EQ(n.ret, 3);
  auto j = to_json(ev);
  EXPECT_EQ(j["family"], "inet");
  EXPECT_EQ(j["sock_type"], SOCK_STREAM);
}

template <class SA>
void put_addr(gs_syscall_record& r, const SA& sa, size_t len = sizeof(SA)) {
  std::memcpy(r.addr, &sa, std::min(len, sizeof(r.addr)));
  r.addr_len = len;
}

TEST(Decode, NetConnectInet4InProgress) {
  auto r = syscall_record("connect", {3, 0x1000, sizeof(sockaddr_in)}, -EINPROGRESS);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(4444);
  inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
  put_addr(r, in);
  auto ev = must_decode(bytes_of(r));
  auto& n = std::get<NetEvent>(ev.body);
  ASSERT_TRUE(n.addr);
  EXPECT_EQ(n.addr->ip, "192.0.2.1");
  EXPECT_EQ(n.addr->port, 4444);
  EXPECT_TRUE(n.in_progress);
  auto j = to_json(ev);
  EXPECT_EQ(j["addr"]["ip"], "192.0.2.1");
  EXPECT_EQ(j["addr"]["port"], 4444);
  EXPECT_EQ(j["in_progress"], true);
}

TEST(Decode, NetConnectInet6) {
  auto r = syscall_record("connect", {3, 0x1000, sizeof(sockaddr_in6)}, -ECONNREFUSED);
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(53);
  inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
  put_addr(r, in6);
  auto n = std::get<NetEvent>(must_decode(bytes_of(r)).body);
  ASSERT_TRUE(n.addr);
  EXPECT_EQ(n.addr->family, AF_INET6);
  EXPECT_EQ(n.addr->ip, "2001:db8::1");
  EXPECT_EQ(n.addr->port, 53);
}

TEST(Decode, NetUnixPathAndAbstract) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/docker.sock");
  auto r = syscall_record("connect", {3, 0x1000, sizeof(un)}, 0);
  put_addr(r, un);
  EXPECT_EQ(std::get<NetEvent>(must_decode(bytes_of(r)).body).addr->unix_path, "/run/docker.sock");

  sockaddr_un ab{};
  ab.sun_family = AF_UNIX;
  std::memcpy(ab.sun_path, "\0hidden", 7);
  auto r2 = syscall_record("bind", {3, 0x1000, offsetof(sockaddr_un, sun_path) + 7}, 0);
  put_addr(r2, ab, offsetof(sockaddr_un, sun_path) + 7);
  EXPECT_EQ(std::get<NetEvent>(must_decode(bytes_of(r2)).body).addr->unix_path, "@hidden");
}

TEST(Decode, NetRelativeUnixPathCarriesTheCwdItWasRelativeTo) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "docker.sock");
  auto r = syscall_record("connect", {3, 0x1000, sizeof(un)}, -ENOENT);
  put_addr(r, un);
  const char cwd[] = "run\0var";
  std::memcpy(r.dir1, cwd, sizeof(cwd));
  r.dir1_len = sizeof(cwd);
  auto ev = must_decode(bytes_of(r));
  const SockAddr& a = *std::get<NetEvent>(ev.body).addr;
  EXPECT_EQ(a.unix_path, "docker.sock");  // as the caller passed it
  EXPECT_EQ(a.unix_dir, "/var/run");
  EXPECT_EQ(unix_abs_path(a, "/exec-cwd"), "/var/run/docker.sock");
  EXPECT_EQ(to_json(ev)["addr"]["dir"], "/var/run");
  auto back = from_json(to_json(ev));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<NetEvent>(back->body).addr->unix_dir, "/var/run");

  // No dir resolved (an older recording): the cwd given; absolute and abstract names as
  // they are; a root cwd gives no double slash.
  SockAddr old{AF_UNIX, "", 0, "docker.sock"};
  EXPECT_EQ(unix_abs_path(old, "/var/run"), "/var/run/docker.sock");
  EXPECT_EQ(unix_abs_path(old, "/"), "/docker.sock");
  EXPECT_EQ(unix_abs_path(old, ""), "docker.sock");
  EXPECT_EQ(unix_abs_path({AF_UNIX, "", 0, "/run/x.sock"}, "/w"), "/run/x.sock");
  EXPECT_EQ(unix_abs_path({AF_UNIX, "", 0, "@hidden"}, "/w"), "@hidden");
  // a file literally named "@x": the kernel resolved a dir, so it was a relative path
  EXPECT_EQ(unix_abs_path({AF_UNIX, "", 0, "@x", false, "/run"}, "/w"), "/run/@x");
  // An inet address keeps no dir even if the record had one.
  sockaddr_in in{};
  in.sin_family = AF_INET;
  put_addr(r, in);
  EXPECT_EQ(std::get<NetEvent>(must_decode(bytes_of(r)).body).addr->unix_dir, "");
}

TEST(Decode, NetShortSockaddrIsTruncatedNotOverread) {
  auto r = syscall_record("connect", {3, 0x1000, 4}, -EINVAL);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  put_addr(r, in, 4);
  auto n = std::get<NetEvent>(must_decode(bytes_of(r)).body);
  ASSERT_TRUE(n.addr);
  EXPECT_TRUE(n.addr->truncated);
  EXPECT_EQ(n.addr->ip, "");
}

TEST(Decode, NetAddrLenBeyondBufferIsClamped) {
  auto r = syscall_record("connect", {3, 0x1000, 4096}, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memset(un.sun_path, 'u', sizeof(un.sun_path));
  put_addr(r, un);
  r.addr_len = 1u << 31;
  auto n = std::get<NetEvent>(must_decode(bytes_of(r)).body);
  ASSERT_TRUE(n.addr);
  EXPECT_EQ(n.addr->unix_path.size(), sizeof(un.sun_path));
}

TEST(Decode, NetSendtoBytes) {
  auto r = syscall_record("sendto", {4, 0x1000, 5, 0, 0x2000, sizeof(sockaddr_in)}, 5);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(9);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  put_addr(r, in);
  auto ev = must_decode(bytes_of(r));
  auto& n = std::get<NetEvent>(ev.body);
  EXPECT_EQ(n.bytes, 5u);
  EXPECT_EQ(n.addr->ip, "127.0.0.1");
  EXPECT_EQ(to_json(ev)["bytes"], 5);
}

TEST(Decode, NetSendOnConnectedSocketCarriesThePeerApart) {
  // send(fd, buf, 6, 0): sendto with no destination; the kernel hook filled in the peer
  auto r = syscall_record("sendto", {4, 0x1000, 6, 0, 0, 0}, 6);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(443);
  inet_pton(AF_INET, "198.51.100.7", &in.sin_addr);
  put_addr(r, in);
  r.flags = GS_F_ADDR_PEER;
  auto ev = must_decode(bytes_of(r));
  auto& n = std::get<NetEvent>(ev.body);
  EXPECT_FALSE(n.addr);  // not a destination named by the call: not a new attempt
  ASSERT_TRUE(n.peer);
  EXPECT_EQ(n.peer->ip, "198.51.100.7");
  EXPECT_EQ(n.peer->port, 443);
  EXPECT_EQ(n.bytes, 6u);
  auto j = to_json(ev);
  EXPECT_FALSE(j.contains("addr"));
  EXPECT_EQ(j["peer"]["ip"], "198.51.100.7");
}

TEST(Decode, NetSendmmsgMessagesAndBytes) {
  auto r = syscall_record("sendmmsg", {5, 0x1000, 3, 0}, 2);
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(53);
  inet_pton(AF_INET6, "2001:db8::53", &in6.sin6_addr);
  put_addr(r, in6);
  r.extra = 70;  // summed by the sock_send_length hook
  auto ev = must_decode(bytes_of(r));
  auto& n = std::get<NetEvent>(ev.body);
  EXPECT_EQ(n.messages, 2u);
  EXPECT_EQ(n.bytes, 70u);
  EXPECT_EQ(n.addr->ip, "2001:db8::53");
  auto j = to_json(ev);
  EXPECT_EQ(j["messages"], 2);
  EXPECT_EQ(j["bytes"], 70);
  r.ret = -EAGAIN;
  auto f = std::get<NetEvent>(must_decode(bytes_of(r)).body);
  EXPECT_EQ(f.messages, 0u);
  EXPECT_EQ(f.bytes, 0u);
}

gs_sock_record sock_record(int family, int type, int protocol) {
  auto r = blank<gs_sock_record>(GS_REC_SOCK);
  r.family = family, r.type = type, r.protocol = protocol;
  r.fd = -1, r.send_nr = -1, r.recv_nr = -1;
  return r;
}

TEST(Decode, SocketIoConnectedUdpWrittenWithWrite) {
  auto r = sock_record(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  r.fd = 7;
  r.dport = 53, r.sport = 40000;
  inet_pton(AF_INET, "192.0.2.53", r.daddr);
  inet_pton(AF_INET, "198.51.100.2", r.saddr);
  r.bytes_out = 64, r.bytes_in = 200;
  r.sends = 2, r.recvs = 5, r.recv_errors = 3;
  r.send_nr = nr_of("write"), r.recv_nr = nr_of("read");
  r.last_ts_ns = r.h.ts_ns + 1000;
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "socket_io");
  auto& s = std::get<SocketEvent>(ev.body);
  EXPECT_EQ(s.proto, "udp");
  EXPECT_EQ(s.fd, 7);
  ASSERT_TRUE(s.peer);
  EXPECT_EQ(s.peer->ip, "192.0.2.53");
  EXPECT_EQ(s.peer->port, 53);
  ASSERT_TRUE(s.local);
  EXPECT_EQ(s.local->ip, "198.51.100.2");
  EXPECT_EQ(s.local->port, 40000);
  EXPECT_EQ(s.bytes_out, 64u);
  EXPECT_EQ(s.bytes_in, 200u);
  EXPECT_EQ(s.send_syscall, "write");
  EXPECT_EQ(s.recv_syscall, "read");
  auto j = to_json(ev);
  EXPECT_EQ(j["type"], "socket_io");
  EXPECT_EQ(j["proto"], "udp");
  EXPECT_EQ(j["peer"]["ip"], "192.0.2.53");
  EXPECT_EQ(j["peer"]["port"], 53);
  EXPECT_EQ(j["bytes_out"], 64);
  EXPECT_EQ(j["recv_errors"], 3);
  EXPECT_EQ(j["last_ts_ns"], 123456789 + 1000);
}

TEST(Decode, SocketIoTcp6UnconnectedAndUnix) {
  auto t = sock_record(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  t.dport = 8443;
  inet_pton(AF_INET6, "2001:db8::1", t.daddr);
  t.send_nr = nr_of("sendto");
  auto s = std::get<SocketEvent>(must_decode(bytes_of(t)).body);
  EXPECT_EQ(s.proto, "tcp");
  EXPECT_EQ(s.peer->ip, "2001:db8::1");
  EXPECT_EQ(s.peer->port, 8443);
  EXPECT_EQ(s.send_syscall, "sendto");
  EXPECT_EQ(s.recv_syscall, "");

  auto u = sock_record(AF_INET, SOCK_DGRAM, IPPROTO_UDP);  // sendto() without connect()
  auto us = std::get<SocketEvent>(must_decode(bytes_of(u)).body);
  EXPECT_FALSE(us.peer);
  EXPECT_TRUE(to_json(must_decode(bytes_of(u)))["peer"].is_null());

  auto x = sock_record(AF_UNIX, SOCK_STREAM, 0);
  auto xs = std::get<SocketEvent>(must_decode(bytes_of(x)).body);
  EXPECT_EQ(xs.proto, "unix");
  EXPECT_FALSE(xs.peer);
  EXPECT_FALSE(xs.local);
  EXPECT_EQ(socket_proto(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), "icmp");

  // a client of a server bound at a path; an accepted socket under an abstract name
  auto named = [](uint8_t* out, std::string_view path) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(out, &un, sizeof(un));
    return static_cast<uint16_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  };
  auto c = sock_record(AF_UNIX, SOCK_STREAM, 0);
  c.peer_un_len = named(c.peer_un, "/run/docker.sock");
  auto cs = std::get<SocketEvent>(must_decode(bytes_of(c)).body);
  ASSERT_TRUE(cs.peer);
  EXPECT_EQ(cs.peer->unix_path, "/run/docker.sock");
  EXPECT_FALSE(cs.local);
  EXPECT_EQ(to_json(must_decode(bytes_of(c)))["peer"]["path"], "/run/docker.sock");
  auto a = sock_record(AF_UNIX, SOCK_STREAM, 0);
  a.local_un_len = named(a.local_un, std::string_view("\0agent", 6)) - 1;  // no NUL counted
  auto as = std::get<SocketEvent>(must_decode(bytes_of(a)).body);
  ASSERT_TRUE(as.local);
  EXPECT_EQ(as.local->unix_path, "@agent");
  // a length beyond the field (a corrupt record) is cut to the field
  auto bad = sock_record(AF_UNIX, SOCK_DGRAM, 0);
  std::memset(bad.peer_un, 'x', sizeof(bad.peer_un));
  bad.peer_un[0] = AF_UNIX, bad.peer_un[1] = 0;
  bad.peer_un_len = 60000;
  auto bs = std::get<SocketEvent>(must_decode(bytes_of(bad)).body);
  ASSERT_TRUE(bs.peer);
  EXPECT_EQ(bs.peer->unix_path, std::string(sizeof(sockaddr_un::sun_path), 'x'));
  EXPECT_EQ(socket_proto(AF_INET, SOCK_RAW, IPPROTO_RAW), "raw");
  EXPECT_EQ(socket_proto(AF_NETLINK, SOCK_RAW, 0), "other");
}

TEST(Decode, NetAcceptAndListen) {
  auto a = syscall_record("accept4", {3, 0x1000, 0x2000, 0}, 7);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(40000);
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  put_addr(a, in);
  auto n = std::get<NetEvent>(must_decode(bytes_of(a)).body);
  EXPECT_EQ(n.ret, 7);
  EXPECT_EQ(n.addr->port, 40000);
  auto l = syscall_record("listen", {3, 128}, 0);
  EXPECT_EQ(to_json(must_decode(bytes_of(l)))["backlog"], 128);
}

TEST(Decode, SecurityKillAndTgkill) {
  auto r = syscall_record("kill", {1, 0}, -EPERM);
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "security");
  auto& s = std::get<SecurityEvent>(ev.body);
  EXPECT_EQ(s.target, 1);
  EXPECT_EQ(s.signal, 0);
  auto t = syscall_record("tgkill", {10, 11, SIGTERM}, 0);
  auto j = to_json(must_decode(bytes_of(t)));
  EXPECT_EQ(j["target"], 11);
  EXPECT_EQ(j["signal"], SIGTERM);
}

// The other ways to signal a process or reach into one: each names its target (a pid, or
// the pidfd that pidfd_open returned for one) and, when it signals, the signal.
TEST(Decode, SecuritySignalsAndPidfds) {
  auto q = to_json(must_decode(bytes_of(syscall_record("rt_sigqueueinfo", {42, SIGUSR1, 0}, 0))));
  EXPECT_EQ(q["op"], "rt_sigqueueinfo");
  EXPECT_EQ(q["target"], 42);
  EXPECT_EQ(q["signal"], SIGUSR1);
  auto tq = to_json(
      must_decode(bytes_of(syscall_record("rt_tgsigqueueinfo", {42, 43, SIGKILL, 0}, -EPERM))));
  EXPECT_EQ(tq["target"], 43);
  EXPECT_EQ(tq["signal"], SIGKILL);
  EXPECT_EQ(tq["ret"], -EPERM);
  auto po = to_json(must_decode(bytes_of(syscall_record("pidfd_open", {42, 0}, 5))));
  EXPECT_EQ(po["target"], 42);
  EXPECT_EQ(po["ret"], 5);
  auto ps = to_json(must_decode(bytes_of(syscall_record("pidfd_send_signal", {5, SIGTERM, 0, 0}, 0))));
  EXPECT_EQ(ps["pidfd"], 5);
  EXPECT_EQ(ps["signal"], SIGTERM);
  EXPECT_FALSE(ps.contains("target"));
  auto back = from_json(ps);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<SecurityEvent>(back->body).pidfd, 5);
  EXPECT_EQ(std::get<SecurityEvent>(back->body).signal, SIGTERM);
  auto gf = to_json(must_decode(bytes_of(syscall_record("pidfd_getfd", {5, 3, 0}, 7))));
  EXPECT_EQ(gf["pidfd"], 5);
  EXPECT_EQ(gf["target_fd"], 3);
  for (const char* op : {"process_vm_readv", "process_vm_writev"}) {
    auto pv = to_json(must_decode(bytes_of(syscall_record(op, {42, 0x1000, 1, 0x2000, 1, 0}, -EPERM))));
    EXPECT_EQ(pv["op"], op);
    EXPECT_EQ(pv["target"], 42);
  }
  for (const char* op : {"setgroups", "capset"})
    EXPECT_EQ(must_decode(bytes_of(syscall_record(op, {0, 0}, 0))).type(), "security") << op;
}

TEST(Decode, SecurityMemfdAndMount) {
  auto m = syscall_record("memfd_create", {0x1000, 1}, 3);
  put(m.str1, "stage2");
  auto j = to_json(must_decode(bytes_of(m)));
  EXPECT_EQ(j["name"], "stage2");
  EXPECT_EQ(j["ret"], 3);
  auto mt = syscall_record("mount", {1, 2, 3, 0x1000}, -EPERM);
  put(mt.str1, "proc");
  put(mt.str2, "/mnt");
  auto jm = to_json(must_decode(bytes_of(mt)));
  EXPECT_EQ(jm["source"], "proc");
  EXPECT_EQ(jm["target_path"], "/mnt");
  // the new mount API: the same act in several calls, each with what it names
  auto fo = syscall_record("fsopen", {0x1000, 0}, 3);
  put(fo.str1, "tmpfs");
  EXPECT_EQ(to_json(must_decode(bytes_of(fo)))["fs_name"], "tmpfs");
  auto mm = syscall_record("move_mount", {3, 0x1000, uint64_t(int64_t(AT_FDCWD)), 0x2000, 4}, -EPERM);
  put(mm.str1, "");
  put(mm.str2, "/home/alex/.ssh");
  auto jmm = to_json(must_decode(bytes_of(mm)));
  EXPECT_EQ(jmm["to_path"], "/home/alex/.ssh");
  auto back = from_json(jmm);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<SecurityEvent>(back->body).str2, "/home/alex/.ssh");
  auto fc = syscall_record("fsconfig", {3, 1, 0x1000, 0x2000, 0}, 0);
  put(fc.str1, "size");
  auto jfc = to_json(must_decode(bytes_of(fc)));
  EXPECT_EQ(jfc["key"], "size");
  EXPECT_EQ(jfc["cmd"], 1);
}

TEST(Decode, Denied) {
  auto r = blank<gs_denied_record>(GS_REC_DENIED);
  r.nr = nr_of("ptrace");
  r.ret = -EPERM;
  auto ev = must_decode(bytes_of(r));
  ASSERT_EQ(ev.type(), "denied");
  auto j = to_json(ev);
  EXPECT_EQ(j["syscall"], "ptrace");
  EXPECT_EQ(j["ret"], -EPERM);
  r.nr = 499;  // not a syscall: still a usable label
  EXPECT_EQ(std::get<DeniedEvent>(must_decode(bytes_of(r)).body).syscall, "syscall_499");
}

TEST(DecodeRejects, ShortHeader) {
  std::vector<uint8_t> b(sizeof(gs_header) - 1, 0);
  EXPECT_FALSE(decode(b).ok());
  EXPECT_FALSE(decode({}).ok());
}

TEST(DecodeRejects, TruncatedRecordOfEveryType) {
  std::vector<std::vector<uint8_t>> all = {
      bytes_of(blank<gs_fork_record>(GS_REC_FORK)),
      bytes_of(blank<gs_exec_record>(GS_REC_EXEC)),
      bytes_of(blank<gs_exit_record>(GS_REC_EXIT)),
      bytes_of(syscall_record("openat", {}, 0)),
      bytes_of(blank<gs_denied_record>(GS_REC_DENIED)),
      bytes_of(blank<gs_sock_record>(GS_REC_SOCK)),
  };
  for (auto b : all) {
    ASSERT_TRUE(decode(b).ok());
    b.pop_back();
    EXPECT_FALSE(decode(b).ok());
  }
}

TEST(Decode, SyscallRecordWithVariableTail) {
  auto r = syscall_record("unlinkat", {uint64_t(AT_FDCWD), 1, 0}, 0);
  put(r.str1, "/tmp/gone");
  r.str1_len = 10;
  std::memset(r.str2, 'Z', sizeof(r.str2));  // not sent: must not appear
  size_t size = offsetof(gs_syscall_record, str1) + r.str1_len;
  r.h.size = size;
  auto b = bytes_of(r);
  b.resize(size);
  auto ev = must_decode(b);
  auto f = std::get<FileEvent>(ev.body);
  EXPECT_EQ(f.path, "/tmp/gone");
  EXPECT_EQ(f.path2, "");
  // no string at all: the fixed part alone
  auto n = syscall_record("listen", {3, 5}, 0);
  n.h.size = offsetof(gs_syscall_record, str1);
  auto nb = bytes_of(n);
  nb.resize(n.h.size);
  EXPECT_EQ(std::get<NetEvent>(must_decode(nb).body).backlog, 5);
  // a str1 cut before its NUL still stays inside the record
  r.h.size = offsetof(gs_syscall_record, str1) + 4;
  auto cut = bytes_of(r);
  cut.resize(r.h.size);
  EXPECT_EQ(std::get<FileEvent>(must_decode(cut).body).path, "/tmp");
}

TEST(DecodeRejects, SyscallRecordSizeOutsideItsRange) {
  auto r = syscall_record("unlink", {1}, 0);
  r.h.size = offsetof(gs_syscall_record, str1) - 1;
  EXPECT_FALSE(decode(bytes_of(r)).ok());
  r.h.size = sizeof(r) + 1;
  EXPECT_FALSE(decode(bytes_of(r)).ok());
  r.h.size = offsetof(gs_syscall_record, str1) + 100;  // declares more than delivered
  auto b = bytes_of(r);
  b.resize(offsetof(gs_syscall_record, str1) + 50);
  EXPECT_FALSE(decode(b).ok());
}

TEST(DecodeRejects, DeclaredSizeMismatchAndUnknownType) {
  auto r = blank<gs_fork_record>(GS_REC_FORK);
  r.h.size = sizeof(r) + 8;
  auto res = decode(bytes_of(r));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message().find("fork"), std::string::npos);
  r.h.size = sizeof(r);
  r.h.type = 77;
  EXPECT_FALSE(decode(bytes_of(r)).ok());
}

TEST(DecodeRejects, SyscallRecordForUnrecordedSyscall) {
  auto r = syscall_record("read", {0, 0, 0}, 0);
  EXPECT_FALSE(decode(bytes_of(r)).ok());
  r.nr = -5;
  EXPECT_FALSE(decode(bytes_of(r)).ok());
  r.nr = 100000;
  EXPECT_FALSE(decode(bytes_of(r)).ok());
}

// A batch as the BPF side lays it out: header, then each record at an 8-byte boundary.
std::vector<uint8_t> batch_of(const std::vector<std::vector<uint8_t>>& records) {
  std::vector<uint8_t> b(sizeof(gs_batch));
  for (const auto& r : records) {
    b.insert(b.end(), r.begin(), r.end());
    b.resize((b.size() + 7) & ~size_t{7});
  }
  gs_batch h{GS_REC_BATCH, static_cast<uint32_t>(b.size()), static_cast<uint32_t>(records.size()),
             0};
  std::memcpy(b.data(), &h, sizeof(h));
  return b;
}

std::vector<std::vector<uint8_t>> records_in(const std::vector<uint8_t>& b,
                                             Status* status = nullptr) {
  std::vector<std::vector<uint8_t>> out;
  auto st =
      for_each_record(b, [&](std::span<const uint8_t> r) { out.emplace_back(r.begin(), r.end()); });
  if (status) *status = st;
  return out;
}

TEST(Batch, RecordsComeOutInOrderWithTheirOwnSizes) {
  auto open = syscall_record("openat", {uint64_t(AT_FDCWD), 0, O_RDONLY, 0}, 3);
  put(open.str1, "/etc/hostname");
  open.str1_len = 14;
  open.h.size = offsetof(gs_syscall_record, str1) + open.str1_len;  // not a multiple of 8
  auto ob = bytes_of(open);
  ob.resize(open.h.size);
  auto conn = syscall_record("listen", {3, 7}, 0);
  conn.h.size = offsetof(gs_syscall_record, str1);
  auto cb = bytes_of(conn);
  cb.resize(conn.h.size);
  auto b = batch_of({ob, cb, ob});
  Status st;
  auto recs = records_in(b, &st);
  ASSERT_TRUE(st.ok()) << st.error().message();
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0], ob);
  EXPECT_EQ(recs[1], cb);
  EXPECT_EQ(std::get<FileEvent>(must_decode(recs[2]).body).path, "/etc/hostname");
  EXPECT_EQ(std::get<NetEvent>(must_decode(recs[1]).body).backlog, 7);
}

TEST(Batch, AnyOtherRecordIsPassedThroughWhole) {
  auto fork = bytes_of(blank<gs_fork_record>(GS_REC_FORK));
  EXPECT_EQ(records_in(fork), std::vector<std::vector<uint8_t>>{fork});
  std::vector<uint8_t> tiny{1, 2, 3};  // too short for anything: decode() rejects it
  EXPECT_EQ(records_in(tiny), std::vector<std::vector<uint8_t>>{tiny});
  auto empty = batch_of({});
  Status st;
  EXPECT_TRUE(records_in(empty, &st).empty());
  EXPECT_TRUE(st.ok());
}

TEST(BatchRejects, BrokenFramingStopsAtTheBreak) {
  auto rec = bytes_of(blank<gs_exit_record>(GS_REC_EXIT));
  auto good = batch_of({rec, rec});
  auto with = [&](auto edit) {
    auto b = good;
    edit(b);
    Status st;
    auto n = records_in(b, &st).size();
    EXPECT_FALSE(st.ok());
    return n;
  };
  auto set32 = [](std::vector<uint8_t>& b, size_t off, uint32_t v) { std::memcpy(&b[off], &v, 4); };
  size_t second = sizeof(gs_batch) + ((rec.size() + 7) & ~size_t{7});
  // the batch claims more bytes than the ring record has
  EXPECT_EQ(with([&](auto& b) { set32(b, 4, uint32_t(b.size() + 8)); }), 0u);
  // ... or less than its own header
  EXPECT_EQ(with([&](auto& b) { set32(b, 4, 4); }), 0u);
  // a record that declares more than is left, or less than its type and size
  EXPECT_EQ(with([&](auto& b) { set32(b, second + 4, 4096); }), 1u);
  EXPECT_EQ(with([&](auto& b) { set32(b, second + 4, 0); }), 1u);
  // a batch inside a batch
  EXPECT_EQ(with([&](auto& b) { set32(b, second, GS_REC_BATCH); }), 1u);
  // the count does not match
  EXPECT_EQ(with([&](auto& b) { set32(b, 8, 3); }), 2u);
  // the size ends inside a record's type and size
  EXPECT_EQ(with([&](auto& b) { set32(b, 4, uint32_t(second + 4)); }), 1u);
}

TEST(Json, InvalidUtf8PathDoesNotThrow) {
  auto r = syscall_record("unlink", {1}, 0);
  put(r.str1, "/tmp/\xff\xfe");
  auto ev = must_decode(bytes_of(r));
  std::string line;
  EXPECT_NO_THROW(line = to_jsonl(ev));
  EXPECT_NE(line.find("\"type\":\"file\""), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Json, ReplayRoundTripsEveryEventType) {
  std::vector<std::vector<uint8_t>> raw;
  auto fork = blank<gs_fork_record>(GS_REC_FORK);
  fork.child_pid = 7, fork.is_thread = 1;
  raw.push_back(bytes_of(fork));
  auto exec = blank<gs_exec_record>(GS_REC_EXEC);
  exec.nr = nr_of("execve");
  put(exec.filename, "/bin/sh");
  put(exec.exe_name, "dash");
  const char argv[] = "sh\0-c\0id";
  std::memcpy(exec.argv, argv, sizeof(argv));
  exec.argv_len = sizeof(argv);
  const char cwd[] = "tmp";
  std::memcpy(exec.cwd, cwd, sizeof(cwd));
  exec.cwd_len = sizeof(cwd);
  raw.push_back(bytes_of(exec));
  auto failed = syscall_record("execveat", {3, 1, 2, 3, AT_EMPTY_PATH}, -EACCES);
  raw.push_back(bytes_of(failed));
  auto exit = blank<gs_exit_record>(GS_REC_EXIT);
  exit.exit_code = SIGSEGV | 0x80;
  raw.push_back(bytes_of(exit));
  auto ren = syscall_record("renameat2", {uint64_t(AT_FDCWD), 1, 5, 2, 1}, 0);
  put(ren.str1, "a"), put(ren.str2, "b");
  raw.push_back(bytes_of(ren));
  auto tr = syscall_record("truncate", {1, 77}, 0);
  put(tr.str1, "/f");
  raw.push_back(bytes_of(tr));
  auto sock = syscall_record("socket", {AF_INET6, SOCK_DGRAM, 17}, 4);
  raw.push_back(bytes_of(sock));
  auto conn = syscall_record("connect", {3, 1, sizeof(sockaddr_in6)}, -EINPROGRESS);
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(443);
  inet_pton(AF_INET6, "2001:db8::2", &in6.sin6_addr);
  put_addr(conn, in6);
  raw.push_back(bytes_of(conn));
  auto un = syscall_record("bind", {3, 1, 20}, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, "/run/x");
  put_addr(un, sun);
  raw.push_back(bytes_of(un));
  auto send = syscall_record("sendmsg", {3, 1, 0}, 12);
  raw.push_back(bytes_of(send));
  auto mnt = syscall_record("mount", {1, 2, 3, 4, 5}, -EPERM);
  put(mnt.str1, "none"), put(mnt.str2, "/mnt");
  raw.push_back(bytes_of(mnt));
  auto memfd = syscall_record("memfd_create", {1, 3}, 5);
  put(memfd.str1, "x");
  raw.push_back(bytes_of(memfd));
  raw.push_back(bytes_of(syscall_record("tgkill", {1, 2, 9}, 0)));
  raw.push_back(bytes_of(syscall_record("ptrace", {16, 44}, -EPERM)));
  auto denied = blank<gs_denied_record>(GS_REC_DENIED);
  denied.nr = nr_of("bpf"), denied.ret = -EPERM;
  raw.push_back(bytes_of(denied));
  auto peer_send = syscall_record("sendto", {3, 1, 4, 0, 0, 0}, 4);
  put_addr(peer_send, in6);
  peer_send.flags = GS_F_ADDR_PEER;
  raw.push_back(bytes_of(peer_send));
  auto mmsg = syscall_record("sendmmsg", {3, 1, 2, 0}, 2);
  mmsg.extra = 99;
  raw.push_back(bytes_of(mmsg));
  auto io = sock_record(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  io.fd = 9, io.dport = 443, io.sport = 5555, io.bytes_out = 10, io.bytes_in = 20;
  io.sends = 1, io.recvs = 2, io.send_errors = 0, io.recv_errors = 1, io.last_ts_ns = 9;
  io.send_nr = nr_of("write"), io.recv_nr = nr_of("read");
  inet_pton(AF_INET6, "2001:db8::2", io.daddr);
  inet_pton(AF_INET6, "2001:db8::3", io.saddr);
  raw.push_back(bytes_of(io));
  raw.push_back(bytes_of(sock_record(AF_INET, SOCK_DGRAM, IPPROTO_UDP)));

  std::set<std::string> types;
  for (const auto& b : raw) {
    auto ev = must_decode(b);
    auto j = to_json(ev);
    types.insert(j["type"]);
    auto back = from_json(nlohmann::json::parse(to_jsonl(ev)));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(to_json(*back), j);
    EXPECT_EQ(back->type(), ev.type());
  }
  EXPECT_EQ(types.size(), 8u);
}

TEST(Json, ReplayRejectsBadInput) {
  EXPECT_FALSE(from_json(nlohmann::json::array()).ok());
  EXPECT_FALSE(from_json({{"type", "teleport"}}).ok());
  EXPECT_FALSE(from_json({{"type", "fork"}, {"pid", "not a number"}}).ok());
  auto minimal = from_json({{"type", "exit"}, {"pid", 5}});
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->header.pid, 5u);
}

TEST(Replay, EventsJsonlThroughTheEventSourceInterface) {
  char path[] = "/tmp/gs-replay-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  auto fork = blank<gs_fork_record>(GS_REC_FORK);
  fork.child_pid = 42;
  auto kill = syscall_record("kill", {42, 9}, 0);
  std::string text = to_jsonl(must_decode(bytes_of(fork))) + "\n\n{not json\n" +
                     to_jsonl(must_decode(bytes_of(kill))) + "\n";
  ASSERT_EQ(::write(fd, text.data(), text.size()), ssize_t(text.size()));
  ::close(fd);
  auto src = ReplaySource::open(path);
  ASSERT_TRUE(src.ok());
  EventSource& es = **src;
  std::vector<std::string> types;
  auto n = es.poll(0, [&](const Event& e) { types.emplace_back(e.type()); });
  ::unlink(path);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(types, (std::vector<std::string>{"fork", "security"}));
  EXPECT_EQ(es.stats().events, 2u);
  EXPECT_EQ(es.stats().malformed, 1u);
  EXPECT_FALSE(es.stats().complete());
  EXPECT_EQ(*es.drain({}), 0);
  EXPECT_FALSE(ReplaySource::open("/nonexistent/events.jsonl").ok());
}

}  // namespace
}  // namespace gs::tracer
