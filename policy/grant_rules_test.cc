// The grant rules, one by one: for each, a query that passes and one that is denied for
// exactly that rule, against one policy file read the way cairnd reads it.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/metric_registry.h"
#include "policy/decision.h"
#include "policy/gate.h"
#include "policy/policy_file.h"
#include "policy/release.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"toml(
version = 1

[groups]
consortium = ["acme", "beta", "gamma"]

[[grant]]
name = "cbam-customer"
partner = "carmaker"
purpose = "CBAM reporting of embedded emissions"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
ratios = ["co2e_scope1/units_produced"]
filter_tags = ["site", "batch"]
group_tags = ["product"]
scope = { product = ["P-100", "P-200"] }
finest = "quarter"
min_records = 3
min_series = 2
rate_limit = { queries = 3, per = "hour" }
valid_from = 2026-01-01T00:00:00Z
valid_until = 2027-01-01T00:00:00Z

[[grant]]
name = "benchmark"
group = "consortium"
purpose = "energy benchmark across the consortium"
release = "protected"
metrics = ["energy"]
aggregates = ["mean", "count"]
finest = "month"
[grant.privacy]
epsilon = 0.5
budget = 1.0
period = "month"
clamp = { energy = { lo = 0, hi = 50000 } }

[[deny]]
name = "no-batch-figures"
reason = "batch-level figures are never shared"
tags = ["batch"]
)toml";

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

class GrantRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { policy_ = ParsePolicyFile("policy.toml", kPolicy, &registry_).value(); }

  // sum(co2e_scope1) over Q1 2026 for product P-100: allowed for the carmaker.
  static Query CarmakerQuery() {
    Query q;
    q.metric = "co2e_scope1";
    q.aggregate = Aggregate::kSum;
    q.from = T("2026-01");
    q.to = T("2026-04");
    q.filters = {{"product", {"P-100"}}};
    return q;
  }
  // mean(energy) over January 2026: allowed for consortium members.
  static Query BenchmarkQuery() {
    Query q;
    q.metric = "energy";
    q.aggregate = Aggregate::kMean;
    q.from = T("2026-01");
    q.to = T("2026-02");
    return q;
  }

  Decision Ask(const std::string& partner, const Query& q, Timestamp now = T("2026-06-15")) {
    return gate_.Admit(policy_, partner, q, now);
  }

  MetricRegistry registry_;
  Policy policy_;
  PolicyGate gate_;
};

// Matches an allowed decision.
MATCHER(IsAllowed, "") {
  *result_listener << "reason: " << arg.reason;
  return arg.allowed;
}
// Matches a decision denied by `check` whose reason contains `text`.
MATCHER_P2(IsDeniedBy, check, text, "") {
  *result_listener << "allowed=" << arg.allowed << " by " << CheckName(arg.denied_by) << ": "
                   << arg.reason;
  return !arg.allowed && arg.denied_by == check && arg.reason.find(text) != std::string::npos;
}

TEST_F(GrantRulesTest, Metrics) {
  EXPECT_THAT(Ask("carmaker", CarmakerQuery()), IsAllowed());
  Query q = CarmakerQuery();
  q.metric = "energy";
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kMetric, "grant 'cbam-customer' does not allow metric energy"));
}

TEST_F(GrantRulesTest, Aggregates) {
  Query q = CarmakerQuery();
  q.aggregate = Aggregate::kMin;
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kAggregate,
                         "grant 'cbam-customer' allows metric co2e_scope1 but not aggregate min"));
}

TEST_F(GrantRulesTest, Ratios) {
  Query q = CarmakerQuery();
  q.aggregate = Aggregate::kRatio;
  q.ratio_denominator = "units_produced";
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.ratio_denominator = "output_mass";
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kRatio, "does not allow the ratio co2e_scope1/output_mass"));
}

TEST_F(GrantRulesTest, FilterTags) {
  Query q = CarmakerQuery();
  q.filters.push_back({"site", {"north"}});
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.filters.back().tag = "line";
  EXPECT_THAT(Ask("carmaker", q), IsDeniedBy(Check::kFilterTag, "filtering on tag line"));
}

