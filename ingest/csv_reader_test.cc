// CSV import rules, good paths and every kind of bad row, through RecordReader::FromString.
#include <string>

#include "absl/strings/str_cat.h"
#include "base/exact_sum.h"
#include "ingest/reader_test_util.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::string_view kHeader = "timestamp,site,line,product,metric,value,unit\n";

class CsvTest : public ReaderTest {
 protected:
  // Reads a CSV file whose text is kHeader followed by `rows`.
  std::vector<std::string> Rows(absl::string_view rows) { return Csv(absl::StrCat(kHeader, rows)); }
  std::vector<std::string> Csv(std::string text, size_t batch_size = 1000) {
    return Read(std::move(text), InputFormat::kCsv, "plant.csv", batch_size);
  }
  // The status of opening a CSV file whose first line is `header`.
  absl::Status OpenWithHeader(absl::string_view header) {
    Csv(absl::StrCat(header, "\n2026-01-05T13:00:00Z,energy,1,kWh\n"));
    return open_status_;
  }
};

// --- Good paths ---------------------------------------------------------------------------

TEST_F(CsvTest, ReadsOneRecordPerRow) {
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,Gent,L1,P-100,energy,12.5,kWh\n"
                   "2026-01-05T13:05:00Z,Gent,L1,P-100,units_produced,40,count\n"),
              ElementsAre("energy{line=L1,product=P-100,site=Gent} 2026-01-05T13:00:00Z 12.5",
                          "units_produced{line=L1,product=P-100,site=Gent} "
                          "2026-01-05T13:05:00Z 40"));
  EXPECT_THAT(errors_, IsEmpty());
}

TEST_F(CsvTest, ConvertsToTheMetricsCanonicalUnit) {
  Rows(
      "2026-01-05T13:00:00Z,Gent,L1,P-100,energy,2.5,MWh\n"
      "2026-01-05T13:00:00Z,Gent,L1,P-100,output_mass,1.25,t\n"
      "2026-01-05T13:00:00Z,Gent,L1,P-100,fuel,3.6,GJ\n"
      "2026-01-05T13:00:00Z,Gent,L1,P-100,co2e_scope1,2,tCO2e\n");
  ASSERT_THAT(values_, SizeIs(4));
  EXPECT_DOUBLE_EQ(values_[0], 2500.0);
  EXPECT_DOUBLE_EQ(values_[1], 1250.0);
  EXPECT_DOUBLE_EQ(values_[2], 1000.0);
  EXPECT_DOUBLE_EQ(values_[3], 2000.0);
  EXPECT_THAT(errors_, IsEmpty());
}

TEST_F(CsvTest, OneSeriesWhateverTheUnitItCameIn) {
  Rows(
      "2026-01-05T13:00:00Z,Gent,L1,P-100,energy,2.5,MWh\n"
      "2026-01-05T14:00:00Z,Gent,L1,P-100,energy,700,kWh\n");
  ASSERT_THAT(batches_, SizeIs(1));
  EXPECT_THAT(batches_[0].series, SizeIs(1));
  EXPECT_THAT(records_, ElementsAre(HasSubstr("13:00:00Z 2500"), HasSubstr("14:00:00Z 700")));
}

TEST_F(CsvTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  EXPECT_THAT(Csv("timestamp,site,line,metric,value,unit\n"
                  "2026-01-05T13:00:00Z,\"Gent, North\",\"the \"\"big\"\" line\",energy,1,kWh\n"
                  "2026-01-05T13:00:00Z,\"Gent\nNorth\",L1,\"energy\",\"2\",kWh\n"),
              ElementsAre("energy{line=the \"big\" line,site=Gent, North} 2026-01-05T13:00:00Z 1",
                          "energy{line=L1,site=Gent\nNorth} 2026-01-05T13:00:00Z 2"));
}

