// Unit tests of the jail's mount plan (built on the host side, no root): every directory
// the root needs is made before anything is mounted or written in it, once, and made
// again when a later mount has hidden it.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "jail.h"
#include "src/mnt.h"

namespace gs::sandbox {
namespace {

using Op = MountStep::Op;

JailSpec spec_with(std::vector<Mount> mounts) {
  JailSpec s;
  s.argv = {"/bin/true"};
  s.mounts = std::move(mounts);
  return s;
}

// Index of the first step after `from` that makes exactly `dir` (inside /newroot), or -1.
int find_mkdir(const MountPlan& p, const std::string& dir, int from = -1) {
  for (int i = from + 1; i < static_cast<int>(p.steps.size()); ++i) {
    if (p.steps[i].op == Op::kMkdir && p.steps[i].dst == "/newroot" + dir) return i;
  }
  return -1;
}

int find_mount(const MountPlan& p, const std::string& target) {
  for (int i = 0; i < static_cast<int>(p.steps.size()); ++i) {
    const auto& s = p.steps[i];
    if ((s.op == Op::kMount || s.op == Op::kBind) && s.dst == "/newroot" + target) return i;
  }
  return -1;
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir + "/");
}

TEST(MountPlan, EveryDirectoryIsMadeOnceUnlessAMountHidItSince) {
  auto plan = plan_mounts(spec_with({}));
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  // For each mkdir: an earlier mkdir of the same path must have been hidden by a mount
  // on it or on one of its parents in between.
  std::map<std::string, int> made;
  for (int i = 0; i < static_cast<int>(plan->steps.size()); ++i) {
    const MountStep& s = plan->steps[i];
    if (s.op == Op::kMount || s.op == Op::kBind) {
      for (auto it = made.begin(); it != made.end();) {
        it = under(it->first, s.dst) && it->first != s.dst ? made.erase(it) : std::next(it);
      }
    }
    if (s.op != Op::kMkdir) continue;
    EXPECT_EQ(made.count(s.dst), 0u) << s.dst << " made again at step " << i << " (first at "
                                     << made[s.dst] << ")";
    made[s.dst] = i;
  }
  // The nodes bound into /dev and the files bound into /etc still have their directory.
  EXPECT_GE(find_mkdir(*plan, "/dev"), 0);
  EXPECT_LT(find_mkdir(*plan, "/dev"), find_mount(*plan, "/dev/null"));
  EXPECT_LT(find_mkdir(*plan, "/etc"), find_mount(*plan, "/etc/ld.so.cache"));
}

TEST(MountPlan, DirectoryHiddenByALaterMountIsMadeAgainBelowIt) {
  const std::string src = GS_SOURCE_DIR;
  auto plan = plan_mounts(spec_with({
      {.kind = Mount::Kind::kBind, .source = src, .target = "/work/src"},
      {.kind = Mount::Kind::kTmpfs, .target = "/work", .writable = true},
      {.kind = Mount::Kind::kBind, .source = src, .target = "/work/src"},
  }));
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  int first = find_mkdir(*plan, "/work/src");
  int tmpfs = find_mount(*plan, "/work");
  int again = find_mkdir(*plan, "/work/src", first);
  ASSERT_GE(first, 0);
  ASSERT_GT(tmpfs, first);
  EXPECT_GT(again, tmpfs) << "the tmpfs on /work hides the first /work/src";
}

}  // namespace
}  // namespace gs::sandbox
