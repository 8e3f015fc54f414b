// Batch progress for people and for logs: on a TTY a one-line bar with rate and ETA,
// redrawn in place; otherwise a plain line every interval, which a Kubernetes or Slurm
// log keeps readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace gs::batch {

class Progress {
 public:
  Progress(size_t total, size_t already_done, bool tty, std::chrono::milliseconds interval, std::FILE* out);
  void done(const std::string& verdict);  // one more record
  void tick();                            // redraw (TTY) or log when the interval passed
  void finish();
  std::string line() const;

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  size_t total_, resumed_, done_ = 0;
  std::map<std::string, size_t> by_verdict_;
  bool tty_;
  std::chrono::milliseconds interval_;
  std::FILE* out_;
  Clock::time_point t0_ = Clock::now();
  Clock::time_point last_log_{};  // the first tick logs at once
};

}  // namespace gs::batch
