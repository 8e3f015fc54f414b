// See elfinit.h. Layouts from the System V gABI (ELF64) and the x86-64 psABI.
#include "elfinit.h"

#include <cstring>
#include <map>
#include <optional>

#include "base/fs.h"

namespace gs::harness {
namespace {

constexpr uint32_t kShtSymtab = 2, kShtRela = 4, kShtInitArray = 14, kShtPreinitArray = 16;
constexpr uint32_t kRelX8664Relative = 8;
constexpr uint8_t kSttFunc = 2;
// Relocations plus symbols read, over all sections: a large Go test binary has ~30k
// symbols and a few thousand relocations.
constexpr uint64_t kMaxEntries = 8u << 20;

// Bounds-checked little-endian reads from the file.
class Bytes {
 public:
  explicit Bytes(std::span<const uint8_t> b) : b_(b) {}
  bool has(uint64_t off, uint64_t len) const { return off <= b_.size() && len <= b_.size() - off; }
  template <class T>
  std::optional<T> get(uint64_t off) const {
    if (!has(off, sizeof(T))) return std::nullopt;
    T v;
    std::memcpy(&v, b_.data() + off, sizeof v);
    return v;
  }
  std::string cstr(uint64_t off, uint64_t limit) const {
    std::string s;
    for (uint64_t i = off; i < limit && i < b_.size() && b_[i] && s.size() < 512; ++i) s.push_back(char(b_[i]));
    return s;
  }
  size_t size() const { return b_.size(); }

 private:
  std::span<const uint8_t> b_;
};

struct Section {
  uint32_t name = 0, type = 0, link = 0;
  uint64_t addr = 0, offset = 0, size = 0, entsize = 0;
};

// Functions every dynamically linked C program gets from the C runtime's startup files.
bool is_c_runtime(const std::string& symbol) {
  return symbol == "frame_dummy" || symbol == "__do_global_ctors_aux" ||
         symbol == "init_have_lse_atomics";
}

}  // namespace

Result<std::vector<InitFunction>> init_functions(std::span<const uint8_t> file) {
  Bytes b(file);
  if (!b.has(0, 64) || std::memcmp(file.data(), "\x7f" "ELF", 4) != 0) return error("not an ELF file");
  if (file[4] != 2 || file[5] != 1) return error("not a 64-bit little-endian ELF file");
  const uint64_t shoff = *b.get<uint64_t>(0x28);
  const uint16_t shentsize = *b.get<uint16_t>(0x3a);
  const uint16_t shnum = *b.get<uint16_t>(0x3c);
  if (shnum == 0) return std::vector<InitFunction>{};
  if (shentsize < 64 || !b.has(shoff, uint64_t(shnum) * shentsize)) return error("section headers outside the file");
  std::vector<Section> sections(shnum);
  for (uint16_t i = 0; i < shnum; ++i) {
    uint64_t o = shoff + uint64_t(i) * shentsize;
    Section& s = sections[i];
    s.name = *b.get<uint32_t>(o);
    s.type = *b.get<uint32_t>(o + 4);
    s.addr = *b.get<uint64_t>(o + 16);
    s.offset = *b.get<uint64_t>(o + 24);
    s.size = *b.get<uint64_t>(o + 32);
    s.link = *b.get<uint32_t>(o + 40);
    s.entsize = *b.get<uint64_t>(o + 56);
  }
  // PIE: init array slots hold 0 and a RELATIVE relocation supplies the address.
  // Section headers may all point at the same bytes: bound the work, not just the reads.
  uint64_t budget = kMaxEntries;
  std::map<uint64_t, uint64_t> relative;  // slot address -> target
  for (const Section& s : sections) {
    if (s.type != kShtRela || !b.has(s.offset, s.size)) continue;
    for (uint64_t o = s.offset; o + 24 <= s.offset + s.size && budget; o += 24, --budget) {
      uint64_t r_offset = *b.get<uint64_t>(o), r_info = *b.get<uint64_t>(o + 8);
      int64_t addend = *b.get<int64_t>(o + 16);
      if ((r_info & 0xffffffff) == kRelX8664Relative) relative[r_offset] = uint64_t(addend);
    }
  }
  // Function symbols by address, from the static symbol table.
  std::map<uint64_t, std::pair<uint64_t, std::string>> funcs;  // value -> (size, name)
  for (const Section& s : sections) {
    if (s.type != kShtSymtab || s.link >= sections.size() || !b.has(s.offset, s.size)) continue;
    const Section& strtab = sections[s.link];
    if (!b.has(strtab.offset, strtab.size)) continue;
    for (uint64_t o = s.offset; o + 24 <= s.offset + s.size && budget; o += 24, --budget) {
      uint32_t st_name = *b.get<uint32_t>(o);
      uint8_t st_info = *b.get<uint8_t>(o + 4);
      uint64_t value = *b.get<uint64_t>(o + 8), size = *b.get<uint64_t>(o + 16);
      if ((st_info & 0xf) != kSttFunc || value == 0 || st_name >= strtab.size) continue;
      funcs.emplace(value, std::make_pair(size, b.cstr(strtab.offset + st_name, strtab.offset + strtab.size)));
    }
  }
  auto name_of = [&](uint64_t addr) -> std::string {
    auto it = funcs.upper_bound(addr);
    if (it == funcs.begin()) return {};
    --it;
    auto [size, name] = it->second;
    return addr == it->first || addr - it->first < size ? name : std::string();
  };
  std::vector<InitFunction> out;
  for (const Section& s : sections) {
    if (s.type != kShtInitArray && s.type != kShtPreinitArray) continue;
    if (!b.has(s.offset, s.size)) return error("init array outside the file");
    for (uint64_t i = 0; i + 8 <= s.size && out.size() < kMaxInitFunctions; i += 8) {
      uint64_t addr = *b.get<uint64_t>(s.offset + i);
      if (addr == 0)
        if (auto it = relative.find(s.addr + i); it != relative.end()) addr = it->second;
      if (addr == 0 || addr == ~uint64_t{0}) continue;  // empty slot or legacy terminator
      InitFunction f;
      f.section = s.type == kShtInitArray ? ".init_array" : ".preinit_array";
      f.address = addr;
      f.symbol = name_of(addr);
      f.c_runtime = is_c_runtime(f.symbol);
      out.push_back(std::move(f));
    }
  }
  // Stripped: no names to go by. A C program's only init entry is the runtime's own.
  if (funcs.empty() && out.size() == 1 && out[0].section == ".init_array") out[0].c_runtime = true;
  return out;
}

Result<std::vector<InitFunction>> module_constructors(const std::string& path) {
  GS_ASSIGN_OR_RETURN(std::string bytes, read_file(path, 1ull << 30));
  GS_ASSIGN_OR_RETURN(auto all, init_functions(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  std::vector<InitFunction> out;
  for (auto& f : all)
    if (!f.c_runtime) out.push_back(std::move(f));
  return out;
}

}  // namespace gs::harness
