#include "query/engine.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::BatchBuilder;
using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Timestamp T(const char* text) { return *ParseTimestamp(text); }

// A row as one line: "<bucket label> <tag values>=<value> r<records> s<series>".
std::string Render(const QueryResult& result, const ResultRow& row) {
  std::vector<std::string> parts;
  if (row.bucket) parts.push_back(BucketLabel(*row.bucket, *result.time_group));
  if (!row.tags.empty()) parts.push_back(absl::StrJoin(row.tags, ","));
  std::string out = absl::StrJoin(parts, " ");
  absl::StrAppend(&out, "=", row.value ? absl::StrCat(*row.value) : "none", " r", row.records, " s",
                  row.series);
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = FreshTestDir("engine");
    db_ = std::move(*Database::Open(options));
    store_ = std::move(*RecordStore::Open(db_.get()));
  }

  void Load(BatchBuilder builder) { ASSERT_TRUE(store_->Apply(builder.Build()).ok()); }

  // Energy per product and site, units produced per product, in early 2026.
  void LoadPlant() {
    const Tags ax = {{"product", "a"}, {"site", "x"}}, bx = {{"product", "b"}, {"site", "x"}},
               cy = {{"product", "c"}, {"site", "y"}};
    Load(std::move(BatchBuilder()
                       .Add("energy", ax, T("2026-01-05T13:00:00Z"), 1)
                       .Add("energy", ax, T("2026-01-05T13:30:00Z"), 2)
                       .Add("energy", ax, T("2026-02-10T00:00:00Z"), 4)
                       .Add("energy", bx, T("2026-01-20T00:00:00Z"), 10)
                       .Add("energy", bx, T("2026-03-01T00:00:00Z"), 20)
                       .Add("energy", cy, T("2026-01-05T13:15:00Z"), 100)
                       .Add("units_produced", {{"product", "a"}}, T("2026-01-05T13:00:00Z"), 2)
                       .Add("units_produced", {{"product", "a"}}, T("2026-02-10T00:00:00Z"), 0)
                       .Add("units_produced", {{"product", "b"}}, T("2026-01-20T00:00:00Z"), 0)));
  }

  Query Make(const std::string& metric, Aggregate aggregate,
             std::optional<Granularity> time_group = std::nullopt,
             std::vector<std::string> group_tags = {}) {
    Query q;
    q.metric = metric;
    q.aggregate = aggregate;
    q.time_group = time_group;
    q.group_tags = std::move(group_tags);
    return q;
  }

  QueryResult Run(const Query& query, const ExecuteOptions& options = {}) {
    absl::StatusOr<QueryResult> result = ExecuteQuery(*store_, query, options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : QueryResult();
  }

  std::vector<std::string> Rows(const Query& query, const ExecuteOptions& options = {}) {
    QueryResult result = Run(query, options);
    std::vector<std::string> rows;
    for (const ResultRow& row : result.rows) rows.push_back(Render(result, row));
    return rows;
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(EngineTest, SumByMonthAndProduct) {
  LoadPlant();
  EXPECT_THAT(Rows(Make("energy", Aggregate::kSum, Granularity::kMonth, {"product"})),
              ElementsAre("2026-01 a=3 r2 s1", "2026-01 b=10 r1 s1", "2026-01 c=100 r1 s1",
                          "2026-02 a=4 r1 s1", "2026-03 b=20 r1 s1"));
}

TEST_F(EngineTest, WithoutGroupingOneRowCoversEverything) {
  LoadPlant();
  EXPECT_THAT(Rows(Make("energy", Aggregate::kSum)), ElementsAre("=137 r6 s3"));
}

TEST_F(EngineTest, CountMeanMinMax) {
  LoadPlant();
  EXPECT_THAT(Rows(Make("energy", Aggregate::kCount, std::nullopt, {"site"})),
              ElementsAre("x=5 r5 s2", "y=1 r1 s1"));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kMean, std::nullopt, {"site"})),
              ElementsAre("x=7.4 r5 s2", "y=100 r1 s1"));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kMin, std::nullopt, {"site"})),
              ElementsAre("x=1 r5 s2", "y=100 r1 s1"));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kMax, std::nullopt, {"site"})),
              ElementsAre("x=20 r5 s2", "y=100 r1 s1"));
}

