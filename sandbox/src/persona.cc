// Persona generation and the lived-in home; see persona.h. The PRNG is splitmix64, so a
// seed reproduces a persona on every platform (std::uniform_int_distribution does not).
#include "persona.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <sstream>

#include "base/fs.h"
#include "jail.h"

namespace gs::sandbox {
namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

// Words a sandbox-hunting payload looks for in a hostname.
bool says_sandbox(const std::string& host) {
  static const char* tells[] = {"box",      "sandbox", "docker",  "container", "runner", "malware",
                                "analysis", "cuckoo",  "virtual", "qemu",      "vbox",   "vmware"};
  for (const char* t : tells) {
    if (host.find(t) != std::string::npos) return true;
  }
  return false;
}

bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 63 || h.front() == '-' || h.back() == '-') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string lower_dotted(const std::string& full_name) {
  std::string out;
  for (char c : full_name) {
    if (c == ' ')
      out += '.';
    else
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

Result<Persona> Persona::randomize(const PersonaSpec& spec, uint64_t seed) {
  if (spec.users.empty()) return error("persona: no users to choose from");
  if (spec.hostnames.empty()) return error("persona: no hostnames to choose from");
  if (spec.uptime_days_min > spec.uptime_days_max) return error("persona: uptime_days min > max");
  Rng rng{seed};
  Persona p;
  p.seed = seed;
  const std::string& u = rng.pick(spec.users);
  size_t colon = u.find(':');
  p.user = u.substr(0, colon);
  p.full_name = colon == std::string::npos ? p.user : u.substr(colon + 1);
  if (p.user.empty()) return error("persona: user entry '" + u + "' has no login");
  std::string host = rng.pick(spec.hostnames);
  for (size_t at; (at = host.find("{user}")) != std::string::npos;) host.replace(at, 6, p.user);
  if (!valid_hostname(host)) return error("persona: '" + host + "' is not a valid host name");
  if (says_sandbox(host)) return error("persona: host name '" + host + "' gives the sandbox away");
  p.hostname = host;
  p.home = "/home/" + p.user;
  const std::string domain =
      spec.email_domains.empty() ? "example.com" : rng.pick(spec.email_domains);
  p.email = lower_dotted(p.full_name) + "@" + domain;
  // Days plus a random part of a day, so two runs never show the same uptime.
  uint64_t days = spec.uptime_days_min + rng.below(spec.uptime_days_max - spec.uptime_days_min + 1);
  p.uptime = std::chrono::seconds(days * 86400 + rng.below(86400));
  p.shell = spec.shell;
  p.lang = spec.lang;
  p.term = spec.term;
  p.editor = spec.editor;
  p.tz = spec.tz;
  std::vector<std::string> projects = spec.projects;
  for (size_t i = projects.size(); i > 1; --i) std::swap(projects[i - 1], projects[rng.below(i)]);
  size_t keep = projects.empty() ? 0 : 1 + rng.below(projects.size());
  projects.resize(keep);
  p.projects = projects;
  return p;
}

namespace {

class HomeWriter {
 public:
  HomeWriter(const Persona& p, const std::string& root)
      : p_(p), root_(root), rng_{p.seed ^ 0x40e} {}

  Status dir(const std::string& rel, int mode = 0755) {
    std::string path = root_ + "/" + rel;
    GS_TRY(make_dirs(path, mode));
    ::chmod(path.c_str(), mode);
    written_.push_back(path);
    return {};
  }
  Status file(const std::string& rel, const std::string& body, int mode = 0644) {
    std::string path = root_ + "/" + rel;
    size_t slash = rel.rfind('/');
    if (slash != std::string::npos) GS_TRY(dir(rel.substr(0, slash)));
    GS_TRY(write_file_atomic(path, body, mode));
    written_.push_back(path);
    return {};
  }
  // Ownership for the jail's user and mtimes spread over the past weeks, newest for
  // the shell history, as on a machine in daily use.
  Status finish() {
    const time_t now = ::time(nullptr);
    const bool root = ::geteuid() == 0;
    written_.push_back(root_);
    for (const auto& path : written_) {
      time_t t = now - static_cast<time_t>(rng_.below(40 * 86400));
      if (path.find("history") != std::string::npos)
        t = now - static_cast<time_t>(rng_.below(3600));
      struct timespec ts[2] = {{t, 0}, {t, 0}};
      ::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW);
      if (root && ::lchown(path.c_str(), host_id(p_.uid), host_id(p_.uid)) != 0) {
        return sys_error("lchown('" + path + "')");
      }
    }
    return {};
  }
  Rng& rng() { return rng_; }

 private:
  const Persona& p_;
  std::string root_;
  Rng rng_;
  std::vector<std::string> written_;
};

std::string bash_history(const Persona& p, Rng& rng) {
  std::vector<std::string> cmds = {
      "ls -la",
      "git status",
      "git pull --rebase",
      "go test ./...",
      "go build ./...",
      "make",
      "htop",
      "cd ~/src",
      "git log --oneline | head",
      "docker ps",
      "kubectl get pods",
      "vim main.go",
      "go mod tidy",
      "ssh build01.internal.example.com",
      "df -h",
      "git diff",
      "curl -s https://api.github.com/repos/golang/go | jq .stargazers_count",
      "sudo apt update && sudo apt upgrade",
      "code .",
      "go version",
      "git checkout -b fix/timeout",
      "git push origin HEAD",
      "tail -f /var/log/syslog"};
  std::ostringstream out;
  for (const auto& pr : p.projects) out << "cd ~/src/" << pr << "\n";
  for (int i = 0; i < 180; ++i) {
    out << rng.pick(cmds) << "\n";
    if (!p.projects.empty() && rng.below(9) == 0)
      out << "cd ~/src/" << rng.pick(p.projects) << "\n";
  }
  return out.str();
}

}  // namespace

Status populate_home(const Persona& p, const std::string& host_dir) {
  GS_TRY(make_dirs(host_dir, 0755));
  HomeWriter w(p, host_dir);
  GS_TRY(w.file(".bashrc",
                "# ~/.bashrc: executed by bash(1) for non-login shells.\n"
                "case $- in *i*) ;; *) return;; esac\n"
                "HISTCONTROL=ignoreboth\nHISTSIZE=10000\nHISTFILESIZE=20000\nshopt -s histappend\n"
                "alias ll='ls -alF'\nalias gs='git status'\n"
                "export PATH=\"$HOME/go/bin:$HOME/.local/bin:$PATH\"\n"
                "export EDITOR=" +
                    p.editor + "\n"));
  GS_TRY(w.file(
      ".profile",
      "# ~/.profile: executed by the command interpreter for login shells.\n"
      "if [ -n \"$BASH_VERSION\" ] && [ -f \"$HOME/.bashrc\" ]; then . \"$HOME/.bashrc\"; fi\n"
      "if [ -d \"$HOME/bin\" ] ; then PATH=\"$HOME/bin:$PATH\"; fi\n"));
  GS_TRY(w.file(".bash_logout", "# ~/.bash_logout\nclear\n"));
  GS_TRY(w.file(".bash_history", bash_history(p, w.rng()), 0600));
  GS_TRY(w.file(".gitconfig", "[user]\n\tname = " + p.full_name + "\n\temail = " + p.email +
                                  "\n[pull]\n\trebase = true\n[init]\n\tdefaultBranch = main\n"
                                  "[core]\n\teditor = " +
                                  p.editor + "\n[alias]\n\tst = status\n\tco = checkout\n"));
  GS_TRY(w.file(".ssh/known_hosts",
                "github.com ssh-ed25519 "
                "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
                "gitlab.com ssh-ed25519 "
                "AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf\n",
                0644));
  GS_TRY(w.dir(".ssh", 0700));
  GS_TRY(w.file(".config/go/env", "GOPRIVATE=git.internal.example.com\n"));
  GS_TRY(w.file(".vimrc", "set number\nsyntax on\nset expandtab\nset shiftwidth=4\n"));
  GS_TRY(w.file(".selected_editor", "SELECTED_EDITOR=\"/usr/bin/" + p.editor + "\"\n"));
  GS_TRY(w.dir(".cache/go-build"));
  GS_TRY(w.dir(".local/bin"));
  GS_TRY(w.dir("go/bin"));
  GS_TRY(w.dir("go/pkg/mod"));
  GS_TRY(w.dir("Downloads"));
  GS_TRY(w.file("Documents/notes.md",
                "# TODO\n\n- review PR for the rate limiter\n- renew certs before the 15th\n"
                "- 1:1 with team lead on Thursday\n"));
  GS_TRY(w.dir("Desktop"));
  for (const auto& pr : p.projects) {
    std::string base = "src/" + pr;
    GS_TRY(w.file(base + "/go.mod",
                  "module git.internal.example.com/" + p.user + "/" + pr + "\n\ngo 1.19\n"));
    GS_TRY(w.file(base + "/README.md", "# " + pr + "\n\nInternal tool. Run `make` to build.\n"));
    GS_TRY(w.file(
        base + "/main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"" + pr + "\")\n}\n"));
    GS_TRY(w.file(base + "/Makefile", "build:\n\tgo build ./...\n\ntest:\n\tgo test ./...\n"));
    GS_TRY(w.file(base + "/.git/HEAD", "ref: refs/heads/main\n"));
    GS_TRY(w.file(base + "/.git/config",
                  "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
                  "[remote \"origin\"]\n\turl = git@git.internal.example.com:" +
                      p.user + "/" + pr + ".git\n"));
  }
  return w.finish();
}

}  // namespace gs::sandbox
