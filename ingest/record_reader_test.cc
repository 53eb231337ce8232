// RecordReader over files: opening, format choice, chunked reading, progress and the
// NextBatch contract.
#include "ingest/record_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "ingest/reader_test_util.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::string_view kCsv =
    "timestamp,site,metric,value,unit\n"
    "2026-01-05T13:00:00Z,Gent,energy,1,kWh\n";
constexpr absl::string_view kJsonLines =
    R"({"timestamp":"2026-01-05T13:00:00Z","site":"Gent","metric":"energy","value":1,"unit":"kWh"})"
    "\n";

class RecordReaderFileTest : public ReaderTest {
 protected:
  std::string WriteFile(absl::string_view name, absl::string_view contents) {
    std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/", name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
  // Opens `path` and reads it to the end; records_ and errors_ hold the outcome.
  std::vector<std::string> ReadFile(const std::string& path,
                                    InputFormat format = InputFormat::kAuto,
                                    size_t batch_size = 1000) {
    records_.clear();
    errors_.clear();
    batches_.clear();
    auto reader = RecordReader::Open(path, format, registry_);
    open_status_ = reader.status();
    if (!reader.ok()) return {};
    reader_ = std::move(reader).value();
    Drain(batch_size);
    return records_;
  }
};

TEST_F(RecordReaderFileTest, ChoosesTheFormatByExtension) {
  const std::string expected = "energy{site=Gent} 2026-01-05T13:00:00Z 1";
  EXPECT_THAT(ReadFile(WriteFile("a.csv", kCsv)), ElementsAre(expected));
  EXPECT_THAT(ReadFile(WriteFile("a.jsonl", kJsonLines)), ElementsAre(expected));
  EXPECT_THAT(ReadFile(WriteFile("a.ndjson", kJsonLines)), ElementsAre(expected));
  EXPECT_THAT(ReadFile(WriteFile("a.JSON", kJsonLines)), ElementsAre(expected));
}

TEST_F(RecordReaderFileTest, ChoosesTheFormatByContentWithoutAKnownExtension) {
  const std::string expected = "energy{site=Gent} 2026-01-05T13:00:00Z 1";
  EXPECT_THAT(ReadFile(WriteFile("a.txt", absl::StrCat("\n  ", kJsonLines))),
              ElementsAre(expected));
  EXPECT_THAT(ReadFile(WriteFile("b.txt", kCsv)), ElementsAre(expected));
  EXPECT_THAT(ReadFile(WriteFile("c.txt", absl::StrCat("\xEF\xBB\xBF", kJsonLines))),
              ElementsAre(expected));
}

TEST_F(RecordReaderFileTest, AnExplicitFormatOverridesTheExtension) {
  ReadFile(WriteFile("really_csv.jsonl", kCsv), InputFormat::kCsv);
  EXPECT_THAT(records_, SizeIs(1));
  ReadFile(WriteFile("really_csv2.jsonl", kCsv), InputFormat::kJsonLines);
  EXPECT_THAT(records_, IsEmpty());
  const std::string path = absl::StrCat(getenv("TEST_TMPDIR"), "/really_csv2.jsonl");
  EXPECT_THAT(errors_, ElementsAre(RowErrorIs(path, 1, "", "expected a JSON object"),
                                   RowErrorIs(path, 2, "", "expected a JSON object")));
}

TEST_F(RecordReaderFileTest, MissingFileOrDirectoryCannotBeOpened) {
  const std::string missing = absl::StrCat(getenv("TEST_TMPDIR"), "/missing.csv");
  ReadFile(missing);
  EXPECT_EQ(open_status_.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(open_status_.message(), HasSubstr(missing));
  ReadFile(getenv("TEST_TMPDIR"));
  EXPECT_EQ(open_status_.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(open_status_.message(), HasSubstr("is a directory"));
}

TEST_F(RecordReaderFileTest, HeaderErrorsNameTheFile) {
  const std::string path = WriteFile("bad_header.csv", "timestamp,metric,value\n");
  ReadFile(path);
  EXPECT_EQ(open_status_.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(open_status_.message(), HasSubstr(absl::StrCat(path, ":1: column 'unit'")));
}

TEST_F(RecordReaderFileTest, ReadsStandardInputAsDash) {
  const std::string path = WriteFile("stdin.jsonl", kJsonLines);
  const int saved = dup(STDIN_FILENO);
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  dup2(fd, STDIN_FILENO);
  close(fd);
  ReadFile("-");
  dup2(saved, STDIN_FILENO);
  close(saved);
  EXPECT_THAT(records_, ElementsAre("energy{site=Gent} 2026-01-05T13:00:00Z 1"));
}

// Rows with quoted, multi-line and non-ASCII fields, several MiB in all, so that records
// straddle the reader's read chunks.
std::string LargeCsv(int rows) {
  std::string text = "timestamp,site,line,note,metric,value,unit\n";
  for (int i = 0; i < rows; ++i) {
    absl::StrAppend(&text, 1767618000 + i, ",Gent,L", i % 7, ",");
    switch (i % 4) {
      case 0:
        absl::StrAppend(&text, "\"a, \"\"quoted\"\"\nnote ", i % 5, "\"");
        break;
      case 1:
        absl::StrAppend(&text, "Zürich");
        break;
      case 2:
        absl::StrAppend(&text, "\"plain\"");
        break;
      default:
        break;
    }
    absl::StrAppend(&text, ",energy,", i * 0.5, i % 3 == 0 ? ",MWh\r\n" : ",kWh\n");
  }
  return text;
}

TEST_F(RecordReaderFileTest, ReadingAFileInChunksEqualsReadingItWhole) {
  const std::string text = LargeCsv(60000);
  ASSERT_GT(text.size(), 2u << 20);  // the reader reads 1 MiB at a time
  const std::vector<std::string> whole = Read(text, InputFormat::kCsv, "mem.csv");
  ASSERT_THAT(errors_, IsEmpty());
  const std::string path = WriteFile("large.csv", text);
  EXPECT_EQ(ReadFile(path), whole);
  EXPECT_THAT(errors_, IsEmpty());
  EXPECT_EQ(reader_->rows_read(), 60000);
  EXPECT_EQ(reader_->bytes_read(), text.size());
  EXPECT_EQ(reader_->total_bytes(), text.size());
}

TEST_F(RecordReaderFileTest, NextBatchReturnsFalseOnceExhausted) {
  auto reader = RecordReader::FromString(std::string(kCsv), "x.csv", InputFormat::kAuto, registry_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  RecordBatch batch;
  std::vector<RowError> errors;
  EXPECT_TRUE(*(*reader)->NextBatch(10, &batch, &errors));
  EXPECT_THAT(batch.points, SizeIs(1));
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(*(*reader)->NextBatch(10, &batch, &errors));
    EXPECT_THAT(batch.points, IsEmpty());
    EXPECT_THAT(batch.series, IsEmpty());
  }
  EXPECT_THAT(errors, IsEmpty());
}

TEST_F(RecordReaderFileTest, OneCallAppendsAtMostMaxPointsErrors) {
  std::string text = "timestamp,metric,value,unit\n";
  for (int i = 0; i < 7; ++i) absl::StrAppend(&text, "2026-01-05T13:00:00Z,steam,1,kWh\n");
  auto reader = RecordReader::FromString(text, "x.csv", InputFormat::kCsv, registry_);
  ASSERT_TRUE(reader.ok());
  RecordBatch batch;
  std::vector<RowError> errors;
  EXPECT_TRUE(*(*reader)->NextBatch(3, &batch, &errors));
  EXPECT_THAT(errors, SizeIs(3));
  EXPECT_TRUE(*(*reader)->NextBatch(3, &batch, &errors));
  EXPECT_TRUE(*(*reader)->NextBatch(3, &batch, &errors));
  EXPECT_THAT(errors, SizeIs(7));
  EXPECT_FALSE(*(*reader)->NextBatch(3, &batch, &errors));
  EXPECT_EQ((*reader)->rows_read(), 7);
}

TEST(RowError, ToStringNamesFileLineAndFieldWhenThereIsOne) {
  EXPECT_EQ((RowError{"p.csv", 17, "value", "bad"}).ToString(), "p.csv:17: field 'value': bad");
  EXPECT_EQ((RowError{"p.csv", 3, "", "expected 7 columns"}).ToString(),
            "p.csv:3: expected 7 columns");
}

}  // namespace
}  // namespace cairn
