// CsvReader: the RecordReader for CSV exports (see record_reader.h for the rules).
//
// The header row decides which column is which; every data row must have as many columns.
// Cells are trimmed of surrounding ASCII whitespace. A row's unit, metric and tag cells are
// resolved to a series through the SeriesCache by their raw bytes, so the common path makes no
// heap allocation per row. One thread at a time.
#ifndef CAIRN_INGEST_CSV_READER_H_
#define CAIRN_INGEST_CSV_READER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/csv_tokenizer.h"
#include "ingest/input_buffer.h"
#include "ingest/reader_base.h"
#include "model/metric_registry.h"

namespace cairn {

class CsvReader final : public ReaderBase {
 public:
  // Reads the header row from `input` (positioned after any byte order mark). InvalidArgument
  // naming `file`, line 1 and the column when the header is empty or malformed, names a
  // column twice, lacks timestamp, metric, value or unit, or names a tag badly; an I/O error
  // as a status.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Create(std::unique_ptr<InputBuffer> input,
                                                              std::string file,
                                                              MetricRegistry registry);

 private:
  CsvReader(std::unique_ptr<InputBuffer> input, std::string file, MetricRegistry registry);

  absl::Status ReadHeader();
  absl::StatusOr<Outcome> ReadRecord(RecordBatch* batch, std::vector<RowError>* errors) override;
  Outcome ProcessRecord(absl::string_view raw, uint64_t line, uint64_t offset, RecordBatch* batch,
                        std::vector<RowError>* errors);
  // The name of the column at `index`, or "" past the header's columns.
  absl::string_view ColumnName(size_t index) const;

  CsvTokenizer tokenizer_{kMaxRecordBytes};
  std::vector<std::string> columns_;
  size_t timestamp_column_ = 0;
  size_t metric_column_ = 0;
  size_t value_column_ = 0;
  size_t unit_column_ = 0;
  std::vector<size_t> tag_columns_;
  std::string message_;  // error text scratch
};

}  // namespace cairn

#endif  // CAIRN_INGEST_CSV_READER_H_
