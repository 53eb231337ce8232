// Decisions with several grants and rules: which one is cited, and what the partner is told.
#include "policy/decision.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

class DecisionTest : public ::testing::Test {
 protected:
  static Grant MakeGrant(std::string name, std::vector<std::string> metrics,
                         std::vector<Aggregate> aggregates) {
    Grant g;
    g.name = std::move(name);
    g.partner = "oem";
    g.purpose = "testing";
    g.metrics = std::move(metrics);
    g.aggregates = std::move(aggregates);
    g.finest = Granularity::kMonth;
    return g;
  }
  static Query Ask(std::string metric, Aggregate a) {
    Query q;
    q.metric = std::move(metric);
    q.aggregate = a;
    q.from = T("2026-01");
    q.to = T("2026-02");
    return q;
  }
  Policy Build() {
    absl::StatusOr<Policy> p = std::move(builder_).Build();
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : Policy();
  }

  PolicyBuilder builder_;
  const Timestamp now_ = T("2026-06-01");
};

TEST_F(DecisionTest, WhenSeveralGrantsAdmitTheFirstByNameApplies) {
  builder_.AddGrant(MakeGrant("zeta", {"energy"}, {Aggregate::kSum}));
  builder_.AddGrant(MakeGrant("alpha", {"energy"}, {Aggregate::kSum, Aggregate::kMean}));
  Policy p = Build();
  Decision d = Decide(p, "oem", Ask("energy", Aggregate::kSum), now_);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.grant->name, "alpha");
  EXPECT_EQ(d.reason, "allowed by grant 'alpha' (purpose: testing)");
}

TEST_F(DecisionTest, WhenEveryGrantRefusesThePartnerIsToldWhyForEach) {
  builder_.AddGrant(MakeGrant("emissions", {"co2e_scope1"}, {Aggregate::kSum}));
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kMean}));
  Policy p = Build();
  Decision d = Decide(p, "oem", Ask("energy", Aggregate::kSum), now_);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.reason,
            "no grant allows this query: grant 'emissions' does not allow metric energy (it "
            "allows co2e_scope1); grant 'energy' allows metric energy but not aggregate sum (it "
            "allows mean)");
  ASSERT_EQ(d.refusals.size(), 2u);
  EXPECT_EQ(d.refusals[1].check, Check::kAggregate);
}

TEST_F(DecisionTest, ThePartnerIsToldAboutAFewRefusingGrantsAndHowManyMore) {
  for (int i = 0; i < 12; ++i) {
    builder_.AddGrant(MakeGrant(absl::StrCat("grant-", 10 + i), {"water"}, {Aggregate::kSum}));
  }
  Policy p = Build();
  Decision d = Decide(p, "oem", Ask("energy", Aggregate::kSum), now_);
  EXPECT_EQ(d.refusing_grants, 12u);
  EXPECT_EQ(d.refusals.size(), kMaxDescribedRefusals);
  EXPECT_THAT(d.reason, HasSubstr("grant 'grant-14' does not allow metric energy"));
  EXPECT_THAT(d.reason, ::testing::EndsWith("; and 7 more grants refuse"));
  EXPECT_EQ(Explain(p, "oem", Ask("energy", Aggregate::kSum), now_).lines.size(), 1u + 12u);
}

TEST_F(DecisionTest, AGroupGrantBindsEveryMemberAndNobodyElse) {
  builder_.AddGroup("consortium", {"acme", "beta"});
  Grant g = MakeGrant("bench", {"energy"}, {Aggregate::kSum});
  g.partner.clear();
  g.group = "consortium";
  builder_.AddGrant(g);
  Policy p = Build();
  EXPECT_TRUE(Decide(p, "beta", Ask("energy", Aggregate::kSum), now_).allowed);
  EXPECT_EQ(Decide(p, "oem", Ask("energy", Aggregate::kSum), now_).denied_by, Check::kPartner);
}

TEST_F(DecisionTest, ADenyRuleForAGroupAppliesToItsMembersOnly) {
  builder_.AddGroup("suspended", {"oem"});
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));
  Grant other = MakeGrant("energy-2", {"energy"}, {Aggregate::kSum});
  other.partner = "acme";
  builder_.AddGrant(other);
  DenyRule r;
  r.name = "suspension";
  r.reason = "contract under review";
  r.group = "suspended";
  builder_.AddDenyRule(r);
  Policy p = Build();
  EXPECT_EQ(Decide(p, "oem", Ask("energy", Aggregate::kSum), now_).reason,
            "denied by rule 'suspension': contract under review");
  EXPECT_TRUE(Decide(p, "acme", Ask("energy", Aggregate::kSum), now_).allowed);
}

TEST_F(DecisionTest, ADenyRuleOnADataPeriodMatchesOverlappingRangesOnly) {
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));
  DenyRule r;
  r.name = "embargo";
  r.reason = "under audit";
  r.data_from = T("2025-01");
  r.data_to = T("2026-01");
  builder_.AddDenyRule(r);
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);  // January 2026: after the embargo
  EXPECT_TRUE(Decide(p, "oem", q, now_).allowed);
  q.from = T("2025-12");
  EXPECT_EQ(Decide(p, "oem", q, now_).denied_by, Check::kDenyRule);
}