TEST_F(EngineTest, RatioIsAbsentWhereTheDenominatorSumsToZero) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kRatio, std::nullopt, {"product"});
  q.ratio_denominator = "units_produced";
  EXPECT_THAT(Rows(q), ElementsAre("a=3.5 r5 s2", "b=none r3 s2", "c=none r1 s1"));
  q.time_group = Granularity::kMonth;
  EXPECT_THAT(Rows(q),
              ElementsAre("2026-01 a=1.5 r3 s2", "2026-01 b=none r2 s2", "2026-01 c=none r1 s1",
                          "2026-02 a=none r2 s2", "2026-03 b=none r1 s1"));
}

TEST_F(EngineTest, FiltersAllowAnyOfTheirValuesAndCombineWithAnd) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kSum);
  q.filters = {{"product", {"a", "c"}}};
  EXPECT_THAT(Rows(q), ElementsAre("=107 r4 s2"));
  q.filters = {{"site", {"x"}}, {"product", {"b", "zzz"}}};
  EXPECT_THAT(Rows(q), ElementsAre("=30 r2 s1"));
  q.filters = {{"site", {"y"}}, {"product", {"a"}}};
  EXPECT_THAT(Rows(q), IsEmpty());
}

TEST_F(EngineTest, SeriesLackingAGroupedTagFormTheEmptyGroup) {
  LoadPlant();
  Load(std::move(BatchBuilder().Add("energy", {{"site", "x"}}, T("2026-01-02T00:00:00Z"), 5)));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kSum, std::nullopt, {"product", "site"})),
              ElementsAre(",x=5 r1 s1", "a,x=7 r3 s1", "b,x=30 r2 s1", "c,y=100 r1 s1"));
}

TEST_F(EngineTest, EveryGranularity) {
  LoadPlant();
  auto rows = [&](Granularity g) { return Rows(Make("energy", Aggregate::kSum, g)); };
  EXPECT_THAT(rows(Granularity::kHour),
              ElementsAre("2026-01-05T13=103 r3 s2", "2026-01-20T00=10 r1 s1",
                          "2026-02-10T00=4 r1 s1", "2026-03-01T00=20 r1 s1"));
  EXPECT_THAT(rows(Granularity::kDay), ElementsAre("2026-01-05=103 r3 s2", "2026-01-20=10 r1 s1",
                                                   "2026-02-10=4 r1 s1", "2026-03-01=20 r1 s1"));
  EXPECT_THAT(rows(Granularity::kWeek), ElementsAre("2026-W02=103 r3 s2", "2026-W04=10 r1 s1",
                                                    "2026-W07=4 r1 s1", "2026-W09=20 r1 s1"));
  EXPECT_THAT(rows(Granularity::kMonth),
              ElementsAre("2026-01=113 r4 s3", "2026-02=4 r1 s1", "2026-03=20 r1 s1"));
  EXPECT_THAT(rows(Granularity::kQuarter), ElementsAre("2026-Q1=137 r6 s3"));
  EXPECT_THAT(rows(Granularity::kYear), ElementsAre("2026=137 r6 s3"));
}

TEST_F(EngineTest, IsoWeeksCrossTheYearEnd) {
  BatchBuilder b;
  for (const char* day : {"2025-12-28T12:00:00Z", "2025-12-29T00:00:00Z", "2026-01-01T08:00:00Z",
                          "2026-01-04T23:59:59Z", "2026-01-05T00:00:00Z"}) {
    b.Add("energy", {}, T(day), 1);
  }
  Load(std::move(b));
  QueryResult result = Run(Make("energy", Aggregate::kCount, Granularity::kWeek));
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[1].bucket, T("2025-12-29T00:00:00Z"));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kCount, Granularity::kWeek)),
              ElementsAre("2025-W52=1 r1 s1", "2026-W01=3 r3 s1", "2026-W02=1 r1 s1"));
}

TEST_F(EngineTest, RaggedRangeEdgesCutInsideHours) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kSum, Granularity::kMonth);
  q.from = T("2026-01-05T13:10:00Z");  // after a's 13:00 point, before c's 13:15
  q.to = T("2026-02-10T00:00:00Z");    // a's February point is excluded
  EXPECT_THAT(Rows(q), ElementsAre("2026-01=112 r3 s3"));
}

