#include "ingest/csv_reader.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "ingest/utf8.h"

namespace cairn {
namespace {

constexpr absl::string_view kRequiredColumns = "timestamp, metric, value and unit";

// StripAsciiWhitespace with a fast path for the usual cell that has nothing to strip.
absl::string_view Trim(absl::string_view cell) {
  if (cell.empty() || (cell.front() > ' ' && cell.back() > ' ')) return cell;
  return absl::StripAsciiWhitespace(cell);
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<InputBuffer> input, std::string file, MetricRegistry registry)
    : ReaderBase(std::move(input), std::move(file), std::move(registry)) {}

absl::StatusOr<std::unique_ptr<RecordReader>> CsvReader::Create(std::unique_ptr<InputBuffer> input,
                                                                std::string file,
                                                                MetricRegistry registry) {
  std::unique_ptr<CsvReader> reader(
      new CsvReader(std::move(input), std::move(file), std::move(registry)));
  CAIRN_RETURN_IF_ERROR(reader->ReadHeader());
  return std::unique_ptr<RecordReader>(std::move(reader));
}

absl::string_view CsvReader::ColumnName(size_t index) const {
  return index < columns_.size() ? absl::string_view(columns_[index]) : absl::string_view();
}

absl::Status CsvReader::ReadHeader() {
  auto header_error = [this](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(file_, ":1: ", what));
  };
  CsvTokenizer::Result result;
  while ((result = tokenizer_.Next(input_->window(), input_->at_eof())) ==
         CsvTokenizer::Result::kNeedMore) {
    CAIRN_RETURN_IF_ERROR(input_->Fill());
  }
  switch (result) {
    case CsvTokenizer::Result::kRecord:
      break;
    case CsvTokenizer::Result::kEnd:
      return header_error(
          absl::StrCat("the file is empty; expected a header row naming ", kRequiredColumns));
    case CsvTokenizer::Result::kTooLong:
      return header_error(
          absl::StrCat("the header row is longer than ", kMaxRecordBytes, " bytes"));
    default:
      return header_error("a quoted column name in the header is not closed");
  }
  absl::string_view raw = input_->window().substr(0, tokenizer_.record_bytes());
  if (tokenizer_.has_non_ascii()) {
    size_t bad = FindInvalidUtf8(raw);
    if (bad < raw.size()) {
      return header_error(absl::StrFormat("invalid UTF-8 at byte offset %d (byte 0x%02x)",
                                          input_->consumed() + bad,
                                          static_cast<unsigned char>(raw[bad])));
    }
  }
  if (tokenizer_.blank()) {
    return header_error(
        absl::StrCat("the header row is empty; expected one naming ", kRequiredColumns));
  }
  const std::vector<absl::string_view>& names = tokenizer_.fields();
  if (tokenizer_.text_after_quote_field() >= 0) {
    return header_error(absl::StrCat("column ", tokenizer_.text_after_quote_field() + 1,
                                     ": text after the closing quote"));
  }
  constexpr size_t kUnset = ~size_t{0};
  size_t timestamp = kUnset, metric = kUnset, value = kUnset, unit = kUnset;
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::string_view name = absl::StripAsciiWhitespace(names[i]);
    if (name.empty()) return header_error(absl::StrCat("column ", i + 1, " has no name"));
    if (!seen.insert(name).second) {
      return header_error(absl::StrCat("column ", Quote(name), " appears twice in the header"));
    }
    columns_.emplace_back(name);
    if (name == "timestamp") {
      timestamp = i;
    } else if (name == "metric") {
      metric = i;
    } else if (name == "value") {
      value = i;
    } else if (name == "unit") {
      unit = i;
    } else {
      Tags probe{{std::string(name), "x"}};
      absl::Status s = NormalizeTags(&probe);
      if (!s.ok()) return header_error(absl::StrCat("column ", Quote(name), ": ", s.message()));
      tag_columns_.push_back(i);
    }
  }
  const std::pair<absl::string_view, size_t> required[] = {
      {"timestamp", timestamp}, {"metric", metric}, {"value", value}, {"unit", unit}};
  for (const auto& [name, index] : required) {
    if (index == kUnset) {
      return header_error(absl::StrCat("column '", name,
                                       "': the header lacks this required column (it must name ",
                                       kRequiredColumns, ")"));
    }
  }
  timestamp_column_ = timestamp;
  metric_column_ = metric;
  value_column_ = value;
  unit_column_ = unit;
  line_ += tokenizer_.line_breaks();
  input_->Consume(tokenizer_.record_bytes());
  return absl::OkStatus();
}