TEST_F(GrantRulesTest, Scope) {
  Query q = CarmakerQuery();
  q.filters = {{"product", {"P-100", "P-200"}}};
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.filters = {{"product", {"P-100", "P-300"}}};
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kScope, "covers only product in {P-100, P-200}"));
  q.filters.clear();
  EXPECT_THAT(Ask("carmaker", q), IsDeniedBy(Check::kScope, "must filter product"));
}

TEST_F(GrantRulesTest, GroupTags) {
  Query q = CarmakerQuery();
  q.group_tags = {"product"};
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.group_tags = {"site"};
  EXPECT_THAT(Ask("carmaker", q), IsDeniedBy(Check::kGroupTag, "grouping by tag site"));
}

TEST_F(GrantRulesTest, TimeBuckets) {
  Query q = CarmakerQuery();
  q.time_group = Granularity::kQuarter;
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.time_group = Granularity::kMonth;
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kGranularity, "no finer than quarter, not by month"));
}

TEST_F(GrantRulesTest, RangeBoundaries) {
  // An ungrouped query over one month would show a month's figure all the same.
  Query q = CarmakerQuery();
  q.to = T("2026-07");
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.to = T("2026-02");
  EXPECT_THAT(Ask("carmaker", q),
              IsDeniedBy(Check::kGranularity, "must end on a quarter boundary"));
}

TEST_F(GrantRulesTest, ValidityWindow) {
  EXPECT_THAT(Ask("carmaker", CarmakerQuery(), T("2026-12-31T23:59:59Z")), IsAllowed());
  EXPECT_THAT(Ask("carmaker", CarmakerQuery(), T("2027-01-01")),
              IsDeniedBy(Check::kValidity, "expired at 2027-01-01T00:00:00Z"));
  EXPECT_THAT(Ask("carmaker", CarmakerQuery(), T("2025-12-31")),
              IsDeniedBy(Check::kValidity, "not valid before 2026-01-01T00:00:00Z"));
}

TEST_F(GrantRulesTest, PartnerBinding) {
  EXPECT_THAT(Ask("carmaker", CarmakerQuery()), IsAllowed());
  EXPECT_THAT(Ask("stranger", CarmakerQuery()),
              IsDeniedBy(Check::kPartner, "no grant covers partner 'stranger'"));
  // A grant to another partner does not extend to a consortium member.
  EXPECT_THAT(Ask("acme", CarmakerQuery()),
              IsDeniedBy(Check::kMetric, "grant 'benchmark' does not allow metric co2e_scope1"));
}

TEST_F(GrantRulesTest, GroupMembership) {
  EXPECT_THAT(Ask("acme", BenchmarkQuery()), IsAllowed());
  EXPECT_THAT(Ask("gamma", BenchmarkQuery()), IsAllowed());
  EXPECT_THAT(Ask("delta", BenchmarkQuery()), IsDeniedBy(Check::kPartner, "'delta'"));
}

TEST_F(GrantRulesTest, DenyRule) {
  Query q = CarmakerQuery();
  q.filters.push_back({"site", {"north"}});
  EXPECT_THAT(Ask("carmaker", q), IsAllowed());
  q.filters.back().tag = "batch";  // allowed by the grant, refused by the rule
  Decision d = Ask("carmaker", q);
  EXPECT_THAT(d, IsDeniedBy(Check::kDenyRule,
                            "denied by rule 'no-batch-figures': batch-level figures are never "
                            "shared"));
  EXPECT_EQ(d.deny_rule, &policy_.deny_rules()[0]);
}

TEST_F(GrantRulesTest, RateLimit) {
  const Timestamp now = T("2026-06-15T10:00:00Z");
  for (int i = 0; i < 3; ++i) EXPECT_THAT(Ask("carmaker", CarmakerQuery(), now + i), IsAllowed());
  EXPECT_THAT(
      Ask("carmaker", CarmakerQuery(), now + kMicrosPerHour - 1),
      IsDeniedBy(Check::kRateLimit, "allows 3 queries per hour; retry after 2026-06-15T11:00:00Z"));
  EXPECT_THAT(Ask("carmaker", CarmakerQuery(), now + kMicrosPerHour), IsAllowed());
}