TEST_F(CsvTest, LineNumbersCountLineBreaksInsideQuotes) {
  Rows(
      "2026-01-05T13:00:00Z,\"Gent\n\nNorth\",L1,P,energy,1,kWh\n"
      "2026-01-05T13:00:00Z,Gent,L1,P,energy,oops,kWh\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 5, "value", "oops")));
}

TEST_F(CsvTest, AcceptsCrlfLineEndings) {
  EXPECT_THAT(Csv("timestamp,site,metric,value,unit\r\n"
                  "2026-01-05T13:00:00Z,Gent,energy,1,kWh\r\n"
                  "2026-01-05T13:00:00Z,\"Gent\",energy,2,kWh\r\n"),
              ElementsAre("energy{site=Gent} 2026-01-05T13:00:00Z 1",
                          "energy{site=Gent} 2026-01-05T13:00:00Z 2"));
  EXPECT_THAT(errors_, IsEmpty());
}

TEST_F(CsvTest, SkipsAByteOrderMark) {
  EXPECT_THAT(
      Csv(absl::StrCat("\xEF\xBB\xBF", kHeader, "2026-01-05T13:00:00Z,Gent,L1,P,energy,1,kWh\n")),
      ElementsAre("energy{line=L1,product=P,site=Gent} 2026-01-05T13:00:00Z 1"));
}

TEST_F(CsvTest, ExtraColumnsAreTagsAndEmptyCellsAreAbsentTags) {
  EXPECT_THAT(Csv("timestamp,metric,value,unit,site,batch,shift\n"
                  "2026-01-05T13:00:00Z,scrap,3,pcs,Gent,B-17,\n"
                  "2026-01-05T13:00:00Z,scrap,4,pcs,,,night\n"),
              ElementsAre("scrap{batch=B-17,site=Gent} 2026-01-05T13:00:00Z 3",
                          "scrap{shift=night} 2026-01-05T13:00:00Z 4"));
}

TEST_F(CsvTest, ColumnsMayComeInAnyOrderAndTagsMayBeAbsent) {
  EXPECT_THAT(Csv("unit,value,metric,timestamp\n"
                  "m3,1.5,water,2026-01-05T13:00:00Z\n"),
              ElementsAre("water{} 2026-01-05T13:00:00Z 1.5"));
}

TEST_F(CsvTest, AcceptsRfc3339AndUnixSecondsTimes) {
  EXPECT_THAT(
      Rows("2026-01-05T14:00:00+01:00,G,L,P,energy,1,kWh\n"
           "1767618000,G,L,P,energy,2,kWh\n"
           "1767618000.5,G,L,P,energy,3,kWh\n"),
      ElementsAre(HasSubstr(" 2026-01-05T13:00:00Z 1"), HasSubstr(" 2026-01-05T13:00:00Z 2"),
                  HasSubstr(" 2026-01-05T13:00:00.5Z 3")));
}

TEST_F(CsvTest, TrimsWhitespaceAroundCells) {
  EXPECT_THAT(Rows(" 2026-01-05T13:00:00Z , Gent ,L1,P, energy , 1.5 , kWh \n"),
              ElementsAre("energy{line=L1,product=P,site=Gent} 2026-01-05T13:00:00Z 1.5"));
}

TEST_F(CsvTest, SkipsEmptyLinesAndReadsALastLineWithoutLineBreak) {
  EXPECT_THAT(Rows("\n2026-01-05T13:00:00Z,G,L,P,energy,1,kWh\n\r\n\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,+2,kWh"),
              SizeIs(2));
  EXPECT_THAT(errors_, IsEmpty());
  EXPECT_EQ(reader_->rows_read(), 2);
}

TEST_F(CsvTest, TagCellsThatShiftBytesAreDifferentSeries) {
  // The raw key must not confuse ("ab", "c") with ("a", "bc").
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,ab,c,P,energy,1,kWh\n"
                   "2026-01-05T13:00:00Z,a,bc,P,energy,2,kWh\n"),
              ElementsAre("energy{line=c,product=P,site=ab} 2026-01-05T13:00:00Z 1",
                          "energy{line=bc,product=P,site=a} 2026-01-05T13:00:00Z 2"));
}

TEST_F(CsvTest, EveryBatchCarriesTheSeriesItsPointsUse) {
  std::string rows;
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&rows, "2026-01-05T13:00:0", i, "Z,G,L,P,energy,", i, ",kWh\n");
  }
  Csv(absl::StrCat(kHeader, rows), /*batch_size=*/2);
  ASSERT_THAT(batches_, SizeIs(3));
  for (const RecordBatch& b : batches_) EXPECT_THAT(b.series, SizeIs(1));
  EXPECT_THAT(batches_[2].points, SizeIs(1));
  EXPECT_THAT(records_, SizeIs(5));
}

// --- Header errors: Open fails naming file, line 1 and the column ---------------------------

TEST_F(CsvTest, HeaderWithoutARequiredColumnIsRejected) {
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value").message(),
              HasSubstr("plant.csv:1: column 'unit': the header lacks this required column"));
  EXPECT_EQ(OpenWithHeader("timestamp,metric,value").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(OpenWithHeader("time,metric,value,unit").message(), HasSubstr("plant.csv:1:"));
}

