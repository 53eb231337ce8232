// JSON Lines import rules, good paths and every kind of bad record, through
// RecordReader::FromString.
#include <string>

#include "absl/strings/str_cat.h"
#include "ingest/reader_test_util.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class JsonLinesTest : public ReaderTest {
 protected:
  std::vector<std::string> Lines(std::string text, size_t batch_size = 1000) {
    return Read(std::move(text), InputFormat::kJsonLines, "plant.jsonl", batch_size);
  }
  // Reads one record made of `members` plus a metric, unit and time where not given.
  std::vector<std::string> Record(absl::string_view members) {
    return Lines(absl::StrCat("{", members, "}\n"));
  }
};

// --- Good paths ---------------------------------------------------------------------------

TEST_F(JsonLinesTest, ReadsOneRecordPerLine) {
  EXPECT_THAT(Lines(R"({"timestamp":"2026-01-05T13:00:00Z","site":"Gent","line":"L1",)"
                    R"("product":"P-100","metric":"energy","value":12.5,"unit":"kWh"})"
                    "\n"
                    R"({"timestamp":"2026-01-05T13:05:00Z","site":"Gent","metric":"scrap",)"
                    R"("value":3,"unit":"pcs"})"
                    "\n"),
              ElementsAre("energy{line=L1,product=P-100,site=Gent} 2026-01-05T13:00:00Z 12.5",
                          "scrap{site=Gent} 2026-01-05T13:05:00Z 3"));
  EXPECT_THAT(errors_, IsEmpty());
}

TEST_F(JsonLinesTest, TagsMayComeInANestedObject) {
  EXPECT_THAT(Lines(R"({"timestamp":"2026-01-05T13:00:00Z","metric":"energy","value":1,)"
                    R"("unit":"kWh","site":"Gent","tags":{"line":"L1","batch":"B-7"}})"
                    "\n"),
              ElementsAre("energy{batch=B-7,line=L1,site=Gent} 2026-01-05T13:00:00Z 1"));
}

TEST_F(JsonLinesTest, MemberOrderDoesNotChangeTheSeries) {
  Lines(R"({"site":"G","line":"L","metric":"energy","unit":"kWh","value":1,)"
        R"("timestamp":"2026-01-05T13:00:00Z"})"
        "\n"
        R"({"timestamp":"2026-01-05T14:00:00Z","value":2,"tags":{"line":"L"},"unit":"MWh",)"
        R"("metric":"energy","site":"G"})"
        "\n");
  ASSERT_THAT(batches_, SizeIs(1));
  EXPECT_THAT(batches_[0].series, SizeIs(1));
  EXPECT_THAT(records_, ElementsAre(HasSubstr("13:00:00Z 1"), HasSubstr("14:00:00Z 2000")));
}

TEST_F(JsonLinesTest, ConvertsToTheMetricsCanonicalUnit) {
  Lines(R"({"timestamp":"2026-01-05T13:00:00Z","metric":"energy","value":2.5,"unit":"MWh"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"output_mass","value":1.5,"unit":"t"})"
        "\n");
  ASSERT_THAT(values_, SizeIs(2));
  EXPECT_DOUBLE_EQ(values_[0], 2500.0);
  EXPECT_DOUBLE_EQ(values_[1], 1500.0);
}

TEST_F(JsonLinesTest, TimesAreRfc3339StringsOrUnixSeconds) {
  EXPECT_THAT(
      Lines(R"({"timestamp":"2026-01-05T14:00:00+01:00","metric":"water","value":1,"unit":"m3"})"
            "\n"
            R"({"timestamp":1767618000,"metric":"water","value":2,"unit":"m3"})"
            "\n"
            R"({"timestamp":1767618000.25,"metric":"water","value":3,"unit":"m3"})"
            "\n"
            R"({"timestamp":1.767618e9,"metric":"water","value":4,"unit":"m3"})"
            "\n"
            R"({"timestamp":"1767618000","metric":"water","value":5,"unit":"m3"})"
            "\n"),
      ElementsAre("water{} 2026-01-05T13:00:00Z 1", "water{} 2026-01-05T13:00:00Z 2",
                  "water{} 2026-01-05T13:00:00.25Z 3", "water{} 2026-01-05T13:00:00Z 4",
                  "water{} 2026-01-05T13:00:00Z 5"));
}

