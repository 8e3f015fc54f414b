// Privileged end to end: a real Go program (pure-Go resolver, net/http, crypto/tls) in a
// jail-like child with its own network and mount namespaces, whose resolv.conf names the
// fake internet's resolver, the way the harness will set a jail up.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "base/fd.h"
#include "netmon/fake_internet.h"
#include "privileged.h"

namespace gs::netmon {
namespace {

std::string tmp_dir() {
  char tmpl[] = "/tmp/gs-netmon-go-XXXXXX";
  return mkdtemp(tmpl) ? tmpl : "";
}

TEST(FakeInternetGo, GoClientIsServedAndLogged) {
  GS_REQUIRE_ROOT();
  if (system("command -v go >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs the go toolchain (golang-go)";
  std::string dir = tmp_dir();
  ASSERT_FALSE(dir.empty());
  std::string bin = dir + "/goclient";
  std::string build = "cd " GS_SOURCE_DIR
                      "/tests/netmon/testdata/goclient && CGO_ENABLED=0 GOPROXY=off "
                      "GOFLAGS= go build -o " +
                      bin + " main.go 2>&1";
  ASSERT_EQ(system(build.c_str()), 0) << build;
  std::string resolv = dir + "/resolv.conf";
  std::ofstream(resolv) << FakeInternet::resolv_conf();

  int go[2], report[2];
  ASSERT_EQ(pipe2(go, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The jail side: own net and mount namespaces, our resolv.conf over the host's.
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) _exit(2);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(3);
    if (mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) _exit(4);
    (void)!write(report[1], "R", 1);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(5);
    dup2(report[1], 1);
    dup2(report[1], 2);
    execl(bin.c_str(), bin.c_str(), nullptr);
    _exit(127);
  }
  close(go[0]);
  close(report[1]);
  char ready = 0;
  ASSERT_EQ(read(report[0], &ready, 1), 1);
  FD jail_ns(open(("/proc/" + std::to_string(child) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
  auto fi = FakeInternet::make(jail_ns.get(), {});
  ASSERT_TRUE(fi.ok()) << fi.error().message();
  jail_ns.reset();
  ASSERT_EQ(write(go[1], "G", 1), 1);
  close(go[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(report[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(report[0]);
  int status = 0;
  waitpid(child, &status, 0);
  std::printf("go client said:\n%s", out.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(out.find("lookup=[198.19."), std::string::npos);
  EXPECT_NE(out.find("txt=[v=spf1 -all]"), std::string::npos);
  EXPECT_NE(out.find("http=200"), std::string::npos);
  EXPECT_NE(out.find("tls_err=remote error: tls: handshake failure"), std::string::npos);
  EXPECT_NE(out.find("raw=ok"), std::string::npos);
  ASSERT_TRUE((*fi)->stop().ok());

  auto rec = (*fi)->records();
  bool a = false, aaaa = false, txt = false;
  for (const auto& d : rec.dns) {
    a |= d.name == "c2.evil.test" && d.type_name == "A" && d.answer.rfind("198.19.", 0) == 0;
    aaaa |= d.name == "c2.evil.test" && d.type_name == "AAAA" && d.answer.empty();
    txt |= d.name == "cmd.evil.test" && d.type_name == "TXT";
  }
  EXPECT_TRUE(a && aaaa && txt);
  const ConnectionRecord *http = nullptr, *tls = nullptr, *raw = nullptr;
  for (const auto& c : rec.connections) {
    if (c.app == "http") http = &c;
    if (c.app == "tls") tls = &c;
    if (c.dst_port == 4444) raw = &c;
  }
  ASSERT_TRUE(http && tls && raw);
  ASSERT_EQ(http->http.size(), 1u);
  EXPECT_EQ(http->hostname, "c2.evil.test");
  EXPECT_EQ(http->http[0].method, "POST");
  EXPECT_EQ(http->http[0].host, "c2.evil.test");
  EXPECT_EQ(http->http[0].path, "/upload");
  EXPECT_EQ(http->http[0].user_agent, "Go-http-client/1.1");
  EXPECT_EQ(http->http[0].body_bytes, 6u);
  // sha256("secret")
  EXPECT_EQ(http->http[0].body_sha256,
            "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
  EXPECT_EQ(tls->tls_sni, "c2.evil.test");
  EXPECT_EQ(tls->tls_alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(tls->tls_version, "TLS1.3");
  EXPECT_EQ(raw->first_bytes_hex, "69640a");
  fi->reset();
  std::remove(bin.c_str());
  std::remove(resolv.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace gs::netmon
