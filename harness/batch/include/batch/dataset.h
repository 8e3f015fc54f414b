// The SQLite dataset: normalised tables (analyses, phase_times, findings, processes, files,
// connections, dns, beacons, syscall_counts) with indexes; docs/dataset.md documents it.
// Rows are derived from ledger records and written idempotently (one transaction per
// record, replacing any earlier rows of that id), so replaying a ledger into a database
// that already has some of it never duplicates anything.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/result.h"

namespace gs::batch {

inline constexpr int kDatasetSchemaVersion = 3;  // 2: files.result, files.error; 3: listeners

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class Dataset {
 public:
  // Opens or creates the database and its schema.
  static Result<Dataset> open(const std::string& path);
  Dataset(Dataset&&) noexcept = default;
  Dataset& operator=(Dataset&&) noexcept = default;

  // Inserts or replaces everything of one record, atomically.
  Status put(const nlohmann::json& record);
  Result<std::set<std::string>> ids();
  // Each stored record, as it was put.
  Status for_each_record(const std::function<Status(nlohmann::json&&)>& fn);
  sqlite3* handle() { return db_.get(); }

 private:
  explicit Dataset(SqliteDb db) : db_(std::move(db)) {}
  Status exec(const std::string& sql);
  Status upgrade();
  Result<SqliteStmt> prepare(const char* sql);
  SqliteDb db_;
};

// The DDL, for docs and tests.
const char* dataset_schema_sql();

}  // namespace gs::batch
