// Non-throwing reads from a report whose shape is not trusted: a field of the wrong type
// reads as absent instead of throwing out of render(), so one odd field cannot lose the page.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace gs::harness::html::jv {

using nlohmann::json;

inline const json& null_value() {
  static const json v;
  return v;
}

inline const json& empty_array() {
  static const json v = json::array();
  return v;
}

inline const json& get(const json& j, std::string_view key) {
  if (!j.is_object()) return null_value();
  auto it = j.find(key);
  return it == j.end() ? null_value() : *it;
}

inline const json& array(const json& j, std::string_view key) {
  const json& v = get(j, key);
  return v.is_array() ? v : empty_array();
}

// Compact text for any value; strings as they are. Invalid UTF-8 inside a non-string
// value is replaced here, inside strings it is left for the escaper to show.
inline std::string brief(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>();
  if (v.is_null()) return "";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

inline std::string text(const json& j, std::string_view key) { return brief(get(j, key)); }

inline std::optional<double> number(const json& v) {
  if (!v.is_number()) return std::nullopt;
  double d = v.get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

inline std::optional<double> number(const json& j, std::string_view key) {
  return number(get(j, key));
}

// Integers clamped to a range the page can compute with (times of a run, counts).
inline std::optional<int64_t> integer(const json& j, std::string_view key) {
  auto d = number(j, key);
  if (!d) return std::nullopt;
  constexpr double limit = 1e15;
  return static_cast<int64_t>(std::fmax(-limit, std::fmin(limit, *d)));
}

inline bool flag(const json& j, std::string_view key) {
  const json& v = get(j, key);
  return v.is_boolean() && v.get<bool>();
}

}  // namespace gs::harness::html::jv
