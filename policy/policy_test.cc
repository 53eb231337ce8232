// PolicyBuilder without a file: validation messages without locations, and the partner index.
#include "policy/policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Grant MakeGrant(std::string name, std::string partner, std::string group = "") {
  Grant g;
  g.name = std::move(name);
  g.partner = std::move(partner);
  g.group = std::move(group);
  g.purpose = "testing";
  g.metrics = {"energy"};
  g.aggregates = {Aggregate::kSum};
  return g;
}

absl::StatusOr<Policy> BuildWith(const Grant& g, const MetricRegistry* registry = nullptr) {
  PolicyBuilder b(registry);
  b.AddGrant(g);
  return std::move(b).Build();
}

std::vector<std::string> GrantNames(const Policy& p, const std::string& partner) {
  std::vector<std::string> names;
  for (uint32_t i : p.GrantIndicesFor(partner)) names.push_back(p.grants()[i].name);
  return names;
}

TEST(PolicyBuilderTest, IndexesGrantsByPartnerThroughGroupsInNameOrder) {
  PolicyBuilder b;
  b.AddGroup("consortium", {"beta", "acme"});
  b.AddGrant(MakeGrant("zz-direct", "acme"));
  b.AddGrant(MakeGrant("aa-group", "", "consortium"));
  b.AddGrant(MakeGrant("mm-other", "carmaker"));
  Policy p = std::move(b).Build().value();
  EXPECT_THAT(GrantNames(p, "acme"), ElementsAre("aa-group", "zz-direct"));
  EXPECT_THAT(GrantNames(p, "beta"), ElementsAre("aa-group"));
  EXPECT_THAT(GrantNames(p, "nobody"), ElementsAre());
  EXPECT_TRUE(p.IsMember("consortium", "acme"));
  EXPECT_FALSE(p.IsMember("consortium", "carmaker"));
}

TEST(PolicyBuilderTest, DenyRulesForEveryoneApplyToEveryPartner) {
  PolicyBuilder b;
  b.AddGrant(MakeGrant("g", "acme"));
  DenyRule everyone;
  everyone.name = "b-all";
  everyone.reason = "x";
  DenyRule acme_only = everyone;
  acme_only.name = "a-acme";
  acme_only.partner = "acme";
  b.AddDenyRule(everyone).AddDenyRule(acme_only);
  Policy p = std::move(b).Build().value();
  EXPECT_EQ(p.DenyRuleIndicesFor("acme").size(), 2u);
  EXPECT_EQ(p.DenyRuleIndicesFor("stranger").size(), 1u);
}

TEST(PolicyBuilderTest, ErrorsWithoutASourceNameTheElementAndField) {
  PolicyBuilder b;
  Grant g = MakeGrant("Bad Name", "acme");
  g.min_records = 0;
  b.AddGrant(g);
  absl::Status s = std::move(b).Build().status();
  EXPECT_THAT(s.message(), HasSubstr("grant 'Bad Name' field 'name': must be 1-64 of [a-z0-9_-]"));
  EXPECT_THAT(s.message(), HasSubstr("grant 'Bad Name' field 'min_records': must be at least 1"));
}

TEST(PolicyBuilderTest, AGrantMustAllowSomething) {
  Grant g = MakeGrant("empty", "acme");
  g.metrics.clear();
  g.aggregates.clear();
  EXPECT_THAT(BuildWith(g).status().message(), HasSubstr("grant 'empty': allows nothing"));
}

TEST(PolicyBuilderTest, AgainstARegistryUnknownMetricsAreErrors) {
  MetricRegistry registry;
  Grant g = MakeGrant("g", "acme");
  g.ratios = {{"co2e_scope1", "unit_produced"}};
  EXPECT_THAT(BuildWith(g, &registry).status().message(),
              HasSubstr("field 'ratios': unknown metric 'unit_produced'"));
  EXPECT_TRUE(BuildWith(g).ok());  // without one, only the form counts
}

TEST(PolicyBuilderTest, DuplicatesInListsAreErrors) {
  Grant g = MakeGrant("g", "acme");
  g.group_tags = {"product", "product"};
  EXPECT_THAT(BuildWith(g).status().message(),
              HasSubstr("field 'group_tags': lists 'product' twice"));
}

TEST(PolicyBuilderTest, TooManyErrorsAreCut) {
  PolicyBuilder b;
  for (int i = 0; i < 80; ++i) b.AddGrant(MakeGrant("", "acme"));
  EXPECT_THAT(std::move(b).Build().status().message(), HasSubstr("... and 30 more errors"));
}

TEST(PolicyBuilderTest, EpsilonsAreCountedInMillionths) {
  Grant g = MakeGrant("g", "acme");
  g.release = Release::kProtected;
  PrivacySpec p;
  p.epsilon = 0.1;
  p.budget = 0.3;
  p.clamps["energy"] = Clamp{0, 1, 0.001};
  g.privacy = p;
  Policy policy = BuildWith(g).value();
  EXPECT_EQ(policy.grants()[0].privacy->epsilon_micros, 100'000);
  EXPECT_EQ(policy.grants()[0].privacy->budget_micros, 300'000);
  EXPECT_EQ(policy.grants()[0].privacy->clamps.at("energy").SensitivityQuanta(), 1000);
}

}  // namespace
}  // namespace cairn
