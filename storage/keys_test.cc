#include "storage/keys.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace cairn {
namespace {

TEST(KeysTest, RecordKeysRoundTripAndSortBySeriesThenTime) {
  const std::vector<std::pair<SeriesId, Timestamp>> ordered = {
      {0, kMinTimestamp}, {0, -1}, {0, 0}, {0, 1}, {0, kMaxTimestamp - 1}, {1, -5}, {256, 3}};
  std::vector<std::string> keys;
  for (const auto& [id, ts] : ordered) {
    keys.push_back(RecordKey(id, ts));
    SeriesId back_id;
    Timestamp back_ts;
    ASSERT_TRUE(DecodeRecordKey(keys.back(), &back_id, &back_ts));
    EXPECT_EQ(back_id, id);
    EXPECT_EQ(back_ts, ts);
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(KeysTest, RollupKeysGroupByLevelFirst) {
  std::string hour_late = RollupKey(RollupLevel::kHour, 9, kMaxTimestamp - kMicrosPerHour);
  std::string day_early = RollupKey(RollupLevel::kDay, 0, kMinTimestamp);
  EXPECT_LT(hour_late, day_early);
  RollupLevel level;
  SeriesId id;
  Timestamp start;
  ASSERT_TRUE(DecodeRollupKey(day_early, &level, &id, &start));
  EXPECT_EQ(level, RollupLevel::kDay);
  EXPECT_EQ(start, kMinTimestamp);
}

TEST(KeysTest, MalformedKeysAreRejected) {
  SeriesId id;
  Timestamp ts;
  RollupLevel level;
  EXPECT_FALSE(DecodeRecordKey("short", &id, &ts));
  std::string bad_level = RollupKey(RollupLevel::kMonth, 1, 0);
  bad_level[0] = 7;
  EXPECT_FALSE(DecodeRollupKey(bad_level, &level, &id, &ts));
}

TEST(KeysTest, AggregatesRoundTrip) {
  Aggregates a;
  a.Add(-2.5);
  a.Add(1e300 / 1e290);
  Aggregates back;
  ASSERT_TRUE(DecodeAggregates(EncodeAggregates(a), &back));
  EXPECT_EQ(back, a);
  EXPECT_FALSE(DecodeAggregates("too short", &back));
}

}  // namespace
}  // namespace cairn
