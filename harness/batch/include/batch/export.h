// Reading and combining datasets: any batch output directory, records JSONL or SQLite file
// is a source of records; `merge` folds per-shard outputs into one dataset (first record
// per id, an ok record preferred over an error one), and `export osv` turns every record
// judged malicious into an OSV record in the shape of ossf/malicious-packages.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"

namespace gs::batch {

// A directory (its records.jsonl), a .jsonl file or a SQLite file (.sqlite, .db).
Status read_records(const std::string& source, const std::function<Status(nlohmann::json&&)>& fn);

struct MergeStats {
  size_t records = 0;     // records in the merged dataset
  size_t duplicates = 0;  // records dropped because their id was already present
};
// Writes out_dir/records.jsonl (atomically) and out_dir/dataset.sqlite.
Result<MergeStats> merge(const std::vector<std::string>& sources, const std::string& out_dir);

// OSV (schema 1.5.0) for a malicious record. `now` is RFC 3339 UTC.
nlohmann::json osv_for(const nlohmann::json& record, const std::string& now);
// One file per malicious record under out_dir/go/<module>/; returns how many.
Result<size_t> export_osv(const std::string& source, const std::string& out_dir);

std::string now_rfc3339();

}  // namespace gs::batch
