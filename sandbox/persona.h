// The persona: who the analysed code believes it runs as. Malware looks for sandboxes
// (CI variables, hostnames with "box" or "sandbox", /.dockerenv, an empty home, an uptime
// of seconds), so the jail presents a plausible developer workstation instead: a real-looking
// user and hostname, a lived-in home and days of uptime. PersonaSpec is data from the
// profile; Persona::randomize picks one concrete persona per run from it, deterministically
// for a given seed so a run can be reproduced.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::sandbox {

struct PersonaSpec {
  // Each entry "login:Full Name". {user} in hostnames is replaced by the login.
  std::vector<std::string> users{"alex:Alex Morgan"};
  std::vector<std::string> hostnames{"{user}-thinkpad"};
  std::vector<std::string> email_domains{"example.com"};
  std::vector<std::string> projects{"dotfiles"};  // folders under ~/src
  uint32_t uptime_days_min = 2, uptime_days_max = 30;
  std::string shell = "/bin/bash";
  std::string lang = "en_US.UTF-8";
  std::string term = "xterm-256color";
  std::string editor = "vim";
  std::string tz = "Europe/Berlin";
};

struct Persona {
  std::string user;                // login, e.g. "mkovacs"
  std::string full_name;           // "Maria Kovacs"
  std::string email;               // "maria.kovacs@example.com"
  std::string hostname;            // "mkovacs-thinkpad"
  std::string home;                // "/home/mkovacs"
  uid_t uid = 1000;                // inside the jail; never changes
  std::chrono::seconds uptime{0};  // boot-time offset of the jail's time namespace
  std::string shell, lang, term, editor, tz;
  std::vector<std::string> projects;  // chosen subset, in ~/src
  uint64_t seed = 0;

  // Picks user, hostname, projects and uptime from `spec` with a PRNG seeded by `seed`.
  // Fails when the spec holds no user or hostname, a user entry has no valid login, or a
  // generated hostname is not a valid host name or says it is a sandbox.
  static Result<Persona> randomize(const PersonaSpec& spec, uint64_t seed);
};

// Writes a lived-in home for `persona` into `host_dir` (created if missing): shell startup
// files and history, .gitconfig, .ssh/known_hosts, ~/src/<project> checkouts with a
// go.mod and a README, Downloads and Documents, ~/go; mtimes spread over past weeks. When
// run as root, everything is chowned to host_id(persona.uid) so the jail's user owns it.
Status populate_home(const Persona& persona, const std::string& host_dir);

}  // namespace gs::sandbox