TEST_F(GrantRulesTest, PrivacyBudget) {
  // epsilon 0.5 per query, budget 1.0 per month.
  EXPECT_THAT(Ask("acme", BenchmarkQuery(), T("2026-06-01")), IsAllowed());
  EXPECT_THAT(Ask("acme", BenchmarkQuery(), T("2026-06-20")), IsAllowed());
  EXPECT_THAT(Ask("acme", BenchmarkQuery(), T("2026-06-30")),
              IsDeniedBy(Check::kBudget,
                         "privacy budget for 2026-06 is used up: 0 of 1 left, this query needs "
                         "0.5; it renews at 2026-07-01T00:00:00Z"));
  EXPECT_THAT(Ask("beta", BenchmarkQuery(), T("2026-06-30")), IsAllowed());  // its own budget
  EXPECT_THAT(Ask("acme", BenchmarkQuery(), T("2026-07-01")), IsAllowed());
}

TEST_F(GrantRulesTest, GroupSizeSuppression) {
  // min_records = 3, min_series = 2: small groups are withheld and counted.
  QueryResult result;
  result.group_tags = {"product"};
  result.rows = {{std::nullopt, {"P-100"}, 120.0, 3, 2},  // released
                 {std::nullopt, {"P-200"}, 40.0, 2, 2},   // too few records
                 {std::nullopt, {"P-300"}, 75.0, 9, 1}};  // one series only
  const Grant& g = *policy_.FindGrant("cbam-customer");
  ReleasedResult r = SuppressSmallGroups(result, g.min_records, g.min_series);
  ASSERT_EQ(r.result.rows.size(), 1u);
  EXPECT_EQ(r.result.rows[0].tags[0], "P-100");
  EXPECT_EQ(r.suppressed_groups, 2u);
}

TEST_F(GrantRulesTest, CheckSpendsNothing) {
  const Timestamp now = T("2026-06-01");
  for (int i = 0; i < 10; ++i)
    EXPECT_THAT(gate_.Check(policy_, "acme", BenchmarkQuery(), now), IsAllowed());
  EXPECT_EQ(gate_.budget().State("acme", *policy_.FindGrant("benchmark"), now).spent_micros, 0);
}

TEST_F(GrantRulesTest, ThePartnerIsToldWhatExplainSays) {
  Query q = CarmakerQuery();
  q.group_tags = {"site"};
  Decision told = Ask("carmaker", q);
  Explanation e = gate_.Explain(policy_, "carmaker", q, T("2026-06-15"));
  EXPECT_EQ(e.decision.reason, told.reason);
  EXPECT_THAT(e.ToString(), ::testing::EndsWith("=> denied: " + told.reason + "\n"));
}

TEST_F(GrantRulesTest, ExplainNamesEveryRuleAndTheOutcome) {
  Query q = BenchmarkQuery();
  q.aggregate = Aggregate::kSum;
  std::string text = gate_.Explain(policy_, "acme", q, T("2026-06-01")).ToString();
  EXPECT_THAT(text, HasSubstr("deny rule 'no-batch-figures': does not match"));
  EXPECT_THAT(text, HasSubstr("grant 'benchmark' (group 'consortium', protected, purpose: "
                              "energy benchmark across the consortium): refuses [aggregate]: "
                              "grant 'benchmark' allows metric energy but not aggregate sum"));
  EXPECT_THAT(text, HasSubstr("=> denied: grant 'benchmark' allows metric energy but not "
                              "aggregate sum (it allows count, mean)"));
  text = gate_.Explain(policy_, "acme", BenchmarkQuery(), T("2026-06-01")).ToString();
  EXPECT_THAT(text, HasSubstr("privacy budget of grant 'benchmark': 1 of 1 left"));
  EXPECT_THAT(text, HasSubstr("=> allowed: allowed by grant 'benchmark'"));
}

}  // namespace
}  // namespace cairn
