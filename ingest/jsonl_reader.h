// JsonLinesReader: the RecordReader for JSON Lines exports (see record_reader.h for the rules).
//
// One JSON object per physical line; blank lines are skipped. A record's tags (top-level
// members and the nested "tags" object) are sorted by name and, with its metric and unit, form
// the raw key by which the SeriesCache resolves its series, so the common path makes no heap
// allocation per record. One thread at a time.
#ifndef CAIRN_INGEST_JSONL_READER_H_
#define CAIRN_INGEST_JSONL_READER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ingest/input_buffer.h"
#include "ingest/json_record.h"
#include "ingest/reader_base.h"
#include "model/metric_registry.h"

namespace cairn {

class JsonLinesReader final : public ReaderBase {
 public:
  // `input` is positioned after any byte order mark. Never fails today; StatusOr keeps the
  // factory's shape in line with CsvReader::Create.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Create(std::unique_ptr<InputBuffer> input,
                                                              std::string file,
                                                              MetricRegistry registry);

 private:
  JsonLinesReader(std::unique_ptr<InputBuffer> input, std::string file, MetricRegistry registry);

  absl::StatusOr<Outcome> ReadRecord(RecordBatch* batch, std::vector<RowError>* errors) override;
  Outcome ProcessLine(absl::string_view line, uint64_t line_number, uint64_t offset,
                      RecordBatch* batch, std::vector<RowError>* errors);
  // Parses a timestamp given as a JSON string or number; on failure sets *message.
  bool ParseJsonTime(const JsonScalar& value, Timestamp* out, std::string* message);

  JsonRecordParser parser_;
  JsonRecord record_;
  std::vector<std::pair<absl::string_view, absl::string_view>> tags_;  // sorted, per record
  std::string field_;                                                  // error scratch
  std::string message_;                                                // error scratch
};

}  // namespace cairn

#endif  // CAIRN_INGEST_JSONL_READER_H_
