// Record sources, merge and OSV export; see export.h.
#include "batch/export.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <iostream>
#include <map>

#include "base/fs.h"
#include "batch/dataset.h"
#include "batch/input.h"
#include "batch/ledger.h"

namespace gs::batch {
namespace {
using nlohmann::json;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// An ok record beats an error one for the same id (a shard rerun that worked).
bool better(const json& a, const json& b) { return a.value("status", "") == "ok" && b.value("status", "") != "ok"; }

std::string evidence_details(const json& r) {
  std::string out = "gosandbox ran " + r.value("id", std::string()) +
                    " (its init code, tests and commands) in a sandbox and judged it malicious (score " +
                    std::to_string(r.value("score", 0)) + ").";
  for (const auto& f : r.value("findings", json::array()))
    out += "\n- " + f.value("rule", std::string()) + " (" + f.value("phase", std::string()) +
           "): " + f.value("summary", std::string());
  return out;
}

}  // namespace

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status read_records(const std::string& source, const std::function<Status(json&&)>& fn) {
  if (is_dir(source)) return read_records(source + "/records.jsonl", fn);
  if (ends_with(source, ".sqlite") || ends_with(source, ".db") || ends_with(source, ".sqlite3")) {
    GS_ASSIGN_OR_RETURN(Dataset ds, Dataset::open(source));
    return ds.for_each_record(fn);
  }
  auto skipped = for_each_record(source, fn);
  if (!skipped) return skipped.take_error();
  return {};
}

Result<MergeStats> merge(const std::vector<std::string>& sources, const std::string& out_dir) {
  // A merge writes a new dataset; it never replaces one (a batch may still be writing
  // it). To fold one in, name it as a source.
  struct stat st {};
  if (::stat((out_dir + "/records.jsonl").c_str(), &st) == 0)
    return error(out_dir + " already holds records.jsonl: merge into a new directory (name this one as a source to fold it in)");
  std::map<std::string, json> by_id;
  MergeStats stats;
  for (const auto& src : sources) {
    GS_TRY(read_records(src, [&](json&& r) -> Status {
      std::string id = r["id"].get<std::string>();
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        by_id.emplace(std::move(id), std::move(r));
        return {};
      }
      ++stats.duplicates;
      if (better(r, it->second)) it->second = std::move(r);
      return {};
    }));
  }
  GS_TRY(make_dirs(out_dir));
  std::string jsonl;
  for (const auto& [id, r] : by_id) jsonl += r.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  GS_TRY(write_file_atomic(out_dir + "/records.jsonl", jsonl));
  // A fresh database, built aside and renamed into place: a reader never sees half a
  // merge, and stale rows of an earlier merge do not survive.
  const std::string db = out_dir + "/dataset.sqlite", tmp = db + ".merging";
  for (const std::string& f : {tmp, tmp + "-wal", tmp + "-shm"}) ::unlink(f.c_str());
  {
    GS_ASSIGN_OR_RETURN(Dataset ds, Dataset::open(tmp));
    for (const auto& [id, r] : by_id) GS_TRY(ds.put(r));
  }  // closed: the WAL is checkpointed into the file
  for (const std::string& f : {db + "-wal", db + "-shm"}) ::unlink(f.c_str());
  if (::rename(tmp.c_str(), db.c_str()) != 0) return sys_error("rename('" + tmp + "', '" + db + "')");
  stats.records = by_id.size();
  return stats;
}

json osv_for(const json& r, const std::string& now) {
  std::string module = r.value("module", std::string()), version = r.value("version", std::string());
  std::string id = r.value("id", std::string());
  json evidence = {
      {"tool", "gosandbox"},
      {"tool_version", r.value("tool_version", std::string())},
      {"analysed_at", r.value("finished_at", std::string())},
      {"verdict", r.value("verdict", std::string())},
      {"score", r.value("score", 0)},
      {"module_sum", r.value("module_sum", std::string())},
      {"zip_sha256", r.value("zip_sha256", std::string())},
      {"findings", r.value("findings", json::array())},
      {"connections", r.value("connections", json::array())},
      {"dns", r.value("dns", json::array())},
      {"beacons", r.value("beacons", json::array())},
      {"listeners", r.value("listeners", json::array())},
  };
  return {
      {"schema_version", "1.5.0"},
      // The MAL-YYYY-N id is assigned by the publisher (ossf/malicious-packages) on ingest.
      {"id", "MAL-0000-gosandbox-" + safe_name(id).substr(safe_name(id).size() - 8)},
      {"modified", now},
      {"published", now},
      {"summary", "Malicious code in " + module + " (Go)"},
      {"details", evidence_details(r)},
      {"affected", json::array({{{"package", {{"ecosystem", "Go"}, {"name", module},
                                              {"purl", "pkg:golang/" + module}}},
                                 {"versions", json::array({version})}}})},
      {"database_specific", {{"gosandbox", evidence}}},
  };
}

Result<size_t> export_osv(const std::string& source, const std::string& out_dir) {
  const std::string now = now_rfc3339();
  size_t n = 0;
  GS_TRY(read_records(source, [&](json&& r) -> Status {
    if (r.value("verdict", "") != "malicious" || r.value("module", "").empty()) return {};
    // the module path becomes directories below --out: a record from elsewhere must not
    // climb out of it
    if (!safe_module_path(r["module"].get<std::string>())) {
      std::cerr << "gosandbox export osv: skipped a record whose module path is not one: "
                << r.value("id", std::string()).substr(0, 200) << "\n";
      return {};
    }
    json osv = osv_for(r, now);
    std::string dir = out_dir + "/go/" + r["module"].get<std::string>();
    GS_TRY(make_dirs(dir));
    GS_TRY(write_file_atomic(dir + "/" + safe_name(r["id"].get<std::string>()) + ".json", osv.dump(2) + "\n"));
    ++n;
    return {};
  }));
  return n;
}

}  // namespace gs::batch
