#include "ingest/csv_tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

using ::testing::ElementsAre;
using Result = CsvTokenizer::Result;

class CsvTokenizerTest : public ::testing::Test {
 protected:
  // Splits the first record of `text`, which is the whole input unless `more` says otherwise.
  Result Split(absl::string_view text, bool more = false) {
    return tokenizer_.Next(text, /*at_eof=*/!more);
  }
  std::vector<std::string> Fields() const {
    return std::vector<std::string>(tokenizer_.fields().begin(), tokenizer_.fields().end());
  }

  CsvTokenizer tokenizer_{64};
};

TEST_F(CsvTokenizerTest, SplitsAtCommasAndEndsAtTheLineBreak) {
  ASSERT_EQ(Split("a,bc,,d\nnext"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a", "bc", "", "d"));
  EXPECT_THAT(tokenizer_.field_offsets(), ElementsAre(0, 2, 5, 6));
  EXPECT_EQ(tokenizer_.record_bytes(), 8);
  EXPECT_EQ(tokenizer_.line_breaks(), 1);
}

TEST_F(CsvTokenizerTest, CrlfEndsARecordAndCrIsNotPartOfTheField) {
  ASSERT_EQ(Split("a,b\r\nx"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a", "b"));
  EXPECT_EQ(tokenizer_.record_bytes(), 5);
  ASSERT_EQ(Split("a,\"b\"\r\nx"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a", "b"));
  EXPECT_EQ(tokenizer_.record_bytes(), 7);
}

TEST_F(CsvTokenizerTest, QuotedFieldsKeepSeparatorsLineBreaksAndDoubledQuotes) {
  ASSERT_EQ(Split("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a,b", "say \"hi\"", "two\nlines"));
  EXPECT_EQ(tokenizer_.line_breaks(), 2);
  EXPECT_EQ(tokenizer_.text_after_quote_field(), -1);
}

TEST_F(CsvTokenizerTest, AQuoteInsideAnUnquotedFieldIsAnOrdinaryCharacter) {
  ASSERT_EQ(Split("12\" pipe,x\n"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("12\" pipe", "x"));
}

TEST_F(CsvTokenizerTest, FlagsTextAfterAClosingQuote) {
  ASSERT_EQ(Split("a,\"b\"c,d\n"), Result::kRecord);
  EXPECT_EQ(tokenizer_.text_after_quote_field(), 1);
  EXPECT_EQ(Fields().size(), 3);
}

TEST_F(CsvTokenizerTest, TheLastRecordMayLackALineBreak) {
  ASSERT_EQ(Split("a,b"), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a", "b"));
  EXPECT_EQ(tokenizer_.line_breaks(), 0);
  ASSERT_EQ(Split("a,\"b\""), Result::kRecord);
  EXPECT_THAT(Fields(), ElementsAre("a", "b"));
  EXPECT_EQ(Split(""), Result::kEnd);
}

TEST_F(CsvTokenizerTest, AsksForMoreWhenTheRecordMayContinue) {
  EXPECT_EQ(Split("a,b", /*more=*/true), Result::kNeedMore);
  EXPECT_EQ(Split("a,\"b\nc", /*more=*/true), Result::kNeedMore);
  EXPECT_EQ(Split("a,\"b\"", /*more=*/true), Result::kNeedMore);  // "" or the end?
  EXPECT_EQ(Split("a,\"b\"\r", /*more=*/true), Result::kNeedMore);
  EXPECT_EQ(Split("", /*more=*/true), Result::kNeedMore);
}

TEST_F(CsvTokenizerTest, ReportsOverlongRecordsAndUnclosedQuotes) {
  EXPECT_EQ(Split(std::string(65, 'x'), /*more=*/true), Result::kTooLong);
  EXPECT_EQ(Split("\"" + std::string(70, 'x') + "\"\n"), Result::kTooLong);
  EXPECT_EQ(Split("a,b,\"open\nfield"), Result::kUnclosedQuote);
  EXPECT_EQ(tokenizer_.completed_fields(), 2);
}

TEST_F(CsvTokenizerTest, RecognisesBlankLinesAndNonAscii) {
  ASSERT_EQ(Split("\r\nx"), Result::kRecord);
  EXPECT_TRUE(tokenizer_.blank());
  ASSERT_EQ(Split("\"\"\n"), Result::kRecord);
  EXPECT_FALSE(tokenizer_.blank());
  EXPECT_FALSE(tokenizer_.has_non_ascii());
  ASSERT_EQ(Split("Z\xC3\xBCrich\n"), Result::kRecord);
  EXPECT_TRUE(tokenizer_.has_non_ascii());
}

}  // namespace
}  // namespace cairn
