#include "tools/bench/year_query.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

Timestamp At(const char* text) { return *ParseTimestamp(text); }

TEST(YearQueryTest, CoversTheCalendarYearByMonthAndProduct) {
  Query q = YearSumByMonthAndProduct(2025);
  EXPECT_EQ(q.metric, "energy");
  EXPECT_EQ(q.aggregate, Aggregate::kSum);
  EXPECT_EQ(q.from, At("2025-01-01T00:00:00Z"));
  EXPECT_EQ(q.to, At("2026-01-01T00:00:00Z"));
  EXPECT_EQ(q.time_group, Granularity::kMonth);
  EXPECT_EQ(q.group_tags, std::vector<std::string>{"product"});
}

TEST(YearQueryTest, RaggedVariantHasEdgesInsideHours) {
  Query q = RaggedYearSumByMonthAndProduct(2025);
  EXPECT_EQ(q.from, At("2025-01-03T05:17:00Z"));
  EXPECT_EQ(q.to, At("2025-12-28T19:43:00Z"));
  EXPECT_EQ(q.time_group, Granularity::kMonth);
}

QueryResult MonthProductResult() {
  QueryResult r;
  r.time_group = Granularity::kMonth;
  r.group_tags = {"product"};
  r.rows.push_back({At("2025-01-01T00:00:00Z"), {"P-100"}, 12.5, 3, 1});
  r.rows.push_back({At("2025-02-01T00:00:00Z"), {"P-101"}, 0.1, 1, 1});
  return r;
}

TEST(YearQueryTest, ResultRowsBecomeMonthProductSums) {
  absl::StatusOr<std::vector<GroupedSum>> sums = FromQueryResult(MonthProductResult());
  ASSERT_TRUE(sums.ok()) << sums.status();
  EXPECT_EQ(*sums,
            (std::vector<GroupedSum>{{"2025-01", "P-100", 12.5}, {"2025-02", "P-101", 0.1}}));
}

TEST(YearQueryTest, OtherGroupingsAreRejected) {
  QueryResult r = MonthProductResult();
  r.group_tags = {"line"};
  EXPECT_EQ(FromQueryResult(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = MonthProductResult();
  r.rows[1].value.reset();
  EXPECT_THAT(std::string(FromQueryResult(r).status().message()), HasSubstr("row 1"));
}

TEST(YearQueryTest, CsvRoundTripsExactly) {
  std::vector<GroupedSum> sums = {{"2025-01", "P-100", 0.1 + 0.2}, {"2025-02", "P-1", -1e-300}};
  std::string csv = FormatCsv(sums);
  EXPECT_THAT(csv, HasSubstr("month,product,sum\n2025-01,P-100,0.30000000000000004\n"));
  absl::StatusOr<std::vector<GroupedSum>> parsed = ParseCsv(csv);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, sums);
}

TEST(YearQueryTest, BadCsvNamesTheLine) {
  EXPECT_THAT(std::string(ParseCsv("a,b,c\n").status().message()), HasSubstr("line 1"));
  EXPECT_THAT(std::string(ParseCsv("month,product,sum\n2025-01,P\n").status().message()),
              HasSubstr("line 2: expected 3 fields"));
  EXPECT_THAT(std::string(ParseCsv("month,product,sum\n2025-01,P,x\n").status().message()),
              HasSubstr("line 2: sum 'x'"));
  EXPECT_FALSE(ParseCsv("month,product,sum\n2025-01,P,inf\n").ok());
}

TEST(YearQueryTest, AnswersWithinToleranceAreEqual) {
  std::vector<GroupedSum> a = {{"2025-01", "P", 1000.0}};
  std::vector<GroupedSum> b = {{"2025-01", "P", 1000.0 * (1 + 1e-12)}};
  EXPECT_TRUE(CompareAnswers(a, b, 1e-9).ok());
  EXPECT_FALSE(CompareAnswers(a, b, 0).ok());
}

TEST(YearQueryTest, DifferentAnswersNameTheFirstDifference) {
  std::vector<GroupedSum> a = {{"2025-01", "P", 1.0}, {"2025-02", "P", 2.0}};
  auto message = [&](std::vector<GroupedSum> b) {
    return std::string(CompareAnswers(a, b, 1e-9).message());
  };
  EXPECT_THAT(message({{"2025-01", "P", 1.0}, {"2025-02", "P", 2.1}}),
              HasSubstr("2025-02 P: expected sum 2, found 2.1"));
  EXPECT_THAT(message({{"2025-01", "P", 1.0}}), HasSubstr("missing group 2025-02 P"));
  EXPECT_THAT(message({{"2025-01", "P", 1.0}, {"2025-02", "P", 2.0}, {"2025-03", "P", 3.0}}),
              HasSubstr("extra group 2025-03 P"));
  EXPECT_THAT(message({{"2025-01", "Q", 1.0}, {"2025-02", "P", 2.0}}),
              HasSubstr("expected 2025-01 P, found 2025-01 Q"));
}

}  // namespace
}  // namespace cairn
