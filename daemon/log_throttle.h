// LogThrottle: lets one log line through per period and counts the events it held back, so
// that a flood of one kind of event (failed handshakes, refused calls, failed accepts) costs
// a line every few seconds instead of one per event. Single-threaded.
//
//   if (int64_t n = throttle.Count()) CAIRN_LOG_INFO(n, " handshakes failed; last: ", why);
#ifndef CAIRN_DAEMON_LOG_THROTTLE_H_
#define CAIRN_DAEMON_LOG_THROTTLE_H_

#include <chrono>
#include <cstdint>

namespace cairn {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration period = std::chrono::seconds(10)) : period_(period) {}

  // Counts one event at `now`. Returns 0 if no line is due, else how many events the line
  // stands for: this one and those held back since the last line.
  int64_t Count(Clock::time_point now = Clock::now()) {
    ++held_;
    if (logged_once_ && now - last_ < period_) return 0;
    logged_once_ = true;
    last_ = now;
    int64_t n = held_;
    held_ = 0;
    return n;
  }

 private:
  const Clock::duration period_;
  Clock::time_point last_;
  bool logged_once_ = false;
  int64_t held_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_LOG_THROTTLE_H_
