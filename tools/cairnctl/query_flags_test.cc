#include "tools/cairnctl/query_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(QueryFlags, BuildsAGroupedFilteredQuery) {
  QueryFlags f;
  f.metric = "energy";
  f.from = "2026-01";
  f.to = "2026-04-01T00:00:00Z";
  f.group_by = {"month,product", "line"};
  f.where = {"site=gent,linz"};
  absl::StatusOr<Query> q = f.Build();
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->aggregate, Aggregate::kSum);
  EXPECT_EQ(q->time_group, Granularity::kMonth);
  EXPECT_THAT(q->group_tags, ElementsAre("product", "line"));
  ASSERT_EQ(q->filters.size(), 1u);
  EXPECT_THAT(q->filters[0].values, ElementsAre("gent", "linz"));
  EXPECT_EQ(q->from, *ParseTimeArg("2026-01-01"));
}

TEST(QueryFlags, RatioToImpliesRatio) {
  QueryFlags f;
  f.metric = "co2e_scope1";
  f.ratio_to = "units_produced";
  EXPECT_EQ(f.Build()->aggregate, Aggregate::kRatio);
}

TEST(QueryFlags, ErrorsNameTheFlag) {
  QueryFlags f;
  f.metric = "energy";
  f.aggregate = "median";
  EXPECT_THAT(f.Build().status().message(), HasSubstr("--agg 'median'"));
  f.aggregate = "";
  f.from = "last tuesday";
  EXPECT_THAT(f.Build().status().message(), HasSubstr("--from"));
  f.from = "";
  f.group_by = {"month,week"};
  EXPECT_THAT(f.Build().status().message(), HasSubstr("only one time grouping"));
  f.group_by = {};
  f.where = {"site"};
  EXPECT_THAT(f.Build().status().message(), HasSubstr("--where 'site'"));
}

}  // namespace
}  // namespace cairn
