// Unit tests of the behaviour model: synthetic tracer events in, report sections out.
#include <fcntl.h>
#include <sys/socket.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <set>

#include "behaviour.h"

namespace gs::harness {
namespace {

struct Feed {
  std::vector<TracedEvent> events;
  void add(const std::string& phase, int64_t ms, uint32_t pid, uint32_t ns_pid, uint32_t ppid, tracer::Body body) {
    tracer::Event e;
    e.header.pid = e.header.tid = pid;
    e.header.ns_pid = e.header.ns_tid = ns_pid;
    e.header.ppid = ppid;
    e.header.comm = "comm";
    e.body = std::move(body);
    events.push_back({events.size() + 1, phase, ms, std::move(e)});
  }
};

tracer::ExecEvent exec_of(std::string path, std::vector<std::string> argv, std::string cwd = "/") {
  tracer::ExecEvent e;
  e.filename = std::move(path);
  e.argv = std::move(argv);
  e.cwd = std::move(cwd);
  return e;
}

tracer::FileEvent open_of(std::string path, uint64_t flags, int64_t ret = 3) {
  tracer::FileEvent f;
  f.op = "openat";
  f.path = std::move(path);
  f.flags = flags;
  f.ret = ret;
  return f;
}

// The jail's init (ns pid 1) forks the payload, which execs the init runner, which
// runs `sh -c`, which execs twice in one process.
Feed sample() {
  Feed f;
  f.add("init", 0, 100, 1, 50, tracer::ForkEvent{101, 101, 2, false});
  f.add("init", 1, 101, 2, 100, exec_of("/work/out/initrunner", {"/work/out/initrunner"}, "/src"));
  f.add("init", 2, 101, 2, 100, tracer::ForkEvent{102, 102, 3, false});
  f.add("init", 3, 102, 3, 101, exec_of("/bin/sh", {"/bin/sh", "-c", "x"}));
  f.add("init", 4, 102, 3, 101, exec_of("/usr/bin/wget", {"wget", "-q"}));
  f.add("init", 9, 102, 3, 101, tracer::ExitEvent{0, 0, 9, false, true});
  return f;
}

TEST(Behaviour, ProcessTreeWithExecIdentities) {
  Behaviour b = build_behaviour(sample().events, {});
  ASSERT_EQ(b.processes.size(), 4u) << b.processes.dump(1);
  const auto& init = b.processes[0];
  EXPECT_TRUE(init["jail_init"].get<bool>());
  const auto& runner = b.processes[1];
  EXPECT_EQ(runner["exe"], "/work/out/initrunner");
  EXPECT_EQ(runner["pid"], 2);
  EXPECT_EQ(runner["ppid"], 1);
  EXPECT_FALSE(runner["jail_init"].get<bool>());
  const auto& sh = b.processes[2];
  EXPECT_EQ(sh["exe"], "/bin/sh");
  EXPECT_EQ(sh["parent"], runner["id"]);
  EXPECT_EQ(sh["end_ms"], 4);  // replaced by wget
  const auto& wget = b.processes[3];
  EXPECT_EQ(wget["exe"], "/usr/bin/wget");
  EXPECT_EQ(wget["parent"], sh["id"]);
  EXPECT_EQ(wget["pid"], 3);
  EXPECT_EQ(wget["signal"], 9);
  EXPECT_TRUE(wget["exit_code"].is_null());
}

TEST(Behaviour, FilesAggregateOpsWithAbsolutePaths) {
  Feed f = sample();
  f.add("init", 5, 101, 2, 100, open_of("data/out.bin", O_WRONLY | O_CREAT | O_TRUNC));
  f.add("init", 6, 101, 2, 100, open_of("/etc/passwd", O_RDONLY));
  f.add("init", 7, 101, 2, 100, open_of("/nonexistent", O_RDONLY, -2));
  tracer::FileEvent rm;
  rm.op = "unlinkat";
  rm.path = "/src/data/out.bin";
  f.add("init", 8, 101, 2, 100, rm);
  // The jail's own init opening /dev/null, and the toolchain's files, are not listed.
  f.add("init", 0, 100, 1, 50, open_of("/dev/null", O_RDWR));
  f.add("build", 0, 200, 5, 199, open_of("/usr/lib/go/pkg/x.a", O_RDONLY));
  Behaviour b = build_behaviour(f.events, {"ptrace", "mount"});
  std::map<std::string, std::vector<std::string>> ops;
  for (const auto& file : b.files) ops[file["path"]] = file["ops"].get<std::vector<std::string>>();
  EXPECT_EQ(ops["/src/data/out.bin"], (std::vector<std::string>{"create", "delete", "write"}));
  EXPECT_EQ(ops["/etc/passwd"], (std::vector<std::string>{"read"}));
  EXPECT_EQ(ops["/work/out/initrunner"], (std::vector<std::string>{"exec"}));
  EXPECT_EQ(ops["/usr/bin/wget"], (std::vector<std::string>{"exec"}));
  EXPECT_FALSE(ops.count("/nonexistent"));
  EXPECT_FALSE(ops.count("/dev/null"));
  EXPECT_FALSE(ops.count("/usr/lib/go/pkg/x.a"));
}

tracer::NetEvent unix_op(std::string op, std::string path, int64_t ret) {
  tracer::NetEvent n;
  n.op = std::move(op);
  n.ret = ret;
  n.fd = 5;
  tracer::SockAddr a;
  a.family = AF_UNIX;
  a.unix_path = std::move(path);
  n.addr = a;
  return n;
}

// Unix sockets are files to the report: connect and bind on their paths, failures kept
// (the socket a payload names is rarely in the jail), abstract names with their '@'.
TEST(Behaviour, UnixSocketConnectsAndBindsAreFileOps) {
  Feed f = sample();
  f.add("init", 5, 101, 2, 100, unix_op("connect", "/var/run/docker.sock", -ENOENT));
  f.add("init", 6, 101, 2, 100, unix_op("bind", "ctl.sock", 0));  // relative: the exec cwd
  auto after_chdir = unix_op("connect", "docker.sock", -ENOENT);  // chdir("/run") first
  after_chdir.addr->unix_dir = "/run";
  f.add("init", 6, 101, 2, 100, after_chdir);
  f.add("init", 7, 101, 2, 100, unix_op("sendto", "@/containerd-shim/x.sock", 12));
  f.add("init", 8, 101, 2, 100, unix_op("connect", "/run/a.sock", -EINTR));  // noise
  f.add("init", 8, 101, 2, 100, unix_op("accept", "/run/peer.sock", 6));  // the peer's name
  f.add("init", 8, 100, 1, 50, unix_op("connect", "/run/init.sock", 0));  // the jail's init
  f.add("build", 8, 200, 5, 199, unix_op("connect", "/run/build.sock", 0));
  tracer::NetEvent inet;
  inet.op = "connect";
  inet.addr = tracer::SockAddr{AF_INET, "192.0.2.7", 443, "", false};
  f.add("init", 9, 101, 2, 100, inet);  // the network section's
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::string, nlohmann::json> files;
  for (const auto& file : b.files) files[file["path"]] = file;
  const auto& docker = files["/var/run/docker.sock"];
  EXPECT_EQ(docker["ops"], nlohmann::json({"connect"}));
  EXPECT_EQ(docker["error"], "ENOENT");
  EXPECT_EQ(docker["events"], nlohmann::json({7}));  // after sample()'s six
  EXPECT_EQ(files["/src/ctl.sock"]["ops"], nlohmann::json({"bind"}));
  EXPECT_FALSE(files["/src/ctl.sock"].contains("failed"));
  EXPECT_EQ(files["/run/docker.sock"]["ops"], nlohmann::json({"connect"}));
  EXPECT_FALSE(files.count("/src/docker.sock"));
  EXPECT_EQ(files["@/containerd-shim/x.sock"]["ops"], nlohmann::json({"connect"}));
  for (const char* absent : {"/run/a.sock", "/run/peer.sock", "/run/init.sock", "/run/build.sock"})
    EXPECT_FALSE(files.count(absent)) << absent;
  for (const auto& [path, file] : files) EXPECT_EQ(path.find("192.0.2"), std::string::npos);
}

// The runner started in /src; after a chdir home, ".bashrc" is the home's, and a write
// through a dirfd is in that directory: the kernel's resolved dirs win over the exec cwd.
TEST(Behaviour, RelativePathsUseTheDirectoryTheKernelResolved) {
  Feed f = sample();
  auto bashrc = open_of(".bashrc", O_WRONLY | O_APPEND);
  bashrc.dir = "/home/u";
  f.add("init", 5, 101, 2, 100, bashrc);
  auto key = open_of("authorized_keys", O_WRONLY | O_CREAT);
  key.dirfd = 7, key.dir = "/home/u/.ssh";
  f.add("init", 6, 101, 2, 100, key);
  tracer::FileEvent ch;
  ch.op = "fchmod", ch.fd = 4, ch.mode = 0755, ch.dir = "/tmp/dropper";
  f.add("init", 7, 101, 2, 100, ch);
  tracer::FileEvent mv;
  mv.op = "renameat", mv.path = "x", mv.dirfd = 5, mv.dir = "/tmp", mv.path2 = ".profile",
  mv.dirfd2 = AT_FDCWD, mv.dir2 = "/home/u";
  f.add("init", 8, 101, 2, 100, mv);
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::string, std::vector<std::string>> ops;
  for (const auto& file : b.files) ops[file["path"]] = file["ops"].get<std::vector<std::string>>();
  EXPECT_EQ(ops["/home/u/.bashrc"], (std::vector<std::string>{"write"})) << b.files.dump(1);
  EXPECT_EQ(ops["/home/u/.ssh/authorized_keys"], (std::vector<std::string>{"create", "write"}));
  EXPECT_EQ(ops["/tmp/dropper"], (std::vector<std::string>{"chmod"}));
  EXPECT_EQ(ops["/tmp/x"], (std::vector<std::string>{"rename"}));
  EXPECT_EQ(ops["/home/u/.profile"], (std::vector<std::string>{"create"}));
  EXPECT_FALSE(ops.count("/src/.bashrc"));
}

tracer::FileEvent two_paths(std::string op, std::string path, std::string path2) {
  tracer::FileEvent f;
  f.op = std::move(op), f.path = std::move(path), f.path2 = std::move(path2);
  return f;
}

// Writes that reach a file by another name are listed under the file they reached, with
// the name used in `via`: the run's own symlinks (to a file, to a directory, relative),
// "..", a hard link's new name, and an open whose path was too long to record whole (the
// kernel's walk of the file it opened).
TEST(Behaviour, FilesAreNamedByWhatTheCallReached) {
  Feed f = sample();
  auto add = [&](int64_t ms, tracer::FileEvent e) { f.add("init", ms, 101, 2, 100, std::move(e)); };
  add(5, two_paths("symlink", "/home/u/innocent", "/home/u/.profile"));  // path: the link
  add(6, open_of("/home/u/innocent", O_WRONLY | O_APPEND));
  add(7, two_paths("symlinkat", "/home/u/d", ".ssh"));  // relative, to a directory
  add(8, open_of("/home/u/d/authorized_keys", O_WRONLY | O_CREAT));
  add(9, open_of("/home/u/p/q/../../.zshrc", O_WRONLY | O_CREAT));
  add(10, two_paths("link", "/home/u/k2", "/home/u/.ssh/authorized_keys2"));
  auto nofollow = open_of("/home/u/innocent", O_WRONLY | O_NOFOLLOW, -ELOOP);
  add(11, nofollow);
  auto cut = open_of(std::string("/home/u/") + std::string(240, 'p'), O_WRONLY | O_CREAT);
  cut.truncated = true, cut.opened = "/home/u/.bash_login";
  add(12, cut);
  auto proc = open_of("/proc/self/cgroup", O_RDONLY);
  proc.opened = "/proc/2/cgroup";  // a file of /proc itself keeps its name
  add(12, proc);
  auto magic = open_of("/proc/self/cwd/.bash_logout", O_WRONLY | O_APPEND);
  magic.opened = "/home/u/.bash_logout";  // a magic link out of /proc: the file reached
  add(12, magic);
  add(13, two_paths("unlink", "/home/u/innocent", ""));
  add(13, open_of("/home/u/.aws/credentials", O_PATH | O_CLOEXEC));  // a handle, not a read
  add(14, open_of("/home/u/innocent", O_WRONLY | O_CREAT));  // a plain file now
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::pair<std::string, bool>, nlohmann::json> by;
  for (const auto& file : b.files) by[{file["path"], file.contains("failed")}] = file;
  auto ops = [&](const std::string& p) { return by[{p, false}]["ops"].get<std::vector<std::string>>(); };
  auto via = [&](const std::string& p) { return by[{p, false}].value("via", std::vector<std::string>{}); };
  EXPECT_EQ(ops("/home/u/.profile"), (std::vector<std::string>{"write"})) << b.files.dump(1);
  EXPECT_EQ(via("/home/u/.profile"), (std::vector<std::string>{"/home/u/innocent"}));
  EXPECT_EQ(ops("/home/u/innocent"), (std::vector<std::string>{"create", "delete", "link", "write"}));
  EXPECT_TRUE(via("/home/u/innocent").empty());
  EXPECT_EQ(ops("/home/u/.ssh/authorized_keys"), (std::vector<std::string>{"create", "write"}));
  EXPECT_EQ(via("/home/u/.ssh/authorized_keys"), (std::vector<std::string>{"/home/u/d/authorized_keys"}));
  EXPECT_EQ(ops("/home/u/.zshrc"), (std::vector<std::string>{"create", "write"}));
  EXPECT_EQ(via("/home/u/.zshrc"), (std::vector<std::string>{"/home/u/p/q/../../.zshrc"}));
  EXPECT_EQ(ops("/home/u/.ssh/authorized_keys2"), (std::vector<std::string>{"create", "link"}));
  EXPECT_EQ(ops("/home/u/k2"), (std::vector<std::string>{"link"}));
  // O_NOFOLLOW acts on the link itself
  EXPECT_TRUE(by.count({"/home/u/innocent", true})) << b.files.dump(1);
  EXPECT_EQ(ops("/home/u/.bash_login"), (std::vector<std::string>{"create", "write"}));
  EXPECT_EQ(via("/home/u/.bash_login"), (std::vector<std::string>{"/home/u/" + std::string(240, 'p') + "..."}));
  EXPECT_FALSE(by.count({"/home/u/" + std::string(240, 'p'), false}));
  EXPECT_FALSE(by.count({"/home/u/.aws/credentials", false})) << b.files.dump(1);
  EXPECT_TRUE(by.count({"/proc/self/cgroup", false}));
  EXPECT_FALSE(by.count({"/proc/2/cgroup", false}));
  EXPECT_EQ(via("/home/u/.bash_logout"), (std::vector<std::string>{"/proc/self/cwd/.bash_logout"}));
  // after the unlink, the name is no longer the link: .profile got one write, not two
  EXPECT_EQ((by[{"/home/u/.profile", false}]["events"].size()), 1u);
}

// A hard link made in the run is the same file: writes and reads through it reach the
// original's entry too, until the link is removed.
TEST(Behaviour, HardLinksShareWhatIsDoneToTheirContent) {
  Feed f = sample();
  auto add = [&](int64_t ms, tracer::FileEvent e) { f.add("init", ms, 101, 2, 100, std::move(e)); };
  add(5, two_paths("link", "/home/u/.bashrc", "/home/u/.cache/a"));
  add(6, open_of("/home/u/.cache/a", O_WRONLY | O_APPEND));
  add(7, two_paths("linkat", "/home/u/.git-credentials", "/tmp/b"));
  add(8, open_of("/tmp/b", O_RDONLY));
  add(9, two_paths("unlink", "/tmp/b", ""));
  add(10, open_of("/tmp/b", O_RDONLY | O_CREAT));  // a new file of that name
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::string, nlohmann::json> by;
  for (const auto& file : b.files) by[file["path"]] = file;
  EXPECT_EQ(by["/home/u/.bashrc"]["ops"], nlohmann::json::array({"link", "write"})) << b.files.dump(1);
  EXPECT_EQ(by["/home/u/.bashrc"]["via"], nlohmann::json::array({"/home/u/.cache/a"}));
  EXPECT_EQ(by["/home/u/.git-credentials"]["ops"], nlohmann::json::array({"link", "read"}));
  EXPECT_EQ(by["/home/u/.git-credentials"]["events"].size(), 2u);  // the link and one read
  // a program run by a hard link's name is the program written by the other
  Feed g = sample();
  g.add("init", 5, 101, 2, 100, open_of("/tmp/x", O_WRONLY | O_CREAT));
  g.add("init", 6, 101, 2, 100, two_paths("link", "/tmp/x", "/tmp/y"));
  g.add("init", 7, 101, 2, 100, tracer::ForkEvent{120, 120, 20, false});
  auto run = exec_of("/tmp/y", {"/tmp/y"});
  run.kernel_filename = run.interp = "/tmp/y", run.exe_path = "/tmp/y";
  g.add("init", 8, 120, 20, 101, run);
  Behaviour c = build_behaviour(g.events, {});
  std::map<std::string, nlohmann::json> byc;
  for (const auto& file : c.files) byc[file["path"]] = file;
  EXPECT_EQ(byc["/tmp/x"]["ops"], nlohmann::json::array({"create", "exec", "link", "write"})) << c.files.dump(1);
}

// What renames do to links and hard links, /proc/self/root, and a new phase's /tmp.
TEST(Behaviour, RenamesPhasesAndProcRootKeepNamesRight) {
  Feed f = sample();
  auto add = [&](const char* phase, int64_t ms, tracer::FileEvent e) { f.add(phase, ms, 101, 2, 100, std::move(e)); };
  add("init", 5, two_paths("symlink", "/home/u/x", "/tmp/ok"));
  add("init", 6, two_paths("symlink", "/home/u/y", "/home/u/.ssh/id_rsa"));
  add("init", 7, two_paths("rename", "/home/u/y", "/home/u/x"));  // over the other link
  add("init", 8, open_of("/home/u/x", O_RDONLY));
  add("init", 9, two_paths("link", "/home/u/.bashrc", "/home/u/a"));
  add("init", 10, two_paths("rename", "/home/u/plain", "/home/u/a"));  // a plain file over the alias
  add("init", 11, open_of("/home/u/a", O_WRONLY));
  add("init", 12, open_of("/proc/self/root/home/u/.zshenv", O_WRONLY | O_CREAT));
  add("init", 13, two_paths("symlink", "/tmp/l", "/home/u/.profile"));
  add("test", 14, open_of("/tmp/l", O_WRONLY | O_CREAT));  // another jail: a plain /tmp/l
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::pair<std::string, std::string>, nlohmann::json> by;
  for (const auto& file : b.files) by[{file["path"], file["phase"]}] = file;
  auto ops = [&](const std::string& path) { return by[{path, "init"}]["ops"]; };
  EXPECT_EQ(ops("/home/u/.ssh/id_rsa"), nlohmann::json::array({"read"})) << b.files.dump(1);
  EXPECT_FALSE(by.count({"/tmp/ok", "init"}));
  EXPECT_EQ(ops("/home/u/.bashrc"), nlohmann::json::array({"link"}));
  EXPECT_EQ(ops("/home/u/.zshenv"), nlohmann::json::array({"create", "write"}));
  EXPECT_TRUE(by.count({"/tmp/l", "test"}));
  EXPECT_FALSE(by.count({"/home/u/.profile", "test"}));
}

// A link chain that grows each hop stops at a bounded cost, as named.
TEST(Behaviour, AHostileLinkChainCostsABoundedWalk) {
  Feed f = sample();
  std::string deep = "L";  // each hop meets the link again, with 200 more names queued
  for (int i = 0; i < 200; ++i) deep += "/x";
  f.add("init", 5, 101, 2, 100, two_paths("symlink", "/t/L", deep));
  for (int i = 0; i < 50; ++i) f.add("init", 6, 101, 2, 100, open_of("/t/L", O_RDONLY));
  Behaviour b = build_behaviour(f.events, {});
  bool named = false;
  for (const auto& file : b.files) named |= file["path"] == "/t/L" && file["ops"] == nlohmann::json::array({"create", "link", "read"});
  EXPECT_TRUE(named) << b.files.dump(1);
}

// The jail's own links count too: "/var/run/.." is "/" there, not "/var".
TEST(Behaviour, PathsResolveThroughTheJailsOwnLinks) {
  Feed f = sample();
  f.add("init", 5, 101, 2, 100, open_of("/var/run/../home/u/.bashrc", O_WRONLY | O_APPEND));
  f.add("init", 6, 101, 2, 100, open_of("/bin/../etc/x", O_WRONLY | O_CREAT));
  Behaviour b = build_behaviour(f.events, {}, {{"/var/run", "/run"}, {"/bin", "usr/bin"}});
  std::map<std::string, nlohmann::json> by;
  for (const auto& file : b.files) by[file["path"]] = file;
  ASSERT_TRUE(by.count("/home/u/.bashrc")) << b.files.dump(1);
  EXPECT_EQ(by["/home/u/.bashrc"]["via"], nlohmann::json::array({"/var/run/../home/u/.bashrc"}));
  EXPECT_TRUE(by.count("/usr/etc/x")) << b.files.dump(1);
}

// A program written and then run is one files entry, whatever name ran it.
TEST(Behaviour, ExecsNameTheFileTheyRan) {
  Feed f = sample();
  auto add_exec = [&](int64_t ms, uint32_t pid, tracer::ExecEvent e) {
    f.add("init", ms, 101, 2, 100, tracer::ForkEvent{pid, pid, pid - 100, false});
    f.add("init", ms, pid, pid - 100, 101, std::move(e));
  };
  f.add("init", 5, 101, 2, 100, open_of("/tmp/x", O_WRONLY | O_CREAT));
  auto rel = exec_of("./x", {"./x"}, "/tmp");  // after chdir("/tmp"): the kernel's walk
  rel.kernel_filename = rel.interp = "./x", rel.exe_path = "/tmp/x";
  add_exec(6, 110, rel);
  auto fd = exec_of("/proc/self/fd/3", {"qa"});
  fd.kernel_filename = fd.interp = "/proc/self/fd/3", fd.exe_path = "/tmp/x";
  add_exec(7, 111, fd);
  auto memfd = exec_of("", {"qa"});
  memfd.kernel_filename = memfd.interp = "/dev/fd/4", memfd.exe_name = "memfd:stage2";
  add_exec(8, 112, memfd);
  // a script: the loaded file is its interpreter; the script is what ran, from the cwd
  auto script = exec_of("/proc/self/cwd/run.sh", {"/bin/sh", "/proc/self/cwd/run.sh"}, "/tmp");
  script.kernel_filename = "/proc/self/cwd/run.sh", script.interp = "/bin/sh", script.exe_path = "/usr/bin/dash";
  add_exec(9, 113, script);
  Behaviour b = build_behaviour(f.events, {});
  std::map<std::string, nlohmann::json> files;
  for (const auto& file : b.files) files[file["path"]] = file;
  EXPECT_EQ(files["/tmp/x"]["ops"], nlohmann::json::array({"create", "exec", "write"})) << b.files.dump(1);
  EXPECT_EQ(files["/tmp/x"]["via"], nlohmann::json::array({"./x", "/proc/self/fd/3"}));
  EXPECT_TRUE(files.count("memfd:stage2"));
  EXPECT_EQ(files["/tmp/run.sh"]["ops"], nlohmann::json::array({"exec"}));
  // a plain absolute name is what the process shows; the file it resolved to is joined
  auto bin = exec_of("/bin/sh", {"/bin/sh"});
  bin.kernel_filename = bin.interp = "/bin/sh", bin.exe_path = "/usr/bin/dash";
  add_exec(10, 114, bin);
  b = build_behaviour(f.events, {});
  files.clear();
  for (const auto& file : b.files) files[file["path"]] = file;
  EXPECT_EQ(files["/usr/bin/dash"]["via"], nlohmann::json::array({"/bin/sh"}));
  std::set<std::string> exes;
  for (const auto& p : b.processes) exes.insert(p["exe"].get<std::string>());
  EXPECT_TRUE(exes.count("/tmp/x") && exes.count("memfd:stage2") && exes.count("/tmp/run.sh"));
  EXPECT_TRUE(exes.count("/bin/sh"));
  EXPECT_FALSE(exes.count("./x"));
}

// A process shows the name it was run by only when that name says what ran: not a
// spelling of /proc or /dev that reaches a memfd, and not a symlink the run made to
// disguise a shell. A fork shows its parent's argv with its truncation flag.
TEST(Behaviour, ProcessesShowTheFileBehindADisguise) {
  Feed f = sample();
  auto add_exec = [&](int64_t ms, uint32_t pid, tracer::ExecEvent e) {
    f.add("init", ms, 101, 2, 100, tracer::ForkEvent{pid, pid, pid - 100, false});
    f.add("init", ms, pid, pid - 100, 101, std::move(e));
  };
  f.add("init", 5, 101, 2, 100, two_paths("symlink", "/tmp/kworker", "/bin/sh"));
  f.add("init", 5, 101, 2, 100, two_paths("symlink", "/tmp/fdlink", "/proc/self/fd/3"));
  auto disguised = exec_of("/tmp/kworker", {"kworker", "-c", "id"});
  disguised.kernel_filename = disguised.interp = "/tmp/kworker", disguised.exe_path = "/usr/bin/dash";
  add_exec(6, 110, disguised);
  int64_t ms = 7;
  uint32_t pid = 111;
  for (const char* name : {"/./proc/self/fd/3", "//proc/self/fd/3", "/dev/stdin", "/tmp/fdlink"}) {
    auto m = exec_of(name, {"x"});
    m.kernel_filename = m.interp = name, m.exe_name = "memfd:b";
    add_exec(ms++, pid++, m);
  }
  auto plain = exec_of("/bin/sh", {"sh", "-c", "true"});
  plain.kernel_filename = plain.interp = "/bin/sh", plain.exe_path = "/usr/bin/dash";
  add_exec(ms++, pid++, plain);
  auto cut = exec_of("/bin/sh", {std::string(1000, 'A')});
  cut.kernel_filename = cut.interp = "/bin/sh", cut.exe_path = "/usr/bin/dash";
  cut.argv_truncated = true;
  add_exec(ms++, 130, cut);
  f.add("init", ms, 130, 30, 101, tracer::ForkEvent{131, 131, 31, false});  // a subshell
  Behaviour b = build_behaviour(f.events, {}, {{"/bin", "usr/bin"}});
  std::map<uint32_t, nlohmann::json> by_pid;
  for (const auto& p : b.processes) by_pid[p["pid"].get<uint32_t>()] = p;
  EXPECT_EQ(by_pid[10]["exe"], "/usr/bin/dash") << b.processes.dump(1);
  for (uint32_t p = 11; p < 15; ++p) EXPECT_EQ(by_pid[p]["exe"], "memfd:b") << by_pid[p].dump();
  EXPECT_EQ(by_pid[15]["exe"], "/bin/sh");
  EXPECT_EQ(by_pid[31]["argv_truncated"], true) << by_pid[31].dump();
}

// An exec the kernel refused leaves the process as it was and the attempt on the file;
// a shell's PATH search (ENOENT) is noise.
TEST(Behaviour, AFailedExecIsAnAttemptOnTheFile) {
  Feed f = sample();
  f.add("init", 5, 101, 2, 100, open_of("/tmp/stage2", O_WRONLY | O_CREAT));
  f.add("init", 6, 101, 2, 100, tracer::ForkEvent{110, 110, 10, false});
  auto abs = exec_of("/tmp/stage2", {"/tmp/stage2"}, "");
  abs.ret = -EACCES;
  f.add("init", 7, 110, 10, 101, abs);
  auto rel = exec_of("./stage2", {"./stage2"}, "/tmp");  // the cwd walked at the failure
  rel.ret = -EACCES;
  f.add("init", 8, 110, 10, 101, rel);
  auto unplaced = exec_of("./other", {"./other"}, "");
  unplaced.ret = -EACCES;
  f.add("init", 8, 110, 10, 101, unplaced);
  auto search = exec_of("/usr/local/bin/wget", {"wget"}, "");
  search.ret = -ENOENT;
  f.add("init", 9, 110, 10, 101, search);
  Behaviour b = build_behaviour(f.events, {});
  std::vector<nlohmann::json> failed;
  for (const auto& file : b.files)
    if (file.value("failed", false)) failed.push_back(file);
  ASSERT_EQ(failed.size(), 1u) << b.files.dump(1);
  EXPECT_EQ(failed[0]["path"], "/tmp/stage2");
  EXPECT_EQ(failed[0]["ops"], nlohmann::json::array({"exec"}));
  EXPECT_EQ(failed[0]["error"], "EACCES");
  EXPECT_EQ(failed[0]["via"], nlohmann::json::array({"./stage2"}));
  for (const auto& p : b.processes) {
    if (p["pid"] == 10) {
      EXPECT_NE(p["exe"], "/tmp/stage2") << p.dump();
    }
  }
}

TEST(Behaviour, FailedAttemptsAreKeptWithTheirErrorButProbesAreNot) {
  Feed f = sample();
  // blocked intents: listed, marked failed, with the result and its name
  f.add("init", 5, 101, 2, 100, open_of("/dev/sda", O_WRONLY, -EACCES));
  f.add("init", 6, 101, 2, 100, open_of("/dev/sda", O_WRONLY, -EACCES));
  f.add("init", 6, 101, 2, 100, open_of("/etc/shadow", O_RDONLY, -EACCES));
  f.add("init", 7, 101, 2, 100, open_of("/usr/bin/evil", O_WRONLY | O_CREAT, -EROFS));
  f.add("init", 7, 101, 2, 100, open_of("/home/u/.ssh/gone", O_WRONLY | O_TRUNC, -ENOENT));
  tracer::FileEvent rm;
  rm.op = "unlink";
  rm.path = "/etc/hosts";
  rm.ret = -EPERM;
  f.add("init", 8, 101, 2, 100, rm);
  // the same path opened successfully too: a separate entry without an error
  f.add("init", 9, 101, 2, 100, open_of("/dev/sda", O_RDONLY));
  // noise: loader/runtime probes, Go's os.RemoveAll first tries, transient errors
  f.add("init", 9, 101, 2, 100, open_of("/etc/ld.so.preload", O_RDONLY | O_CLOEXEC, -ENOENT));
  f.add("init", 9, 101, 2, 100, open_of("/lib/x/libc.so.6", O_RDONLY, -ENOTDIR));
  tracer::FileEvent dir_unlink = rm;
  dir_unlink.path = "/tmp/t/dir", dir_unlink.ret = -EISDIR;
  f.add("init", 9, 101, 2, 100, dir_unlink);
  tracer::FileEvent full_rmdir = rm;
  full_rmdir.op = "rmdir", full_rmdir.path = "/tmp/t/dir", full_rmdir.ret = -ENOTEMPTY;
  f.add("init", 9, 101, 2, 100, full_rmdir);
  f.add("init", 9, 101, 2, 100, open_of("/tmp/fifo", O_RDONLY, -EINTR));
  // the toolchain's failures stay out like its successes
  f.add("build", 9, 200, 5, 199, open_of("/root/.config/go/env", O_WRONLY, -EACCES));

  Behaviour b = build_behaviour(f.events, {});
  std::map<std::pair<std::string, int>, nlohmann::json> by_result;
  for (const auto& file : b.files) by_result[{file["path"], file.value("result", 0)}] = file;
  auto entry = [&](const std::string& path, int result) { return by_result[{path, result}]; };
  const auto sda = entry("/dev/sda", -EACCES);
  ASSERT_TRUE(sda.is_object()) << b.files.dump(1);
  EXPECT_EQ(sda["ops"], nlohmann::json({"write"}));
  EXPECT_EQ(sda["failed"], true);
  EXPECT_EQ(sda["error"], "EACCES");
  EXPECT_EQ(sda["events"].size(), 2u);
  EXPECT_EQ(sda["process"], 2);
  const auto sda_ok = entry("/dev/sda", 0);
  ASSERT_TRUE(sda_ok.is_object());
  EXPECT_EQ(sda_ok["ops"], nlohmann::json({"read"}));
  EXPECT_FALSE(sda_ok.contains("failed"));
  EXPECT_FALSE(sda_ok.contains("error"));
  EXPECT_EQ(entry("/etc/shadow", -EACCES)["ops"], nlohmann::json({"read"}));
  EXPECT_EQ(entry("/usr/bin/evil", -EROFS)["error"], "EROFS");
  EXPECT_EQ(entry("/home/u/.ssh/gone", -ENOENT)["ops"], nlohmann::json({"write"}));
  EXPECT_EQ(entry("/etc/hosts", -EPERM)["ops"], nlohmann::json({"delete"}));
  for (const auto& file : b.files) {
    std::string path = file["path"];
    EXPECT_NE(path, "/etc/ld.so.preload");
    EXPECT_NE(path, "/lib/x/libc.so.6");
    EXPECT_NE(path, "/tmp/t/dir");
    EXPECT_NE(path, "/tmp/fifo");
    EXPECT_NE(path, "/root/.config/go/env");
  }
}

TEST(Behaviour, DeniedSyscallsGroupedByProcess) {
  Feed f = sample();
  for (int i = 0; i < 3; ++i) f.add("init", 5, 101, 2, 100, tracer::DeniedEvent{101, "ptrace", -1});
  f.add("init", 5, 101, 2, 100, tracer::DeniedEvent{233, "epoll_ctl", -1});
  f.add("build", 5, 300, 9, 299, tracer::DeniedEvent{165, "mount", -1});
  Behaviour b = build_behaviour(f.events, {"ptrace", "mount"});
  ASSERT_EQ(b.denied.size(), 1u) << b.denied.dump();
  EXPECT_EQ(b.denied[0]["name"], "ptrace");
  EXPECT_EQ(b.denied[0]["count"], 3);
  EXPECT_EQ(b.denied[0]["process"], 2);
}

TEST(Behaviour, EventLinesCarryIdPhaseAndTime) {
  Feed f = sample();
  auto j = nlohmann::json::parse(event_line(f.events[1]));
  EXPECT_EQ(j["id"], 2);
  EXPECT_EQ(j["phase"], "init");
  EXPECT_EQ(j["ms"], 1);
  EXPECT_EQ(j["type"], "exec");
}

}  // namespace
}  // namespace gs::harness
