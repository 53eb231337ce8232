#include "tools/cairnctl/policy_render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::ElementsAre;

Grant Benchmark() {
  Grant g;
  g.name = "energy-benchmark";
  g.group = "benchmark";
  g.purpose = "energy benchmark";
  g.release = Release::kProtected;
  g.metrics = {"energy"};
  g.aggregates = {Aggregate::kSum, Aggregate::kMean};
  g.finest = Granularity::kMonth;
  PrivacySpec p;
  p.epsilon = 0.5;
  p.budget = 2;
  p.epsilon_micros = 500000;
  p.budget_micros = 2000000;
  p.period = Granularity::kQuarter;
  p.clamps["energy"] = Clamp{0, 1000, 0.1};
  g.privacy = p;
  return g;
}

TEST(GrantRecordTest, JsonHasEveryFieldWithBlocksNested) {
  Json j = GrantRecord(Benchmark()).ToJson();
  EXPECT_TRUE(j["partner"].is_null());
  EXPECT_EQ(j["group"], "benchmark");
  EXPECT_EQ(j["aggregates"], Json({"sum", "mean"}));
  EXPECT_EQ(j["finest"], "month");
  EXPECT_EQ(j["privacy"]["period"], "quarter");
  EXPECT_EQ(j["privacy"]["clamps"]["energy"]["hi"], 1000.0);
  EXPECT_TRUE(j["federation"].is_null());
  EXPECT_TRUE(j["valid_until"].is_null());
}

TEST(GrantRecordTest, ATableShowsTheBlocksAsOneLineEach) {
  std::string table = GrantRecord(Benchmark()).Render(OutputFormat::kTable);
  EXPECT_THAT(table, ::testing::HasSubstr(
                         "epsilon 0.5 per query, budget 2 per quarter; energy clamped to [0, "
                         "1000] by 0.1\n"));
}

TEST(ChangeLinesTest, NamesEachChangeInOrder) {
  PolicyChangesView c;
  c.grants_added = {"a"};
  c.deny_rules_removed = {"d"};
  c.groups_changed = true;
  EXPECT_THAT(ChangeLines(c),
              ElementsAre("grant 'a' added", "deny rule 'd' removed", "groups changed"));
  EXPECT_EQ(ChangesValue(c).TableText(), "+grant a -deny d ~groups");
  EXPECT_EQ(ChangesValue(c).json()["grants_added"][0], "a");
}

}  // namespace
}  // namespace cairn
