#include "query/footprint.h"

#include <gtest/gtest.h>

#include "query/engine.h"
#include "storage/testing.h"

namespace cairn {
namespace {

class FootprintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = std::string(getenv("TEST_TMPDIR")) + "/fp_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = *Database::Open(options);
    store_ = *RecordStore::Open(db_.get());
    // Three products, one series each; P1 has 10 hourly records from Jan 1, P2 5, P3 1.
    RecordBatch batch;
    int counts[] = {10, 5, 1};
    for (int p = 0; p < 3; ++p) {
      batch.series.push_back({"energy", {{"product", "P" + std::to_string(p + 1)}}});
      for (int i = 0; i < counts[p]; ++i) {
        batch.points.push_back({static_cast<uint32_t>(p), kJan1 + i * kMicrosPerHour, 1.0});
      }
    }
    ASSERT_TRUE(store_->Apply(batch).ok());
  }
  static constexpr Timestamp kJan1 = 1767225600LL * kMicrosPerSecond;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(FootprintTest, OneFootprintPerRowWithItsSeriesAndInterval) {
  Query q;
  q.metric = "energy";
  q.group_tags = {"product"};
  q.from = kJan1;
  q.to = kJan1 + kMicrosPerDay;
  QueryResult r = *ExecuteQuery(*store_, q);
  std::vector<Footprint> fps = *FootprintsOf(*store_, q, r);
  ASSERT_EQ(fps.size(), 3u);
  for (const Footprint& f : fps) {
    EXPECT_EQ(f.series.size(), 1u);
    EXPECT_EQ(f.from, q.from);
    EXPECT_EQ(f.to, q.to);
  }
  EXPECT_NE(fps[0].series, fps[1].series);
}

TEST_F(FootprintTest, TimeGroupsNarrowTheInterval) {
  Query q;
  q.metric = "energy";
  q.time_group = Granularity::kHour;
  q.from = kJan1;
  q.to = kJan1 + 3 * kMicrosPerHour;
  QueryResult r = *ExecuteQuery(*store_, q);
  std::vector<Footprint> fps = *FootprintsOf(*store_, q, r);
  ASSERT_EQ(fps.size(), 3u);
  EXPECT_EQ(fps[1].from, kJan1 + kMicrosPerHour);
  EXPECT_EQ(fps[1].to, kJan1 + 2 * kMicrosPerHour);
  EXPECT_EQ(fps[1].series.size(), 3u);
}

TEST_F(FootprintTest, CountRegionCountsRecordsAndSeries) {
  Query q;
  q.metric = "energy";
  q.group_tags = {"product"};
  QueryResult r = *ExecuteQuery(*store_, q);
  std::vector<Footprint> fps = *FootprintsOf(*store_, q, r);
  RegionCount all = *CountRegion(*store_, fps);
  EXPECT_EQ(all.records, 16u);
  EXPECT_EQ(all.series, 3u);
  Footprint p1_early = fps[0];
  p1_early.to = kJan1 + 4 * kMicrosPerHour;  // 4 of P1's records
  RegionCount part = *CountRegion(*store_, {p1_early});
  EXPECT_EQ(part.records, 4u);
  EXPECT_EQ(part.series, 1u);
  Footprint empty = fps[2];
  empty.from = kJan1 + 5 * kMicrosPerHour;
  EXPECT_EQ(CountRegion(*store_, {empty})->series, 0u);
}

}  // namespace
}  // namespace cairn
