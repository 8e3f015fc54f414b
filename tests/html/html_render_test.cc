// Rendering test: headless Chromium opens report.html for the revshell sample, takes a
// screenshot and dumps the DOM. The screenshot must show the page (not blank) with the
// timeline's ticks drawn in their colour, one separate tick per check-in; the browser must
// log no console message (no script errors, no blocked external loads). Chromium as root
// needs --no-sandbox, hence the privileged label.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "html_report.h"
#include "privileged.h"
#include "samples.h"

namespace gs::harness::html {
namespace {

namespace fs = std::filesystem;
using testing::count;

constexpr const char* chromium_path = "/usr/bin/chromium";
// The colour of a successful attempt's tick (style.h, svg .tk.ok).
constexpr int tick_r = 0xd6, tick_g = 0x28, tick_b = 0x39;

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "gs-html-XXXXXX").string();
    if (::mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Pids of live processes whose command line mentions `marker` (our unique profile dir).
std::vector<pid_t> processes_mentioning(const std::string& marker) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::string cmdline = read_file(entry.path() / "cmdline");
    if (cmdline.find(marker) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

struct RunResult {
  bool timed_out = false;
  int status = -1;
  std::string out, err;
};

// Runs chromium in its own process group with a deadline; afterwards kills whatever is
// left of that group, so no browser helper outlives the test.
RunResult run_chromium(const std::vector<std::string>& args, const fs::path& dir, int timeout_s) {
  RunResult r;
  fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    FILE* o = std::freopen(out.c_str(), "w", stdout);
    FILE* e = std::freopen(err.c_str(), "w", stderr);
    if (!o || !e) ::_exit(126);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(chromium_path));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(chromium_path, argv.data());
    ::_exit(127);
  }
  if (pid < 0) return r;
  ::setpgid(pid, pid);  // also from here, so the group exists before we might signal it
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    pid_t w = ::waitpid(pid, &r.status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &r.status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);  // helpers (zygote, utility processes) left in the group
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

struct Image {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3
};

uint32_t be32(const std::string& s, std::size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

int paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes): IHDR, the
// concatenated IDAT stream inflated with zlib, then the per-row filters undone.
bool decode_png(const std::string& png, Image& img, std::string& why) {
  if (png.size() < 33 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    return why = "not a PNG", false;
  std::string idat;
  int channels = 0;
  for (std::size_t at = 8; at + 12 <= png.size();) {
    uint32_t len = be32(png, at);
    std::string type = png.substr(at + 4, 4);
    if (at + 12 + len > png.size()) return why = "truncated chunk", false;
    if (type == "IHDR") {
      img.width = be32(png, at + 8), img.height = be32(png, at + 12);
      int depth = uint8_t(png[at + 16]), colour = uint8_t(png[at + 17]),
          interlace = uint8_t(png[at + 20]);
      if (depth != 8 || interlace != 0 || (colour != 2 && colour != 6))
        return why = "unsupported PNG format", false;
      channels = colour == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += png.substr(at + 8, len);
    } else if (type == "IEND") {
      break;
    }
    at += 12 + len;
  }
  if (!channels || img.width == 0 || img.height == 0 || img.width > 10000 || img.height > 10000)
    return why = "bad IHDR", false;
  std::size_t stride = std::size_t(img.width) * channels;
  std::vector<uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (::uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()),
                   idat.size()) != Z_OK ||
      raw_len != raw.size())
    return why = "IDAT does not inflate to the image size", false;
  std::vector<uint8_t> cur(stride), prev(stride, 0);
  img.rgb.resize(std::size_t(img.width) * img.height * 3);
  for (uint32_t y = 0; y < img.height; ++y) {
    const uint8_t* line = &raw[y * (stride + 1)];
    int filter = line[0];
    for (std::size_t x = 0; x < stride; ++x) {
      int a = x >= std::size_t(channels) ? cur[x - channels] : 0, b = prev[x],
          c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int v = line[1 + x];
      switch (filter) {
        case 0:
          break;
        case 1:
          v += a;
          break;
        case 2:
          v += b;
          break;
        case 3:
          v += (a + b) / 2;
          break;
        case 4:
          v += paeth(a, b, c);
          break;
        default:
          return why = "bad filter type", false;
      }
      cur[x] = uint8_t(v);
    }
    for (uint32_t x = 0; x < img.width; ++x)
      for (int k = 0; k < 3; ++k)
        img.rgb[(std::size_t(y) * img.width + x) * 3 + k] = cur[x * channels + k];
    std::swap(cur, prev);
  }
  return true;
}

bool is_tick(const Image& img, uint32_t x, uint32_t y) {
  const uint8_t* p = &img.rgb[(std::size_t(y) * img.width + x) * 3];
  return std::abs(p[0] - tick_r) <= 6 && std::abs(p[1] - tick_g) <= 6 &&
         std::abs(p[2] - tick_b) <= 6;
}

std::vector<std::string> common_flags(const fs::path& profile) {
  return {"--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile.string(),
          "--enable-logging=stderr",
          "--v=0"};
}

// Console messages are how Chromium reports script errors and blocked loads.
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    std::string line =
        log.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos)
      lines.push_back(line);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

