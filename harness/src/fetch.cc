// Fetching targets; see fetch.h.
#include "fetch.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "hostcmd.h"
#include "modzip.h"
#include "sha256.h"

namespace gs::harness {
namespace fs = std::filesystem;
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// The environment for host-side `go mod download`: nothing of the user's Go setup leaks
// in (private caches), and GOVCS=*:off so no version-control tool ever runs on the host.
std::map<std::string, std::string> go_env(const FetchOptions& opts, const std::string& proxy) {
  std::string sumdb = opts.gosumdb;
  if (sumdb.empty()) sumdb = env_or("GOSUMDB", proxy.starts_with("file://") ? "off" : "");
  std::map<std::string, std::string> env{
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", opts.run_dir + "/host-home"},
      {"GOPATH", opts.run_dir + "/host-gopath"},
      {"GOMODCACHE", opts.run_dir + "/modcache"},
      {"GOCACHE", opts.run_dir + "/host-gocache"},
      {"GOFLAGS", "-modcacherw -mod=mod"},
      // a go.work in the module would put go in workspace mode, which reads go.mod itself
      // (not -modfile) and follows the workspace's own `use` and `replace` on the host
      {"GOWORK", "off"},
      {"GO111MODULE", "on"},
      {"GOVCS", "*:off"},
      {"GOTOOLCHAIN", "local"},
      {"CGO_ENABLED", "0"},
  };
  if (!proxy.empty()) env["GOPROXY"] = proxy;
  if (!sumdb.empty()) env["GOSUMDB"] = sumdb;
  for (const char* pass : {"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE", "GONOSUMDB",
                           "GOPRIVATE", "GONOPROXY", "GOINSECURE"}) {
    if (const char* v = std::getenv(pass)) env[pass] = v;
  }
  return env;
}

// `go mod download -json` prints one JSON object per module; an "Error" member carries
// the reason a module could not be had.
Result<nlohmann::json> parse_download_json(const HostCommandResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    std::string why = r.err.empty() ? r.out : r.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (auto nl = why.rfind('\n'); nl != std::string::npos) why = why.substr(nl + 1);
    return error(why.empty() ? "go mod download failed" : why);
  }
  if (j.contains("Error")) return error(j["Error"].get<std::string>());
  return j;
}

Status copy_tree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  if (ec) return Error{ec.value(), "copy('" + from + "' -> '" + to + "')"};
  // The module cache hands out read-only files; the jail gets a writable copy.
  for (auto it = fs::recursive_directory_iterator(to, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_symlink()) ::chmod(it->path().c_str(), it->is_directory() ? 0755 : 0644);
  }
  return {};
}