TEST_F(CsvTest, HeaderNamingAColumnTwiceIsRejected) {
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value,unit,site,site").message(),
              HasSubstr("plant.csv:1: column 'site' appears twice"));
}

TEST_F(CsvTest, HeaderWithABadTagNameIsRejected) {
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value,unit,Batch").message(),
              HasSubstr("plant.csv:1: column 'Batch': tag name 'Batch' is not valid"));
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value,unit,records").message(),
              HasSubstr("plant.csv:1: column 'records': tag name 'records' is reserved"));
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value,unit,").message(),
              HasSubstr("plant.csv:1: column 5 has no name"));
}

TEST_F(CsvTest, EmptyFileOrHeaderIsRejected) {
  Csv("");
  EXPECT_THAT(open_status_.message(), HasSubstr("plant.csv:1: the file is empty"));
  Csv("\nx");
  EXPECT_THAT(open_status_.message(), HasSubstr("plant.csv:1: the header row is empty"));
}

TEST_F(CsvTest, HeaderThatIsNotUtf8IsRejected) {
  EXPECT_THAT(OpenWithHeader("timestamp,metric,value,unit,s\xFFte").message(),
              HasSubstr("plant.csv:1: invalid UTF-8 at byte offset 29"));
}

TEST_F(CsvTest, HeaderIsAcceptedWithAllowedNames) {
  EXPECT_TRUE(OpenWithHeader("timestamp,metric,value,unit").ok()) << open_status_;
  EXPECT_TRUE(OpenWithHeader(" timestamp ,\"metric\",value,unit,cn_code").ok()) << open_status_;
}

// --- Row errors: file, line and field; reading continues ----------------------------------

TEST_F(CsvTest, WrongNumberOfColumns) {
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,G,L,P,energy,1\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,1,kWh,extra\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,1,kWh\n"),
              SizeIs(1));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "", "expected 7 columns"),
                                   RowErrorIs("plant.csv", 3, "", "found 8")));
}

TEST_F(CsvTest, UnknownMetric) {
  Rows("2026-01-05T13:00:00Z,G,L,P,steam,1,kWh\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "metric", "unknown metric 'steam'")));
}

TEST_F(CsvTest, UnknownOrInconvertibleUnit) {
  Rows(
      "2026-01-05T13:00:00Z,G,L,P,energy,1,furlong\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,1,kg\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,1,\n");
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.csv", 2, "unit", "unknown unit 'furlong'"),
                          RowErrorIs("plant.csv", 3, "unit", "'kg' (mass) cannot be converted"),
                          RowErrorIs("plant.csv", 4, "unit", "missing unit")));
}

TEST_F(CsvTest, UnparsableNumber) {
  Rows(
      "2026-01-05T13:00:00Z,G,L,P,energy,12,5,kWh\n"  // a decimal comma: 8 columns
      "2026-01-05T13:00:00Z,G,L,P,energy,abc,kWh\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,1.5.2,kWh\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,,kWh\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,1e999,kWh\n");
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.csv", 2, "", "found 8"),
                          RowErrorIs("plant.csv", 3, "value", "cannot parse 'abc' as a number"),
                          RowErrorIs("plant.csv", 4, "value", "cannot parse '1.5.2'"),
                          RowErrorIs("plant.csv", 5, "value", "missing value"),
                          RowErrorIs("plant.csv", 6, "value", "out of range")));
}

TEST_F(CsvTest, UnparsableTime) {
  Rows(
      "2026-13-05T13:00:00Z,G,L,P,energy,1,kWh\n"
      "yesterday,G,L,P,energy,1,kWh\n"
      ",G,L,P,energy,1,kWh\n"
      "2026-01-05T13:00:00,G,L,P,energy,1,kWh\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "timestamp", "cannot parse time"),
                                   RowErrorIs("plant.csv", 3, "timestamp", "'yesterday'"),
                                   RowErrorIs("plant.csv", 4, "timestamp", "missing time"),
                                   RowErrorIs("plant.csv", 5, "timestamp", "cannot parse time")));
}

TEST_F(CsvTest, NonFiniteValue) {
  Rows(
      "2026-01-05T13:00:00Z,G,L,P,energy,nan,kWh\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,-inf,kWh\n"
      "2026-01-05T13:00:00Z,G,L,P,energy,Infinity,kWh\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "value", "not a finite number"),
                                   RowErrorIs("plant.csv", 3, "value", "not a finite number"),
                                   RowErrorIs("plant.csv", 4, "value", "not a finite number")));
}

