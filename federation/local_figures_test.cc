// A member's figures for a round under an exact grant: it counts as a contributor to a group
// only with at least its grant's min_records records and min_series series there, and its
// components always hold every record it has in the group.
#include "federation/local_figures.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::BenchmarkGrant;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestRandom;

class LocalFiguresTest : public ::testing::Test {
 protected:
  LocalFiguresTest()
      : request_(QuarterByMonthAndProduct(3, {}, 2)),
        keys_(KeySpace::Make(request_.query, request_.group_values).value()) {}

  // January p0..p2 hold (records, series) as given, each record worth 10.
  LocalFigures Figures(uint64_t min_records, uint64_t min_series,
                       std::vector<std::pair<uint64_t, uint64_t>> held) {
    Grant grant = BenchmarkGrant({});
    grant.min_records = min_records;
    grant.min_series = min_series;
    LocalQuery local = [held](const Query& part, std::optional<ClampRange>) {
      QueryResult result;
      for (size_t p = 0; p < held.size(); ++p) {
        result.rows.push_back(ResultRow{T("2026-01"),
                                        {absl::StrCat("p", p)},
                                        10.0 * held[p].first,
                                        held[p].first,
                                        held[p].second});
      }
      return absl::StatusOr<QueryResult>(result);
    };
    TestRandom unused(0);
    return ComputeLocalFigures(request_.query, keys_, grant, local, unused).value();
  }

  RoundRequest request_;
  KeySpace keys_;
};

TEST_F(LocalFiguresTest, AMemberContributesWithItsMinimumOfRecordsAndSeries) {
  const LocalFigures f = Figures(5, 2, {{5, 2}, {2, 2}, {9, 1}});
  EXPECT_EQ(f.contributes[0], 1);  // 5 records in 2 series
  EXPECT_EQ(f.contributes[1], 0);  // 2 records: below min_records
  EXPECT_EQ(f.contributes[2], 0);  // 1 series: below min_series
  EXPECT_EQ(f.contributes[3], 0);  // February: nothing
}

TEST_F(LocalFiguresTest, ItsFiguresHoldEveryRecordWhetherItContributesOrNot) {
  const LocalFigures f = Figures(5, 2, {{5, 2}, {2, 2}, {9, 1}});
  EXPECT_EQ(QuantaToDouble(f.components[0][0]), 50);
  EXPECT_EQ(QuantaToDouble(f.components[1][0]), 20);
  EXPECT_EQ(QuantaToDouble(f.components[2][0]), 90);
}

TEST_F(LocalFiguresTest, WithTheDefaultMinimumsOneRecordMakesAContributor) {
  const LocalFigures f = Figures(1, 1, {{1, 1}, {0, 0}});
  EXPECT_EQ(f.contributes[0], 1);
  EXPECT_EQ(f.contributes[1], 0);
}

}  // namespace
}  // namespace cairn
