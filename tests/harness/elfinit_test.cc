// Unit tests of the init-array scan (elfinit.h) on ELF files built byte by byte, and of
// the pre-runtime window (preruntime.h) on synthetic tracer events.
#include "elfinit.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>

#include "preruntime.h"

namespace gs::harness {
namespace {

// A minimal ELF64 LE file: header, then sections .init_array, .symtab, .strtab and,
// for PIE, .rela.dyn; section headers last.
class ElfBuilder {
 public:
  struct Sym {
    std::string name;
    uint64_t value, size;
  };
  std::vector<uint64_t> init;       // entries as stored
  std::vector<std::pair<uint64_t, uint64_t>> relative;  // slot -> target (PIE)
  std::vector<Sym> syms;
  uint64_t init_addr = 0x600000;

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> f(64, 0);
    std::memcpy(f.data(), "\x7f" "ELF", 4);
    f[4] = 2;
    f[5] = 1;
    f[6] = 1;
    struct Sh {
      uint32_t name, type;
      uint64_t addr, offset, size, entsize;
      uint32_t link;
    };
    std::vector<Sh> sh{{0, 0, 0, 0, 0, 0, 0}};
    auto append = [&](const void* p, size_t n) {
      uint64_t off = f.size();
      f.insert(f.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
      return off;
    };
    uint64_t off = append(init.data(), init.size() * 8);
    sh.push_back({0, 14, init_addr, off, init.size() * 8, 8, 0});
    std::string strtab(1, '\0');
    std::vector<uint8_t> symtab(24, 0);
    for (const auto& s : syms) {
      uint8_t e[24] = {};
      uint32_t name = uint32_t(strtab.size());
      strtab += s.name + '\0';
      std::memcpy(e, &name, 4);
      e[4] = 2;  // STT_FUNC, STB_LOCAL
      std::memcpy(e + 8, &s.value, 8);
      std::memcpy(e + 16, &s.size, 8);
      symtab.insert(symtab.end(), e, e + 24);
    }
    uint64_t str_off = append(strtab.data(), strtab.size());
    uint64_t sym_off = append(symtab.data(), symtab.size());
    sh.push_back({0, 3, 0, str_off, strtab.size(), 0, 0});
    sh.push_back({0, 2, 0, sym_off, symtab.size(), 24, 2});
    if (!relative.empty()) {
      std::vector<uint8_t> rela;
      for (auto [slot, target] : relative) {
        uint8_t e[24] = {};
        uint64_t info = 8;  // R_X86_64_RELATIVE
        std::memcpy(e, &slot, 8);
        std::memcpy(e + 8, &info, 8);
        std::memcpy(e + 16, &target, 8);
        rela.insert(rela.end(), e, e + 24);
      }
      uint64_t rela_off = append(rela.data(), rela.size());
      sh.push_back({0, 4, 0, rela_off, rela.size(), 24, 0});
    }
    uint64_t shoff = f.size();
    for (const Sh& s : sh) {
      uint8_t e[64] = {};
      std::memcpy(e, &s.name, 4);
      std::memcpy(e + 4, &s.type, 4);
      std::memcpy(e + 16, &s.addr, 8);
      std::memcpy(e + 24, &s.offset, 8);
      std::memcpy(e + 32, &s.size, 8);
      std::memcpy(e + 40, &s.link, 4);
      std::memcpy(e + 56, &s.entsize, 8);
      f.insert(f.end(), e, e + 64);
    }
    uint16_t entsize = 64, num = uint16_t(sh.size());
    std::memcpy(f.data() + 0x28, &shoff, 8);
    std::memcpy(f.data() + 0x3a, &entsize, 2);
    std::memcpy(f.data() + 0x3c, &num, 2);
    return f;
  }
};

TEST(ElfInit, NamesConstructorsAndKnowsTheCRuntimesOwn) {
  ElfBuilder b;
  b.init = {0x401000, 0x401100};
  b.syms = {{"frame_dummy", 0x401000, 0x20}, {"evil_ctor", 0x401100, 0x40}};
  auto fs = init_functions(b.build());
  ASSERT_TRUE(fs.ok()) << fs.error().message();
  ASSERT_EQ(fs->size(), 2u);
  EXPECT_EQ((*fs)[0].symbol, "frame_dummy");
  EXPECT_TRUE((*fs)[0].c_runtime);
  EXPECT_EQ((*fs)[1].symbol, "evil_ctor");
  EXPECT_FALSE((*fs)[1].c_runtime);
  EXPECT_EQ((*fs)[1].section, ".init_array");
}

TEST(ElfInit, PieSlotsAreRelocated) {
  ElfBuilder b;
  b.init = {0, 0};
  b.relative = {{b.init_addr, 0x1000}, {b.init_addr + 8, 0x1100}};
  b.syms = {{"frame_dummy", 0x1000, 0x20}, {"ctor", 0x1100, 0x10}};
  auto fs = init_functions(b.build());
  ASSERT_TRUE(fs.ok());
  ASSERT_EQ(fs->size(), 2u);
  EXPECT_EQ((*fs)[1].symbol, "ctor");
  EXPECT_EQ((*fs)[1].address, 0x1100u);
}

TEST(ElfInit, StrippedBinaryWithOnlyTheRuntimeEntryIsNotFlagged) {
  ElfBuilder b;
  b.init = {0x401000};
  auto fs = init_functions(b.build());
  ASSERT_TRUE(fs.ok());
  ASSERT_EQ(fs->size(), 1u);
  EXPECT_TRUE((*fs)[0].c_runtime);
  b.init = {0x401000, 0x402000};  // two unnamed: one is not the runtime's
  fs = init_functions(b.build());
  ASSERT_TRUE(fs.ok());
  EXPECT_FALSE((*fs)[0].c_runtime || (*fs)[1].c_runtime);
}

TEST(ElfInit, CorruptBytesAreErrorsNotCrashes) {
  EXPECT_FALSE(init_functions({}).ok());
  std::vector<uint8_t> text(100, 'a');
  EXPECT_FALSE(init_functions(text).ok());
  ElfBuilder b;
  b.init = {0x401000};
  auto good = b.build();
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    std::vector<uint8_t> part(good.begin(), good.begin() + cut);
    (void)init_functions(part);  // must not read past the span
  }
  auto bad = good;
  uint64_t huge = ~uint64_t{0} - 10;
  std::memcpy(bad.data() + 0x28, &huge, 8);
  EXPECT_FALSE(init_functions(bad).ok());
}

TEST(ElfInit, ModuleConstructorsOfAFileThatIsNoBinary) {
  EXPECT_FALSE(module_constructors("/nonexistent/initrunner").ok());
}

// ---- the pre-runtime window ----

TracedEvent ev(uint64_t id, uint32_t pid, uint64_t ts, tracer::Body body) {
  TracedEvent e;
  e.id = id;
  e.phase = "init";
  e.ms = int64_t(ts / 1'000'000);
  e.event.header.pid = pid;
  e.event.header.tid = pid;
  e.event.header.ts_ns = ts;
  e.event.body = std::move(body);
  return e;
}

tracer::ExecEvent exec_of(std::vector<std::string> argv) {
  tracer::ExecEvent x;
  x.filename = argv[0];
  x.argv = std::move(argv);
  return x;
}

tracer::FileEvent open_of(const std::string& path, int flags) {
  tracer::FileEvent f;
  f.op = "openat";
  f.path = path;
  f.flags = uint64_t(flags);
  return f;
}

const nlohmann::json kProcs = nlohmann::json::array(
    {{{"id", 2}, {"host_pid", 100}, {"phase", "init"}, {"exe", "/work/out/initrunner"}, {"event", 1}, {"cwd", "/w"}}});
const std::set<std::string> kPrograms{"/work/out/initrunner"};

TEST(PreRuntime, ActionsBeforeTheFirstThreadAreTheConstructorsOnly) {
  std::vector<TracedEvent> events;
  events.push_back(ev(1, 100, 1000, tracer::ForkEvent{100, 100, 2, false}));
  events.push_back(ev(2, 100, 2000, exec_of({"/work/out/initrunner"})));
  events.push_back(ev(3, 100, 3000, open_of("/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY)));  // loader
  events.push_back(ev(4, 100, 4000, tracer::ForkEvent{101, 101, 3, false}));
  events.push_back(ev(5, 101, 5000, exec_of({"/bin/sh", "-c", "id"})));
  events.push_back(ev(6, 100, 6000, open_of("/home/dev/.ssh/id_rsa", O_RDONLY)));
  events.push_back(ev(7, 100, 7000, open_of("out.txt", O_WRONLY | O_CREAT)));
  events.push_back(ev(8, 100, 8000, tracer::ForkEvent{100, 102, 2, true}));  // the runtime is up
  events.push_back(ev(9, 100, 9000, open_of("/home/dev/.aws/credentials", O_RDONLY)));  // Go init's
  events.push_back(ev(10, 100, 9500, tracer::ForkEvent{103, 103, 4, false}));
  auto out = pre_runtime_actions(events, kProcs, kPrograms, "/home/dev");
  ASSERT_EQ(out.size(), 1u) << out.dump();
  EXPECT_EQ(out[0]["process"], 2);
  EXPECT_TRUE(out[0]["runtime_started"].get<bool>());
  const auto& a = out[0]["actions"];
  ASSERT_EQ(a.size(), 3u) << a.dump();
  EXPECT_EQ(a[0]["kind"], "exec");
  EXPECT_EQ(a[0]["detail"], "started /bin/sh -c id");
  EXPECT_EQ(a[0]["event"], 5);
  EXPECT_EQ(a[1]["detail"], "read /home/dev/.ssh/id_rsa");
  EXPECT_EQ(a[2]["detail"], "opened for writing /w/out.txt");
}

TEST(PreRuntime, AQuietStartupAndOtherProgramsGiveNothing) {
  std::vector<TracedEvent> events;
  events.push_back(ev(1, 100, 1000, tracer::ForkEvent{100, 100, 2, false}));
  events.push_back(ev(2, 100, 2000, exec_of({"/work/out/initrunner"})));
  events.push_back(ev(3, 100, 3000, open_of("/etc/ld.so.cache", O_RDONLY)));
  events.push_back(ev(4, 100, 4000, open_of("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", O_RDONLY)));
  events.push_back(ev(5, 100, 5000, tracer::ForkEvent{100, 105, 2, true}));
  EXPECT_TRUE(pre_runtime_actions(events, kProcs, kPrograms, "/home/dev").empty());
  // The same constructor-like action in a program the analysis did not build.
  events.push_back(ev(6, 100, 4500, tracer::ForkEvent{101, 101, 3, false}));
  EXPECT_TRUE(pre_runtime_actions(events, kProcs, {"/work/out/bin/other"}, "/home/dev").empty());
  EXPECT_EQ(pre_runtime_actions(events, kProcs, kPrograms, "/home/dev").size(), 1u);
}

}  // namespace
}  // namespace gs::harness
