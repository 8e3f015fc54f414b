// Target parsing; see target.h.
#include "target.h"

#include <sys/stat.h>

#include <cctype>

namespace gs::harness {

PathKind probe_path(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return PathKind::kMissing;
  if (S_ISDIR(st.st_mode)) return PathKind::kDir;
  if (S_ISREG(st.st_mode)) return PathKind::kFile;
  return PathKind::kOther;
}

Status check_module_path(std::string_view path) {
  if (path.empty()) return error("empty module path");
  if (path.front() == '/' || path.back() == '/') return error("module path begins or ends with '/'");
  size_t start = 0;
  bool first = true;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view elem = path.substr(start, end - start);
    if (elem.empty()) return error("module path has an empty element");
    if (elem == "." || elem == "..") return error("module path has a '.' or '..' element");
    if (elem.front() == '.' || elem.back() == '.')
      return error("module path element '" + std::string(elem) + "' begins or ends with a dot");
    for (char c : elem) {
      bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                c == '~';
      if (!ok) return error(std::string("module path has an invalid character '") + c + "'");
    }
    if (first && elem.find('.') == std::string_view::npos)
      return error("module path's first element '" + std::string(elem) +
                   "' has no dot (not a domain name)");
    first = false;
    start = end + 1;
  }
  return {};
}

Status check_version(std::string_view v) {
  if (v == "latest" || v == "upgrade" || v == "patch") return {};
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1])))
    return error("version '" + std::string(v) + "' is not of the form vMAJOR.MINOR.PATCH or 'latest'");
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'))
      return error("version '" + std::string(v) + "' has an invalid character");
  }
  return {};
}

Result<Target> parse_target(std::string_view text, PathKind (*probe)(const std::string&)) {
  if (text.empty()) return error("empty target");
  std::string s(text);
  switch (probe(s)) {
    case PathKind::kDir:
      return Target{Target::Kind::kDir, "", "", s};
    case PathKind::kFile:
      return Target{Target::Kind::kZip, "", "", s};
    case PathKind::kOther:
      return error("target '" + s + "' is neither a directory nor a regular file");
    case PathKind::kMissing:
      break;
  }
  bool looks_like_path = s.front() == '/' || s.front() == '.' || s.ends_with(".zip");
  if (looks_like_path) return error("target '" + s + "': no such file or directory");
  size_t at = s.rfind('@');
  if (at == std::string::npos)
    return error("target '" + s + "' is not module@version, a directory or a zip file");
  Target t{Target::Kind::kModule, s.substr(0, at), s.substr(at + 1), ""};
  if (auto st = check_module_path(t.module_path); !st)
    return error("target '" + s + "': " + st.error().context);
  if (auto st = check_version(t.version); !st) return error("target '" + s + "': " + st.error().context);
  return t;
}

std::string escape_module_path(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out.push_back('!');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace gs::harness