TEST_F(DecisionTest, ADenyRuleOnAMetricCoversRatioDenominators) {
  Grant g = MakeGrant("intensity", {}, {});
  g.ratios = {{"co2e_scope1", "units_produced"}};
  builder_.AddGrant(g);
  DenyRule r;
  r.name = "no-volumes";
  r.reason = "volumes are confidential";
  r.metrics = {"units_produced"};
  builder_.AddDenyRule(r);
  Policy p = Build();
  Query q = Ask("co2e_scope1", Aggregate::kRatio);
  q.ratio_denominator = "units_produced";
  EXPECT_EQ(Decide(p, "oem", q, now_).denied_by, Check::kDenyRule);
}

TEST_F(DecisionTest, ADenominatorWithoutTheRatioAggregateIsRefused) {
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);
  q.ratio_denominator = "units_produced";
  EXPECT_EQ(Decide(p, "oem", q, now_).denied_by, Check::kRatio);
}

TEST_F(DecisionTest, WeeksAreNotMadeOfMonths) {
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));  // finest month
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);
  q.time_group = Granularity::kWeek;
  EXPECT_EQ(Decide(p, "oem", q, now_).denied_by, Check::kGranularity);
  q.time_group = Granularity::kYear;
  EXPECT_TRUE(Decide(p, "oem", q, now_).allowed);
}

TEST_F(DecisionTest, AnOpenEndedRangeIsAligned) {
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);
  q.from = kMinTimestamp;
  q.to = kMaxTimestamp;
  EXPECT_TRUE(Decide(p, "oem", q, now_).allowed);
}

TEST_F(DecisionTest, ExplainListsEveryGrantOfThePartner) {
  builder_.AddGrant(MakeGrant("emissions", {"co2e_scope1"}, {Aggregate::kSum}));
  builder_.AddGrant(MakeGrant("energy", {"energy"}, {Aggregate::kSum}));
  Policy p = Build();
  Explanation e = Explain(p, "oem", Ask("energy", Aggregate::kSum), now_);
  EXPECT_TRUE(e.decision.allowed);
  EXPECT_THAT(e.ToString(), HasSubstr("grant 'emissions' (partner 'oem', exact, purpose: "
                                      "testing): refuses [metric]"));
  EXPECT_THAT(e.ToString(), HasSubstr("grant 'energy' (partner 'oem', exact, purpose: testing): "
                                      "admits"));
  EXPECT_THAT(e.ToString(), HasSubstr("=> allowed: allowed by grant 'energy'"));
}

TEST_F(DecisionTest, AFederationGrantAnswersOnlyRoundsOfItsConsortium) {
  Grant g = MakeGrant("bench", {"energy"}, {Aggregate::kSum});
  g.federation = FederationSpec{"steel-bench", 3};
  builder_.AddGrant(g);
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);
  Decision d = Decide(p, "oem", q, now_, "steel-bench");
  ASSERT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.grant->federation->min_cohort, 3u);
  d = Decide(p, "oem", q, now_);
  EXPECT_EQ(d.denied_by, Check::kFederation);
  EXPECT_EQ(d.reason, "grant 'bench' answers only federated rounds of consortium steel-bench");
  d = Decide(p, "oem", q, now_, "glass-bench");
  EXPECT_EQ(d.reason,
            "grant 'bench' answers federated rounds of consortium steel-bench, not glass-bench");
}

TEST_F(DecisionTest, ABilateralGrantNeverAnswersAFederatedRound) {
  builder_.AddGrant(MakeGrant("contract", {"energy"}, {Aggregate::kSum}));
  Policy p = Build();
  Query q = Ask("energy", Aggregate::kSum);
  EXPECT_TRUE(Decide(p, "oem", q, now_).allowed);
  Decision d = Decide(p, "oem", q, now_, "steel-bench");
  EXPECT_EQ(d.denied_by, Check::kFederation);
  EXPECT_EQ(d.reason, "grant 'contract' does not answer federated rounds");
  EXPECT_THAT(Explain(p, "oem", q, now_, "steel-bench").ToString(),
              HasSubstr("in a federated round of consortium steel-bench"));
}

TEST_F(DecisionTest, DenyRulesApplyToFederatedRoundsToo) {
  Grant g = MakeGrant("bench", {"energy"}, {Aggregate::kSum});
  g.federation = FederationSpec{"steel-bench", 3};
  builder_.AddGrant(g);
  DenyRule r;
  r.name = "embargo";
  r.reason = "under audit";
  builder_.AddDenyRule(r);
  Policy p = Build();
  EXPECT_EQ(Decide(p, "oem", Ask("energy", Aggregate::kSum), now_, "steel-bench").denied_by,
            Check::kDenyRule);
}

}  // namespace
}  // namespace cairn
