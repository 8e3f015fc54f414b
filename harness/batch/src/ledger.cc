// Append-only, crash-safe ledger; see ledger.h.
#include "batch/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/fs.h"

namespace gs::batch {
namespace {
using nlohmann::json;

bool valid_record(const json& j) { return j.is_object() && j.contains("id") && j["id"].is_string(); }

// Keeps the complete, readable, first-per-id lines. Returns true when the file needs a
// rewrite (something dropped, or the last line has no newline).
bool scan(const std::string& text, std::string& kept, std::set<std::string>& ids) {
  bool dirty = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return true;  // torn tail: the append never finished
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !valid_record(j) || !ids.insert(j["id"].get<std::string>()).second) {
      dirty = true;
      continue;
    }
    kept.append(line);
    kept.push_back('\n');
  }
  return dirty;
}

Status fsync_dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  FD d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d || ::fsync(d.get()) != 0) return sys_error("fsync('" + dir + "')");
  return {};
}

}  // namespace

Result<Ledger> Ledger::open(const std::string& path) {
  FD lock(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock) return sys_error("open('" + path + ".lock')");
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return sys_error("flock('" + path + ".lock'): another batch is writing this output directory");
  std::string text;
  if (auto t = read_file(path, size_t{1} << 40); t) text = std::move(*t);
  std::string kept;
  std::set<std::string> ids;
  if (scan(text, kept, ids)) GS_TRY(write_file_atomic(path, kept));
  FD fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return sys_error("open('" + path + "')");
  if (text.empty()) GS_TRY(fsync_dir_of(path));
  return Ledger(path, std::move(lock), std::move(fd), std::move(ids));
}

Status Ledger::append(const json& record) {
  std::string id = record.at("id").get<std::string>();
  if (has(id)) return error("ledger already has a record for " + id);
  std::string line = record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  // One write: a crash leaves either nothing or a tail without its newline, which open()
  // drops. A short write on a regular file means the disk is full: cut it off the same way.
  ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    Error e = n < 0 ? sys_error("write('" + path_ + "')") : error("write('" + path_ + "'): short write");
    off_t end = ::lseek(fd_.get(), 0, SEEK_END);
    if (n > 0 && end >= n) (void)::ftruncate(fd_.get(), end - n);
    return e;
  }
  if (::fdatasync(fd_.get()) != 0) return sys_error("fdatasync('" + path_ + "')");
  ids_.insert(std::move(id));
  return {};
}

Result<size_t> for_each_record(const std::string& path, const std::function<Status(json&&)>& fn) {
  std::ifstream in(path);
  if (!in) return sys_error("open('" + path + "')");
  std::set<std::string> seen;
  size_t skipped = 0;
  std::string line;
  while (std::getline(in, line)) {
    bool complete = !in.eof();  // getline hit a newline
    auto j = json::parse(line, nullptr, false);
    if (!complete || j.is_discarded() || !valid_record(j) || !seen.insert(j["id"].get<std::string>()).second) {
      if (!line.empty()) ++skipped;
      continue;
    }
    GS_TRY(fn(std::move(j)));
  }
  return skipped;
}

}  // namespace gs::batch
