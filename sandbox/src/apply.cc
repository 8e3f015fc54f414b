// Applying a profile and a persona to a JailSpec; see profile.h. The environment is what
// `bash -l` in a terminal emulator would export on a Debian desktop, without anything a
// CI system sets.
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "profile.h"

namespace gs::sandbox {

bool is_ci_variable(const std::string& key) {
  static const char* exact[] = {"CI",          "CONTINUOUS_INTEGRATION",
                                "BUILD_ID",    "BUILD_NUMBER",
                                "JENKINS_URL", "JENKINS_HOME",
                                "TRAVIS",      "CIRCLECI",
                                "GITLAB_CI",   "BUILDKITE",
                                "TF_BUILD",    "TEAMCITY_VERSION",
                                "DRONE",       "CODEBUILD_BUILD_ID",
                                "APPVEYOR",    "BITBUCKET_BUILD_NUMBER",
                                "RUNNER_OS",   "RUNNER_TEMP",
                                "container",   "SANDBOX"};
  static const char* prefixes[] = {"GITHUB_",    "GITLAB_",  "CI_",    "TRAVIS_", "CIRCLE_",
                                   "BUILDKITE_", "JENKINS_", "DRONE_", "RUNNER_", "ACTIONS_"};
  for (const char* e : exact) {
    if (key == e) return true;
  }
  for (const char* p : prefixes) {
    if (key.rfind(p, 0) == 0) return true;
  }
  return false;
}

namespace {

// The persona's locale if the host's /usr has it (the jail shares /usr), else C.UTF-8:
// a LANG the libc cannot load makes perl and friends print warnings on every start, which
// no real workstation does.
std::string usable_lang(const std::string& lang) {
  if (lang == "C" || lang == "C.UTF-8" || lang == "POSIX") return lang;
  std::string norm = lang;  // en_US.UTF-8 -> en_US.utf8, the directory localedef writes
  if (size_t dot = norm.find('.'); dot != std::string::npos) {
    std::string cs = norm.substr(dot + 1), out;
    for (char c : cs) {
      if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    norm = norm.substr(0, dot + 1) + out;
  }
  if (::access(("/usr/lib/locale/" + norm).c_str(), F_OK) == 0) return lang;
  if (::access("/usr/lib/locale/locale-archive", F_OK) == 0) return lang;
  return "C.UTF-8";
}

}  // namespace

std::vector<std::string> shell_env(const Persona& persona) {
  Persona p = persona;
  p.lang = usable_lang(persona.lang);
  const std::string path = p.home + "/go/bin:" + p.home +
                           "/.local/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";
  return {"HOME=" + p.home,
          "USER=" + p.user,
          "LOGNAME=" + p.user,
          "SHELL=" + p.shell,
          "PATH=" + path,
          "LANG=" + p.lang,
          "LANGUAGE=" + (p.lang.rfind("C", 0) == 0 ? std::string("en")
                                                   : p.lang.substr(0, p.lang.find('.')) + ":en"),
          "TERM=" + p.term,
          "COLORTERM=truecolor",
          "PWD=" + p.home,
          "SHLVL=1",
          "EDITOR=" + p.editor,
          "TZ=" + p.tz,
          "XDG_RUNTIME_DIR=/run/user/" + std::to_string(p.uid),
          "XDG_SESSION_TYPE=wayland",
          "XDG_CURRENT_DESKTOP=GNOME",
          "XDG_DATA_DIRS=/usr/share/gnome:/usr/local/share/:/usr/share/",
          "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/" + std::to_string(p.uid) + "/bus",
          "DISPLAY=:0",
          "WAYLAND_DISPLAY=wayland-0",
          "DESKTOP_SESSION=gnome",
          "HISTSIZE=10000"};
}

void apply(const Profile& profile, const Persona& persona, JailSpec& spec) {
  spec.seccomp_bpf = profile.seccomp_bpf;
  spec.limits = profile.limits;
  spec.identity.uid = persona.uid;
  spec.identity.gid = persona.uid;
  spec.identity.user = persona.user;
  spec.identity.hostname = persona.hostname;
  spec.identity.home = persona.home;
  spec.boot_offset = persona.uptime;

  std::vector<std::string> env = shell_env(persona);
  auto key_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (const auto& kv : spec.env) {
    std::string k = key_of(kv);
    if (is_ci_variable(k)) continue;
    bool persona_sets =
        std::any_of(env.begin(), env.end(), [&](const std::string& e) { return key_of(e) == k; });
    if (!persona_sets) env.push_back(kv);
  }
  spec.env = std::move(env);
}

}  // namespace gs::sandbox
