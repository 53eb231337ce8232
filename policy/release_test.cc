// Exact releases: small groups are withheld and counted; the rest pass unchanged.
#include "policy/release.h"

#include "gtest/gtest.h"

namespace cairn {
namespace {

ResultRow Row(std::string tag, uint64_t records, uint64_t series) {
  return ResultRow{std::nullopt, {std::move(tag)}, 1.5 * records, records, series};
}

TEST(SuppressSmallGroupsTest, KeepsGroupsAtTheThresholdsAndCountsTheOthers) {
  QueryResult result;
  result.group_tags = {"product"};
  result.rows = {Row("a", 10, 3), Row("b", 9, 3), Row("c", 10, 2), Row("d", 11, 4)};
  ReleasedResult r = SuppressSmallGroups(result, /*min_records=*/10, /*min_series=*/3);
  ASSERT_EQ(r.result.rows.size(), 2u);
  EXPECT_EQ(r.result.rows[0].tags[0], "a");  // order kept
  EXPECT_EQ(r.result.rows[1].tags[0], "d");
  EXPECT_EQ(r.result.rows[1].value, 16.5);  // values untouched
  EXPECT_EQ(r.suppressed_groups, 2u);
  EXPECT_EQ(r.result.group_tags, result.group_tags);
  EXPECT_EQ(r.epsilon_micros, 0);
}

TEST(SuppressSmallGroupsTest, ClearsTheOwnersStorageStatistics) {
  QueryResult result;
  result.rows = {Row("a", 1, 1)};
  result.stats.series = 7;
  result.stats.raw_records = 100;
  ReleasedResult r = SuppressSmallGroups(result, 1, 1);
  EXPECT_EQ(r.result.rows.size(), 1u);
  EXPECT_EQ(r.suppressed_groups, 0u);
  EXPECT_EQ(r.result.stats.series, 0u);
  EXPECT_EQ(r.result.stats.raw_records, 0u);
}

}  // namespace
}  // namespace cairn
