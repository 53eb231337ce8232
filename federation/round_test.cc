// Key spaces and proposals: groups are numbered the same way by everyone, rows map back to
// their group, and what a round may ask is bounded.
#include "federation/round.h"

#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;
using federation_testing::T;
using ::testing::HasSubstr;

Query ByMonthAndTwoTags() {
  Query q;
  q.metric = "energy";
  q.from = T("2026-01-15");  // the first bucket is January's, which the range starts in
  q.to = T("2026-04");
  q.time_group = Granularity::kMonth;
  q.group_tags = {"product", "site"};
  return q;
}

TEST(KeySpaceTest, GroupsAreBucketMajorThenTagValuesInListedOrder) {
  KeySpace keys = KeySpace::Make(ByMonthAndTwoTags(), {{"b", "a"}, {"x", "y", ""}}).value();
  ASSERT_EQ(keys.size(), 3u * 2 * 3);
  EXPECT_EQ(keys.KeyAt(0), (GroupKey{T("2026-01"), {"b", "x"}}));
  EXPECT_EQ(keys.KeyAt(2), (GroupKey{T("2026-01"), {"b", ""}}));
  EXPECT_EQ(keys.KeyAt(3), (GroupKey{T("2026-01"), {"a", "x"}}));
  EXPECT_EQ(keys.KeyAt(17), (GroupKey{T("2026-03"), {"a", ""}}));
  for (size_t i = 0; i < keys.size(); ++i) {
    GroupKey k = keys.KeyAt(i);
    EXPECT_EQ(keys.IndexOf(k.bucket, k.tags), i);
  }
  EXPECT_EQ(keys.IndexOf(T("2026-04"), {"a", "x"}), std::nullopt);  // outside the range
  EXPECT_EQ(keys.IndexOf(T("2026-01"), {"c", "x"}), std::nullopt);  // value not listed
  EXPECT_EQ(keys.IndexOf(std::nullopt, {"a", "x"}), std::nullopt);
}

TEST(KeySpaceTest, AnUngroupedQueryHasOneGroup) {
  Query q;
  q.metric = "energy";
  KeySpace keys = KeySpace::Make(q, {}).value();
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.IndexOf(std::nullopt, {}), 0u);
}

TEST(KeySpaceTest, KeySpacesThatDoNotFitTheQueryOrAreTooLargeAreRefused) {
  const Query q = ByMonthAndTwoTags();
  EXPECT_THAT(KeySpace::Make(q, {{"a"}}).status().message(),
              HasSubstr("lists values for 1 tags, the query groups by 2"));
  EXPECT_THAT(KeySpace::Make(q, {{"a", "a"}, {"x"}}).status().message(),
              HasSubstr("lists value 'a' of tag 'product' twice"));
  EXPECT_THAT(KeySpace::Make(q, {{}, {"x"}}).status().message(), HasSubstr("needs 1..4096"));
  std::vector<std::string> many(4000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = std::to_string(i);
  std::vector<std::string> seventeen(many.begin(), many.begin() + 17);
  EXPECT_THAT(KeySpace::Make(q, {many, seventeen}).status().message(),
              HasSubstr("more than 65536 groups"));
  Query hourly = q;
  hourly.time_group = Granularity::kHour;
  hourly.from = T("2018-01");  // about 72,000 hours
  EXPECT_THAT(KeySpace::Make(hourly, {{"a"}, {"x"}}).status().message(),
              HasSubstr("more than 65536 groups"));
}

class ProposalTest : public ::testing::Test {
 protected:
  ProposalTest() : requester_(FixedIdentity(200)) {
    p_.consortium = "steel-bench";
    p_.query_id = std::string(32, 'i');
    p_.query = ByMonthAndTwoTags();
    p_.group_values = {{"a"}, {"x"}};
    p_.min_contributors = 3;
    for (int i = 1; i <= 4; ++i) p_.cohort.push_back(FixedIdentity(i).public_key());
  }
  std::string Error() {
    absl::Status s = ValidateProposal(p_, nullptr);
    EXPECT_FALSE(s.ok());
    return std::string(s.message());
  }

  Identity requester_;
  Proposal p_{"", "", FixedIdentity(200).public_key()};
};

TEST_F(ProposalTest, AValidProposalPasses) {
  EXPECT_TRUE(ValidateProposal(p_, nullptr).ok());
  MetricRegistry registry;
  EXPECT_TRUE(ValidateProposal(p_, &registry).ok());
  p_.query.metric = "enrgy";
  EXPECT_EQ(ValidateProposal(p_, &registry).code(), absl::StatusCode::kNotFound);
}

TEST_F(ProposalTest, MinAndMaxCannotBeSummed) {
  p_.query.aggregate = Aggregate::kMax;
  EXPECT_THAT(Error(), HasSubstr("answers sum, count, mean or ratio, not max"));
}

TEST_F(ProposalTest, TheThresholdIsAtLeastTwoAndAtMostTheCohort) {
  p_.min_contributors = 1;
  EXPECT_THAT(Error(), HasSubstr("min_contributors must be 2..4"));
  p_.min_contributors = 5;
  EXPECT_THAT(Error(), HasSubstr("min_contributors must be 2..4"));
}

TEST_F(ProposalTest, TheCohortHasNoDuplicatesAndAtLeastTwoMembers) {
  p_.cohort.push_back(p_.cohort[0]);
  EXPECT_THAT(Error(), HasSubstr("lists a member twice"));
  p_.cohort.erase(p_.cohort.begin() + 1, p_.cohort.end());
  EXPECT_THAT(Error(), HasSubstr("a cohort has 2..1000 members"));
}

TEST_F(ProposalTest, QueryIdsAreLongEnough) {
  p_.query_id = "short";
  EXPECT_THAT(Error(), HasSubstr("the query id must have 16..64 bytes, not 5"));
}

TEST_F(ProposalTest, ComponentsFollowTheAggregate) {
  p_.query.aggregate = Aggregate::kRatio;
  p_.query.ratio_denominator = "units_produced";
  std::vector<Component> c = ComponentsOf(p_.query);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].metric, "units_produced");
  EXPECT_EQ(MetricsOf(p_.query), (std::vector<std::string>{"energy", "units_produced"}));
  p_.query.aggregate = Aggregate::kMean;
  p_.query.ratio_denominator.clear();
  c = ComponentsOf(p_.query);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].kind, Component::Kind::kCount);
}

}  // namespace
}  // namespace cairn
