#include "base/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;

Timestamp At(absl::string_view text) {
  auto ts = ParseTimestamp(text);
  EXPECT_TRUE(ts.ok()) << ts.status();
  return ts.value_or(0);
}

TEST(ParseTimestamp, Rfc3339Utc) { EXPECT_EQ(At("2026-01-05T13:00:00Z"), 1767618000LL * 1000000); }

TEST(ParseTimestamp, OffsetAndFraction) {
  EXPECT_EQ(At("2026-01-05T14:00:00.25+01:00"), At("2026-01-05T13:00:00Z") + 250000);
  EXPECT_EQ(At("2026-01-05 13:00:00z"), At("2026-01-05T13:00:00Z"));
}

TEST(ParseTimestamp, UnixSeconds) {
  EXPECT_EQ(At("1767618000"), At("2026-01-05T13:00:00Z"));
  EXPECT_EQ(At("1767618000.5"), At("2026-01-05T13:00:00Z") + 500000);
}

TEST(ParseTimestamp, DateOnlyIsMidnight) {
  EXPECT_EQ(At("2026-01-05"), At("2026-01-05T00:00:00Z"));
}

TEST(ParseTimestamp, RejectsMalformed) {
  for (const char* bad : {"", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-05T13:00:00",
                          "2026-01-05T25:00:00Z", "yesterday", "12abc", "2026-01", "1.",
                          "2026-01-05T13:00:00Zjunk", "99999999999999"}) {
    EXPECT_THAT(ParseTimestamp(bad).status().message(), HasSubstr("time")) << bad;
  }
}

TEST(ParseTimeArg, CoarseForms) {
  EXPECT_EQ(*ParseTimeArg("2026"), At("2026-01-01T00:00:00Z"));
  EXPECT_EQ(*ParseTimeArg("2026-03"), At("2026-03-01T00:00:00Z"));
  EXPECT_EQ(*ParseTimeArg("2026-03-05"), At("2026-03-05T00:00:00Z"));
}

TEST(FormatTimestamp, RoundTrips) {
  for (const char* t :
       {"2026-01-05T13:00:00Z", "1969-12-31T23:59:59.5Z", "2024-02-29T00:00:01.000001Z"}) {
    EXPECT_EQ(FormatTimestamp(At(t)), t);
  }
}

TEST(Buckets, Labels) {
  Timestamp t = At("2026-01-05T13:45:00Z");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kHour), Granularity::kHour), "2026-01-05T13");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kDay), Granularity::kDay), "2026-01-05");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kWeek), Granularity::kWeek), "2026-W02");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kMonth), Granularity::kMonth), "2026-01");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kQuarter), Granularity::kQuarter), "2026-Q1");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kYear), Granularity::kYear), "2026");
}

TEST(Buckets, IsoWeekAcrossYearBoundary) {
  // 2027-01-01 is a Friday: it belongs to ISO week 2026-W53.
  Timestamp t = At("2027-01-01T00:00:00Z");
  EXPECT_EQ(BucketLabel(BucketFloor(t, Granularity::kWeek), Granularity::kWeek), "2026-W53");
  EXPECT_EQ(BucketFloor(t, Granularity::kWeek), At("2026-12-28T00:00:00Z"));
  // 2024-12-30 (Monday) starts 2025-W01.
  EXPECT_EQ(BucketLabel(At("2024-12-30T00:00:00Z"), Granularity::kWeek), "2025-W01");
}

TEST(Buckets, NextAndFloorAgree) {
  for (Granularity g : {Granularity::kHour, Granularity::kDay, Granularity::kWeek,
                        Granularity::kMonth, Granularity::kQuarter, Granularity::kYear}) {
    Timestamp start = BucketFloor(At("1999-11-30T23:59:59Z"), g);
    for (int i = 0; i < 400; ++i) {
      Timestamp next = BucketNext(start, g);
      ASSERT_GT(next, start);
      ASSERT_EQ(BucketFloor(next - 1, g), start) << GranularityName(g);
      ASSERT_EQ(BucketFloor(next, g), next);
      start = next;
    }
  }
}

TEST(Buckets, Nesting) {
  EXPECT_TRUE(IsCoarserOrEqual(Granularity::kMonth, Granularity::kDay));
  EXPECT_TRUE(IsCoarserOrEqual(Granularity::kYear, Granularity::kQuarter));
  EXPECT_TRUE(IsCoarserOrEqual(Granularity::kWeek, Granularity::kDay));
  EXPECT_FALSE(IsCoarserOrEqual(Granularity::kMonth, Granularity::kWeek));
  EXPECT_FALSE(IsCoarserOrEqual(Granularity::kWeek, Granularity::kMonth));
  EXPECT_FALSE(IsCoarserOrEqual(Granularity::kDay, Granularity::kMonth));
}

}  // namespace
}  // namespace cairn
