// Glob matching for rule paths; see glob.h.
#include "detect/glob.h"

namespace gs::detect {

namespace {

// Matches a class starting at p[i] == '['; returns the index after ']' or npos when the
// class is malformed (then '[' is a literal).
size_t class_end(std::string_view p, size_t i) {
  size_t j = i + 1;
  if (j < p.size() && p[j] == '!') ++j;
  if (j < p.size() && p[j] == ']') ++j;
  while (j < p.size() && p[j] != ']') ++j;
  return j < p.size() ? j + 1 : std::string_view::npos;
}

bool class_match(std::string_view cls, char c) {
  // cls is the text between '[' and ']'.
  bool negate = !cls.empty() && cls[0] == '!';
  if (negate) cls.remove_prefix(1);
  bool hit = false;
  for (size_t k = 0; k < cls.size(); ++k) {
    if (k + 2 < cls.size() && cls[k + 1] == '-') {
      if (c >= cls[k] && c <= cls[k + 2]) hit = true;
      k += 2;
    } else if (cls[k] == c) {
      hit = true;
    }
  }
  return hit != negate;
}

bool match_at(std::string_view p, size_t pi, std::string_view t, size_t ti) {
  while (pi < p.size()) {
    char c = p[pi];
    if (c == '*') {
      bool deep = pi + 1 < p.size() && p[pi + 1] == '*';
      size_t next = pi + (deep ? 2 : 1);
      // "**/" also matches zero directories.
      if (deep && next < p.size() && p[next] == '/' && match_at(p, next + 1, t, ti)) return true;
      for (size_t k = ti;; ++k) {
        if (match_at(p, next, t, k)) return true;
        if (k >= t.size() || (!deep && t[k] == '/')) return false;
      }
    }
    if (ti >= t.size()) return false;
    if (c == '?') {
      if (t[ti] == '/') return false;
    } else if (c == '[') {
      size_t end = class_end(p, pi);
      if (end != std::string_view::npos) {
        if (!class_match(p.substr(pi + 1, end - pi - 2), t[ti])) return false;
        pi = end;
        ++ti;
        continue;
      }
      if (t[ti] != '[') return false;
    } else if (c != t[ti]) {
      return false;
    }
    ++pi;
    ++ti;
  }
  return ti == t.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  return match_at(pattern, 0, text, 0);
}

std::string expand_home(std::string_view pattern, std::string_view home) {
  if (pattern == "~") return std::string(home);
  if (pattern.starts_with("~/")) return std::string(home) + std::string(pattern.substr(1));
  return std::string(pattern);
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace gs::detect
