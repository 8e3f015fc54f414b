// SQLite dataset; see dataset.h. The schema text below is the one docs/dataset.md shows.
#include "batch/dataset.h"

#include <vector>

namespace gs::batch {
namespace {
using nlohmann::json;

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS analyses(
  id TEXT PRIMARY KEY,              -- module@version (or bad-input:<hash>)
  module TEXT NOT NULL,
  version TEXT NOT NULL,
  status TEXT NOT NULL CHECK(status IN ('ok','error')),
  verdict TEXT NOT NULL,            -- clean | suspicious | malicious | error
  score INTEGER NOT NULL,
  error_kind TEXT,                  -- fetch_failed | build_failed | timeout | crashed | host_fault | analysis_failed | bad_input
  error TEXT,
  exit_code INTEGER, signal INTEGER,
  started_at TEXT, finished_at TEXT,
  wall_ms INTEGER NOT NULL,         -- child wall time seen by the batch
  analysis_ms INTEGER NOT NULL,     -- duration_ms of the report
  fetch_ms INTEGER NOT NULL, plan_ms INTEGER NOT NULL, build_ms INTEGER NOT NULL,
  init_ms INTEGER NOT NULL, test_ms INTEGER NOT NULL, run_ms INTEGER NOT NULL,
  module_sum TEXT, zip_sha256 TEXT, tool_version TEXT,
  trace_events INTEGER, trace_lost INTEGER, trace_complete INTEGER,
  shard TEXT, input_line INTEGER, run_dir TEXT,
  record TEXT NOT NULL              -- the JSONL record, verbatim
);
CREATE TABLE IF NOT EXISTS findings(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  rule TEXT, severity TEXT, phase TEXT, summary TEXT, attack TEXT, evidence TEXT);
CREATE TABLE IF NOT EXISTS processes(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  proc_id TEXT, pid INTEGER, ppid INTEGER, phase TEXT, exe TEXT, argv TEXT,
  start_ms INTEGER, end_ms INTEGER, exit_code INTEGER, signal INTEGER);
CREATE TABLE IF NOT EXISTS files(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  path TEXT, phase TEXT, ops TEXT, process TEXT,
  result INTEGER, error TEXT);       -- a failed attempt: -errno and its name; NULL when it succeeded
CREATE TABLE IF NOT EXISTS connections(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  proto TEXT, dst_ip TEXT, dst_port INTEGER, hostname TEXT, attempts INTEGER,
  first_ms INTEGER, last_ms INTEGER, bytes_out INTEGER, bytes_in INTEGER, tls_sni TEXT,
  http_method TEXT, http_host TEXT, http_path TEXT, http_user_agent TEXT);
CREATE TABLE IF NOT EXISTS dns(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  name TEXT, type TEXT, count INTEGER, first_ms INTEGER);
CREATE TABLE IF NOT EXISTS beacons(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  destination TEXT, attempts INTEGER, median_interval_ms REAL, jitter REAL, score REAL, confidence TEXT);
CREATE TABLE IF NOT EXISTS listeners(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  proto TEXT, ip TEXT, port INTEGER, loopback INTEGER, program TEXT, count INTEGER,
  first_ms INTEGER, phases TEXT);
CREATE TABLE IF NOT EXISTS syscall_counts(
  analysis_id TEXT NOT NULL REFERENCES analyses(id) ON DELETE CASCADE,
  name TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY(analysis_id, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS analyses_verdict ON analyses(verdict);
CREATE INDEX IF NOT EXISTS analyses_module ON analyses(module, version);
CREATE INDEX IF NOT EXISTS analyses_error ON analyses(status, error_kind);
CREATE INDEX IF NOT EXISTS findings_analysis ON findings(analysis_id);
CREATE INDEX IF NOT EXISTS findings_rule ON findings(rule);
CREATE INDEX IF NOT EXISTS processes_analysis ON processes(analysis_id);
CREATE INDEX IF NOT EXISTS processes_exe ON processes(exe);
CREATE INDEX IF NOT EXISTS files_analysis ON files(analysis_id);
CREATE INDEX IF NOT EXISTS files_path ON files(path);
CREATE INDEX IF NOT EXISTS connections_analysis ON connections(analysis_id);
CREATE INDEX IF NOT EXISTS connections_dst ON connections(dst_ip, dst_port);
CREATE INDEX IF NOT EXISTS connections_hostname ON connections(hostname);
CREATE INDEX IF NOT EXISTS dns_analysis ON dns(analysis_id);
CREATE INDEX IF NOT EXISTS dns_name ON dns(name);
CREATE INDEX IF NOT EXISTS beacons_analysis ON beacons(analysis_id);
CREATE INDEX IF NOT EXISTS listeners_analysis ON listeners(analysis_id);
CREATE INDEX IF NOT EXISTS listeners_port ON listeners(port);
CREATE INDEX IF NOT EXISTS syscall_counts_name ON syscall_counts(name);
)SQL";

struct Column {
  const char* name;
  const char* key;
  const char* sub = nullptr;  // key inside an object-valued key (http.method)
};

const std::vector<Column> kFindings = {{"rule", "rule"}, {"severity", "severity"}, {"phase", "phase"},
                                       {"summary", "summary"}, {"attack", "attack"}, {"evidence", "evidence"}};
const std::vector<Column> kProcesses = {{"proc_id", "id"}, {"pid", "pid"},       {"ppid", "ppid"},
                                        {"phase", "phase"}, {"exe", "exe"},      {"argv", "argv"},
                                        {"start_ms", "start_ms"}, {"end_ms", "end_ms"},
                                        {"exit_code", "exit_code"}, {"signal", "signal"}};
const std::vector<Column> kFiles = {{"path", "path"},       {"phase", "phase"},   {"ops", "ops"},
                                    {"process", "process"}, {"result", "result"}, {"error", "error"}};
const std::vector<Column> kConnections = {
    {"proto", "proto"}, {"dst_ip", "dst_ip"}, {"dst_port", "dst_port"}, {"hostname", "hostname"},
    {"attempts", "attempts"}, {"first_ms", "first_ms"}, {"last_ms", "last_ms"}, {"bytes_out", "bytes_out"},
    {"bytes_in", "bytes_in"}, {"tls_sni", "tls_sni"}, {"http_method", "http", "method"},
    {"http_host", "http", "host"}, {"http_path", "http", "path"}, {"http_user_agent", "http", "user_agent"}};
const std::vector<Column> kDns = {{"name", "name"}, {"type", "type"}, {"count", "count"}, {"first_ms", "first_ms"}};
const std::vector<Column> kBeacons = {{"destination", "destination"}, {"attempts", "attempts"},
                                      {"median_interval_ms", "median_interval_ms"}, {"jitter", "jitter"},
                                      {"score", "score"}, {"confidence", "confidence"}};
const std::vector<Column> kListeners = {{"proto", "proto"},       {"ip", "ip"},       {"port", "port"},
                                        {"loopback", "loopback"}, {"program", "program"}, {"count", "count"},
                                        {"first_ms", "first_ms"}, {"phases", "phases"}};
const std::vector<Column> kSyscalls = {{"name", "name"}, {"count", "count"}};

const json kNull = nullptr;

const json& field(const json& item, const Column& c) {
  if (!item.is_object() || !item.contains(c.key)) return kNull;
  const json& v = item.at(c.key);
  if (!c.sub) return v;
  if (!v.is_object() || !v.contains(c.sub)) return kNull;
  return v.at(c.sub);
}

// Scalars keep their SQLite type; arrays and objects are stored as JSON text, which
// SQLite's and DuckDB's json functions read.
// Named apart from std::bind, which argument-dependent lookup would otherwise prefer.
int bind_value(sqlite3_stmt* s, int i, const json& v) {
  if (v.is_null()) return sqlite3_bind_null(s, i);
  if (v.is_boolean()) return sqlite3_bind_int64(s, i, v.get<bool>() ? 1 : 0);
  if (v.is_number_integer() || v.is_number_unsigned()) return sqlite3_bind_int64(s, i, v.get<int64_t>());
  if (v.is_number_float()) return sqlite3_bind_double(s, i, v.get<double>());
  std::string text = v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  return sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

Error sql_error(sqlite3* db, const std::string& what) { return error(what + ": " + sqlite3_errmsg(db)); }

// Rolls back unless committed, so a failed put leaves no partial record.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void committed() { done_ = true; }

 private:
  sqlite3* db_;
  bool done_ = false;
};

}  // namespace

const char* dataset_schema_sql() { return kSchema; }

Result<Dataset> Dataset::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) return error("sqlite3_open('" + path + "'): " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  sqlite3_busy_timeout(db.get(), 30'000);
  Dataset ds(std::move(db));
  GS_TRY(ds.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"));
  GS_TRY(ds.exec(kSchema));
  GS_TRY(ds.upgrade());
  GS_TRY(ds.exec("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '" +
                 std::to_string(kDatasetSchemaVersion) + "')"));
  return ds;
}

// Datasets made by an older gosandbox (schema 1) gain the columns added since (tables
// added since, such as listeners in 3, come from kSchema's IF NOT EXISTS), so a
// --resume or merge into one keeps working.
Status Dataset::upgrade() {
  GS_ASSIGN_OR_RETURN(auto info, prepare("SELECT count(*) FROM pragma_table_info('files') WHERE name = 'error'"));
  if (sqlite3_step(info.get()) != SQLITE_ROW) return sql_error(db_.get(), "pragma_table_info(files)");
  if (sqlite3_column_int(info.get(), 0) == 0)
    GS_TRY(exec("ALTER TABLE files ADD COLUMN result INTEGER; ALTER TABLE files ADD COLUMN error TEXT;"));
  return {};
}

Status Dataset::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "?";
    sqlite3_free(msg);
    return error("sqlite: " + m + " in: " + sql.substr(0, 60));
  }
  return {};
}

Result<SqliteStmt> Dataset::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK)
    return sql_error(db_.get(), std::string("prepare ") + sql);
  return SqliteStmt(s);
}

