#include "storage/record_store.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::BatchBuilder;
using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

Timestamp T(const char* text) { return *ParseTimestamp(text); }

const Tags kA = {{"product", "a"}};
const Tags kB = {{"product", "b"}};

class RecordStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = FreshTestDir("store");
    Reopen();
  }

  void Reopen() {
    store_.reset();
    db_.reset();
    auto db = Database::Open(options_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto store = RecordStore::Open(db_.get());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  ImportOutcome Apply(BatchBuilder builder) {
    absl::StatusOr<ImportOutcome> outcome = store_->Apply(builder.Build());
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *outcome : ImportOutcome();
  }

  // Applies one point of energy{tags}.
  ImportOutcome Put(const Tags& tags, const char* time, double value) {
    return Apply(std::move(BatchBuilder().Add("energy", tags, T(time), value)));
  }

  std::vector<std::pair<Timestamp, double>> Records(const Tags& tags) {
    auto reader = store_->NewReader();
    std::vector<std::pair<Timestamp, double>> out;
    for (const auto& s : reader->FindSeries("energy", {})) {
      if (s.key->tags != tags) continue;
      EXPECT_TRUE(reader
                      ->ScanRecords(s.id, kMinTimestamp, kMaxTimestamp,
                                    [&](Timestamp ts, double v) { out.emplace_back(ts, v); })
                      .ok());
    }
    return out;
  }

  // The stored rollup of energy{tags} at `level` containing `time` (empty if none).
  Aggregates Rollup(RollupLevel level, const Tags& tags, const char* time) {
    auto reader = store_->NewReader();
    Aggregates out;
    Timestamp start = LevelBucketFloor(level, T(time));
    for (const auto& s : reader->FindSeries("energy", {})) {
      if (s.key->tags != tags) continue;
      EXPECT_TRUE(reader
                      ->ScanRollups(s.id, level, start, LevelBucketEnd(level, start),
                                    [&](Timestamp, const Aggregates& a) { out = a; })
                      .ok());
    }
    return out;
  }

  void ExpectConsistent() {
    absl::Status s = store_->CheckConsistency();
    EXPECT_TRUE(s.ok()) << s;
  }

  Database::Options options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> store_;
};

MATCHER_P4(IsBucket, count, sum, min, max, "") {
  *result_listener << "count=" << arg.count << " sum=" << arg.sum.ToDouble() << " min=" << arg.min
                   << " max=" << arg.max;
  return arg.count == static_cast<uint64_t>(count) && arg.sum.ToDouble() == sum && arg.min == min &&
         arg.max == max;
}

TEST_F(RecordStoreTest, ApplyStoresRecordsAndRollups) {
  ImportOutcome out = Apply(std::move(BatchBuilder()
                                          .Add("energy", kA, T("2026-01-05T13:00:00Z"), 2)
                                          .Add("energy", kA, T("2026-01-05T13:30:00Z"), 3)
                                          .Add("energy", kA, T("2026-01-05T14:00:00Z"), 5)));
  EXPECT_EQ(out.inserted, 3u);
  EXPECT_EQ(out.new_series, 1u);
  EXPECT_THAT(Rollup(RollupLevel::kHour, kA, "2026-01-05T13:00:00Z"), IsBucket(2, 5, 2, 3));
  EXPECT_THAT(Rollup(RollupLevel::kDay, kA, "2026-01-05T00:00:00Z"), IsBucket(3, 10, 2, 5));
  EXPECT_THAT(Rollup(RollupLevel::kMonth, kA, "2026-01-01T00:00:00Z"), IsBucket(3, 10, 2, 5));
  EXPECT_EQ(store_->Stats().records, 3u);
  EXPECT_EQ(store_->Stats().series, 1u);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ReapplyingTheSameBatchChangesNothing) {
  auto batch = [] {
    return std::move(BatchBuilder()
                         .Add("energy", kA, T("2026-01-05T13:00:00Z"), 2)
                         .Add("energy", kB, T("2026-01-05T13:00:00Z"), 3));
  };
  Apply(batch());
  ImportOutcome again = Apply(batch());
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(again.inserted + again.replaced + again.new_series, 0u);
  EXPECT_EQ(store_->Stats().records, 2u);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ReplacingAValueKeepsCountAndFixesSum) {
  Put(kA, "2026-01-05T13:00:00Z", 2);
  Put(kA, "2026-01-05T13:10:00Z", 4);
  ImportOutcome out = Put(kA, "2026-01-05T13:00:00Z", 3);
  EXPECT_EQ(out.replaced, 1u);
  EXPECT_THAT(Records(kA),
              ElementsAre(Pair(T("2026-01-05T13:00:00Z"), 3), Pair(T("2026-01-05T13:10:00Z"), 4)));
  EXPECT_THAT(Rollup(RollupLevel::kHour, kA, "2026-01-05T13:00:00Z"), IsBucket(2, 7, 3, 4));
  EXPECT_EQ(store_->Stats().records, 2u);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ReplacingTheBucketMinimumRecomputesItAtEveryLevel) {
  // min 1 sits in one hour of one day; the day's and month's min must move to 4 (another day).
  Put(kA, "2026-01-05T13:00:00Z", 1);
  Put(kA, "2026-01-05T13:20:00Z", 5);
  Put(kA, "2026-01-20T08:00:00Z", 4);
  Put(kA, "2026-01-05T13:00:00Z", 9);
  EXPECT_THAT(Rollup(RollupLevel::kHour, kA, "2026-01-05T13:00:00Z"), IsBucket(2, 14, 5, 9));
  EXPECT_THAT(Rollup(RollupLevel::kDay, kA, "2026-01-05T00:00:00Z"), IsBucket(2, 14, 5, 9));
  EXPECT_THAT(Rollup(RollupLevel::kMonth, kA, "2026-01-01T00:00:00Z"), IsBucket(3, 18, 4, 9));
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ReplacingTheBucketMaximumRecomputesItAtEveryLevel) {
  Put(kA, "2026-03-02T10:00:00Z", 9);
  Put(kA, "2026-03-02T11:00:00Z", 6);
  Put(kA, "2026-03-02T10:30:00Z", 7);
  Put(kA, "2026-03-28T23:59:59Z", 8);
  Put(kA, "2026-03-02T10:00:00Z", -1);
  EXPECT_THAT(Rollup(RollupLevel::kHour, kA, "2026-03-02T10:00:00Z"), IsBucket(2, 6, -1, 7));
  EXPECT_THAT(Rollup(RollupLevel::kDay, kA, "2026-03-02T00:00:00Z"), IsBucket(3, 12, -1, 7));
  EXPECT_THAT(Rollup(RollupLevel::kMonth, kA, "2026-03-01T00:00:00Z"), IsBucket(4, 20, -1, 8));
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ReplacingAnExtremeThatOccursTwiceKeepsIt) {
  Put(kA, "2026-03-02T10:00:00Z", 9);
  Put(kA, "2026-03-02T10:10:00Z", 9);
  Put(kA, "2026-03-02T10:00:00Z", 1);
  EXPECT_THAT(Rollup(RollupLevel::kHour, kA, "2026-03-02T10:00:00Z"), IsBucket(2, 10, 1, 9));
  ExpectConsistent();
}

TEST_F(RecordStoreTest, ABatchMixingInsertsReplacementsAndUnchanged) {
  Apply(std::move(BatchBuilder()
                      .Add("energy", kA, T("2026-01-01T00:00:00Z"), 1)
                      .Add("energy", kA, T("2026-01-01T01:00:00Z"), 2)));
  ImportOutcome out = Apply(std::move(BatchBuilder()
                                          .Add("energy", kA, T("2026-01-01T00:00:00Z"), 1)
                                          .Add("energy", kA, T("2026-01-01T01:00:00Z"), 20)
                                          .Add("energy", kA, T("2025-12-31T23:00:00Z"), 7)
                                          .Add("energy", kB, T("2026-01-01T00:00:00Z"), 3)));
  EXPECT_EQ(out.unchanged, 1u);
  EXPECT_EQ(out.replaced, 1u);
  EXPECT_EQ(out.inserted, 2u);  // one below the high-water mark, one of a new series
  EXPECT_EQ(out.new_series, 1u);
  EXPECT_EQ(store_->Stats().records, 4u);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, DuplicateKeysInOneBatchLastWins) {
  ImportOutcome out = Apply(std::move(BatchBuilder()
                                          .Add("energy", kA, T("2026-01-01T00:00:00Z"), 1)
                                          .Add("energy", kA, T("2026-01-01T00:00:00Z"), 2)
                                          .Add("energy", kA, T("2026-01-01T00:00:00Z"), 3)));
  EXPECT_EQ(out.inserted, 1u);
  EXPECT_THAT(Records(kA), ElementsAre(Pair(T("2026-01-01T00:00:00Z"), 3)));
  ExpectConsistent();
}

TEST_F(RecordStoreTest, NegativeZeroIsStoredAsZero) {
  Put(kA, "2026-01-01T00:00:00Z", -0.0);
  ASSERT_EQ(Records(kA).size(), 1u);
  EXPECT_FALSE(std::signbit(Records(kA)[0].second));
  EXPECT_EQ(Put(kA, "2026-01-01T00:00:00Z", 0.0).unchanged, 1u);
}

TEST_F(RecordStoreTest, ReopenKeepsRecordsCatalogRollupsAndCounter) {
  Put(kA, "2026-01-05T13:00:00Z", 2);
  Put(kB, "2026-01-05T13:00:00Z", 3);
  Reopen();
  EXPECT_EQ(store_->Stats().records, 2u);
  EXPECT_EQ(store_->Stats().series, 2u);
  EXPECT_THAT(Records(kB), ElementsAre(Pair(T("2026-01-05T13:00:00Z"), 3)));
  EXPECT_THAT(Rollup(RollupLevel::kMonth, kA, "2026-01-05T00:00:00Z"), IsBucket(1, 2, 2, 2));
  // The high-water mark was recomputed: re-sending a stored point is seen as unchanged.
  EXPECT_EQ(Put(kA, "2026-01-05T13:00:00Z", 2).unchanged, 1u);
  EXPECT_EQ(Put(kA, "2026-01-05T13:00:00Z", 4).replaced, 1u);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, InvalidBatchesWriteNothing) {
  Put(kA, "2026-01-01T00:00:00Z", 1);
  const Timestamp t = T("2026-02-01T00:00:00Z");
  auto with_good_point = [&](BatchBuilder b) {
    return std::move(b.Add("energy", kB, t, 1));  // would create a series if applied
  };
  EXPECT_THAT(
      store_->Apply(with_good_point(std::move(BatchBuilder().Add("nope", kA, t, 1))).Build()),
      StatusIs(absl::StatusCode::kInvalidArgument, "series 0: unknown metric 'nope'"));
  EXPECT_THAT(
      store_->Apply(with_good_point(std::move(BatchBuilder().Add(
                                        "energy", kA, t, std::numeric_limits<double>::quiet_NaN())))
                        .Build()),
      StatusIs(absl::StatusCode::kInvalidArgument, "point 0: value is not finite"));
  EXPECT_THAT(
      store_->Apply(with_good_point(std::move(BatchBuilder().Add("energy", kA, t, 1e19))).Build()),
      StatusIs(absl::StatusCode::kInvalidArgument, "point 0: value"));
  EXPECT_THAT(
      store_->Apply(
          with_good_point(std::move(BatchBuilder().Add("energy", kA, kMaxTimestamp, 1))).Build()),
      StatusIs(absl::StatusCode::kInvalidArgument, "outside 1900..9999"));

  RecordBatch bad_index = with_good_point(BatchBuilder()).Build();
  bad_index.points.push_back({7, t, 1});
  EXPECT_THAT(store_->Apply(bad_index),
              StatusIs(absl::StatusCode::kInvalidArgument, "point 1: series index 7"));

  RecordBatch unsorted_tags = with_good_point(BatchBuilder()).Build();
  unsorted_tags.series.push_back({"energy", {{"site", "x"}, {"line", "1"}}});
  unsorted_tags.points.push_back({1, t, 1});
  EXPECT_THAT(store_->Apply(unsorted_tags),
              StatusIs(absl::StatusCode::kInvalidArgument, "series 1: tags are not normalised"));

  RecordBatch reserved_tag = with_good_point(BatchBuilder()).Build();
  reserved_tag.series.push_back({"energy", {{"unit", "x"}}});
  EXPECT_THAT(store_->Apply(reserved_tag),
              StatusIs(absl::StatusCode::kInvalidArgument, "series 1: tag name 'unit'"));

  EXPECT_EQ(store_->Stats().records, 1u);
  EXPECT_EQ(store_->Stats().series, 1u);
  EXPECT_THAT(Records(kB), IsEmpty());
  ExpectConsistent();
}

TEST_F(RecordStoreTest, RegisteredMetricsPersistAndAcceptRecords) {
  EXPECT_THAT(store_->Apply(BatchBuilder().Add("steam", {}, 0, 1).Build()),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown metric 'steam'"));
  ASSERT_TRUE(store_->RegisterMetric({"steam", "kg", "process steam", false}).ok());
  Reopen();
  ASSERT_NE(store_->Metrics().Find("steam"), nullptr);
  EXPECT_EQ(store_->Metrics().Find("steam")->description, "process steam");
  EXPECT_TRUE(store_->Apply(BatchBuilder().Add("steam", {}, 0, 1).Build()).ok());
  EXPECT_THAT(store_->RegisterMetric({"steam", "t", "", false}),
              StatusIs(absl::StatusCode::kAlreadyExists, "steam"));
}

TEST_F(RecordStoreTest, FindSeriesFiltersByTagSets) {
  Apply(std::move(BatchBuilder()
                      .Add("energy", {{"product", "a"}, {"site", "x"}}, 0, 1)
                      .Add("energy", {{"product", "b"}, {"site", "x"}}, 0, 1)
                      .Add("energy", {{"site", "y"}}, 0, 1)
                      .Add("water", {{"site", "x"}}, 0, 1)));
  auto reader = store_->NewReader();
  auto products = [&](const std::vector<std::pair<std::string, std::vector<std::string>>>& f) {
    std::vector<std::string> out;
    for (const auto& s : reader->FindSeries("energy", f)) {
      out.push_back(std::string(s.key->Tag("product")));
    }
    return out;
  };
  EXPECT_THAT(products({{"site", {"x"}}}), ElementsAre("a", "b"));
  EXPECT_THAT(products({{"site", {"x", "y"}}, {"product", {"b", ""}}}), ElementsAre("b", ""));
  EXPECT_THAT(products({{"site", {"z"}}}), IsEmpty());
}

TEST_F(RecordStoreTest, AReaderSeesTheStoreAsOfItsCreation) {
  Put(kA, "2026-01-01T00:00:00Z", 1);
  auto before = store_->NewReader();
  Put(kA, "2026-01-01T00:00:00Z", 2);
  Put(kA, "2026-01-01T00:30:00Z", 5);
  std::vector<double> seen;
  Aggregates hour;
  SeriesId id = before->FindSeries("energy", {})[0].id;
  ASSERT_TRUE(before
                  ->ScanRecords(id, kMinTimestamp, kMaxTimestamp,
                                [&](Timestamp, double v) { seen.push_back(v); })
                  .ok());
  ASSERT_TRUE(before
                  ->ScanRollups(id, RollupLevel::kHour, kMinTimestamp, kMaxTimestamp,
                                [&](Timestamp, const Aggregates& a) { hour = a; })
                  .ok());
  EXPECT_THAT(seen, ElementsAre(1));
  EXPECT_THAT(hour, IsBucket(1, 1, 1, 1));
}

TEST_F(RecordStoreTest, ScanRollupsHonoursTheRange) {
  Put(kA, "2026-01-31T23:00:00Z", 1);
  Put(kA, "2026-02-01T00:00:00Z", 2);
  Put(kA, "2026-03-15T00:00:00Z", 4);
  auto reader = store_->NewReader();
  std::vector<Timestamp> months;
  ASSERT_TRUE(reader
                  ->ScanRollups(
                      0, RollupLevel::kMonth, T("2026-02-01T00:00:00Z"), T("2026-03-01T00:00:00Z"),
                      [&](Timestamp start, const Aggregates&) { months.push_back(start); })
                  .ok());
  EXPECT_THAT(months, ElementsAre(T("2026-02-01T00:00:00Z")));
}

TEST_F(RecordStoreTest, CheckConsistencyReportsATamperedRollup) {
  Put(kA, "2026-01-05T13:00:00Z", 2);
  Aggregates wrong;
  wrong.Add(3);
  rocksdb::WriteBatch tamper;
  tamper.Put(db_->handle(Family::kRollups),
             RollupKey(RollupLevel::kDay, 0, T("2026-01-05T00:00:00Z")), EncodeAggregates(wrong));
  ASSERT_TRUE(db_->Write(&tamper).ok());
  EXPECT_THAT(store_->CheckConsistency(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "day rollup of series 0 (energy{product=a}) at 2026-01-05T00:00:00Z: "
                       "stored count=1 sum=3"));
}

TEST_F(RecordStoreTest, CheckConsistencyReportsMissingAndOrphanRollupsAndTheCounter) {
  Put(kA, "2026-01-05T13:00:00Z", 2);
  rocksdb::WriteBatch tamper;
  tamper.Delete(db_->handle(Family::kRollups),
                RollupKey(RollupLevel::kHour, 0, T("2026-01-05T13:00:00Z")));
  tamper.Put(db_->handle(Family::kRollups),
             RollupKey(RollupLevel::kMonth, 0, T("2026-07-01T00:00:00Z")),
             EncodeAggregates(Aggregates()));
  tamper.Put(db_->handle(Family::kMeta), kMetaRecordCount, EncodeU64(5));
  ASSERT_TRUE(db_->Write(&tamper).ok());
  absl::Status s = store_->CheckConsistency();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, "3 inconsistencies"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, "hour rollup of series 0"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, "exists without records"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDataLoss, "record counter says 5 but 1"));
}

