// Unit tests of the shared build cache's file handling (warmcache.h): copying never
// follows or carries symlinks and set-id bits, publishing is atomic and race-tolerant,
// and the lock excludes a second holder.
#include "warmcache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/fs.h"

namespace gs::harness {
namespace {
namespace fs = std::filesystem;

class WarmCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gs-warmcache-test-" + std::to_string(::getpid()));
    (void)remove_tree(dir_.string());
    ASSERT_TRUE(make_dirs(dir_.string()).ok());
  }
  void TearDown() override { (void)remove_tree(dir_.string()); }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST_F(WarmCache, CopyKeepsFilesAndDirsButNoSymlinksOrSetIdBits) {
  ASSERT_TRUE(make_dirs(path("src/ab")).ok());
  ASSERT_TRUE(write_file_atomic(path("src/ab/entry-d"), "compiled").ok());
  ASSERT_TRUE(write_file_atomic(path("src/trim.txt"), "1\n", 04755).ok());
  ::chmod(path("src/trim.txt").c_str(), 04755);
  ASSERT_EQ(::symlink("/etc/passwd", path("src/ab/link").c_str()), 0);
  ASSERT_EQ(::symlink("/etc", path("src/dirlink").c_str()), 0);
  ASSERT_TRUE(copy_tree(path("src"), path("dst"), ::getuid(), ::getgid()).ok());
  EXPECT_EQ(*read_file(path("dst/ab/entry-d")), "compiled");
  struct stat st{};
  ASSERT_EQ(::stat(path("dst/trim.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(path("dst/ab/link"))));
  EXPECT_FALSE(fs::exists(fs::symlink_status(path("dst/dirlink"))));
}

TEST_F(WarmCache, PublishIsAtomicAndASecondPublisherIsFine) {
  ASSERT_TRUE(make_dirs(path("run/00")).ok());
  ASSERT_TRUE(write_file_atomic(path("run/00/x-d"), "obj").ok());
  std::string shared = shared_cache_dir(path("root"), "k1");
  ASSERT_TRUE(make_dirs(path("root")).ok());
  EXPECT_FALSE(shared_cache_ready(shared));
  ASSERT_TRUE(publish_shared_cache(path("run"), shared).ok());
  EXPECT_TRUE(shared_cache_ready(shared));
  EXPECT_EQ(*read_file(shared + "/00/x-d"), "obj");
  // Someone published first: the second publisher leaves theirs alone and succeeds.
  ASSERT_TRUE(write_file_atomic(path("run/00/x-d"), "other").ok());
  ASSERT_TRUE(publish_shared_cache(path("run"), shared).ok());
  EXPECT_EQ(*read_file(shared + "/00/x-d"), "obj");
  for (const auto& e : fs::directory_iterator(path("root")))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

TEST_F(WarmCache, LockExcludesASecondHolderUntilReleased) {
  {
    auto first = CacheLock::acquire(path("root"), 1);
    ASSERT_TRUE(first.ok()) << first.error().message();
    auto second = CacheLock::acquire(path("root"), 0);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message().find("gocache.lock"), std::string::npos);
  }
  EXPECT_TRUE(CacheLock::acquire(path("root"), 0).ok());
}

TEST_F(WarmCache, ToolchainKeyIsStableAndShort) {
  auto a = toolchain_key();
  ASSERT_TRUE(a.ok()) << a.error().message();  // setup.sh installs Go
  auto b = toolchain_key();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 16u);
  EXPECT_EQ(shared_cache_dir("/r", *a), "/r/gocache-" + *a);
}

TEST_F(WarmCache, SeedIsAModuleWithATest) {
  bool mod = false, test = false;
  for (const SeedFile* f = seed_files(); f->name; ++f) {
    mod = mod || std::string(f->name) == "go.mod";
    test = test || std::string(f->name).ends_with("_test.go");
  }
  EXPECT_TRUE(mod);
  EXPECT_TRUE(test);
}

}  // namespace
}  // namespace gs::harness
