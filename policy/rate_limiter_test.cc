// Rate limits over a sliding window, with the clock injected as `now`.
#include "policy/rate_limiter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr Timestamp kMinute = 60 * kMicrosPerSecond;

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiterTest() {
    grant_.name = "cbam";
    grant_.rate_limit = RateLimit{2, kMinute, "minute"};
  }
  bool Admit(Timestamp now, const std::string& partner = "carmaker") {
    return limiter_.Admit(partner, grant_, now).ok();
  }

  const Timestamp t0_ = ParseTimestamp("2026-03-01T12:00:00Z").value();
  Grant grant_;
  RateLimiter limiter_;
};

TEST_F(RateLimiterTest, AdmitsUpToTheLimitWithinAWindow) {
  EXPECT_TRUE(Admit(t0_));
  EXPECT_TRUE(Admit(t0_ + 10 * kMicrosPerSecond));
  absl::Status s = limiter_.Admit("carmaker", grant_, t0_ + 30 * kMicrosPerSecond);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("grant 'cbam' allows 2 queries per minute; retry after "
                                     "2026-03-01T12:01:00Z"));
}

TEST_F(RateLimiterTest, RestoredAdmissionsCountAsBeforeARestart) {
  RateLimiter restarted;
  restarted.Restore("carmaker", "cbam", t0_);
  restarted.Restore("carmaker", "cbam", t0_ + 10 * kMicrosPerSecond);
  EXPECT_FALSE(restarted.Admit("carmaker", grant_, t0_ + 30 * kMicrosPerSecond).ok());
  EXPECT_TRUE(restarted.Admit("carmaker", grant_, t0_ + kMinute).ok());
}

TEST_F(RateLimiterTest, TheWindowSlides) {
  ASSERT_TRUE(Admit(t0_));
  ASSERT_TRUE(Admit(t0_ + 50 * kMicrosPerSecond));
  EXPECT_FALSE(Admit(t0_ + kMinute - 1));
  EXPECT_TRUE(Admit(t0_ + kMinute));       // the first left the window
  EXPECT_FALSE(Admit(t0_ + kMinute + 1));  // the second has not
}

TEST_F(RateLimiterTest, RefusedQueriesDoNotCount) {
  ASSERT_TRUE(Admit(t0_));
  ASSERT_TRUE(Admit(t0_));
  for (int i = 1; i < 50; ++i) ASSERT_FALSE(Admit(t0_ + i * kMicrosPerSecond));
  EXPECT_TRUE(Admit(t0_ + kMinute));
}

TEST_F(RateLimiterTest, PartnersAndGrantsAreCountedSeparately) {
  ASSERT_TRUE(Admit(t0_));
  ASSERT_TRUE(Admit(t0_));
  EXPECT_TRUE(Admit(t0_, "other"));
  grant_.name = "another-grant";
  EXPECT_TRUE(Admit(t0_));
}

TEST_F(RateLimiterTest, AGrantWithoutALimitIsNotLimited) {
  grant_.rate_limit.reset();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(Admit(t0_));
}

TEST_F(RateLimiterTest, CheckCountsNothing) {
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(limiter_.Check("carmaker", grant_, t0_).ok());
  EXPECT_TRUE(Admit(t0_));
  EXPECT_TRUE(Admit(t0_));
}

}  // namespace
}  // namespace cairn