TEST_F(EngineTest, EmptyResults) {
  LoadPlant();
  Query before = Make("energy", Aggregate::kSum, Granularity::kMonth);
  before.to = T("2026-01-01T00:00:00Z");
  EXPECT_THAT(Rows(before), IsEmpty());
  QueryResult water = Run(Make("water", Aggregate::kSum));
  EXPECT_THAT(water.rows, IsEmpty());
  EXPECT_EQ(water.stats.series, 0u);
}

TEST_F(EngineTest, InvalidQueriesAreRefused) {
  EXPECT_THAT(ExecuteQuery(*store_, Make("nope", Aggregate::kSum)),
              StatusIs(absl::StatusCode::kNotFound, "unknown metric 'nope'"));
  Query inverted = Make("energy", Aggregate::kSum);
  inverted.from = inverted.to = 0;
  EXPECT_THAT(ExecuteQuery(*store_, inverted),
              StatusIs(absl::StatusCode::kInvalidArgument, "empty time range"));
  ExecuteOptions bad_clamp;
  bad_clamp.clamp = ClampRange{5, 1};
  EXPECT_THAT(ExecuteQuery(*store_, Make("energy", Aggregate::kSum), bad_clamp),
              StatusIs(absl::StatusCode::kInvalidArgument, "clamp range [5, 1]"));
}

TEST_F(EngineTest, WholeMonthsAreAnsweredFromRollups) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kSum, Granularity::kMonth, {"product"});
  q.from = T("2026-01-01T00:00:00Z");
  q.to = T("2027-01-01T00:00:00Z");
  QueryResult result = Run(q);
  EXPECT_EQ(result.stats.series, 3u);
  EXPECT_EQ(result.stats.rollup_buckets, 5u);  // one per (series, month) with data
  EXPECT_EQ(result.stats.raw_records, 0u);
}

TEST_F(EngineTest, TheRawPathGivesTheSameRowsWithoutRollups) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kMean, Granularity::kWeek, {"site"});
  q.from = T("2026-01-05T13:10:00Z");
  ExecuteOptions raw;
  raw.use_rollups = false;
  EXPECT_EQ(Rows(q, raw), Rows(q));
  QueryResult result = Run(q, raw);
  EXPECT_EQ(result.stats.rollup_buckets, 0u);
  EXPECT_EQ(result.stats.raw_records, 5u);
}

TEST_F(EngineTest, ClampingReadsRawRecordsOnlyForBucketsOutsideTheBounds) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kSum, std::nullopt, {"product"});
  ExecuteOptions clamped;
  clamped.clamp = ClampRange{0, 5};
  QueryResult result = Run(q, clamped);
  EXPECT_THAT(Rows(q, clamped), ElementsAre("a=7 r3 s1", "b=10 r2 s1", "c=5 r1 s1"));
  EXPECT_EQ(result.stats.raw_records, 3u);  // b's two records and c's one
  clamped.use_rollups = false;
  EXPECT_THAT(Rows(q, clamped), ElementsAre("a=7 r3 s1", "b=10 r2 s1", "c=5 r1 s1"));
}

TEST_F(EngineTest, ClampingAppliesToMinAndMaxButNotCount) {
  LoadPlant();
  ExecuteOptions clamped;
  clamped.clamp = ClampRange{2, 50};
  EXPECT_THAT(Rows(Make("energy", Aggregate::kMin), clamped), ElementsAre("=2 r6 s3"));
  EXPECT_THAT(Rows(Make("energy", Aggregate::kMax), clamped), ElementsAre("=50 r6 s3"));
  QueryResult count = Run(Make("energy", Aggregate::kCount), clamped);
  EXPECT_EQ(count.rows[0].value, 6);
  EXPECT_EQ(count.stats.raw_records, 0u);
}

TEST_F(EngineTest, DenominatorClampIsSeparate) {
  LoadPlant();
  Query q = Make("energy", Aggregate::kRatio, std::nullopt, {"product"});
  q.ratio_denominator = "units_produced";
  q.filters = {{"product", {"a"}}};
  ExecuteOptions clamped;
  clamped.denominator_clamp = ClampRange{1, 10};  // units 2 and 0 become 2 and 1
  EXPECT_THAT(Rows(q, clamped), ElementsAre("a=" + absl::StrCat(7.0 / 3) + " r5 s2"));
}

}  // namespace
}  // namespace cairn
