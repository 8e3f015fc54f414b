// The ledger: records.jsonl in the batch output directory, the single source of truth of
// what is done. One record per line, appended with one write(2) and made durable with
// fdatasync before the batch counts the item as done; everything else (SQLite, progress)
// is derived from it and rebuilt from it. On open, a torn or unreadable line (a crash or
// power loss mid-append) is dropped and the file rewritten atomically, so its item runs
// again; a second record for an id is dropped, so no id is ever counted twice. An
// exclusive lock keeps a second batch from appending to the same ledger.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace gs::batch {

class Ledger {
 public:
  static Result<Ledger> open(const std::string& path);
  Ledger(Ledger&&) noexcept = default;
  Ledger& operator=(Ledger&&) noexcept = default;

  bool has(const std::string& id) const { return ids_.count(id) != 0; }
  size_t size() const { return ids_.size(); }
  const std::set<std::string>& ids() const { return ids_; }
  // Durable when it returns ok. A record whose id is already in the ledger is refused.
  Status append(const nlohmann::json& record);
  const std::string& path() const { return path_; }

 private:
  Ledger(std::string path, FD lock, FD fd, std::set<std::string> ids)
      : path_(std::move(path)), lock_(std::move(lock)), fd_(std::move(fd)), ids_(std::move(ids)) {}
  std::string path_;
  FD lock_, fd_;
  std::set<std::string> ids_;
};

// Streams the valid records of a ledger (or any JSONL of records), first record per id
// only; torn and unreadable lines are skipped. Returns how many lines were skipped.
Result<size_t> for_each_record(const std::string& path, const std::function<Status(nlohmann::json&&)>& fn);

}  // namespace gs::batch
