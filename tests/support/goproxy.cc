// Module zip and GOPROXY tree builder for tests; see goproxy.h.
#include "goproxy.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>

#include "base/fs.h"

namespace gs::testsupport {
namespace fs = std::filesystem;
namespace {

void put16(std::string& s, uint16_t v) {
  s.push_back(char(v & 0xff));
  s.push_back(char(v >> 8));
}
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}

std::string escape(const std::string& p) {
  std::string out;
  for (char c : p) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back('!');
      out.push_back(char(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string make_zip(const std::vector<ZipFile>& files) {
  std::string out, central;
  for (const ZipFile& f : files) {
    uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(f.content.data()), uInt(f.content.size()));
    uint32_t offset = uint32_t(out.size());
    put32(out, 0x04034b50);
    put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
    put32(out, crc), put32(out, uint32_t(f.content.size())), put32(out, uint32_t(f.content.size()));
    put16(out, uint16_t(f.name.size())), put16(out, 0);
    out += f.name;
    out += f.content;
    put32(central, 0x02014b50);
    put16(central, 0x031e), put16(central, 20), put16(central, 0), put16(central, 0);
    put16(central, 0), put16(central, 0x21);
    put32(central, crc), put32(central, uint32_t(f.content.size())), put32(central, uint32_t(f.content.size()));
    put16(central, uint16_t(f.name.size())), put16(central, 0), put16(central, 0);
    put16(central, 0), put16(central, 0), put32(central, 0100644u << 16), put32(central, offset);
    central += f.name;
  }
  uint32_t cd_off = uint32_t(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0), put16(out, 0), put16(out, uint16_t(files.size())), put16(out, uint16_t(files.size()));
  put32(out, uint32_t(central.size())), put32(out, cd_off), put16(out, 0);
  return out;
}

Result<std::vector<ZipFile>> module_files(const std::string& dir, const std::string& module_path,
                                          const std::string& version) {
  std::vector<ZipFile> files;
  std::error_code ec;
  const std::string prefix = module_path + "@" + version + "/";
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it); it.increment(ec)) {
    std::string rel = fs::relative(it->path(), dir).string();
    if (it->is_directory()) {
      bool nested = it->path() != fs::path(dir) && fs::exists(it->path() / "go.mod");
      if (it->path().filename() == ".git" || it->path().filename() == "vendor" || nested)
        it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    GS_ASSIGN_OR_RETURN(std::string content, read_file(it->path().string()));
    files.push_back({prefix + rel, std::move(content)});
  }
  if (ec) return Error{ec.value(), "walk('" + dir + "')"};
  std::sort(files.begin(), files.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return files;
}

Status add_to_proxy(const std::string& proxy_root, const std::string& dir,
                    const std::string& module_path, const std::string& version) {
  std::string vdir = proxy_root + "/" + escape(module_path) + "/@v";
  GS_TRY(make_dirs(vdir));
  GS_ASSIGN_OR_RETURN(auto files, module_files(dir, module_path, version));
  std::string gomod = "module " + module_path + "\n";
  bool has_gomod = false;
  for (const auto& f : files) {
    if (f.name == module_path + "@" + version + "/go.mod") {
      gomod = f.content;
      has_gomod = true;
    }
  }
  if (!has_gomod) files.push_back({module_path + "@" + version + "/go.mod", gomod});
  GS_TRY(write_file_atomic(vdir + "/" + escape(version) + ".zip", make_zip(files)));
  GS_TRY(write_file_atomic(vdir + "/" + escape(version) + ".mod", gomod));
  GS_TRY(write_file_atomic(vdir + "/" + escape(version) + ".info",
                           "{\"Version\":\"" + version + "\",\"Time\":\"2024-01-01T00:00:00Z\"}\n"));
  std::string list;
  if (auto old = read_file(vdir + "/list"); old) list = *old;
  if (list.find(version + "\n") == std::string::npos) list += version + "\n";
  return write_file_atomic(vdir + "/list", list);
}

}  // namespace gs::testsupport