TEST_F(JsonLinesTest, NumberAndBooleanTagsUseTheirTextAndNullMeansAbsent) {
  EXPECT_THAT(Record(R"("timestamp":"2026-01-05T13:00:00Z","metric":"scrap","value":1,)"
                     R"("unit":"count","line":3,"rework":false,"batch":null,"site":"")"),
              ElementsAre("scrap{line=3,rework=false} 2026-01-05T13:00:00Z 1"));
}

TEST_F(JsonLinesTest, UnescapesStrings) {
  EXPECT_THAT(Record(R"("timestamp":"2026-01-05T13:00:00Z","met\u0072ic":"scrap","value":1,)"
                     R"("unit":"count","site":"Z\u00fcrich \"N\"","line":"\ud83c\udfed\/1")"),
              ElementsAre("scrap{line=\U0001F3ED/1,site=Zürich \"N\"} 2026-01-05T13:00:00Z 1"));
}

TEST_F(JsonLinesTest, SkipsBlankLinesByteOrderMarkAndCarriageReturns) {
  EXPECT_THAT(
      Lines(absl::StrCat(
          "\xEF\xBB\xBF",
          R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","value":1,"unit":"m3"})",
          "\r\n  \r\n\n",
          R"( { "timestamp" : 1767618000 , "metric" : "water" , "value" : -2 , "unit" : "L" } )")),
      ElementsAre("water{} 2026-01-05T13:00:00Z 1", "water{} 2026-01-05T13:00:00Z -0.002"));
  EXPECT_THAT(errors_, IsEmpty());
  EXPECT_EQ(reader_->rows_read(), 2);
}

// --- Bad records: file, line and field; reading continues ---------------------------------

TEST_F(JsonLinesTest, MalformedJson) {
  Lines(
      "{\"timestamp\":\"2026-01-05T13:00:00Z\",\"metric\":\"water\" \"value\":1}\n"
      "[1,2]\n"
      "{\"timestamp\":\"2026-01-05T13:00:00Z\",\"metric\":\"wat\n"
      "{\"metric\":\"water\"} trailing\n"
      "{\"site\":\"a\x01\"}\n");
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.jsonl", 1, "", "byte 54 of the line: expected ','"),
                          RowErrorIs("plant.jsonl", 2, "", "expected a JSON object"),
                          RowErrorIs("plant.jsonl", 3, "", "string is not closed"),
                          RowErrorIs("plant.jsonl", 4, "", "unexpected text after the object"),
                          RowErrorIs("plant.jsonl", 5, "", "control character")));
}

TEST_F(JsonLinesTest, ValueMustBeAJsonNumber) {
  Lines(R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","value":"1.5","unit":"m3"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","value":true,"unit":"m3"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","unit":"m3"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","value":1e999,"unit":"m3"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"water","value":01,"unit":"m3"})"
        "\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "value", "not the string '1.5'"),
                                   RowErrorIs("plant.jsonl", 2, "value", "not true"),
                                   RowErrorIs("plant.jsonl", 3, "value", "missing value"),
                                   RowErrorIs("plant.jsonl", 4, "value", "out of range"),
                                   RowErrorIs("plant.jsonl", 5, "", "invalid JSON")));
}

