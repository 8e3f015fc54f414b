// Progress bar and log lines; see progress.h.
#include "progress.h"

namespace gs::batch {
namespace {

std::string hms(double s) {
  if (s < 0 || s > 1e8) return "--:--:--";
  long t = static_cast<long>(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  return buf;
}

}  // namespace

Progress::Progress(size_t total, size_t already_done, bool tty, std::chrono::milliseconds interval, std::FILE* out)
    : total_(total), resumed_(already_done), tty_(tty), interval_(interval), out_(out) {}

void Progress::done(const std::string& verdict) {
  std::lock_guard lock(mu_);
  ++done_;
  ++by_verdict_[verdict];
}

std::string Progress::line() const {
  std::lock_guard lock(mu_);
  const size_t finished = resumed_ + done_;
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0_).count();
  // Rate from this run only: records resumed from an earlier run took no time here.
  const double per_hour = elapsed > 0 ? done_ * 3600.0 / elapsed : 0;
  const double eta = done_ > 0 ? (total_ - finished) * elapsed / done_ : -1;
  std::string counts;
  for (const auto& [v, n] : by_verdict_) counts += " " + v + " " + std::to_string(n);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%zu/%zu  %.0f/h  elapsed %s  ETA %s %s", finished, total_, per_hour,
                hms(elapsed).c_str(), hms(eta).c_str(), counts.c_str());
  if (!tty_) return buf;
  const int width = 24;
  int filled = total_ ? static_cast<int>(width * finished / total_) : width;
  return "[" + std::string(filled, '#') + std::string(width - filled, ' ') + "] " + buf;
}

void Progress::tick() {
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line().c_str());
    std::fflush(out_);
    return;
  }
  if (Clock::now() - last_log_ < interval_) return;
  last_log_ = Clock::now();
  std::fprintf(out_, "gosandbox batch: %s\n", line().c_str());
  std::fflush(out_);
}

void Progress::finish() {
  if (tty_) std::fprintf(out_, "\r\033[K%s\n", line().c_str());
  else std::fprintf(out_, "gosandbox batch: %s\n", line().c_str());
  std::fflush(out_);
}

}  // namespace gs::batch
