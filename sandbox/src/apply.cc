// Applying a profile and a persona to a JailSpec; see profile.h. The environment is what
// `bash -l` in a terminal emulator would export on a Debian desktop, without anything a
// CI system sets.
#include <algorithm>

#include "profile.h"

namespace gs::sandbox {

bool is_ci_variable(const std::string& key) {
  static const char* exact[] = {"CI", "CONTINUOUS_INTEGRATION", "BUILD_ID", "BUILD_NUMBER",
                                "JENKINS_URL", "JENKINS_HOME", "TRAVIS", "CIRCLECI", "GITLAB_CI",
                                "BUILDKITE", "TF_BUILD", "TEAMCITY_VERSION", "DRONE",
                                "CODEBUILD_BUILD_ID", "APPVEYOR", "BITBUCKET_BUILD_NUMBER",
                                "RUNNER_OS", "RUNNER_TEMP", "container", "SANDBOX"};
  static const char* prefixes[] = {"GITHUB_", "GITLAB_", "CI_", "TRAVIS_", "CIRCLE_", "BUILDKITE_",
                                   "JENKINS_", "DRONE_", "RUNNER_", "ACTIONS_"};
  for (const char* e : exact) {
    if (key == e) return true;
  }
  for (const char* p : prefixes) {
    if (key.rfind(p, 0) == 0) return true;
  }
  return false;
}

std::vector<std::string> shell_env(const Persona& p) {
  const std::string path = p.home + "/go/bin:" + p.home +
                           "/.local/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games";
  return {"HOME=" + p.home,
          "USER=" + p.user,
          "LOGNAME=" + p.user,
          "SHELL=" + p.shell,
          "PATH=" + path,
          "LANG=" + p.lang,
          "LANGUAGE=" + p.lang.substr(0, p.lang.find('.')) + ":en",
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
    bool persona_sets = std::any_of(env.begin(), env.end(), [&](const std::string& e) { return key_of(e) == k; });
    if (!persona_sets) env.push_back(kv);
  }
  spec.env = std::move(env);
}

}  // namespace gs::sandbox
