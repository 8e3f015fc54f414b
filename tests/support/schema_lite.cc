// JSON Schema subset checker; see schema_lite.h.
#include "schema_lite.h"

namespace gs::testsupport {
namespace {
using nlohmann::json;

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

void check(const json& root, const json& s, const json& v, const std::string& path,
           std::vector<std::string>& errs) {
  if (s.contains("$ref")) {
    std::string ref = s["$ref"];
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0 || !root["$defs"].contains(ref.substr(prefix.size()))) {
      errs.push_back(path + ": unresolvable $ref " + ref);
      return;
    }
    return check(root, root["$defs"][ref.substr(prefix.size())], v, path, errs);
  }
  if (s.contains("type")) {
    bool ok = false;
    if (s["type"].is_array()) {
      for (const auto& t : s["type"]) ok = ok || has_type(v, t);
    } else {
      ok = has_type(v, s["type"]);
    }
    if (!ok) {
      errs.push_back(path + ": expected type " + s["type"].dump() + ", got " + v.type_name());
      return;
    }
  }
  if (s.contains("enum")) {
    bool found = false;
    for (const auto& e : s["enum"]) found = found || e == v;
    if (!found) errs.push_back(path + ": " + v.dump() + " not in " + s["enum"].dump());
  }
  if (v.is_number() && s.contains("minimum") && v.get<double>() < s["minimum"].get<double>())
    errs.push_back(path + ": below minimum");
  if (v.is_number() && s.contains("maximum") && v.get<double>() > s["maximum"].get<double>())
    errs.push_back(path + ": above maximum");
  if (v.is_object()) {
    for (const auto& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) errs.push_back(path + ": missing required '" + r.get<std::string>() + "'");
    const json props = s.value("properties", json::object());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key())) {
        check(root, props[it.key()], it.value(), path + "/" + it.key(), errs);
      } else if (s.contains("additionalProperties")) {
        const json& ap = s["additionalProperties"];
        if (ap.is_boolean() && !ap.get<bool>()) errs.push_back(path + ": unexpected key '" + it.key() + "'");
        if (ap.is_object()) check(root, ap, it.value(), path + "/" + it.key(), errs);
      }
    }
  }
  if (v.is_array() && s.contains("items")) {
    for (size_t i = 0; i < v.size(); ++i) check(root, s["items"], v[i], path + "/" + std::to_string(i), errs);
  }
}

}  // namespace

std::vector<std::string> validate(const json& schema, const json& doc) {
  std::vector<std::string> errs;
  check(schema, schema, doc, "", errs);
  return errs;
}

}  // namespace gs::testsupport
