// RecordReader: turns a CSV or JSON Lines export into batches of canonical records.
//
// CSV: a header row, then one record per row (RFC 4180 quoting: quoted fields may hold ',',
// line breaks and "" for a quote; LF or CRLF line endings). Required columns: timestamp,
// metric, value, unit; site, line and product are the usual tags; every further column is a
// tag (an empty cell means the record does not carry that tag). Cells are trimmed of
// surrounding ASCII whitespace; empty lines are skipped.
// JSON Lines: one object per line with the same field names; tags may also be given in a
// nested "tags" object. value must be a JSON number; a tag value may be a string, a number or
// a boolean (its JSON text); null means "not set". Blank lines are skipped.
// Timestamps are RFC 3339 or Unix seconds (a JSON number or string). A UTF-8 byte order mark
// at the start is skipped.
//
// Every value is converted to its metric's canonical unit with the registry given at Open.
// A bad row (wrong column count, unknown metric, inconvertible unit, unparsable number or
// time, non-finite value, |value| > ExactSum::kMaxAbsValue after conversion, invalid UTF-8,
// bad tag) becomes a RowError naming file, line and field; reading continues with the next
// row. Line numbers are physical lines: a quoted field spanning lines counts each of them.
// A record longer than kMaxRecordBytes (1 MiB), or a CSV quote still open at
// the end of the input, is one RowError and reading resumes at the line after the one where
// that record started. A reader is used by one thread at a time; it keeps its own copy of the
// registry.
#ifndef CAIRN_INGEST_RECORD_READER_H_
#define CAIRN_INGEST_RECORD_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {

enum class InputFormat { kAuto, kCsv, kJsonLines };

struct RowError {
  std::string file;
  uint64_t line = 0;  // 1-based; the header is line 1 of a CSV file
  std::string field;  // column name, or "" for the whole row
  std::string message;
  // "plant.csv:17: field 'value': cannot parse 'abc' as a number"
  std::string ToString() const;
};

class RecordReader {
 public:
  // The longest record (CSV row, JSON line) accepted. Real records are a few hundred bytes;
  // the limit keeps a runaway quoted field or a file without line breaks from being buffered
  // whole.
  static constexpr size_t kMaxRecordBytes = 1 << 20;

  // Opens `path` ("-" for standard input). kAuto decides by extension (.csv, .jsonl/.ndjson/
  // .json) and otherwise by the first non-blank byte ('{' means JSON Lines). NotFound /
  // PermissionDenied if the file cannot be opened, InvalidArgument if it is a directory;
  // InvalidArgument naming file, line 1 and the column for a CSV header that is missing or
  // empty, lacks timestamp/metric/value/unit, names a column twice, names a tag badly
  // (NormalizeTags rules) or is not UTF-8; other I/O errors as their status.
  static absl::StatusOr<std::unique_ptr<RecordReader>> Open(const std::string& path,
                                                            InputFormat format,
                                                            const MetricRegistry& registry);
  // The same over bytes in memory; `display_name` is used in errors. For tests and fuzzing.
  static absl::StatusOr<std::unique_ptr<RecordReader>> FromString(std::string contents,
                                                                  absl::string_view display_name,
                                                                  InputFormat format,
                                                                  const MetricRegistry& registry);
  virtual ~RecordReader() = default;

  // Clears `batch` and fills it with up to `max_points` good records, appending a RowError for
  // every bad row met on the way. Fewer points come back only at the end of the input, or when
  // this call has met `max_points` bad rows (which bounds the errors one call appends).
  // Returns true if the call consumed at least one row (good or bad); false, with `batch`
  // empty and nothing appended, once the input is exhausted. An I/O error is returned as a
  // status. `max_points` 0 is taken as 1.
  virtual absl::StatusOr<bool> NextBatch(size_t max_points, RecordBatch* batch,
                                         std::vector<RowError>* errors) = 0;

  // Progress: bytes consumed so far and the input's size (0 if unknown, e.g. a pipe).
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t total_bytes() const = 0;
  // Data rows seen so far (good and bad).
  virtual uint64_t rows_read() const = 0;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_RECORD_READER_H_