// A replace directive to a directory ("=> ../x", "=> /etc") names a path on the machine
// that runs `go`. Followed on the host, a hostile go.mod would make gosandbox read
// wherever it points, and the report would tell whether that exists. The host's download
// reads a copy of go.mod without them (`-modfile`); the build in the jail, where no host
// path exists, then reports them missing. Returns the copy's path and the directives
// left out ("old => dir").
Result<std::pair<std::string, std::vector<std::string>>> host_modfile(const FetchOptions& opts,
                                                                     const FetchedModule& m,
                                                                     const std::string& proxy) {
  const std::string copy = opts.run_dir + "/deps.mod";
  // a local directory's go.mod may be a symlink to any host file
  for (const char* f : {"/go.mod", "/go.sum"}) {
    struct stat st;
    if (::lstat((m.src_dir + f).c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      return error(std::string(f + 1) + " is not a regular file");
  }
  GS_ASSIGN_OR_RETURN(std::string gomod, read_file(m.src_dir + "/go.mod", 16 << 20));
  GS_TRY(write_file_atomic(copy, gomod));
  if (auto sum = read_file(m.src_dir + "/go.sum", 64 << 20); sum) GS_TRY(write_file_atomic(opts.run_dir + "/deps.sum", *sum));
  HostCommand edit{{"go", "mod", "edit", "-json", copy}, go_env(opts, proxy), opts.run_dir, opts.timeout, opts.run_dir};
  GS_ASSIGN_OR_RETURN(HostCommandResult r, run_host_command(edit));
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (r.exit_code != 0 || j.is_discarded() || !j.is_object())
    return error("go.mod: " + (r.err.empty() ? std::string("cannot be parsed") : r.err.substr(0, r.err.find('\n'))));
  std::vector<std::string> dropped;
  HostCommand drop{{"go", "mod", "edit"}, edit.env, opts.run_dir, opts.timeout, opts.run_dir};
  const auto& replaces = j.value("Replace", nlohmann::json::array());
  for (const auto& rep : replaces.is_array() ? replaces : nlohmann::json::array()) {
    const auto& o = rep.value("Old", nlohmann::json::object());
    const auto& n = rep.value("New", nlohmann::json::object());
    if (!n.value("Version", "").empty()) continue;  // another module, from the proxy
    std::string old = o.value("Path", "");
    if (!o.value("Version", "").empty()) old += "@" + o.value("Version", "");
    drop.argv.push_back("-dropreplace=" + old);
    dropped.push_back(old + " => " + n.value("Path", ""));
  }
  if (!dropped.empty()) {
    drop.argv.push_back(copy);
    GS_ASSIGN_OR_RETURN(HostCommandResult d, run_host_command(drop));
    if (d.exit_code != 0) return error("go.mod: cannot drop its local replace directives");
  }
  return std::pair{copy, dropped};
}

// Downloads the dependencies named by the copy's go.mod into the private cache. A
// failure is not fatal: the build phase will show which import is missing.
std::string download_deps(const FetchOptions& opts, const FetchedModule& m, const std::string& proxy) {
  auto modfile = host_modfile(opts, m, proxy);
  if (!modfile) return modfile.error().message();
  std::string note;
  if (!modfile->second.empty()) {
    note = "replace directives to local directories not followed:";
    for (const auto& d : modfile->second) note += " " + d + ";";
    note.pop_back();
  }
  auto join = [&](std::string why) { return note.empty() ? why : why.empty() ? note : note + "; " + why; };
  HostCommand cmd{{"go", "mod", "download", "-modfile=" + modfile->first, "-json"}, go_env(opts, proxy),
                  m.src_dir, opts.timeout, opts.run_dir};
  auto r = run_host_command(cmd);
  if (!r) return join(r.error().message());
  if (r->timed_out) return join("go mod download (dependencies) timed out");
  // what the download checked goes to the copy's go.sum, where the build in the jail reads it
  if (auto sum = read_file(opts.run_dir + "/deps.sum", 64 << 20); sum)
    if (auto st = write_file_atomic(m.src_dir + "/go.sum", *sum); !st) return join(st.error().message());
  if (r->exit_code == 0) return join("");
  std::string why;
  std::istringstream in(r->out);
  nlohmann::json j;
  while (in >> std::ws && in.peek() != EOF) {
    try {
      in >> j;
    } catch (...) {
      break;
    }
    if (j.contains("Error")) why += (why.empty() ? "" : "; ") + j["Error"].get<std::string>();
  }
  return join(why.empty() ? "go mod download (dependencies) failed: " + r->err : why);
}

Status ensure_gomod(const std::string& dir, const std::string& module_path) {
  std::string gomod = dir + "/go.mod";
  if (probe_path(gomod) == PathKind::kFile) return {};
  return write_file_atomic(gomod, "module " + module_path + "\n");
}

Result<FetchedModule> fetch_from_proxy(const Target& t, const FetchOptions& opts, FetchedModule m) {
  std::string proxy = opts.goproxy.empty() ? env_or("GOPROXY", "") : opts.goproxy;
  m.goproxy = proxy.empty() ? "https://proxy.golang.org,direct" : proxy;
  std::string cwd = opts.run_dir + "/fetch-cwd";
  GS_TRY(make_dirs(cwd));
  HostCommand cmd{{"go", "mod", "download", "-json", t.module_path + "@" + t.version},
                  go_env(opts, proxy), cwd, opts.timeout, opts.run_dir};
  GS_ASSIGN_OR_RETURN(HostCommandResult r, run_host_command(cmd));
  if (r.timed_out) return error("fetch " + t.module_path + "@" + t.version + ": timed out");
  auto j = parse_download_json(r);
  if (!j) return error("fetch " + t.module_path + "@" + t.version + ": " + j.error().context);
  m.path = j->value("Path", t.module_path);
  m.version = j->value("Version", t.version);
  m.sum = j->value("Sum", "");
  std::string zip = j->value("Zip", ""), dir = j->value("Dir", "");
  if (dir.empty()) return error("fetch " + t.module_path + "@" + t.version + ": no Dir in go output");
  if (!zip.empty()) {
    GS_ASSIGN_OR_RETURN(std::string bytes, read_file(zip, kMaxZipUncompressed + (100 << 20)));
    m.zip_sha256 = sha256_hex(bytes);
  }
  GS_TRY(copy_tree(dir, m.src_dir));
  GS_TRY(ensure_gomod(m.src_dir, m.path));
  m.deps_error = download_deps(opts, m, proxy);
  return m;
}

Result<FetchedModule> fetch_from_dir(const Target& t, const FetchOptions& opts, FetchedModule m) {
  auto gomod = read_file(t.path + "/go.mod", 1 << 20);
  if (!gomod) {
    if (gomod.error().err == ENOENT)
      return error("directory '" + t.path + "' is not a Go module (no go.mod)");
    return error("cannot read '" + t.path + "/go.mod': " + gomod.error().message());
  }
  m.path = parse_gomod_module(*gomod);
  if (m.path.empty()) return error("'" + t.path + "/go.mod' declares no module path");
  GS_TRY(copy_tree(t.path, m.src_dir));
  m.deps_error = download_deps(opts, m, opts.goproxy.empty() ? env_or("GOPROXY", "") : opts.goproxy);
  return m;
}

Result<FetchedModule> fetch_from_zip(const Target& t, const FetchOptions& opts, FetchedModule m) {
  auto bytes = read_file(t.path, kMaxZipUncompressed + (100 << 20));
  if (!bytes) return error("cannot read zip '" + t.path + "': " + bytes.error().message());
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  auto index = index_module_zip(span);
  if (!index) return error("bad module zip '" + t.path + "': " + index.error().context);
  m.path = index->module_path;
  m.version = index->version;
  m.zip_sha256 = sha256_hex(*bytes);
  GS_TRY(make_dirs(m.src_dir));
  auto sum = extract_module_zip(span, *index, m.src_dir);
  if (!sum) return error("bad module zip '" + t.path + "': " + sum.error().context);
  m.sum = *sum;
  GS_TRY(ensure_gomod(m.src_dir, m.path));
  m.deps_error = download_deps(opts, m, opts.goproxy.empty() ? env_or("GOPROXY", "") : opts.goproxy);
  return m;
}

}  // namespace

std::string parse_gomod_module(std::string_view gomod) {
  size_t pos = 0;
  while (pos < gomod.size()) {
    size_t end = gomod.find('\n', pos);
    if (end == std::string_view::npos) end = gomod.size();
    std::string_view line = gomod.substr(pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.starts_with("module") || line.size() < 7 || (line[6] != ' ' && line[6] != '\t'))
      continue;
    line.remove_prefix(7);
    if (auto c = line.find("//"); c != std::string_view::npos) line = line.substr(0, c);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.size() >= 2 && (line.front() == '"' || line.front() == '`')) line = line.substr(1, line.size() - 2);
    return std::string(line);
  }
  return "";
}

Result<FetchedModule> fetch_module(const Target& t, const FetchOptions& opts) {
  FetchedModule m;
  m.src_dir = opts.run_dir + "/src";
  m.modcache = opts.run_dir + "/modcache";
  GS_TRY(make_dirs(m.modcache));
  switch (t.kind) {
    case Target::Kind::kModule:
      m.source = "proxy";
      return fetch_from_proxy(t, opts, std::move(m));
    case Target::Kind::kDir:
      m.source = "dir";
      return fetch_from_dir(t, opts, std::move(m));
    case Target::Kind::kZip:
      m.source = "zip";
      return fetch_from_zip(t, opts, std::move(m));
  }
  return error("unknown target kind");
}

}  // namespace gs::harness
