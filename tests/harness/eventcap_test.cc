// Unit tests of EventBudget: what an analysis keeps of a flood of events.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "eventcap.h"

namespace gs::harness {
namespace {

tracer::Event file_event(uint32_t pid, std::string path, uint64_t flags = O_RDONLY, int64_t ret = 3) {
  tracer::FileEvent f;
  f.op = "openat", f.path = std::move(path), f.flags = flags, f.ret = ret;
  tracer::Event e;
  e.header.pid = pid;
  e.body = f;
  return e;
}

tracer::Event fork_event(uint32_t pid) {
  tracer::Event e;
  e.header.pid = pid;
  e.body = tracer::ForkEvent{pid + 1, pid + 1, 2, false};
  return e;
}

using A = EventBudget::Admit;

TEST(EventBudget, EverythingUpToKeepAllThenOnlyWhatIsNew) {
  EventBudget b(4, 100);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.admit(file_event(7, "/same")), A::kKeep);  // under keep_all
  EXPECT_EQ(b.admit(file_event(7, "/same")), A::kCollapse);
  EXPECT_EQ(b.admit(file_event(7, "/same", O_RDONLY, 4)), A::kCollapse);  // another fd: a repeat
  // new: another path, flags, result, process; process events are never repeats
  EXPECT_EQ(b.admit(file_event(7, "/home/u/.bashrc", O_WRONLY)), A::kKeep);
  EXPECT_EQ(b.admit(file_event(7, "/same", O_WRONLY)), A::kKeep);
  EXPECT_EQ(b.admit(file_event(7, "/same", O_RDONLY, -13)), A::kKeep);
  EXPECT_EQ(b.admit(file_event(8, "/same")), A::kKeep);
  EXPECT_EQ(b.admit(fork_event(7)), A::kKeep);
  EXPECT_EQ(b.admit(fork_event(7)), A::kKeep);
  // a repeat of something kept before keep_all was reached is a repeat too
  EXPECT_EQ(b.admit(file_event(8, "/same")), A::kCollapse);
  EXPECT_EQ(b.kept(), 10u);
  EXPECT_EQ(b.collapsed(), 3u);
  EXPECT_EQ(b.over_cap(), 0u);
}

TEST(EventBudget, NothingPastKeepMaxAndThatIsCounted) {
  EventBudget b(2, 3);
  EXPECT_EQ(b.admit(file_event(1, "/a")), A::kKeep);
  EXPECT_EQ(b.admit(file_event(1, "/b")), A::kKeep);
  EXPECT_EQ(b.admit(file_event(1, "/c")), A::kKeep);
  EXPECT_EQ(b.admit(file_event(1, "/d")), A::kOverCap);
  EXPECT_EQ(b.admit(fork_event(1)), A::kOverCap);
  EXPECT_EQ(b.kept(), 3u);
  EXPECT_EQ(b.over_cap(), 2u);
}

// Connects are a beacon's times, and a socket's fd is what joins its later calls.
TEST(EventBudget, ConnectsAndNewSocketsAreNeverRepeats) {
  EventBudget b(0, 100);
  auto net = [](std::string op, int64_t ret) {
    tracer::NetEvent n;
    n.op = std::move(op), n.ret = ret, n.domain = 2, n.type = 1;
    n.addr = tracer::SockAddr{2, "203.0.113.9", 443, "", false};
    tracer::Event e;
    e.header.pid = 5;
    e.body = n;
    return e;
  };
  EXPECT_EQ(b.admit(net("connect", 0)), A::kKeep);
  EXPECT_EQ(b.admit(net("connect", 0)), A::kKeep);
  EXPECT_EQ(b.admit(net("socket", 3)), A::kKeep);
  EXPECT_EQ(b.admit(net("socket", 4)), A::kKeep);
  EXPECT_EQ(b.admit(net("socket", 4)), A::kCollapse);
}

// The measured flood: one path opened over and over by a few threads keeps the budget
// flat, and the write that comes after it is still kept.
TEST(EventBudget, AFloodOfOneCallStaysSmallAndWhatFollowsIsKept) {
  EventBudget b(1000, 5000);
  for (int i = 0; i < 200'000; ++i) b.admit(file_event(10 + i % 8, "/tmp/f" + std::to_string(i % 8), O_CREAT | O_WRONLY));
  EXPECT_LE(b.kept(), 1000u);
  EXPECT_EQ(b.admit(file_event(10, "/home/u/.ssh/authorized_keys", O_CREAT | O_WRONLY)), A::kKeep);
  EXPECT_EQ(b.over_cap(), 0u);
}

}  // namespace
}  // namespace gs::harness