namespace {

Status step(sqlite3* db, sqlite3_stmt* s, const std::string& what) {
  if (sqlite3_step(s) != SQLITE_DONE) return sql_error(db, what);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return {};
}

Status insert_children(sqlite3* db, const char* table, const std::vector<Column>& cols, const json& items,
                       const std::string& id) {
  if (!items.is_array() || items.empty()) return {};
  std::string sql = std::string("INSERT INTO ") + table + "(analysis_id";
  std::string qs = "?";
  for (const auto& c : cols) {
    sql += std::string(", ") + c.name;
    qs += ",?";
  }
  sql += ") VALUES(" + qs + ")";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return sql_error(db, sql);
  SqliteStmt s(raw);
  for (const auto& item : items) {
    bind_value(s.get(), 1, json(id));
    for (size_t i = 0; i < cols.size(); ++i) bind_value(s.get(), static_cast<int>(i + 2), field(item, cols[i]));
    GS_TRY(step(db, s.get(), std::string("insert into ") + table));
  }
  return {};
}

const char* kInsertAnalysis =
    "INSERT INTO analyses(id, module, version, status, verdict, score, error_kind, error, exit_code, signal, "
    "started_at, finished_at, wall_ms, analysis_ms, fetch_ms, plan_ms, build_ms, init_ms, test_ms, run_ms, "
    "module_sum, zip_sha256, tool_version, trace_events, trace_lost, trace_complete, shard, input_line, run_dir, "
    "record) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

std::vector<json> analysis_values(const json& r) {
  auto get = [&](const char* k) -> json { return r.contains(k) ? r[k] : json(nullptr); };
  json phases = r.value("phase_ms", json::object());
  auto ph = [&](const char* k) -> json { return phases.value(k, json(0)); };
  json trace = r.value("trace", json::object());
  auto tr = [&](const char* k) -> json { return trace.contains(k) ? trace[k] : json(nullptr); };
  return {get("id"), get("module"), get("version"), get("status"), get("verdict"), r.value("score", json(0)),
          get("error_kind"), get("error"), get("exit_code"), get("signal"), get("started_at"),
          get("finished_at"), r.value("wall_ms", json(0)), r.value("analysis_ms", json(0)), ph("fetch"),
          ph("plan"), ph("build"), ph("init"), ph("test"), ph("run"), get("module_sum"), get("zip_sha256"),
          get("tool_version"), tr("events"), tr("lost"), tr("complete"), get("shard"), get("input_line"),
          get("run_dir"), json(r.dump(-1, ' ', false, json::error_handler_t::replace))};
}

}  // namespace