class HtmlRender : public ::testing::Test {
 protected:
  void SetUp() override {
    GS_REQUIRE_ROOT();
    if (::access(chromium_path, X_OK) != 0)
      GTEST_SKIP() << chromium_path
                   << " is missing: install Debian's chromium package to run the rendering test";
    ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    html_ = dir_.path() / "report.html";
    page_ = render(testing::load_report("revshell"), testing::load_attempts("revshell"));
    std::ofstream(html_) << page_;
  }

  void TearDown() override {
    // Nothing may outlive the test: any process still using our profile dir is a leak.
    if (dir_.path().empty()) return;
    std::vector<pid_t> left = processes_mentioning(dir_.path().string());
    for (pid_t p : left) ::kill(p, SIGKILL);
    EXPECT_TRUE(left.empty()) << left.size() << " chromium processes outlived their run";
  }

  TempDir dir_;
  fs::path html_;
  std::string page_;
};

TEST_F(HtmlRender, ScreenshotShowsThePageAndOneTickPerCheckIn) {
  TempDir profile;
  fs::path png = dir_.path() / "shot.png";
  auto args = common_flags(profile.path());
  args.push_back("--screenshot=" + png.string());
  args.push_back("--window-size=1280,2000");
  args.push_back("file://" + html_.string());
  RunResult r = run_chromium(args, dir_.path(), 90);
  ASSERT_FALSE(r.timed_out) << "chromium did not finish in 90 s; stderr:\n" << r.err;
  ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << "chromium failed; stderr:\n"
                                                                 << r.err;
  ASSERT_TRUE(fs::exists(png)) << "no screenshot written; stderr:\n" << r.err;

  Image img;
  std::string why;
  ASSERT_TRUE(decode_png(read_file(png), img, why)) << why;
  EXPECT_EQ(img.width, 1280u);
  EXPECT_EQ(img.height, 2000u);

  std::map<uint32_t, std::size_t> colours;
  for (std::size_t i = 0; i < img.rgb.size(); i += 3)
    ++colours[(uint32_t(img.rgb[i]) << 16) | (uint32_t(img.rgb[i + 1]) << 8) | img.rgb[i + 2]];
  EXPECT_GT(colours.size(), 50u) << "screenshot is (nearly) one colour: blank page";

  // The image row with the most tick-coloured pixels runs through the timeline's ticks;
  // along it the tick colour must form exactly one run per attempt (four check-ins).
  std::size_t best_row = 0, best = 0;
  for (uint32_t y = 0; y < img.height; ++y) {
    std::size_t n = 0;
    for (uint32_t x = 0; x < img.width; ++x) n += is_tick(img, x, y);
    if (n > best) best = n, best_row = y;
  }
  ASSERT_GT(best, 0u) << "no pixel has the tick colour #d62839: the timeline was not drawn";
  std::size_t runs = 0;
  for (uint32_t x = 0; x < img.width; ++x)
    if (is_tick(img, x, best_row) && (x == 0 || !is_tick(img, x - 1, best_row))) ++runs;
  EXPECT_EQ(runs, 4u) << "tick runs along image row " << best_row;
  std::size_t tick_pixels = 0;
  for (uint32_t y = 0; y < img.height; ++y)
    for (uint32_t x = 0; x < img.width; ++x) tick_pixels += is_tick(img, x, y);
  EXPECT_GE(tick_pixels, 4u * 3 * 20) << "four ticks, 3 px wide, about 26 px tall";
}

TEST_F(HtmlRender, DomLoadsWithoutScriptOrConsoleMessages) {
  EXPECT_EQ(page_.find("<script"), std::string::npos) << "the page uses no JavaScript";
  TempDir profile;
  auto args = common_flags(profile.path());
  args.push_back("--dump-dom");
  args.push_back("file://" + html_.string());
  RunResult r = run_chromium(args, dir_.path(), 90);
  ASSERT_FALSE(r.timed_out) << "chromium did not finish in 90 s; stderr:\n" << r.err;
  ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << "chromium failed; stderr:\n"
                                                                 << r.err;
  EXPECT_NE(r.out.find("Network timeline"), std::string::npos) << "DOM dump:\n"
                                                               << r.out.substr(0, 2000);
  EXPECT_EQ(count(r.out, "class=\"tk ok\""), 4u);
  EXPECT_EQ(r.out.find("<script"), std::string::npos);
  std::vector<std::string> console = console_lines(r.err);
  EXPECT_TRUE(console.empty()) << "console message: " << console.front();
}

}  // namespace
}  // namespace gs::harness::html
