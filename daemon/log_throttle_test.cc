#include "daemon/log_throttle.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

using std::chrono::seconds;

TEST(LogThrottle, TheFirstEventIsLoggedAtOnce) {
  LogThrottle throttle(seconds(10));
  EXPECT_EQ(throttle.Count(LogThrottle::Clock::time_point() + seconds(100)), 1);
}

TEST(LogThrottle, EventsWithinThePeriodAreCountedIntoTheNextLine) {
  LogThrottle throttle(seconds(10));
  auto t = LogThrottle::Clock::time_point() + seconds(100);
  EXPECT_EQ(throttle.Count(t), 1);
  EXPECT_EQ(throttle.Count(t + seconds(1)), 0);
  EXPECT_EQ(throttle.Count(t + seconds(9)), 0);
  EXPECT_EQ(throttle.Count(t + seconds(10)), 3);
  EXPECT_EQ(throttle.Count(t + seconds(11)), 0);
}

}  // namespace
}  // namespace cairn
