// Ctrl-C, SIGTERM or SIGHUP during an analysis must not leave a jail, a cgroup or a
// scratch directory behind, nor lose the report: the signals are taken by one thread that
// stops the running jail and marks the analysis interrupted; the pipeline then skips what
// remains (the stopped phase and the rest say "interrupted by signal N" with status
// "error"), judges what it saw, writes the report and cleans up as usual. The report's
// `error` says it was interrupted; its verdict is "error" unless the evidence seen
// before the signal already made it suspicious or malicious.
#pragma once

#include "jail.h"

namespace gs::harness {

// Blocks SIGINT/SIGTERM/SIGHUP in every thread and starts the thread that waits for them.
// Call once, first thing in main, before any other thread exists.
void install_interrupt_handling();
// 0 when no signal arrived, else the signal number.
int interrupted();

// While alive, a signal stops this jail.
class ActiveJail {
 public:
  explicit ActiveJail(sandbox::Jail* jail);
  ~ActiveJail();
  ActiveJail(const ActiveJail&) = delete;
  ActiveJail& operator=(const ActiveJail&) = delete;
};

}  // namespace gs::harness