TEST_F(RecordStoreTest, CheckConsistencyReportsProgress) {
  Put(kA, "2026-01-05T13:00:00Z", 2);
  std::vector<double> reported;
  EXPECT_TRUE(store_->CheckConsistency([&](double f) { reported.push_back(f); }).ok());
  ASSERT_FALSE(reported.empty());
  EXPECT_EQ(reported.back(), 1.0);
}

// Batch i writes value i to one key of series a and of series b, and creates a new series.
// Readers running meanwhile must always see a and b agree, in records and in rollups.
TEST_F(RecordStoreTest, ReadersSeeWholeBatchesWhileTheWriterRuns) {
  constexpr int kBatches = 40;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= kBatches; ++i) {
      BatchBuilder b;
      b.Add("energy", kA, 0, i).Add("energy", kB, 0, i);
      b.Add("energy", {{"product", absl::StrCat("new", i)}}, 0, i);
      EXPECT_TRUE(store_->Apply(b.Build()).ok());
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks == 0) {
    auto reader = store_->NewReader();
    std::vector<double> values, hour_sums;
    for (const auto& s : reader->FindSeries("energy", {{"product", {"a", "b"}}})) {
      ASSERT_TRUE(
          reader->ScanRecords(s.id, 0, 1, [&](Timestamp, double v) { values.push_back(v); }).ok());
      ASSERT_TRUE(reader
                      ->ScanRollups(s.id, RollupLevel::kHour, 0, kMicrosPerHour,
                                    [&](Timestamp, const Aggregates& a) {
                                      hour_sums.push_back(a.sum.ToDouble());
                                    })
                      .ok());
    }
    ASSERT_EQ(values.size(), hour_sums.size());
    if (!values.empty()) {
      ASSERT_EQ(values.size(), 2u);
      EXPECT_EQ(values[0], values[1]);
      EXPECT_EQ(hour_sums[0], values[0]);
      EXPECT_EQ(hour_sums[1], values[0]);
      // Every series created by the batches this reader sees is in its catalog.
      EXPECT_GE(reader->FindSeries("energy", {}).size(), 2 + static_cast<size_t>(values[0]));
    }
    ++checks;
  }
  writer.join();
  EXPECT_EQ(store_->Stats().series, 2u + kBatches);
  ExpectConsistent();
}

TEST_F(RecordStoreTest, SecondStoreOnTheSameDirectoryIsRefused) {
  EXPECT_THAT(Database::Open(options_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "already open"));
}

}  // namespace
}  // namespace cairn
