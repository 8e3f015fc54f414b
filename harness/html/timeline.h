// The network timeline: an inline SVG with one row per destination and one tick per
// outbound attempt over the whole run, the phases as background bands, and each row
// labelled with its beacon score and median interval. Regular ticks are a beacon.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "html_report.h"

namespace gs::harness::html {

// At most this many rows are drawn (beacons and busiest first); the tables list the rest.
inline constexpr std::size_t max_timeline_rows = 60;

// The <svg> element, or a short paragraph when there is nothing to draw.
std::string timeline_svg(const nlohmann::json& report, const std::vector<Attempt>& attempts);

}  // namespace gs::harness::html
