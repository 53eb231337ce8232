// What a round computes: per group, the exact total of the members' local answers and the
// number of members that contributed, for sums, counts, pooled means and pooled ratios; groups
// below the threshold are withheld; the published result verifies.
#include <cmath>
#include <map>
#include <random>

#include "federation/fixed_point.h"
#include "federation/testing.h"
#include "federation/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::ConsortiumOptions;
using federation_testing::Products;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;

// A value a * 2^e with |a| < 2^53 and e >= -6: exact as a double, and exactly
// a * 15625 * 2^(e+6) quanta of 10^-6 (10^6 = 2^6 * 15625), computed here without the code
// under test.
struct ExactValue {
  int64_t a;
  int e;
  double value() const { return std::ldexp(static_cast<double>(a), e); }
  Quanta quanta() const { return static_cast<Quanta>(a) * 15625 * (Quanta{1} << (e + 6)); }
};

struct Expected {
  Quanta total = 0;
  uint32_t contributors = 0;
};
using GroupId = std::pair<std::optional<Timestamp>, std::vector<std::string>>;

class AggregationTest : public ::testing::Test {
 protected:
  explicit AggregationTest(ConsortiumOptions options = {6, 2}) : consortium_(options) {}

  // Gives member i one energy record in the group; remembers what the total must be.
  void Give(int i, std::optional<Timestamp> bucket, const std::string& product, ExactValue v) {
    consortium_.member(i).data.Add("energy", bucket, {product}, v.value());
    Expected& e = expected_[GroupId{bucket, {product}}];
    e.total += v.quanta();
    e.contributors += 1;
  }

  // Every published row against the expectation; every expected group published.
  void ExpectRows(const FederatedResult& result, uint32_t min_contributors) {
    size_t seen = 0;
    for (const FederatedRow& row : result.rows) {
      auto it = expected_.find(GroupId{row.bucket, row.tags});
      ASSERT_NE(it, expected_.end()) << "unexpected group " << row.tags[0];
      const Expected& e = it->second;
      EXPECT_EQ(row.contributors, e.contributors) << row.tags[0];
      EXPECT_EQ(row.released, e.contributors >= min_contributors);
      if (row.released) {
        ASSERT_EQ(row.totals.size(), 1u);
        EXPECT_EQ(FormatQuanta(row.totals[0]), FormatQuanta(e.total)) << row.tags[0];
        ASSERT_TRUE(row.value.has_value());
        EXPECT_DOUBLE_EQ(*row.value, QuantaToDouble(e.total));
      } else {
        EXPECT_TRUE(row.totals.empty());
        EXPECT_FALSE(row.value.has_value());
      }
      ++seen;
    }
    EXPECT_EQ(seen, expected_.size());
  }

  TestConsortium consortium_;
  std::map<GroupId, Expected> expected_;
};

TEST_F(AggregationTest, TheTotalIsThePlainSumOfTheLocalAnswersExactly) {
  // 3 months x 20 products; each member has a signed value in about 60% of the groups.
  std::mt19937_64 rng(7);
  const std::vector<std::string> products = Products(20);
  for (Timestamp month : {T("2026-01"), T("2026-02"), T("2026-03")}) {
    for (const std::string& product : products) {
      for (int i = 0; i < consortium_.size(); ++i) {
        if (rng() % 10 >= 6) continue;
        const int64_t a = static_cast<int64_t>(rng() % (int64_t{1} << 41)) - (int64_t{1} << 40);
        Give(i, month, product, ExactValue{a, static_cast<int>(rng() % 13) - 6});
      }
    }
  }
  absl::StatusOr<FederatedResult> result =
      consortium_.Run(QuarterByMonthAndProduct(20, consortium_.Cohort(), 2));
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectRows(*result, 2);
  EXPECT_TRUE(VerifyFederatedResult(*result, consortium_.roster()).ok());
}

TEST_F(AggregationTest, GroupsBelowTheThresholdShowOnlyTheirContributorCount) {
  Give(0, T("2026-01"), "p0", {5, 0});
  Give(1, T("2026-01"), "p0", {7, 0});
  Give(2, T("2026-01"), "p0", {-1, 0});
  Give(3, T("2026-01"), "p1", {1000, 0});  // alone: its figure must not come out
  Give(3, T("2026-02"), "p1", {1, -1});
  Give(4, T("2026-02"), "p1", {3, -2});
  absl::StatusOr<FederatedResult> result =
      consortium_.Run(QuarterByMonthAndProduct(2, consortium_.Cohort(), 3));
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectRows(*result, 3);
  ASSERT_EQ(result->rows.size(), 3u);
  EXPECT_TRUE(result->rows[0].released);   // January p0: 3 contributors
  EXPECT_FALSE(result->rows[1].released);  // January p1: 1
  EXPECT_FALSE(result->rows[2].released);  // February p1: 2
}

