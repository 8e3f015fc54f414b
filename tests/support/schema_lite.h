// A small JSON Schema checker for the subset docs/report.schema.json uses (type,
// required, properties, additionalProperties, items, enum, minimum, maximum, $ref to
// #/$defs). Tests validate every report they produce against the checked-in schema.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gs::testsupport {

// Returns the violations, each as "path: reason"; empty when the document conforms.
std::vector<std::string> validate(const nlohmann::json& schema, const nlohmann::json& doc);

}  // namespace gs::testsupport
