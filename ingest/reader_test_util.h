// Test plumbing for the reader tests: read a whole input and see its records as short strings
// ("energy{line=L1,site=Gent} 2026-01-05T13:00:00Z 1500") and its errors as RowErrors.
// Test-only; not thread-safe.
#ifndef CAIRN_INGEST_READER_TEST_UTIL_H_
#define CAIRN_INGEST_READER_TEST_UTIL_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/time.h"
#include "ingest/record_reader.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {

inline std::string SeriesToString(const SeriesKey& key) {
  return absl::StrCat(key.metric, "{", absl::StrJoin(key.tags, ",", absl::PairFormatter("=")), "}");
}

inline void PrintTo(const RowError& error, std::ostream* os) { *os << error.ToString(); }

// Matches a RowError by file, line, field and a part of its message.
MATCHER_P4(RowErrorIs, file, line, field, message_part,
           absl::StrCat("is an error at ", file, ":", line, " in field '", field, "' mentioning \"",
                        message_part, "\"")) {
  *result_listener << "which is \"" << arg.ToString() << "\"";
  return arg.file == file && arg.line == static_cast<uint64_t>(line) && arg.field == field &&
         arg.message.find(message_part) != std::string::npos;
}

class ReaderTest : public ::testing::Test {
 protected:
  // Reads `text` to the end in batches of `batch_size`. Returns the records as strings;
  // open_status_, errors_, batches_ and values_ describe the rest.
  std::vector<std::string> Read(std::string text, InputFormat format, absl::string_view name,
                                size_t batch_size = 1000) {
    records_.clear();
    values_.clear();
    errors_.clear();
    batches_.clear();
    auto reader = RecordReader::FromString(std::move(text), name, format, registry_);
    open_status_ = reader.status();
    if (!reader.ok()) return {};
    reader_ = std::move(reader).value();
    Drain(batch_size);
    return records_;
  }

  // Reads what remains of reader_ into records_ / errors_ / batches_.
  void Drain(size_t batch_size) {
    RecordBatch batch;
    for (int guard = 0; guard < 1000000; ++guard) {
      absl::StatusOr<bool> more = reader_->NextBatch(batch_size, &batch, &errors_);
      ASSERT_TRUE(more.ok()) << more.status();
      if (!*more) {
        EXPECT_TRUE(batch.points.empty());
        return;
      }
      batches_.push_back(batch);
      for (const RecordBatch::Point& p : batch.points) {
        ASSERT_LT(p.series_index, batch.series.size());
        records_.push_back(absl::StrCat(SeriesToString(batch.series[p.series_index]), " ",
                                        FormatTimestamp(p.timestamp), " ", p.value));
        values_.push_back(p.value);
      }
    }
    FAIL() << "reader did not finish";
  }

  MetricRegistry registry_;
  std::unique_ptr<RecordReader> reader_;
  absl::Status open_status_;
  std::vector<std::string> records_;
  std::vector<double> values_;
  std::vector<RowError> errors_;
  std::vector<RecordBatch> batches_;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_READER_TEST_UTIL_H_