// A member with 2 records in a group, under its grant's min_records of 5, is not counted as a
// contributor there; its records are in the group's total all the same.
class MinRecordsTest : public AggregationTest {
 protected:
  MinRecordsTest() : AggregationTest(Options()) {}
  static ConsortiumOptions Options() {
    ConsortiumOptions o{5, 3};
    o.min_records = 5;
    return o;
  }
};

TEST_F(MinRecordsTest, AMemberBelowItsMinRecordsIsNoContributorYetItsRecordsAreInTheTotal) {
  for (int i = 0; i < 5; ++i) {
    for (int r = 0; r < (i == 4 ? 2 : 5); ++r) {
      consortium_.member(i).data.Add("energy", T("2026-01"), {"p0"}, 10 * (i + 1));
    }
  }
  absl::StatusOr<FederatedResult> result =
      consortium_.Run(QuarterByMonthAndProduct(1, consortium_.Cohort(), 3));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0].contributors, 4u);
  ASSERT_TRUE(result->rows[0].released);
  EXPECT_EQ(result->rows[0].value, 5 * (10 + 20 + 30 + 40) + 2 * 50);
}

class BigValueTest : public AggregationTest {
 protected:
  BigValueTest() : AggregationTest({14, 2}) {}
};

TEST_F(BigValueTest, TotalsBeyond1e24AddUpExactly) {
  for (int i = 0; i < consortium_.size(); ++i) {
    // About 7.6e22 each: 14 of them pass 1e24. And a mixed-sign group of big values.
    Give(i, T("2026-01"), "p0", {(int64_t{1} << 52) - i, 24});
    Give(i, T("2026-01"), "p1", {(i % 2 ? -1 : 1) * ((int64_t{1} << 52) - 3 * i), 24 - i % 3});
  }
  absl::StatusOr<FederatedResult> result =
      consortium_.Run(QuarterByMonthAndProduct(2, consortium_.Cohort(), 2));
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectRows(*result, 2);
  EXPECT_GT(QuantaToDouble(result->rows[0].totals[0]), 1e24);
}

class AggregateKindsTest : public ::testing::Test {
 protected:
  AggregateKindsTest() : consortium_(ConsortiumOptions{4, 2}) {
    // Energy and units per member in January p0, several records each.
    const double energy[4][3] = {{10, 20, 30}, {1, 2, 0}, {100, -50, 0}, {7, 0, 0}};
    const int records[4] = {3, 2, 2, 1};
    const double units[4] = {6, 0, 4, 10};
    for (int i = 0; i < 4; ++i) {
      for (int r = 0; r < records[i]; ++r) {
        consortium_.member(i).data.Add("energy", T("2026-01"), {"p0"}, energy[i][r]);
      }
      consortium_.member(i).data.Add("units_produced", T("2026-01"), {"p0"}, units[i]);
    }
  }
  FederatedRow Only(Aggregate aggregate) {
    absl::StatusOr<FederatedResult> result =
        consortium_.Run(QuarterByMonthAndProduct(1, consortium_.Cohort(), 2, aggregate));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->rows.size() != 1) return FederatedRow();
    EXPECT_TRUE(VerifyFederatedResult(*result, consortium_.roster()).ok());
    return result->rows[0];
  }

  TestConsortium consortium_;
};

TEST_F(AggregateKindsTest, CountCountsRecords) {
  FederatedRow row = Only(Aggregate::kCount);
  EXPECT_EQ(row.contributors, 4u);
  EXPECT_EQ(row.value, 8.0);
}

TEST_F(AggregateKindsTest, MeanIsPooledOverAllRecords) {
  FederatedRow row = Only(Aggregate::kMean);
  ASSERT_EQ(row.totals.size(), 2u);
  EXPECT_EQ(FormatQuanta(row.totals[0]), "120");  // 60 + 3 + 50 + 7
  EXPECT_EQ(FormatQuanta(row.totals[1]), "8");
  EXPECT_EQ(row.value, 15.0);
}

TEST_F(AggregateKindsTest, RatioIsTheTotalOverTheTotal) {
  FederatedRow row = Only(Aggregate::kRatio);
  ASSERT_EQ(row.totals.size(), 2u);
  EXPECT_EQ(FormatQuanta(row.totals[1]), "20");
  EXPECT_EQ(row.value, 6.0);  // 120 / 20
}

TEST_F(AggregateKindsTest, AResultSurvivesEncodingAndStillVerifies) {
  absl::StatusOr<FederatedResult> result =
      consortium_.Run(QuarterByMonthAndProduct(1, consortium_.Cohort(), 2, Aggregate::kMean));
  ASSERT_TRUE(result.ok()) << result.status();
  absl::StatusOr<FederatedResult> decoded = DecodeFederatedResult(EncodeFederatedResult(*result));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->rows, result->rows);
  EXPECT_TRUE(VerifyFederatedResult(*decoded, consortium_.roster()).ok());
}

}  // namespace
}  // namespace cairn
