// Escaping of hostile text for the HTML report. Every string from report.json or
// events.jsonl reaches the page through these functions: markup characters become entities,
// invalid UTF-8 becomes U+FFFD, and invisible or reordering characters (controls, bidi
// overrides, zero-width marks) become visible "⟨U+202E⟩" tags so a payload cannot hide or
// disguise a command line. The output is safe in element content and in double- or
// single-quoted attribute values alike.
#pragma once

#include <string>
#include <string_view>

namespace gs::harness::html {

// Text for element content or a quoted attribute; a newline shown as ↵, a tab as a tag.
std::string escape(std::string_view text);

// Text for a <pre> block: newlines and tabs kept, everything else as escape().
std::string escape_pre(std::string_view text);

// At most max_chars code points of text (escaped), with "…" when something was cut.
std::string escape_truncated(std::string_view text, std::size_t max_chars);

}  // namespace gs::harness::html