TEST_F(JsonLinesTest, ValueBeyondTheLargestMagnitudeAfterConversion) {
  Lines(R"({"timestamp":"2026-01-05T13:00:00Z","metric":"energy","value":2e15,"unit":"MWh"})"
        "\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "value", "beyond the largest")));
}

TEST_F(JsonLinesTest, UnknownMetricAndBadUnit) {
  Lines(R"({"timestamp":"2026-01-05T13:00:00Z","metric":"steam","value":1,"unit":"t"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"energy","value":1,"unit":"t"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":"energy","value":1,"unit":"quads"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","metric":7,"value":1,"unit":"kWh"})"
        "\n"
        R"({"timestamp":"2026-01-05T13:00:00Z","value":1,"unit":"kWh"})"
        "\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "metric", "unknown metric 'steam'"),
                                   RowErrorIs("plant.jsonl", 2, "unit", "cannot be converted"),
                                   RowErrorIs("plant.jsonl", 3, "unit", "unknown unit 'quads'"),
                                   RowErrorIs("plant.jsonl", 4, "metric", "must be a JSON string"),
                                   RowErrorIs("plant.jsonl", 5, "metric", "missing metric")));
}

TEST_F(JsonLinesTest, UnparsableTime) {
  Lines(R"({"timestamp":"05/01/2026","metric":"water","value":1,"unit":"m3"})"
        "\n"
        R"({"timestamp":true,"metric":"water","value":1,"unit":"m3"})"
        "\n"
        R"({"timestamp":1e300,"metric":"water","value":1,"unit":"m3"})"
        "\n"
        R"({"metric":"water","value":1,"unit":"m3"})"
        "\n");
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.jsonl", 1, "timestamp", "cannot parse time"),
                          RowErrorIs("plant.jsonl", 2, "timestamp", "must be a string"),
                          RowErrorIs("plant.jsonl", 3, "timestamp", "outside the supported"),
                          RowErrorIs("plant.jsonl", 4, "timestamp", "missing time")));
}

TEST_F(JsonLinesTest, BadTags) {
  Lines(R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","Batch":"7"})"
        "\n"
        R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","time":"now"})"
        "\n"
        R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","site":"G",)"
        R"("tags":{"site":"H"}})"
        "\n"
        R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","site":{"a":1}})"
        "\n"
        R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","site":"\u0000"})"
        "\n"
        R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3","tags":[1]})"
        "\n");
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.jsonl", 1, "Batch", "tag name 'Batch' is not valid"),
                          RowErrorIs("plant.jsonl", 2, "time", "reserved"),
                          RowErrorIs("plant.jsonl", 3, "site", "given twice"),
                          RowErrorIs("plant.jsonl", 4, "site", "not an object"),
                          RowErrorIs("plant.jsonl", 5, "site", "contains NUL"),
                          RowErrorIs("plant.jsonl", 6, "tags", "not an array")));
}

TEST_F(JsonLinesTest, RepeatedMember) {
  Lines(R"({"timestamp":1767618000,"metric":"water","value":1,"value":2,"unit":"m3"})"
        "\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "value", "appears twice")));
}

TEST_F(JsonLinesTest, InvalidUtf8NamesLineAndByteOffset) {
  const std::string good = R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3"})"
                           "\n";
  Lines(absl::StrCat(good,
                     "{\"timestamp\":1767618000,\"metric\":\"water\",\"site\":\"\xED\xA0\x80\"}",
                     "\n", good));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs(
                           "plant.jsonl", 2, "",
                           absl::StrCat("byte offset ", good.size() + 49, " (byte 0xed)"))));
  EXPECT_THAT(records_, SizeIs(2));
}

TEST_F(JsonLinesTest, LoneSurrogateEscapeIsRejected) {
  Record(R"("timestamp":1767618000,"metric":"water","value":1,"unit":"m3","site":"\ud800x")");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "", "surrogate")));
}

TEST_F(JsonLinesTest, OverlongLineIsOneErrorAndReadingResumes) {
  Lines(absl::StrCat("{\"site\":\"", std::string(RecordReader::kMaxRecordBytes, 'x'), "\"}\n",
                     R"({"timestamp":1767618000,"metric":"water","value":1,"unit":"m3"})"));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.jsonl", 1, "", "longer than")));
  EXPECT_THAT(records_, ElementsAre("water{} 2026-01-05T13:00:00Z 1"));
}

}  // namespace
}  // namespace cairn
