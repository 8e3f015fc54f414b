// Batch input: lines of `module@version` or of the Go module index
// (index.golang.org/index, `{"Path":..,"Version":..,"Timestamp":..}`), deduplicated, and
// the deterministic sharding that lets a Kubernetes Indexed Job or a Slurm array run one
// shard per task. Pure code, unit-tested.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace gs::batch {

// One unit of work. A line we cannot read is still an item (with `bad_input` set), so it
// ends as an error record instead of vanishing.
struct Item {
  std::string id;        // module@version; for a bad line "bad-input:<hash of the line>"
  std::string module;
  std::string version;
  std::string raw;       // the input line, trimmed
  std::string bad_input; // why the line is not a module version; empty when it is
  uint64_t line = 0;     // 1-based line number of its first occurrence
};

// nullopt for blank lines and `#` comments.
std::optional<Item> parse_line(std::string_view line, uint64_t line_no);
// Whether a module path passes the same checks as a list's lines (no '..' element, no
// leading '/', ASCII, no spaces or quotes): records from elsewhere are checked with it
// before their module path names a directory.
bool safe_module_path(std::string_view path);
// Every item of the input once, in order of first appearance.
std::vector<Item> read_items(std::istream& in);

struct Shard {
  uint32_t index = 0;  // 0-based, as JOB_COMPLETION_INDEX and `sbatch --array=0-(N-1)`
  uint32_t count = 1;
};
// "K/N" with 0 <= K < N.
Result<Shard> parse_shard(std::string_view text);
// Stable across hosts, builds and runs: FNV-1a 64 of the item id, modulo the count.
uint32_t shard_of(std::string_view id, uint32_t count);
std::vector<Item> select_shard(std::vector<Item> items, Shard shard);

// A file name for an item id: module paths contain '/', versions '+' or uppercase.
std::string safe_name(std::string_view id);

}  // namespace gs::batch
