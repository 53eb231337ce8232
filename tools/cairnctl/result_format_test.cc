#include "tools/cairnctl/result_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace cairn {
namespace {

using ::testing::HasSubstr;

class ResultFormatTest : public ::testing::Test {
 protected:
  ResultFormatTest() {
    query_.metric = "energy";
    query_.time_group = Granularity::kMonth;
    query_.group_tags = {"product"};
    result_.time_group = Granularity::kMonth;
    result_.group_tags = {"product"};
    result_.rows.push_back({*ParseTimeArg("2026-01"), {"P1"}, 1234.5, 10, 2});
    result_.rows.push_back({*ParseTimeArg("2026-02"), {"a,b"}, std::nullopt, 3, 1});
  }
  Query query_;
  QueryResult result_;
};

TEST_F(ResultFormatTest, JsonRowsCarryGroupKeysByName) {
  auto doc = nlohmann::json::parse(FormatResult(query_, result_, OutputFormat::kJson, "kWh"));
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0]["month"], "2026-01");
  EXPECT_EQ(doc["rows"][0]["product"], "P1");
  EXPECT_EQ(doc["rows"][0]["value"], 1234.5);
  EXPECT_EQ(doc["rows"][0]["records"], 10);
  EXPECT_TRUE(doc["rows"][1]["value"].is_null());
}

TEST_F(ResultFormatTest, CsvQuotesAndHasAHeader) {
  std::string csv = FormatResult(query_, result_, OutputFormat::kCsv, "");
  EXPECT_THAT(csv, HasSubstr("month,product,value,records,series\n"));
  EXPECT_THAT(csv, HasSubstr("2026-01,P1,1234.5,10,2\n"));
  EXPECT_THAT(csv, HasSubstr("2026-02,\"a,b\",,3,1\n"));
}

TEST_F(ResultFormatTest, TableShowsUnitAndMissingValues) {
  std::string table = FormatResult(query_, result_, OutputFormat::kTable, "kWh");
  EXPECT_THAT(table, HasSubstr("sum(energy) [kWh]"));
  EXPECT_THAT(table, HasSubstr("n/a"));
}

}  // namespace
}  // namespace cairn
