// Private releases: how a query's epsilon is split over noisy parts, that the released noise
// follows the mechanism (chi-square, with a broken plan as negative control), and what a
// private release withholds.
#include "policy/private_release.h"

#include <cmath>
#include <cstdio>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/chi_square.h"
#include "policy/seeded_random.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr double kAcceptP = 1e-6;

class PrivateReleaseTest : public ::testing::Test {
 protected:
  PrivateReleaseTest() {
    grant_.name = "benchmark";
    grant_.release = Release::kProtected;
    grant_.min_records = 10;
    PrivacySpec p;
    p.epsilon = 1;
    p.epsilon_micros = 1'000'000;
    p.budget_micros = 10'000'000;
    p.clamps["energy"] = Clamp{0, 100, 1};         // sensitivity 100 quanta
    p.clamps["output_mass"] = Clamp{-5, 10, 0.5};  // sensitivity 20 quanta
    grant_.privacy = p;
  }

  static Query Ask(Aggregate a, std::string denominator = "") {
    Query q;
    q.metric = "energy";
    q.aggregate = a;
    q.ratio_denominator = std::move(denominator);
    q.group_tags = {"line"};
    return q;
  }
  static ResultRow Row(std::string line, double value, uint64_t records, uint64_t series = 5) {
    return ResultRow{std::nullopt, {std::move(line)}, value, records, series};
  }
  static QueryResult Result(std::vector<ResultRow> rows) {
    QueryResult r;
    r.group_tags = {"line"};
    r.rows = std::move(rows);
    r.stats.series = 42;
    return r;
  }

