// PolicyGate: how the stateful limits combine with the decision.
#include "policy/gate.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

class GateTest : public ::testing::Test {
 protected:
  static Grant MakeGrant(std::string name) {
    Grant g;
    g.name = std::move(name);
    g.partner = "oem";
    g.purpose = "testing";
    g.metrics = {"energy"};
    g.aggregates = {Aggregate::kSum};
    g.finest = Granularity::kMonth;
    return g;
  }
  static Grant Private(Grant g, double epsilon, double budget) {
    g.release = Release::kProtected;
    PrivacySpec p;
    p.epsilon = epsilon;
    p.budget = budget;
    p.period = Granularity::kMonth;
    p.clamps["energy"] = Clamp{0, 10, 1};
    g.privacy = p;
    return g;
  }
  static Policy Build(std::vector<Grant> grants) {
    PolicyBuilder b;
    for (Grant& g : grants) b.AddGrant(std::move(g));
    return std::move(b).Build().value();
  }
  static Query Ask() {
    Query q;
    q.metric = "energy";
    q.aggregate = Aggregate::kSum;
    q.from = T("2026-01");
    q.to = T("2026-02");
    return q;
  }

  PolicyGate gate_;
  const Timestamp now_ = T("2026-05-10T09:00:00Z");
};

TEST_F(GateTest, AQueryRefusedForBudgetDoesNotUseTheRateLimit) {
  Grant g = Private(MakeGrant("bench"), 1, 1);
  g.rate_limit = RateLimit{2, kMicrosPerHour, "hour"};
  Policy p = Build({g});
  ASSERT_TRUE(gate_.Admit(p, "oem", Ask(), now_).allowed);
  ASSERT_EQ(gate_.Admit(p, "oem", Ask(), now_).denied_by, Check::kBudget);
  // The refused query did not count: one more is within the limit of 2 (and the budget is
  // checked before it is spent, so a second refusal spends nothing either).
  ASSERT_EQ(gate_.Admit(p, "oem", Ask(), now_).denied_by, Check::kBudget);
  EXPECT_TRUE(gate_.rate_limits().Check("oem", *p.FindGrant("bench"), now_).ok());
}

TEST_F(GateTest, AQueryRefusedForRateSpendsNoBudget) {
  Grant g = Private(MakeGrant("bench"), 0.1, 1);
  g.rate_limit = RateLimit{1, kMicrosPerHour, "hour"};
  Policy p = Build({g});
  ASSERT_TRUE(gate_.Admit(p, "oem", Ask(), now_).allowed);
  ASSERT_EQ(gate_.Admit(p, "oem", Ask(), now_).denied_by, Check::kRateLimit);
  EXPECT_EQ(gate_.budget().State("oem", *p.FindGrant("bench"), now_).spent_micros, 100'000);
}

TEST_F(GateTest, ALimitedGrantDoesNotFallBackToAnother) {
  Grant first = MakeGrant("a-limited");
  first.rate_limit = RateLimit{1, kMicrosPerHour, "hour"};
  Policy p = Build({first, MakeGrant("b-unlimited")});
  ASSERT_TRUE(gate_.Admit(p, "oem", Ask(), now_).allowed);
  Decision d = gate_.Admit(p, "oem", Ask(), now_);
  EXPECT_EQ(d.denied_by, Check::kRateLimit);
  EXPECT_EQ(d.grant->name, "a-limited");
}

TEST_F(GateTest, StateSurvivesAPolicyReloadForGrantsThatKeepTheirName) {
  Policy before = Build({Private(MakeGrant("bench"), 0.5, 1)});
  ASSERT_TRUE(gate_.Admit(before, "oem", Ask(), now_).allowed);
  ASSERT_TRUE(gate_.Admit(before, "oem", Ask(), now_).allowed);
  Policy after = Build({Private(MakeGrant("bench"), 0.5, 1), MakeGrant("other")});
  EXPECT_EQ(gate_.Admit(after, "oem", Ask(), now_).denied_by, Check::kBudget);
}

TEST_F(GateTest, ExplainShowsTheUsedUpLimitWithoutSpending) {
  Grant g = MakeGrant("bench");
  g.rate_limit = RateLimit{1, kMicrosPerHour, "hour"};
  Policy p = Build({g});
  ASSERT_TRUE(gate_.Admit(p, "oem", Ask(), now_).allowed);
  Explanation e = gate_.Explain(p, "oem", Ask(), now_);
  EXPECT_FALSE(e.decision.allowed);
  EXPECT_THAT(e.ToString(), ::testing::HasSubstr("=> denied: grant 'bench' allows 1 queries per "
                                                 "hour; retry after 2026-05-10T10:00:00Z"));
}

TEST_F(GateTest, AFederatedRoundSpendsTheBudgetOfItsFederationGrant) {
  Grant g = Private(MakeGrant("bench"), 0.5, 1);
  g.federation = FederationSpec{"steel-bench", 3};
  Policy p = Build({g});
  EXPECT_EQ(gate_.Admit(p, "oem", Ask(), now_).denied_by, Check::kFederation);
  ASSERT_TRUE(gate_.Admit(p, "oem", Ask(), now_, "steel-bench").allowed);
  EXPECT_EQ(gate_.budget().State("oem", *p.FindGrant("bench"), now_).spent_micros, 500'000);
}

}  // namespace
}  // namespace cairn
