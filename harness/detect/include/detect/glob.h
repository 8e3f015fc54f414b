// Path globs for rules: `*` and `?` stay within one path segment, `**` crosses segments,
// `[abc]` is a character class. A leading `~/` is the jail user's home. Written here
// rather than fnmatch(3) so `**` means the same in every rule and tests pin it down.
#pragma once

#include <string>
#include <string_view>

namespace gs::detect {

bool glob_match(std::string_view pattern, std::string_view text);
// `~` or `~/...` becomes home or home/...; other patterns are returned unchanged.
std::string expand_home(std::string_view pattern, std::string_view home);
std::string_view base_name(std::string_view path);

}  // namespace gs::detect