  PrivatePlan Plan(const Query& q) {
    absl::StatusOr<PrivatePlan> plan = PlanPrivateRelease(grant_, q);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : PrivatePlan{};
  }
  ReleasedResult Release(const Query& q, const PrivatePlan& plan,
                         const std::vector<QueryResult>& parts) {
    absl::StatusOr<ReleasedResult> r = ReleasePrivate(grant_, plan, q, parts, rng_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ReleasedResult{};
  }

  Grant grant_;
  SeededRandomSource rng_{TestSeed(77)};
};

MATCHER_P2(IsPart, kind, scale_num, "") {
  return arg.kind == kind && arg.scale.num == static_cast<uint64_t>(scale_num) &&
         arg.scale.den == 1;
}

TEST_F(PrivateReleaseTest, ASumSpendsHalfOnTheSumAndHalfOnTheCount) {
  PrivatePlan plan = Plan(Ask(Aggregate::kSum));
  EXPECT_EQ(plan.epsilon_micros, 1'000'000);
  // Scale = sensitivity / (epsilon / 2).
  EXPECT_THAT(plan.parts, ::testing::ElementsAre(IsPart(NoisyPart::Kind::kSum, 200),
                                                 IsPart(NoisyPart::Kind::kCount, 2)));
  EXPECT_EQ(plan.parts[0].query.aggregate, Aggregate::kSum);
  EXPECT_EQ(plan.parts[0].clamp.hi, 100);
  EXPECT_EQ(plan.parts[1].query.aggregate, Aggregate::kCount);
  EXPECT_EQ(plan.parts[1].query.group_tags, std::vector<std::string>{"line"});
}

TEST_F(PrivateReleaseTest, ACountSpendsItAllOnTheCount) {
  EXPECT_THAT(Plan(Ask(Aggregate::kCount)).parts,
              ::testing::ElementsAre(IsPart(NoisyPart::Kind::kCount, 1)));
}

TEST_F(PrivateReleaseTest, ARatioSplitsEpsilonInThree) {
  PrivatePlan plan = Plan(Ask(Aggregate::kRatio, "output_mass"));
  EXPECT_THAT(plan.parts, ::testing::ElementsAre(IsPart(NoisyPart::Kind::kSum, 300),
                                                 IsPart(NoisyPart::Kind::kSum, 60),
                                                 IsPart(NoisyPart::Kind::kCount, 3)));
  EXPECT_EQ(plan.parts[1].query.metric, "output_mass");
  EXPECT_TRUE(plan.parts[1].query.ratio_denominator.empty());
}

TEST_F(PrivateReleaseTest, AFractionalEpsilonGivesARationalScale) {
  grant_.privacy->epsilon_micros = 300'000;  // 0.3
  // sum: 100 / 0.15 = 2000/3
  PrivatePlan plan = Plan(Ask(Aggregate::kSum));
  EXPECT_EQ(plan.parts[0].scale.num, 2000u);
  EXPECT_EQ(plan.parts[0].scale.den, 3u);
}

TEST_F(PrivateReleaseTest, MinAndMaxAreNeverReleasedPrivately) {
  EXPECT_THAT(PlanPrivateRelease(grant_, Ask(Aggregate::kMax)).status().message(),
              HasSubstr("max cannot be released with differential privacy"));
  EXPECT_EQ(PlanPrivateRelease(grant_, Ask(Aggregate::kMin)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PrivateReleaseTest, ASummedMetricWithoutClampIsRefused) {
  EXPECT_THAT(PlanPrivateRelease(grant_, Ask(Aggregate::kRatio, "water")).status().message(),
              HasSubstr("no clamping bounds for metric 'water'"));
  grant_.privacy.reset();
  EXPECT_EQ(PlanPrivateRelease(grant_, Ask(Aggregate::kSum)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PrivateReleaseTest, ReleasedSumsCarryNoiseOfTheStatedScale) {
  // 20,000 releases of one group's sum; released - exact must be discrete Laplace of scale
  // 200 quanta (resolution 1).
  Query q = Ask(Aggregate::kSum);
  PrivatePlan plan = Plan(q);
  std::vector<QueryResult> parts = {Result({Row("L1", 5000, 1000)}),
                                    Result({Row("L1", 1000, 1000)})};
  std::vector<int64_t> noise;
  for (int i = 0; i < 20'000; ++i) {
    ReleasedResult r = Release(q, plan, parts);
    if (r.result.rows.size() == 1) noise.push_back(std::llround(*r.result.rows[0].value - 5000));
  }
  ASSERT_EQ(noise.size(), 20'000u);  // a count of 1000 always clears min_records = 10
  ChiSquareFit fit = FitIntegerSamples(noise, [](int64_t z) {
    return DiscreteLaplacePmf({200, 1}, z);
  });
  std::fprintf(stderr, "released noise vs scale 200: %s\n", fit.ToString().c_str());
  EXPECT_GT(fit.p_value, kAcceptP) << fit.ToString();
}

TEST_F(PrivateReleaseTest, TheSameTestCatchesAPlanWithTooLittleNoise) {
  // Negative control: a plan that forgot to split epsilon (scale 100 instead of 200).
  Query q = Ask(Aggregate::kSum);
  PrivatePlan broken = Plan(q);
  broken.parts[0].scale = {100, 1};
  std::vector<QueryResult> parts = {Result({Row("L1", 5000, 1000)}),
                                    Result({Row("L1", 1000, 1000)})};
  std::vector<int64_t> noise;
  for (int i = 0; i < 20'000; ++i) {
    noise.push_back(std::llround(*Release(q, broken, parts).result.rows[0].value - 5000));
  }
  ChiSquareFit fit = FitIntegerSamples(noise, [](int64_t z) {
    return DiscreteLaplacePmf({200, 1}, z);
  });
  std::fprintf(stderr, "broken plan's noise vs scale 200: %s\n", fit.ToString().c_str());
  EXPECT_LT(fit.p_value, kAcceptP) << fit.ToString();
}

TEST_F(PrivateReleaseTest, SumsAreWholeNumbersOfTheResolution) {
  grant_.privacy->clamps["energy"].resolution = 0.25;
  Query q = Ask(Aggregate::kSum);
  PrivatePlan plan = Plan(q);
  std::vector<QueryResult> parts = {Result({Row("L1", 5000.1, 800)}),
                                    Result({Row("L1", 800, 800)})};
  for (int i = 0; i < 100; ++i) {
    ReleasedResult r = Release(q, plan, parts);
    ASSERT_EQ(r.result.rows.size(), 1u);
    double quanta = *r.result.rows[0].value / 0.25;
    EXPECT_EQ(quanta, std::round(quanta));
  }
}

TEST_F(PrivateReleaseTest, SmallGroupsAreWithheldOnTheirNoisyCountAndNotCounted) {
  Query q = Ask(Aggregate::kCount);
  PrivatePlan plan = Plan(q);  // count noise scale 1: P(noise >= 9) ~ 1e-4
  std::vector<QueryResult> parts = {
      Result({Row("L1", 500, 500), Row("L2", 1, 1), Row("L3", 300, 300, 1)})};
  grant_.min_series = 2;
  ReleasedResult r = Release(q, plan, parts);
  ASSERT_EQ(r.result.rows.size(), 1u);  // L2: one record; L3: one series
  EXPECT_EQ(r.result.rows[0].tags[0], "L1");
  EXPECT_NEAR(*r.result.rows[0].value, 500, 30);
  EXPECT_EQ(r.result.rows[0].records, static_cast<uint64_t>(*r.result.rows[0].value));
  EXPECT_EQ(r.result.rows[0].series, 0u);         // the exact series count is not released
  EXPECT_FALSE(r.suppressed_groups.has_value());  // nor the number of withheld groups
  EXPECT_EQ(r.result.stats.series, 0u);           // nor the owner's storage statistics
  EXPECT_EQ(r.epsilon_micros, 1'000'000);
}

TEST_F(PrivateReleaseTest, AMeanStaysWithinTheClampingBounds) {
  grant_.min_records = 1;
  Query q = Ask(Aggregate::kMean);
  PrivatePlan plan = Plan(q);
  std::vector<QueryResult> parts = {Result({Row("L1", 300, 3)}), Result({Row("L1", 3, 3)})};
  for (int i = 0; i < 500; ++i) {
    for (const ResultRow& row : Release(q, plan, parts).result.rows) {
      ASSERT_GE(*row.value, 0);
      ASSERT_LE(*row.value, 100);
    }
  }
}

TEST_F(PrivateReleaseTest, GroupsMissingFromAPartCountAsZeroThere) {
  Query q = Ask(Aggregate::kRatio, "output_mass");
  PrivatePlan plan = Plan(q);
  // L2 has energy but no output_mass records: its denominator is noise around zero.
  std::vector<QueryResult> parts = {Result({Row("L1", 9000, 900), Row("L2", 9000, 900)}),
                                    Result({Row("L1", 3000, 900)}),
                                    Result({Row("L1", 900, 900), Row("L2", 900, 900)})};
  ReleasedResult r = Release(q, plan, parts);
  ASSERT_EQ(r.result.rows.size(), 2u);
  EXPECT_EQ(r.result.rows[0].tags[0], "L1");  // sorted by tags
  EXPECT_NEAR(*r.result.rows[0].value, 3.0, 1.0);
  EXPECT_EQ(r.result.rows[1].tags[0], "L2");
}

TEST_F(PrivateReleaseTest, TheNumberOfPartResultsMustMatchThePlan) {
  Query q = Ask(Aggregate::kSum);
  EXPECT_EQ(ReleasePrivate(grant_, Plan(q), q, {Result({})}, rng_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cairn
