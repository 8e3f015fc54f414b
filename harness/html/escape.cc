// Hostile-text escaping; see escape.h. A hand-written UTF-8 decoder rather than a library
// one, because the decision per code point (pass, entity, visible tag, replacement) is the
// whole point and must not depend on a locale.
#include "escape.h"

#include <cstdint>
#include <cstdio>

namespace gs::harness::html {
namespace {

constexpr char32_t replacement = 0xFFFD;

// Decodes one code point at s[i]; advances i. Overlong forms, surrogates and values past
// U+10FFFF are invalid and consume one byte, so resynchronisation is immediate.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return ++i, b0;
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > s.size()) return ++i, replacement;
  char32_t cp = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return ++i, replacement;
    cp = (cp << 6) | (b & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ++i, replacement;
  i += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Characters a reader would not see, or that reorder what they see (Trojan Source).
bool is_invisible(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || cp == 0x061C ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

void append_tag(std::string& out, char32_t cp) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\u27E8U+%04X\u27E9", static_cast<unsigned>(cp));
  out += buf;
}

void append_escaped(std::string& out, char32_t cp, bool pre) {
  switch (cp) {
    case '&':
      out += "&amp;";
      return;
    case '<':
      out += "&lt;";
      return;
    case '>':
      out += "&gt;";
      return;
    case '"':
      out += "&quot;";
      return;
    case '\'':
      out += "&#39;";
      return;
    case '\n':
    case '\t':
      if (pre) {
        out += static_cast<char>(cp);
        return;
      }
      break;
    default:
      break;
  }
  // A newline outside <pre> as ↵ (a glyph every font has); every other control as a tag:
  // the Control Pictures block would be clearer but many system fonts lack it.
  if (cp == '\n') return append_utf8(out, 0x21B5);
  if (cp < 0x20 || cp == 0x7F || is_invisible(cp)) return append_tag(out, cp);
  append_utf8(out, cp);
}

std::string escape_impl(std::string_view text, bool pre, std::size_t max_chars) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0, n = 0;
  while (i < text.size()) {
    if (n++ == max_chars) {
      out += "\u2026";
      break;
    }
    append_escaped(out, next_code_point(text, i), pre);
  }
  return out;
}

}  // namespace

std::string escape(std::string_view text) {
  return escape_impl(text, false, std::string_view::npos);
}

std::string escape_pre(std::string_view text) {
  return escape_impl(text, true, std::string_view::npos);
}

std::string escape_truncated(std::string_view text, std::size_t max_chars) {
  return escape_impl(text, false, max_chars);
}

}  // namespace gs::harness::html
