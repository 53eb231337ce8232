// Clock: where the daemon's parts read the time, so that tests can set it.
//
// Every component that decides by time (freshness of a request, validity of a grant, budget
// periods, closed periods, rate limits, audit timestamps) takes a `const Clock&` instead of
// reading the wall clock itself. SystemClock is the UTC wall clock; ManualClock is set by a
// test. Both are thread-safe.
#ifndef CAIRN_BASE_CLOCK_H_
#define CAIRN_BASE_CLOCK_H_

#include <atomic>
#include <chrono>

#include "base/time.h"

namespace cairn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp now = 0) : now_(now) {}
  Timestamp Now() const override { return now_.load(std::memory_order_relaxed); }
  void Set(Timestamp now) { now_.store(now, std::memory_order_relaxed); }
  void Advance(Timestamp by) { now_.fetch_add(by, std::memory_order_relaxed); }

 private:
  std::atomic<Timestamp> now_;
};

}  // namespace cairn

#endif  // CAIRN_BASE_CLOCK_H_