absl::StatusOr<ReaderBase::Outcome> CsvReader::ReadRecord(RecordBatch* batch,
                                                          std::vector<RowError>* errors) {
  for (;;) {
    absl::string_view window = input_->window();
    switch (tokenizer_.Next(window, input_->at_eof())) {
      case CsvTokenizer::Result::kNeedMore:
        CAIRN_RETURN_IF_ERROR(input_->Fill());
        continue;
      case CsvTokenizer::Result::kEnd:
        return Outcome::kEnd;
      case CsvTokenizer::Result::kTooLong: {
        const uint64_t line = line_;
        CAIRN_RETURN_IF_ERROR(SkipLine());
        return Error(errors, line, "",
                     absl::StrCat("row is longer than ", kMaxRecordBytes,
                                  " bytes (is a quote left open?); reading resumes at the next "
                                  "line"));
      }
      case CsvTokenizer::Result::kUnclosedQuote: {
        const uint64_t line = line_;
        const std::string field(ColumnName(tokenizer_.completed_fields()));
        CAIRN_RETURN_IF_ERROR(SkipLine());
        return Error(errors, line, field,
                     "quoted field is not closed before the end of the input; reading resumes "
                     "at the next line");
      }
      case CsvTokenizer::Result::kRecord:
        break;
    }
    const uint64_t line = line_;
    const uint64_t offset = input_->consumed();
    const size_t size = tokenizer_.record_bytes();
    line_ += tokenizer_.line_breaks();
    Outcome outcome = tokenizer_.blank()
                          ? Outcome::kBlank
                          : ProcessRecord(window.substr(0, size), line, offset, batch, errors);
    input_->Consume(size);
    return outcome;
  }
}

ReaderBase::Outcome CsvReader::ProcessRecord(absl::string_view raw, uint64_t line, uint64_t offset,
                                             RecordBatch* batch, std::vector<RowError>* errors) {
  const std::vector<absl::string_view>& cells = tokenizer_.fields();
  if (tokenizer_.has_non_ascii()) {
    const size_t bad = FindInvalidUtf8(raw);
    if (bad < raw.size()) {
      const std::vector<uint32_t>& starts = tokenizer_.field_offsets();
      const size_t column =
          std::upper_bound(starts.begin(), starts.end(), bad) - starts.begin() - 1;
      const uint64_t bad_line = line + std::count(raw.begin(), raw.begin() + bad, '\n');
      return Error(errors, bad_line, ColumnName(column),
                   absl::StrFormat("invalid UTF-8 at byte offset %d (byte 0x%02x)", offset + bad,
                                   static_cast<unsigned char>(raw[bad])));
    }
  }
  if (cells.size() != columns_.size()) {
    return Error(errors, line, "",
                 absl::StrCat("expected ", columns_.size(), " columns as in the header, found ",
                              cells.size()));
  }
  if (tokenizer_.text_after_quote_field() >= 0) {
    return Error(errors, line, ColumnName(tokenizer_.text_after_quote_field()),
                 "text after the closing quote of a quoted field");
  }
  Timestamp timestamp;
  if (!ParseTime(Trim(cells[timestamp_column_]), &timestamp, &message_)) {
    return Error(errors, line, "timestamp", std::move(message_));
  }
  const absl::string_view metric = Trim(cells[metric_column_]);
  if (metric.empty()) return Error(errors, line, "metric", "missing metric");
  const absl::string_view unit = Trim(cells[unit_column_]);
  if (unit.empty()) return Error(errors, line, "unit", "missing unit");

  key_.Clear();
  key_.Add(metric);
  key_.Add(unit);
  for (size_t column : tag_columns_) key_.Add(Trim(cells[column]));
  const SeriesCache::Entry* entry = cache_.Find(key_.key());
  if (entry == nullptr) {
    Tags tags;
    tags.reserve(tag_columns_.size());
    for (size_t column : tag_columns_) {
      tags.emplace_back(columns_[column], Trim(cells[column]));
    }
    entry = &cache_.Resolve(key_.key(), metric, unit, std::move(tags));
  }
  if (!entry->ok) return Error(errors, line, entry->error_field, entry->error_message);

  const absl::string_view value_text = Trim(cells[value_column_]);
  double value;
  if (!ParseNumber(value_text, &value, &message_) ||
      !ToCanonical(value, value_text, *entry, &value, &message_)) {
    return Error(errors, line, "value", std::move(message_));
  }
  batch->points.push_back({cache_.BatchIndex(entry->series_id), timestamp, value});
  return Outcome::kPoint;
}

}  // namespace cairn
