#include "tools/cairnctl/federated_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "federation/testing.h"
#include "nlohmann/json.hpp"

namespace cairn {
namespace {

using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;
using ::testing::HasSubstr;
using ::testing::Not;

// A real round: 3 members, 2 products over a quarter by month; p0 in January has all three
// members, p1 in January only one (withheld at min_contributors 2).
class FederatedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      consortium_.member(i).data.Add("energy", T("2026-01"), {"p0"}, 10.0 * (i + 1));
    }
    consortium_.member(0).data.Add("energy", T("2026-01"), {"p1"}, 7);
    request_ = QuarterByMonthAndProduct(2, consortium_.Cohort(), 2);
    result_ = consortium_.Run(request_).value();
  }

  TestConsortium consortium_{{3, 2}};
  RoundRequest request_;
  FederatedResult result_;
};

TEST_F(FederatedFileTest, AKeptResultReadsBackWithItsRoster) {
  std::string kept = ArmorFederatedResult(result_, "version = 1\nconsortium = \"x\"\n");
  EXPECT_TRUE(IsArmoredFederatedResult(kept));
  KeptFederatedResult back = DearmorFederatedResult(kept).value();
  EXPECT_EQ(back.result.proposal, result_.proposal);
  EXPECT_EQ(back.result.values, result_.values);
  EXPECT_EQ(back.result.rows, result_.rows);
  EXPECT_EQ(back.roster_text, "version = 1\nconsortium = \"x\"\n");
}

TEST_F(FederatedFileTest, ABilateralResultOrDamagedTextIsNotAFederatedResult) {
  EXPECT_FALSE(IsArmoredFederatedResult("-----BEGIN CAIRN SIGNED RESULT-----\nAAAA\n"));
  EXPECT_THAT(DearmorFederatedResult("hello").status().message(),
              HasSubstr("not a kept federated result"));
  std::string kept = ArmorFederatedResult(result_, "");
  kept[kept.find('\n') + 3] = '*';  // not base64
  EXPECT_THAT(DearmorFederatedResult(kept).status().message(), HasSubstr("base64"));
}

TEST_F(FederatedFileTest, AnUnterminatedRosterIsRefused) {
  std::string kept = ArmorFederatedResult(result_, "version = 1\n");
  kept.resize(kept.rfind("-----END"));
  EXPECT_THAT(DearmorFederatedResult(kept).status().message(), HasSubstr("not terminated"));
}

TEST_F(FederatedFileTest, TheTableShowsContributorsAndWithholdsSmallGroups) {
  std::string table =
      FormatFederatedRows(request_.query, result_.rows, 2, OutputFormat::kTable, "kWh");
  EXPECT_THAT(table, HasSubstr("members"));
  EXPECT_THAT(table, HasSubstr("sum(energy) [kWh]"));
  EXPECT_THAT(table, HasSubstr("60\n"));  // 10 + 20 + 30
  EXPECT_THAT(table, HasSubstr("withheld (<2)\n"));
}

TEST_F(FederatedFileTest, JsonAndCsvCarryTheSameRows) {
  auto doc = nlohmann::json::parse(
      FormatFederatedRows(request_.query, result_.rows, 2, OutputFormat::kJson, ""));
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0]["month"], "2026-01");
  EXPECT_EQ(doc["rows"][0]["product"], "p0");
  EXPECT_EQ(doc["rows"][0]["members"], 3);
  EXPECT_EQ(doc["rows"][0]["value"], 60.0);
  EXPECT_EQ(doc["rows"][1]["released"], false);
  EXPECT_TRUE(doc["rows"][1]["value"].is_null());
  std::string csv = FormatFederatedRows(request_.query, result_.rows, 2, OutputFormat::kCsv, "");
  EXPECT_THAT(csv, HasSubstr("month,product,members,released,value\n"));
  EXPECT_THAT(csv, HasSubstr("2026-01,p0,3,true,60\n"));
  EXPECT_THAT(csv, HasSubstr("2026-01,p1,1,false,\n"));
}

}  // namespace
}  // namespace cairn
