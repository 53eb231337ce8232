#include "query/range_plan.h"

#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

Timestamp T(const char* text) { return *ParseTimestamp(text); }

MATCHER_P3(Piece, level, from, to, "") {
  return arg.level == level && arg.from == T(from) && arg.to == T(to);
}

constexpr std::optional<RollupLevel> kRaw = std::nullopt;
using ::testing::ElementsAre;

TEST(RangePlanTest, WholeMonthsAreReadAsMonths) {
  EXPECT_THAT(
      PlanRange(T("2026-01-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), RollupLevel::kMonth),
      ElementsAre(Piece(RollupLevel::kMonth, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")));
}

TEST(RangePlanTest, RaggedEdgesDescendToHoursAndRawRecords) {
  EXPECT_THAT(
      PlanRange(T("2026-01-05T13:20:00Z"), T("2026-03-10T02:30:00Z"), RollupLevel::kMonth),
      ElementsAre(Piece(kRaw, "2026-01-05T13:20:00Z", "2026-01-05T14:00:00Z"),
                  Piece(RollupLevel::kHour, "2026-01-05T14:00:00Z", "2026-01-06T00:00:00Z"),
                  Piece(RollupLevel::kDay, "2026-01-06T00:00:00Z", "2026-02-01T00:00:00Z"),
                  Piece(RollupLevel::kMonth, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"),
                  Piece(RollupLevel::kDay, "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z"),
                  Piece(RollupLevel::kHour, "2026-03-10T00:00:00Z", "2026-03-10T02:00:00Z"),
                  Piece(kRaw, "2026-03-10T02:00:00Z", "2026-03-10T02:30:00Z")));
}

TEST(RangePlanTest, NoLevelAboveTheCoarsestIsUsed) {
  EXPECT_THAT(
      PlanRange(T("2026-01-31T23:00:00Z"), T("2026-03-02T00:00:00Z"), RollupLevel::kDay),
      ElementsAre(Piece(RollupLevel::kHour, "2026-01-31T23:00:00Z", "2026-02-01T00:00:00Z"),
                  Piece(RollupLevel::kDay, "2026-02-01T00:00:00Z", "2026-03-02T00:00:00Z")));
}

TEST(RangePlanTest, ARangeInsideOneHourIsRaw) {
  EXPECT_THAT(PlanRange(T("2026-01-05T13:20:00Z"), T("2026-01-05T13:40:00Z"), RollupLevel::kMonth),
              ElementsAre(Piece(kRaw, "2026-01-05T13:20:00Z", "2026-01-05T13:40:00Z")));
}

TEST(RangePlanTest, GroupingMapsToTheLevelsItsBucketsAreUnionsOf) {
  EXPECT_EQ(CoarsestLevelFor(std::nullopt), RollupLevel::kMonth);
  EXPECT_EQ(CoarsestLevelFor(Granularity::kYear), RollupLevel::kMonth);
  EXPECT_EQ(CoarsestLevelFor(Granularity::kQuarter), RollupLevel::kMonth);
  EXPECT_EQ(CoarsestLevelFor(Granularity::kWeek), RollupLevel::kDay);
  EXPECT_EQ(CoarsestLevelFor(Granularity::kDay), RollupLevel::kDay);
  EXPECT_EQ(CoarsestLevelFor(Granularity::kHour), RollupLevel::kHour);
}

// Random ranges: the pieces tile [from, to) exactly, in order, aligned to their level, and
// never coarser than allowed.
TEST(RangePlanTest, PiecesTileAnyRange) {
  std::mt19937_64 rng(20260105);
  const Timestamp base = T("2024-12-01T00:00:00Z");
  std::uniform_int_distribution<int64_t> offset(0, 500LL * kMicrosPerDay);
  for (int i = 0; i < 2000; ++i) {
    Timestamp a = base + offset(rng), b = base + offset(rng);
    if (i % 3 == 0) a -= a % kMicrosPerHour;  // some aligned edges
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    for (RollupLevel coarsest : kRollupLevels) {
      std::vector<RangePiece> pieces = PlanRange(a, b, coarsest);
      ASSERT_FALSE(pieces.empty());
      Timestamp at = a;
      for (const RangePiece& p : pieces) {
        ASSERT_EQ(p.from, at);
        ASSERT_LT(p.from, p.to);
        if (p.level) {
          ASSERT_LE(static_cast<int>(*p.level), static_cast<int>(coarsest));
          ASSERT_EQ(LevelBucketFloor(*p.level, p.from), p.from);
          ASSERT_EQ(LevelBucketFloor(*p.level, p.to), p.to);
        } else {
          ASSERT_EQ(LevelBucketFloor(RollupLevel::kHour, p.from),
                    LevelBucketFloor(RollupLevel::kHour, p.to - 1));  // within one hour
        }
        at = p.to;
      }
      ASSERT_EQ(at, b);
    }
  }
}

}  // namespace
}  // namespace cairn
