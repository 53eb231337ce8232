// ReaderBase: what the CSV and JSON Lines readers share: the input window, line and row
// counters, the series cache, the batch loop and the checks every record's cells go through.
//
// A format implements ReadRecord, which consumes one record (or blank line) from the input and
// either appends a point or reports an error. One thread at a time, like every RecordReader.
#ifndef CAIRN_INGEST_READER_BASE_H_
#define CAIRN_INGEST_READER_BASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "ingest/input_buffer.h"
#include "ingest/record_reader.h"
#include "ingest/series_cache.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {

class ReaderBase : public RecordReader {
 public:
  absl::StatusOr<bool> NextBatch(size_t max_points, RecordBatch* batch,
                                 std::vector<RowError>* errors) final;
  uint64_t bytes_read() const final { return input_->consumed(); }
  uint64_t total_bytes() const final { return input_->total_bytes(); }
  uint64_t rows_read() const final { return rows_; }

 protected:
  enum class Outcome { kPoint, kError, kBlank, kEnd };

  ReaderBase(std::unique_ptr<InputBuffer> input, std::string file, MetricRegistry registry);

  // Consumes the next record: appends its point to the batch (kPoint), or one RowError
  // (kError); kBlank for a line without a record, kEnd at the end of input.
  virtual absl::StatusOr<Outcome> ReadRecord(RecordBatch* batch, std::vector<RowError>* errors) = 0;

  // Discards input through the next line break (or to the end): resynchronises after a record
  // whose end cannot be found. Advances line_ by one.
  absl::Status SkipLine();

  // Appends RowError{file_, line, field, message} and returns kError.
  Outcome Error(std::vector<RowError>* errors, uint64_t line, absl::string_view field,
                std::string message);

  // Parses a timestamp cell; on failure sets *message. Remembers the last good one, since
  // consecutive rows usually share their time.
  bool ParseTime(absl::string_view text, Timestamp* out, std::string* message);
  // Parses a decimal number ("12.5", "-3e2", "+4", "inf"); on failure sets *message.
  static bool ParseNumber(absl::string_view text, double* out, std::string* message);
  // Converts `value` (in entry.unit) to the canonical unit and checks it is finite and within
  // ExactSum::kMaxAbsValue; on failure sets *message.
  static bool ToCanonical(double value, absl::string_view text, const SeriesCache::Entry& entry,
                          double* out, std::string* message);

  // Quotes `text` for an error message, shortened if long.
  static std::string Quote(absl::string_view text);

  std::unique_ptr<InputBuffer> input_;
  const std::string file_;
  const MetricRegistry registry_;
  SeriesCache cache_{&registry_};
  uint64_t line_ = 1;  // physical line where the next record starts
  uint64_t rows_ = 0;
  SeriesCache::KeyBuilder key_;  // raw key scratch, reused across rows
  std::string last_time_text_;
  Timestamp last_time_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_READER_BASE_H_