Status Dataset::put(const json& record) {
  sqlite3* db = db_.get();
  const std::string id = record.at("id").get<std::string>();
  GS_TRY(exec("BEGIN IMMEDIATE"));
  Transaction tx(db);
  GS_ASSIGN_OR_RETURN(SqliteStmt del, prepare("DELETE FROM analyses WHERE id = ?"));
  bind_value(del.get(), 1, json(id));
  GS_TRY(step(db, del.get(), "delete " + id));
  GS_ASSIGN_OR_RETURN(SqliteStmt ins, prepare(kInsertAnalysis));
  auto values = analysis_values(record);
  for (size_t i = 0; i < values.size(); ++i) bind_value(ins.get(), static_cast<int>(i + 1), values[i]);
  GS_TRY(step(db, ins.get(), "insert analysis " + id));
  const json empty = json::array();
  auto arr = [&](const char* k) -> const json& { return record.contains(k) ? record[k] : empty; };
  GS_TRY(insert_children(db, "findings", kFindings, arr("findings"), id));
  GS_TRY(insert_children(db, "processes", kProcesses, arr("processes"), id));
  GS_TRY(insert_children(db, "files", kFiles, arr("files"), id));
  GS_TRY(insert_children(db, "connections", kConnections, arr("connections"), id));
  GS_TRY(insert_children(db, "dns", kDns, arr("dns"), id));
  GS_TRY(insert_children(db, "beacons", kBeacons, arr("beacons"), id));
  GS_TRY(insert_children(db, "listeners", kListeners, arr("listeners"), id));
  GS_TRY(insert_children(db, "syscall_counts", kSyscalls, arr("syscall_counts"), id));
  GS_TRY(exec("COMMIT"));
  tx.committed();
  return {};
}

Result<std::set<std::string>> Dataset::ids() {
  std::set<std::string> out;
  GS_ASSIGN_OR_RETURN(SqliteStmt s, prepare("SELECT id FROM analyses"));
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
    out.insert(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
  if (rc != SQLITE_DONE) return sql_error(db_.get(), "select ids");
  return out;
}

Status Dataset::for_each_record(const std::function<Status(json&&)>& fn) {
  GS_ASSIGN_OR_RETURN(SqliteStmt s, prepare("SELECT record FROM analyses ORDER BY id"));
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
    auto j = json::parse(text ? text : "", nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id")) continue;
    GS_TRY(fn(std::move(j)));
  }
  if (rc != SQLITE_DONE) return sql_error(db_.get(), "select records");
  return {};
}

}  // namespace gs::batch
