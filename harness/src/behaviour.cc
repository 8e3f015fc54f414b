// Joining tracer events into the behaviour model; see behaviour.h.
#include "behaviour.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

namespace gs::harness {
namespace {
using nlohmann::json;

// One exec identity: a process from its fork (or exec) until its next exec or exit.
struct Proc {
  int64_t id = 0;
  uint32_t host_pid = 0;
  uint32_t pid = 0;         // inside the jail
  uint32_t ppid = 0;        // inside the jail (0 when the parent is outside)
  int64_t parent_id = 0;    // exec identity of the parent (or of this pid before an exec)
  std::string phase;
  std::string exe;
  std::vector<std::string> argv;
  bool argv_truncated = false;
  std::string cwd;
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;
  std::optional<int> exit_code, signal;
  bool execed = false;
  // The jail's own init and its payload child before exec run gosandbox code, not the
  // module's: they are in the tree, but their file activity and failures are not listed.
  bool harness_owned = false;
  uint64_t event_id = 0;
};


struct FileKey {
  std::string path, phase;
  int64_t result = 0;  // 0 for what succeeded; -errno for attempts that failed with it
  auto operator<=>(const FileKey&) const = default;
};

// Which failed file operations are attempts worth listing. A failure blocked by the
// sandbox or the filesystem (EACCES, EPERM, EROFS, ENOSPC, EEXIST, ETXTBSY, ...) still
// shows intent: opening /dev/sda for write is destruction intent even when denied. Left
// out as noise: lookups of files that do not exist when the intent was only to read or run
// them (the dynamic loader's and runtime's probes, a shell's PATH search: ENOENT/ENOTDIR),
// the first half of Go's os.Remove/RemoveAll (unlink of a directory, rmdir of a non-empty
// one: EISDIR/ENOTEMPTY, retried and recorded on their own), and transient EINTR/EAGAIN.
// ENOENT for write, create, delete, rename, chmod and the like is kept: the target was
// named on purpose.
bool failure_is_attempt(int64_t ret, const std::vector<std::string>& ops) {
  int err = int(-ret);
  if (err == EINTR || err == EAGAIN) return false;
  bool probe = ops.size() == 1 && (ops[0] == "read" || ops[0] == "exec");  // or a PATH search
  if (probe && (err == ENOENT || err == ENOTDIR)) return false;
  bool deleting = ops.size() == 1 && ops[0] == "delete";
  if (deleting && (err == EISDIR || err == ENOTEMPTY)) return false;
  return true;
}

std::string errno_name(int64_t ret) {
  const char* name = ::strerrorname_np(int(-ret));
  return name ? name : "E" + std::to_string(-ret);
}

std::vector<std::string> file_ops(const tracer::FileEvent& f) {
  const std::string& op = f.op;
  if (op == "open" || op == "openat" || op == "openat2" || op == "creat") {
    // O_PATH: a handle for *at calls and fstat; no content is read or written, and the
    // other flags are ignored (the calls made through it are recorded on their own)
    if (op != "creat" && (f.flags & O_PATH)) return {};
    std::vector<std::string> ops;
    int acc = int(f.flags & O_ACCMODE);
    if (op == "creat" || (f.flags & O_CREAT)) ops.push_back("create");
    if (op == "creat" || acc == O_WRONLY || acc == O_RDWR || (f.flags & O_TRUNC)) ops.push_back("write");
    if (op != "creat" && (acc == O_RDONLY || acc == O_RDWR)) ops.push_back("read");
    return ops;
  }
  if (op.starts_with("unlink") || op == "rmdir") return {"delete"};
  if (op.find("chmod") != std::string::npos) return {"chmod"};
  if (op.find("chown") != std::string::npos) return {"chown"};
  if (op.starts_with("rename")) return {"rename"};
  if (op.starts_with("mkdir")) return {"mkdir"};
  if (op.starts_with("symlink")) return {"create", "link"};  // path: the new link
  if (op.starts_with("link")) return {"link"};                  // path: the existing name
  if (op.find("truncate") != std::string::npos) return {"truncate"};
  return {};
}

// Does `f` act on what its path's last component points to, when that is a symlink? The
// kernel follows it for open (unless O_NOFOLLOW, or O_CREAT|O_EXCL), chmod, chown and
// truncate; names are made, removed and moved as themselves.
bool follows_last(const tracer::FileEvent& f) {
  const std::string& op = f.op;
  if (op == "open" || op == "openat" || op == "openat2")
    return !(f.flags & O_NOFOLLOW) && (f.flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
  if (op == "creat" || op == "chmod" || op == "chown" || op == "truncate") return true;
  if (op == "fchmodat" || op == "fchmodat2" || op == "fchownat") return !(f.flags & AT_SYMLINK_NOFOLLOW);
  return false;
}

// Symlinks module code made during the run (absolute link path -> target as written), so
// that a write through one names the file it reached: `ln -s ~/.profile x` then a write to
// x modifies ~/.profile. Paths are resolved as the kernel walks them, one component at a
// time: "." and ".." (so "a/../../.zshrc" names ~/.zshrc) and these links, at most 40 of
// them. Links that were there before the run are the jail's own (/var/run -> /run,
// /bin -> usr/bin), given by the caller; the module cannot make one unseen.
class Links {
 public:
  explicit Links(std::map<std::string, std::string> before = {}) : links_(std::move(before)) {}
  void made(const std::string& link, const std::string& target) {
    if (!link.empty() && link[0] == '/') links_[link] = target;
  }
  void removed(const std::string& path) { links_.erase(path); }
  // a rename moves a link, or every link below a directory, over whatever `to` was
  void moved(const std::string& from, const std::string& to) {
    std::map<std::string, std::string> moved;
    for (auto it = links_.begin(); it != links_.end();) {
      if (under(it->first, from)) {
        moved[to + it->first.substr(from.size())] = it->second;
        it = links_.erase(it);
      } else {
        ++it;
      }
    }
    removed_under(to);
    for (auto& [k, v] : moved) links_[k] = std::move(v);
  }
  // everything at or below `dir` (a file system that went away, a name replaced)
  void removed_under(const std::string& dir) {
    for (auto it = links_.begin(); it != links_.end();) it = under(it->first, dir) ? links_.erase(it) : std::next(it);
  }
  static bool under(const std::string& path, const std::string& dir) {
    return path == dir || (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
  }

  // `path` resolved; a relative or partial path ("..." in front) is returned as it is.
  // /proc/self/root (or thread-self's, or a pid's) is the jail's root.
  std::string resolve(const std::string& path, bool follow_last) const {
    if (path.empty() || path[0] != '/') return path;
    std::vector<std::string> done, todo = split_reversed(path);
    std::string joined;  // "/" + done joined, kept alongside
    int hops = 0, steps = 0;
    while (!todo.empty()) {
      // a hostile chain of long link targets must not cost more than a kernel walk would
      if (++steps > 4096) return path;
      std::string c = std::move(todo.back());
      todo.pop_back();
      if (c.empty() || c == ".") continue;
      if (c == "..") {
        if (!done.empty()) {
          joined.resize(joined.size() - done.back().size() - 1);
          done.pop_back();
        }
        continue;
      }
      if (c == "root" && done.size() == 2 && done[0] == "proc" &&
          (done[1] == "self" || done[1] == "thread-self" || done[1].find_first_not_of("0123456789") == std::string::npos)) {
        done.clear(), joined.clear();
        continue;
      }
      joined += "/" + c;
      done.push_back(std::move(c));
      if (links_.empty() || (todo.empty() && !follow_last)) continue;
      auto it = links_.find(joined);
      if (it == links_.end()) continue;
      if (++hops > 40) return path;  // ELOOP: the call failed; keep what was named
      joined.resize(joined.size() - done.back().size() - 1);
      done.pop_back();  // the link's directory is where a relative target starts
      if (!it->second.empty() && it->second[0] == '/') done.clear(), joined.clear();
      for (auto& t : split_reversed(it->second)) todo.push_back(std::move(t));
    }
    return joined.empty() ? "/" : joined;
  }

 private:
  static std::vector<std::string> split_reversed(const std::string& p) {
    std::vector<std::string> out;
    size_t end = p.size();
    while (end > 0) {
      size_t slash = p.rfind('/', end - 1);
      if (slash == std::string::npos) {
        out.push_back(p.substr(0, end));
        break;
      }
      out.push_back(p.substr(slash + 1, end - slash - 1));
      end = slash;
    }
    return out;
  }
  std::map<std::string, std::string> links_;
};

// Names of one file made during the run with link/linkat: reading or writing through one
// reads or writes the others (one inode), so `ln ~/.bashrc x` then a write to x modifies
// ~/.bashrc, and a read of x reads the credentials it links.
class Aliases {
 public:
  void linked(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty() || a == b) return;
    int ia = id(a), ib = id(b);
    if (ia == ib) return;
    for (const auto& n : members_[ib]) id_of_[n] = ia;
    members_[ia].merge(members_[ib]);
    members_.erase(ib);
  }
  void removed(const std::string& name) {
    auto it = id_of_.find(name);
    if (it == id_of_.end()) return;
    members_[it->second].erase(name);
    id_of_.erase(it);
  }
  // a rename moves a name, or every name below a directory, over whatever `to` was
  void moved(const std::string& from, const std::string& to) {
    std::vector<std::pair<std::string, int>> moved;
    for (const auto& [name, group] : id_of_)
      if (Links::under(name, from)) moved.emplace_back(to + name.substr(from.size()), group);
    removed_under(from);
    removed_under(to);
    for (const auto& [name, group] : moved) {
      id_of_[name] = group;
      members_[group].insert(name);
    }
  }
  void removed_under(const std::string& dir) {
    std::vector<std::string> gone;
    for (const auto& [name, group] : id_of_)
      if (Links::under(name, dir)) gone.push_back(name);
    for (const auto& n : gone) removed(n);
  }
  std::vector<std::string> others(const std::string& name) const {
    std::vector<std::string> out;
    auto it = id_of_.find(name);
    if (it == id_of_.end()) return out;
    for (const auto& n : members_.at(it->second))
      if (n != name) out.push_back(n);
    return out;
  }

 private:
  int id(const std::string& n) {
    auto [it, fresh] = id_of_.emplace(n, next_);
    if (fresh) members_[next_++].insert(n);
    return it->second;
  }
  std::map<std::string, int> id_of_;
  std::map<int, std::set<std::string>> members_;
  int next_ = 0;
};

// Operations on a file's content (or inode), which reach it under every name it has.
std::vector<std::string> content_ops(const std::vector<std::string>& ops) {
  std::vector<std::string> out;
  for (const auto& o : ops)
    if (o == "read" || o == "write" || o == "truncate" || o == "chmod" || o == "chown" || o == "exec")
      out.push_back(o);
  return out;
}

class Builder {
 public:
  Builder(const std::set<std::string>& denied_by_profile, const std::map<std::string, std::string>& links)
      : denied_by_profile_(denied_by_profile), links_(links), jail_links_(links) {}

  void add(const TracedEvent& te) {
    if (te.phase != phase_) {  // a phase is a new jail: its own tmpfs mounts start empty
      phase_ = te.phase;
      for (const char* d : {"/tmp", "/var/tmp", "/dev/shm"}) links_.removed_under(d), aliases_.removed_under(d);
    }
    const auto& h = te.event.header;
    std::visit([&](const auto& body) { on(te, h, body); }, te.event.body);
  }

  Behaviour finish() {
    Behaviour b;
    for (const Proc& p : procs_) {
      b.processes.push_back({{"id", p.id},
                             {"pid", p.pid},
                             {"ppid", p.ppid},
                             {"host_pid", p.host_pid},
                             {"parent", p.parent_id ? json(p.parent_id) : json(nullptr)},
                             {"phase", p.phase},
                             {"exe", p.exe},
                             {"argv", p.argv},
                             {"argv_truncated", p.argv_truncated},
                             {"cwd", p.cwd},
                             {"start_ms", p.start_ms},
                             {"end_ms", p.end_ms ? json(*p.end_ms) : json(nullptr)},
                             {"exit_code", p.exit_code ? json(*p.exit_code) : json(nullptr)},
                             {"signal", p.signal ? json(*p.signal) : json(nullptr)},
                             {"jail_init", p.harness_owned},
                             {"event", p.event_id}});
    }
    for (const auto& [key, f] : files_) {
      json entry = {{"path", key.path},
                    {"phase", key.phase},
                    {"ops", json(std::vector<std::string>(f.ops.begin(), f.ops.end()))},
                    {"process", f.process},
                    {"first_ms", f.first_ms},
                    {"events", f.events}};
      if (!f.via.empty()) entry["via"] = std::vector<std::string>(f.via.begin(), f.via.end());
      if (key.result < 0) {
        entry["failed"] = true;
        entry["result"] = key.result;
        entry["error"] = errno_name(key.result);
      }
      b.files.push_back(std::move(entry));
    }
    for (const auto& [key, n] : denied_) {
      b.denied.push_back({{"name", key.first}, {"process", key.second}, {"count", n}, {"action", "errno"}});
    }
    return b;
  }

 private:
  struct FileAgg {
    std::set<std::string> ops;
    int64_t process = 0;
    int64_t first_ms = 0;
    std::vector<uint64_t> events;  // the first few, as evidence
    std::set<std::string> via;     // other names the calls used (the first few)
  };

  // One more operation on a file entry: the first one names the process and the time;
  // the first few events are kept as evidence.
  void note_file(const FileKey& key, const Proc& p, const TracedEvent& te,
                 const std::vector<std::string>& ops, const std::string& via = "") {
    FileAgg& agg = files_[key];
    if (agg.ops.empty()) {
      agg.process = p.id;
      agg.first_ms = te.ms;
    }
    agg.ops.insert(ops.begin(), ops.end());
    if (agg.events.size() < 8) agg.events.push_back(te.id);
    if (!via.empty() && agg.via.size() < 4) agg.via.insert(via);
  }

  Proc* current(uint32_t host_pid) {
    auto it = by_pid_.find(host_pid);
    return it == by_pid_.end() ? nullptr : &procs_[it->second];
  }

  // The process an event belongs to; a process first seen mid-life (started before
  // tracing, e.g. the jail's own init) gets an identity from the event's header.
  Proc& proc_for(const TracedEvent& te, const tracer::Header& h) {
    if (Proc* p = current(h.pid)) return *p;
    Proc p;
    p.host_pid = h.pid;
    p.pid = h.ns_pid;
    p.phase = te.phase;
    p.exe = h.comm;
    p.start_ms = te.ms;
    p.event_id = te.id;
    if (Proc* parent = current(h.ppid)) {
      p.ppid = parent->pid;
      p.parent_id = parent->id;
      p.harness_owned = parent->harness_owned;
    } else {
      p.harness_owned = h.ns_pid == 1;  // the jail's init, first seen mid-life
    }
    return push(std::move(p));
  }

  Proc& push(Proc p) {
    p.id = int64_t(procs_.size()) + 1;
    procs_.push_back(std::move(p));
    by_pid_[procs_.back().host_pid] = procs_.size() - 1;
    return procs_.back();
  }

  void on(const TracedEvent& te, const tracer::Header& h, const tracer::ForkEvent& f) {
    if (f.thread) return;
    Proc& parent = proc_for(te, h);
    Proc child;
    child.host_pid = f.child_pid;
    child.pid = f.child_ns_pid;
    child.ppid = parent.pid;
    child.parent_id = parent.id;
    child.phase = te.phase;
    child.exe = parent.exe;
    child.argv = parent.argv;
    child.argv_truncated = parent.argv_truncated;
    child.cwd = parent.cwd;
    child.harness_owned = parent.harness_owned;
    child.start_ms = te.ms;
    child.event_id = te.id;
    push(std::move(child));
  }

  void on(const TracedEvent& te, const tracer::Header& h, const tracer::ExecEvent& e) {
    if (e.ret < 0) return failed_exec(te, h, e);
    const std::string named = !e.filename.empty() ? e.filename : e.kernel_filename;
    const std::string ran = executed(e, named);
    const std::string exe = shown_exe(named, ran);
    Proc* cur = current(h.pid);
    if (cur && cur->execed) {
      // A second exec in the same process is a new identity whose parent is the old one.
      Proc next;
      next.host_pid = cur->host_pid;
      next.pid = cur->pid;
      next.ppid = cur->ppid;
      next.parent_id = cur->id;
      next.phase = te.phase;
      next.start_ms = te.ms;
      next.event_id = te.id;
      cur->end_ms = te.ms;
      cur = &push(std::move(next));
    }
    Proc& p = cur ? *cur : proc_for(te, h);
    fill_exec(p, e, exe);
    if (!is_toolchain_phase(te.phase)) {
      note_file(FileKey{ran, te.phase}, p, te, {"exec"}, ran == named ? "" : named);
      for (const auto& other : aliases_.others(ran)) note_file(FileKey{other, te.phase}, p, te, {"exec"}, ran);
    }
  }

  // A failed exec leaves the process as it was. An attempt to run a file that is there
  // (EACCES: not executable, or a noexec mount; ENOEXEC; ETXTBSY; ...) is kept on the
  // file as a failed exec, so that "wrote it, then tried to run it" shows; ENOENT and
  // ENOTDIR are a shell's PATH search, noise, and stay in events.jsonl.
  void failed_exec(const TracedEvent& te, const tracer::Header& h, const tracer::ExecEvent& e) {
    if (is_toolchain_phase(te.phase) || e.filename.empty()) return;
    if (!failure_is_attempt(e.ret, {"exec"})) return;
    if (e.filename[0] != '/' && (e.cwd.empty() || e.cwd[0] != '/' || e.cwd_truncated))
      return;  // cannot be placed
    const std::string path = in_cwd(e.cwd, e.filename);
    Proc& p = proc_for(te, h);
    if (p.harness_owned) return;
    const std::string reached = links_.resolve(path, true);
    note_file(FileKey{reached, te.phase, e.ret}, p, te, {"exec"}, reached == e.filename ? "" : e.filename);
  }

  // The file an exec ran, so that a program written and then run is one files entry
  // whatever name ran it ("./x" after chdir, /proc/self/fd/N, a dirfd, a hard link,
  // /proc/self/exe): for a binary, the kernel's walk of the file it loaded; a memfd is
  // "memfd:NAME"; a script (whose loaded file is its interpreter) is the name the caller
  // used, joined to the exec's cwd and resolved like other paths.
  std::string executed(const tracer::ExecEvent& e, const std::string& named) const {
    const bool script = !e.interp.empty() && e.interp != e.kernel_filename;
    if (!script && !e.exe_path.empty() && e.exe_path[0] == '/') return e.exe_path;
    if (!script && e.exe_name.starts_with("memfd:")) return e.exe_name;
    std::string path = named;
    const std::string self_cwd = "/proc/self/cwd/";
    if (path.starts_with(self_cwd)) path = path.substr(self_cwd.size());
    return links_.resolve(in_cwd(e.cwd, path), true);
  }

  // A relative `path` joined to an absolute `cwd`; anything else as it is.
  static std::string in_cwd(const std::string& cwd, const std::string& path) {
    if (path.empty() || path[0] == '/' || cwd.empty() || cwd[0] != '/') return path;
    return (cwd == "/" ? "" : cwd) + "/" + path;
  }

  // The name a process shows: the name it was run by when that name says what ran, a
  // plain absolute path (no ".", "..", "//"; not under /proc or /dev, whose magic links and
  // /dev/stdin name whatever an fd holds) reached through no link the run made: /bin/sh,
  // not the /usr/bin/dash it resolves to. Otherwise the file that ran: a memfd is
  // memfd:NAME however it was reached, and `ln -s /bin/sh /tmp/kworker` then running
  // /tmp/kworker shows /usr/bin/dash, so that rules matching names see through it.
  std::string shown_exe(const std::string& named, const std::string& ran) const {
    if (ran.starts_with("memfd:") || !plain_spelling(named)) return ran;
    if (links_.resolve(named, true) != jail_links_.resolve(named, true)) return ran;
    return named;
  }

  static bool plain_spelling(const std::string& p) {
    if (p.size() < 2 || p[0] != '/' || p.back() == '/') return false;
    if (p.starts_with("/proc/") || p.starts_with("/dev/")) return false;
    for (const char* odd : {"//", "/./", "/../"})
      if (p.find(odd) != std::string::npos) return false;
    return !p.ends_with("/.") && !p.ends_with("/..");
  }

  static void fill_exec(Proc& p, const tracer::ExecEvent& e, const std::string& exe) {
    p.execed = true;
    p.harness_owned = false;
    p.exe = exe;
    p.argv = e.argv;
    p.argv_truncated = e.argv_truncated;
    if (!e.cwd.empty()) p.cwd = e.cwd;
  }

  void on(const TracedEvent& te, const tracer::Header& h, const tracer::ExitEvent& x) {
    if (!x.process_exit) return;
    Proc* p = current(h.pid);
    if (!p) return;
    p->end_ms = te.ms;
    if (x.signal) p->signal = x.signal;
    else p->exit_code = x.exit_code;
  }

  // Successful operations aggregate per (path, phase); failed attempts that are not
  // noise (failure_is_attempt) per (path, phase, result), as entries marked failed.
  void on(const TracedEvent& te, const tracer::Header& h, const tracer::FileEvent& f) {
    if (is_toolchain_phase(te.phase)) return;
    int64_t result = f.ret < 0 ? f.ret : 0;
    if (result < 0 && !failure_is_attempt(result, file_ops(f))) return;
    Proc& p = proc_for(te, h);
    if (p.harness_owned) return;
    // Paths as the kernel resolved them (a relative path joined to its dirfd's directory
    // or the cwd at the time of the call), so that a write through a dirfd or after a
    // chdir names the file it hit.
    // Then through ".", ".." and the symlinks the run made (or, for an open whose path
    // was too long to record whole, the file the kernel says it opened), so that the
    // entry names the file the call reached; the name used is kept in `via`.
    auto note = [&](const std::string& named, const std::string& reached,
                    const std::vector<std::string>& ops) {
      if (ops.empty() || named.empty()) return;
      std::string via = named == reached ? "" : f.truncated ? named + "..." : named;
      note_file(FileKey{reached, te.phase, result}, p, te, ops, via);
    };
    const std::string named = tracer::file_abs_path(f, false, p.cwd);
    // The kernel's walk of what an open reached, where the name cannot say: a cut path, or
    // a magic link out of /proc (/proc/self/cwd/x). A file of /proc itself keeps the name
    // it was opened by (/proc/self/cgroup, not /proc/2/cgroup: rules name those).
    const bool walked = !f.opened.empty() && (f.truncated || !f.opened.starts_with("/proc/"));
    const std::string reached = walked ? f.opened : links_.resolve(named, follows_last(f));
    note(named, reached, file_ops(f));
    if (auto content = content_ops(file_ops(f)); !content.empty())
      for (const auto& other : aliases_.others(reached)) note(reached, other, content);
    const bool rename = f.op.starts_with("rename"), link = f.op.starts_with("link");
    std::string named2, reached2;
    if (rename || link) {
      named2 = tracer::file_abs_path(f, true, p.cwd);
      reached2 = links_.resolve(named2, false);
      // the new name: made by the call (a hard link has the old name's content)
      note(named2, reached2, link ? std::vector<std::string>{"create", "link"} : std::vector<std::string>{"create"});
    }
    if (result < 0) return;
    if (f.op.starts_with("symlink")) {
      links_.made(reached, f.path2);
    } else if (f.op.starts_with("unlink")) {
      links_.removed(reached);
      aliases_.removed(reached);
    } else if (rename) {
      links_.moved(reached, reached2);
      aliases_.moved(reached, reached2);
    } else if (link) {
      aliases_.linked(reached, reached2);
    }
  }

  void on(const TracedEvent& te, const tracer::Header& h, const tracer::DeniedEvent& d) {
    if (is_toolchain_phase(te.phase) || !denied_by_profile_.count(d.syscall)) return;
    Proc& p = proc_for(te, h);
    if (p.harness_owned) return;
    ++denied_[{d.syscall, p.id}];
  }

  // Unix sockets are files to the report: connecting to /var/run/docker.sock (or
  // sending to a datagram socket's path) is "connect" on that path, binding one is
  // "bind"; abstract names keep their '@'. Failures are kept like other attempts: the
  // socket a payload names is rarely there in the jail. Inet destinations are the
  // network section's.
  void on(const TracedEvent& te, const tracer::Header& h, const tracer::NetEvent& n) {
    if (is_toolchain_phase(te.phase) || !n.addr || n.addr->family != AF_UNIX) return;
    const std::string& sun = n.addr->unix_path;
    if (sun.empty()) return;  // unnamed (autobind, socketpair peers)
    std::vector<std::string> ops;
    if (n.op == "connect" || n.op.starts_with("send")) ops = {"connect"};
    else if (n.op == "bind") ops = {"bind"};
    else return;  // accept's peer: the other side's name, not an action on it
    int64_t result = n.ret < 0 ? n.ret : 0;
    if (result < 0 && !failure_is_attempt(result, ops)) return;
    Proc& p = proc_for(te, h);
    if (p.harness_owned) return;
    // relative: joined to the cwd the kernel resolved it against (the exec's cwd when an
    // older recording has none)
    note_file(FileKey{tracer::unix_abs_path(*n.addr, p.cwd), te.phase, result}, p, te, ops);
  }
  void on(const TracedEvent&, const tracer::Header&, const tracer::SecurityEvent&) {}
  void on(const TracedEvent&, const tracer::Header&, const tracer::SocketEvent&) {}

  const std::set<std::string>& denied_by_profile_;
  std::vector<Proc> procs_;
  std::map<uint32_t, size_t> by_pid_;  // host pid -> its current exec identity
  std::map<FileKey, FileAgg> files_;
  Links links_;
  const Links jail_links_;  // the jail's own links only: what a name means without the run's
  Aliases aliases_;
  std::string phase_;  // of the last event
  std::map<std::pair<std::string, int64_t>, uint64_t> denied_;
};

}  // namespace

bool is_toolchain_phase(const std::string& phase) { return phase == "plan" || phase == "build"; }

Behaviour build_behaviour(const std::vector<TracedEvent>& events,
                          const std::set<std::string>& denied_by_profile,
                          const std::map<std::string, std::string>& links) {
  Builder b(denied_by_profile, links);
  for (const auto& e : events) b.add(e);
  return b.finish();
}

std::string event_line(const TracedEvent& e) {
  json j = tracer::to_json(e.event);
  j["id"] = e.id;
  j["phase"] = e.phase;
  j["ms"] = e.ms;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace gs::harness