TEST_F(CsvTest, ValueBeyondTheLargestMagnitudeAfterConversion) {
  // 1e15 MWh = 1e18 kWh is within 2^60 (1.15e18); 2e15 MWh is not, though 2e15 kWh is.
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,G,L,P,energy,1e15,MWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,2e15,MWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,2e15,kWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,-1e300,kWh\n"),
              SizeIs(2));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 3, "value", "beyond the largest"),
                                   RowErrorIs("plant.csv", 5, "value", "beyond the largest")));
  EXPECT_LE(values_[0], ExactSum::kMaxAbsValue);
}

TEST_F(CsvTest, InvalidUtf8NamesLineFieldAndByteOffset) {
  const std::string row1 = "2026-01-05T13:00:00Z,G,L,P,energy,1,kWh\n";
  Rows(absl::StrCat(row1, "2026-01-05T13:00:00Z,G\xC3\x28,L,P,energy,1,kWh\n",
                    "2026-01-05T13:00:00Z,\"G\n\xFF\",L,P,energy,1,kWh\n"));
  const size_t row2 = kHeader.size() + row1.size();
  const size_t row3 = row2 + row1.size() + 2;
  EXPECT_THAT(errors_,
              ElementsAre(RowErrorIs("plant.csv", 3, "site",
                                     absl::StrCat("byte offset ", row2 + 22, " (byte 0xc3)")),
                          RowErrorIs("plant.csv", 5, "site",
                                     absl::StrCat("byte offset ", row3 + 24, " (byte 0xff)"))));
  EXPECT_THAT(records_, SizeIs(1));
}

TEST_F(CsvTest, AcceptsWellFormedUtf8) {
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,Zürich,Linie 1,Stahl ✓,energy,1,kWh\n"),
              ElementsAre("energy{line=Linie 1,product=Stahl ✓,site=Zürich} "
                          "2026-01-05T13:00:00Z 1"));
}

TEST_F(CsvTest, BadTagValue) {
  const std::string long_value(kMaxTagValueBytes + 1, 'x');
  Rows(absl::StrCat("2026-01-05T13:00:00Z,G,", long_value, ",P,energy,1,kWh\n",
                    "2026-01-05T13:00:00Z,G,L,\"P", std::string(1, '\0'), "\",energy,1,kWh\n"));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "line", "longer than 256 bytes"),
                                   RowErrorIs("plant.csv", 3, "product", "contains NUL")));
}

TEST_F(CsvTest, TextAfterAClosingQuote) {
  Rows("2026-01-05T13:00:00Z,\"Gent\"x,L,P,energy,1,kWh\n");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "site", "after the closing quote")));
}

TEST_F(CsvTest, UnclosedQuoteIsOneErrorAndReadingResumesOnTheNextLine) {
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,\"Gent,L,P,energy,1,kWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,2,kWh\n"),
              ElementsAre(HasSubstr(" 2")));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "site", "not closed")));
}

TEST_F(CsvTest, OverlongRowIsOneErrorAndReadingResumesOnTheNextLine) {
  const std::string huge(RecordReader::kMaxRecordBytes + 10, 'x');
  EXPECT_THAT(Rows(absl::StrCat("2026-01-05T13:00:00Z,\"", huge, "\n",
                                "2026-01-05T13:00:00Z,G,L,P,energy,2,kWh\n")),
              SizeIs(1));
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 2, "", "longer than")));
}

TEST_F(CsvTest, ReadingContinuesAfterBadRows) {
  EXPECT_THAT(Rows("2026-01-05T13:00:00Z,G,L,P,energy,1,kWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,steam,1,kWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,steam,1,kWh\n"
                   "2026-01-05T13:00:00Z,G,L,P,energy,2,kWh\n"),
              SizeIs(2));
  // A bad (metric, unit, tags) combination is reported on every row that has it.
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs("plant.csv", 3, "metric", "steam"),
                                   RowErrorIs("plant.csv", 4, "metric", "steam")));
  EXPECT_EQ(reader_->rows_read(), 4);
}

TEST_F(CsvTest, ErrorsReadAsFileLineFieldMessage) {
  Rows("2026-01-05T13:00:00Z,G,L,P,energy,abc,kWh\n");
  ASSERT_THAT(errors_, SizeIs(1));
  EXPECT_EQ(errors_[0].ToString(), "plant.csv:2: field 'value': cannot parse 'abc' as a number");
}

}  // namespace
}  // namespace cairn
