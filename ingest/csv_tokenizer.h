// CsvTokenizer: splits RFC 4180 CSV into records, one record per call, without copying.
//
// Fields are separated by ',' and records end at LF or CRLF. A field starting with '"' is
// quoted: it may contain ',', '"' written as "", and line breaks. A '"' inside an unquoted
// field is kept as an ordinary character. Field views point into the caller's bytes, except
// quoted fields with "" escapes, which are unescaped into the tokenizer's own buffer; all views
// stay valid until the next call. Not thread-safe: one tokenizer per reader.
#ifndef CAIRN_INGEST_CSV_TOKENIZER_H_
#define CAIRN_INGEST_CSV_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace cairn {

class CsvTokenizer {
 public:
  enum class Result {
    kRecord,         // a record was split; see fields() and record_bytes()
    kEnd,            // `data` is empty and the input has ended
    kNeedMore,       // the record runs past `data` and more input may follow
    kTooLong,        // no record end within `max_record_bytes`
    kUnclosedQuote,  // the input ended inside a quoted field
  };

  explicit CsvTokenizer(size_t max_record_bytes) : max_record_bytes_(max_record_bytes) {}

  // Splits the record at the start of `data`; `at_eof` says no bytes follow `data`.
  Result Next(absl::string_view data, bool at_eof);

  // The fields of the last record (at least one).
  const std::vector<absl::string_view>& fields() const { return fields_; }
  // Offset of each field's first byte within the record, for error positions.
  const std::vector<uint32_t>& field_offsets() const { return offsets_; }
  // Bytes the record occupies, its line ending included.
  size_t record_bytes() const { return record_bytes_; }
  // Line breaks within those bytes (its ending and those inside quoted fields).
  uint64_t line_breaks() const { return line_breaks_; }
  // The record is an empty line.
  bool blank() const { return blank_; }
  // Some byte of the record is >= 0x80, so it needs full UTF-8 validation.
  bool has_non_ascii() const { return (high_bits_ & 0x80) != 0; }
  // Fields completed so far; after kUnclosedQuote, the index of the field left open.
  size_t completed_fields() const { return spans_.size(); }
  // Index of the first field with text after its closing quote (-1 if none): `"ab"c`.
  int text_after_quote_field() const { return text_after_quote_; }

 private:
  struct Span {
    uint32_t begin;
    uint32_t size;
    bool in_scratch;
  };

  size_t max_record_bytes_;
  std::vector<Span> spans_;
  std::vector<absl::string_view> fields_;
  std::vector<uint32_t> offsets_;
  std::string scratch_;
  size_t record_bytes_ = 0;
  uint64_t line_breaks_ = 0;
  bool blank_ = false;
  unsigned high_bits_ = 0;
  int text_after_quote_ = -1;
};

}  // namespace cairn

#endif  // CAIRN_INGEST_CSV_TOKENIZER_H_
