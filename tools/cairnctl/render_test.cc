#include "tools/cairnctl/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cairn {
namespace {

using ::testing::HasSubstr;

class RenderTest : public ::testing::Test {
 protected:
  RenderTest() : table_({"partner", "spent", "note"}) {
    table_.Add({"oem", Value(0.5), Value()});
    table_.Add({"a,b", Value(12), Value().Shown("n/a")});
  }
  Table table_;
};

TEST_F(RenderTest, JsonIsAnArrayOfObjectsKeyedByColumnWithTypedValues) {
  Json doc = Json::parse(table_.Render(OutputFormat::kJson));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[0]["partner"], "oem");
  EXPECT_EQ(doc[0]["spent"], 0.5);
  EXPECT_TRUE(doc[1]["note"].is_null());
  EXPECT_EQ(doc[1]["spent"], 12);
}

TEST_F(RenderTest, CsvHasAHeaderQuotesAndExactNumbers) {
  EXPECT_EQ(table_.Render(OutputFormat::kCsv), "partner,spent,note\noem,0.5,\n\"a,b\",12,\n");
}

TEST_F(RenderTest, ATableAlignsNumbersRightAndShowsWhatValuesSay) {
  EXPECT_EQ(table_.Render(OutputFormat::kTable),
            "PARTNER  SPENT  NOTE\n"
            "oem        0.5  -\n"
            "a,b         12  n/a\n");
}

TEST(RenderEmptyTest, AnEmptyTableSaysSoOrIsAnEmptyArray) {
  Table t({"partner"});
  t.SetEmptyNote("no partners registered");
  EXPECT_EQ(t.Render(OutputFormat::kTable), "no partners registered\n");
  EXPECT_EQ(t.Render(OutputFormat::kJson), "[]\n");
}

TEST(RecordTest, KeyValueLinesOrAnObject) {
  Record r;
  r.Add("records", 12)
      .Add("listen", "127.0.0.1:7443")
      .Add("metrics", std::vector<std::string>{"a", "b"});
  EXPECT_EQ(r.Render(OutputFormat::kTable),
            "records  12\nlisten   127.0.0.1:7443\nmetrics  a, b\n");
  Json j = Json::parse(r.Render(OutputFormat::kJson));
  EXPECT_EQ(j["records"], 12);
  EXPECT_EQ(j["metrics"][1], "b");
  EXPECT_THAT(r.Render(OutputFormat::kCsv), HasSubstr("records,listen,metrics\n12,"));
}

TEST(RecordTest, NestedValuesAreJsonInJsonAndTextInATable) {
  Record r;
  r.Add("changes", Value::Nested(Json{{"grants_added", {"x"}}}, "+grant x"));
  EXPECT_EQ(r.Render(OutputFormat::kTable), "changes  +grant x\n");
  EXPECT_EQ(Json::parse(r.Render(OutputFormat::kJson))["changes"]["grants_added"][0], "x");
}

TEST(CompactJsonTest, InvalidUtf8IsReplacedNotFatal) {
  EXPECT_EQ(CompactJson(Json{{"reason", "bad \xff"}}), "{\"reason\":\"bad \xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace cairn
