// Exactness: sums and means over the store equal an exact integer reference (relative error
// below 1e-12), including data where naive double summation cancels catastrophically. The
// values are multiples of 2^-20, so a fixed-point __int128 sum of them is exact.
#include <cmath>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "query/engine.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;

constexpr double kScale = 1048576.0;  // 2^20

double RelativeError(double got, long double exact) {
  if (exact == 0) return std::fabs(got);
  return static_cast<double>(std::fabs((static_cast<long double>(got) - exact) / exact));
}

class ExactnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = FreshTestDir("exactness");
    options.sync = false;
    db_ = std::move(*Database::Open(options));
    store_ = std::move(*RecordStore::Open(db_.get()));
  }

  // Stores `units[i] * 2^-20` at one-minute steps from 2026-01-01, in batches of 5000.
  void Load(const std::vector<int64_t>& units) {
    RecordBatch batch;
    batch.series.push_back({"energy", {}});
    for (size_t i = 0; i < units.size(); ++i) {
      Timestamp ts = *ParseTimestamp("2026-01-01T00:00:00Z") + i * 60 * kMicrosPerSecond;
      batch.points.push_back({0, ts, static_cast<double>(units[i]) / kScale});
      exact_by_day_[BucketFloor(ts, Granularity::kDay)] += units[i];
      if (batch.points.size() == 5000 || i + 1 == units.size()) {
        ASSERT_TRUE(store_->Apply(batch).ok());
        batch.points.clear();
      }
    }
  }

  static long double Exact(__int128 units) { return static_cast<long double>(units) / kScale; }

  // Checks the total and per-day sums and means against the reference.
  void ExpectExact(bool use_rollups) {
    ExecuteOptions options;
    options.use_rollups = use_rollups;
    Query q;
    q.metric = "energy";
    for (Aggregate aggregate : {Aggregate::kSum, Aggregate::kMean}) {
      q.aggregate = aggregate;
      q.time_group = Granularity::kDay;
      absl::StatusOr<QueryResult> by_day = ExecuteQuery(*store_, q, options);
      ASSERT_TRUE(by_day.ok()) << by_day.status();
      ASSERT_EQ(by_day->rows.size(), exact_by_day_.size());
      __int128 total = 0;
      uint64_t records = 0;
      for (const ResultRow& row : by_day->rows) {
        __int128 day = exact_by_day_.at(*row.bucket);
        total += day;
        records += row.records;
        long double want = Exact(day) / (aggregate == Aggregate::kMean ? row.records : 1);
        EXPECT_LT(RelativeError(*row.value, want), 1e-12)
            << FormatTimestamp(*row.bucket) << " " << AggregateName(aggregate);
      }
      q.time_group.reset();
      absl::StatusOr<QueryResult> all = ExecuteQuery(*store_, q, options);
      ASSERT_TRUE(all.ok()) << all.status();
      long double want = Exact(total) / (aggregate == Aggregate::kMean ? records : 1);
      EXPECT_LT(RelativeError(*all->rows[0].value, want), 1e-12) << AggregateName(aggregate);
    }
  }

  std::map<Timestamp, __int128> exact_by_day_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(ExactnessTest, RandomMagnitudes) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> units;
  for (int i = 0; i < 20000; ++i) {
    int shift = static_cast<int>(rng() % 50);
    units.push_back(static_cast<int64_t>(rng() >> (14 + shift)) * (rng() % 2 ? 1 : -1));
  }
  Load(units);
  ExpectExact(/*use_rollups=*/true);
  ExpectExact(/*use_rollups=*/false);
}

TEST_F(ExactnessTest, CatastrophicCancellation) {
  // Huge values that cancel, hiding many small ones: a naive double sum loses the small ones.
  std::vector<int64_t> units;
  double naive = 0;
  for (int i = 0; i < 20000; ++i) {
    int64_t u = i % 4 == 0 ? (int64_t{1} << 62) : i % 4 == 2 ? -(int64_t{1} << 62) : 3 + i % 7;
    units.push_back(u);
    naive += static_cast<double>(u) / kScale;
  }
  __int128 exact = 0;
  for (int64_t u : units) exact += u;
  // The negative control: the naive sum is far off, so the test can tell.
  ASSERT_GT(RelativeError(naive, Exact(exact)), 1e-3);
  Load(units);
  ExpectExact(/*use_rollups=*/true);
  ExpectExact(/*use_rollups=*/false);
}

}  // namespace
}  // namespace cairn
