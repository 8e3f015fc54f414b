// Module zip validation, extraction and h1 hashing; see modzip.h.
#include "modzip.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/fs.h"
#include "sha256.h"

namespace gs::harness {
namespace {

uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kLocalSig = 0x04034b50;

Status check_name(const std::string& name, const std::string& prefix) {
  auto bad = [&](const std::string& why) {
    return error("zip entry '" + name + "': " + why);
  };
  if (name.empty()) return bad("empty name");
  if (name.find('\0') != std::string::npos) return bad("NUL in name");
  if (name[0] == '/' || name.find('\\') != std::string::npos || name.find(':') == 1)
    return bad("absolute path");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string_view part(name.data() + start, end - start);
    if (part == "..") return bad("'..' path element");
    start = end + 1;
  }
  if (!prefix.empty() && name.compare(0, prefix.size(), prefix) != 0)
    return bad("outside the module prefix '" + prefix + "'");
  return {};
}

}  // namespace

Result<ZipIndex> index_module_zip(std::span<const uint8_t> zip) {
  if (zip.size() < 22) return error("not a zip file (too short)");
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  size_t lo = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  size_t eocd = SIZE_MAX;
  for (size_t i = zip.size() - 22 + 1; i-- > lo;) {
    if (le32(&zip[i]) == kEocdSig) {
      eocd = i;
      break;
    }
  }
  if (eocd == SIZE_MAX) return error("not a zip file (no end of central directory)");
  const uint8_t* e = &zip[eocd];
  uint16_t count = le16(e + 10);
  uint32_t cd_size = le32(e + 12), cd_off = le32(e + 16);
  if (count == 0xffff || cd_off == 0xffffffff) return error("zip64 archives are not module zips");
  if (uint64_t(cd_off) + cd_size > eocd) return error("corrupt zip: central directory out of range");

  ZipIndex idx;
  std::string prefix;
  std::set<std::string> seen_lower;
  size_t p = cd_off;
  for (uint16_t i = 0; i < count; ++i) {
    if (p + 46 > eocd || le32(&zip[p]) != kCentralSig)
      return error("corrupt zip: bad central directory entry " + std::to_string(i));
    const uint8_t* c = &zip[p];
    ZipEntry ent;
    ent.method = le16(c + 10);
    ent.crc32 = le32(c + 16);
    ent.compressed_size = le32(c + 20);
    ent.uncompressed_size = le32(c + 24);
    uint16_t name_len = le16(c + 28), extra_len = le16(c + 30), comment_len = le16(c + 32);
    uint32_t ext_attr = le32(c + 38);
    ent.local_offset = le32(c + 42);
    if (p + 46 + size_t(name_len) + extra_len + comment_len > eocd)
      return error("corrupt zip: entry name out of range");
    ent.name.assign(reinterpret_cast<const char*>(c + 46), name_len);
    p += 46 + size_t(name_len) + extra_len + comment_len;

    GS_TRY(check_name(ent.name, prefix));
    if (prefix.empty()) {
      // Module paths contain slashes; the prefix ends at the first '/' after the '@'.
      size_t at = ent.name.find('@');
      size_t slash = at == std::string::npos ? std::string::npos : ent.name.find('/', at);
      if (at == std::string::npos || slash == std::string::npos || at == 0 || slash == at + 1)
        return error("zip entry '" + ent.name + "': not under a module@version/ prefix");
      prefix = ent.name.substr(0, slash + 1);
      idx.module_path = ent.name.substr(0, at);
      idx.version = ent.name.substr(at + 1, slash - at - 1);
    }
    uint32_t mode = ext_attr >> 16;
    if ((mode & 0170000) == 0120000) return error("zip entry '" + ent.name + "': symlink");
    ent.is_dir = ent.name.back() == '/';
    if (!ent.is_dir && ent.method != 0 && ent.method != 8)
      return error("zip entry '" + ent.name + "': unsupported compression method " +
                   std::to_string(ent.method));
    std::string lower = ent.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (!seen_lower.insert(lower).second)
      return error("zip entry '" + ent.name + "': duplicate (case-insensitive) name");
    idx.total_uncompressed += ent.uncompressed_size;
    if (idx.total_uncompressed > kMaxZipUncompressed)
      return error("zip expands to more than 500 MiB");
    idx.entries.push_back(std::move(ent));
  }
  if (idx.entries.empty()) return error("zip has no entries");
  return idx;
}

namespace {

Result<std::string> inflate_entry(std::span<const uint8_t> zip, const ZipEntry& ent) {
  size_t p = ent.local_offset;
  if (p + 30 > zip.size() || le32(&zip[p]) != kLocalSig)
    return error("corrupt zip: bad local header for '" + ent.name + "'");
  size_t data = p + 30 + le16(&zip[p + 26]) + le16(&zip[p + 28]);
  if (data + ent.compressed_size > zip.size())
    return error("corrupt zip: data of '" + ent.name + "' out of range");
  std::string out;
  if (ent.method == 0) {
    if (ent.compressed_size != ent.uncompressed_size)
      return error("corrupt zip: stored entry '" + ent.name + "' has mismatched sizes");
    out.assign(reinterpret_cast<const char*>(&zip[data]), ent.compressed_size);
  } else {
    out.resize(ent.uncompressed_size);
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return error("inflateInit2 failed");
    zs.next_in = const_cast<Bytef*>(&zip[data]);
    zs.avail_in = ent.compressed_size;
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = ent.uncompressed_size;
    int rc = inflate(&zs, Z_FINISH);
    uLong produced = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != ent.uncompressed_size)
      return error("corrupt zip: cannot inflate '" + ent.name + "'");
  }
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out.data()), uInt(out.size()));
  if (crc != ent.crc32) return error("corrupt zip: CRC mismatch in '" + ent.name + "'");
  return out;
}

}  // namespace

Result<std::string> extract_module_zip(std::span<const uint8_t> zip, const ZipIndex& index,
                                       const std::string& dest) {
  const size_t prefix_len = index.module_path.size() + 1 + index.version.size() + 1;
  std::vector<std::pair<std::string, std::string>> hashes;
  for (const ZipEntry& ent : index.entries) {
    if (ent.is_dir) continue;
    GS_ASSIGN_OR_RETURN(std::string content, inflate_entry(zip, ent));
    std::filesystem::path out = std::filesystem::path(dest) / ent.name.substr(prefix_len);
    GS_TRY(make_dirs(out.parent_path().string()));
    GS_TRY(write_file_atomic(out.string(), content));
    hashes.emplace_back(ent.name, sha256_hex(content));
  }
  return hash1(std::move(hashes));
}

std::string hash1(std::vector<std::pair<std::string, std::string>> files) {
  std::sort(files.begin(), files.end());
  std::string summary;
  for (const auto& [name, hex] : files) summary += hex + "  " + name + "\n";
  auto d = sha256(summary);
  return "h1:" + base64(d.data(), d.size());
}

}  // namespace gs::harness
