// Shared guard for privileged tests: they need root (namespaces, cgroups, BPF) and say
// so when skipped, so a skip is never mistaken for a pass.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#define GS_REQUIRE_ROOT()                                                              \
  do {                                                                                 \
    if (::geteuid() != 0) GTEST_SKIP() << "privileged test: needs root (run as root)"; \
  } while (0)
