#include "ingest/jsonl_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "ingest/utf8.h"

namespace cairn {
namespace {

bool IsBlank(absl::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// "missing metric" / "metric must be a JSON string, not a number" for a metric or unit member.
bool StringMember(const JsonScalar& member, absl::string_view name, absl::string_view* out,
                  std::string* message) {
  switch (member.kind) {
    case JsonScalar::Kind::kString:
      if (member.text.empty()) break;
      *out = member.text;
      return true;
    case JsonScalar::Kind::kAbsent:
    case JsonScalar::Kind::kNull:
      break;
    case JsonScalar::Kind::kNumber:
      *message = absl::StrCat(name, " must be a JSON string, not a number");
      return false;
    case JsonScalar::Kind::kBool:
      *message = absl::StrCat(name, " must be a JSON string, not ", member.text);
      return false;
  }
  *message = absl::StrCat("missing ", name);
  return false;
}

}  // namespace

JsonLinesReader::JsonLinesReader(std::unique_ptr<InputBuffer> input, std::string file,
                                 MetricRegistry registry)
    : ReaderBase(std::move(input), std::move(file), std::move(registry)) {}

absl::StatusOr<std::unique_ptr<RecordReader>> JsonLinesReader::Create(
    std::unique_ptr<InputBuffer> input, std::string file, MetricRegistry registry) {
  return std::unique_ptr<RecordReader>(
      new JsonLinesReader(std::move(input), std::move(file), std::move(registry)));
}

absl::StatusOr<ReaderBase::Outcome> JsonLinesReader::ReadRecord(RecordBatch* batch,
                                                                std::vector<RowError>* errors) {
  for (;;) {
    const absl::string_view window = input_->window();
    const size_t scan = std::min(window.size(), kMaxRecordBytes + 1);
    const char* newline = static_cast<const char*>(std::memchr(window.data(), '\n', scan));
    if (newline == nullptr) {
      if (window.size() > kMaxRecordBytes) {
        const uint64_t line = line_;
        CAIRN_RETURN_IF_ERROR(SkipLine());
        return Error(errors, line, "",
                     absl::StrCat("line is longer than ", kMaxRecordBytes, " bytes"));
      }
      if (!input_->at_eof()) {
        CAIRN_RETURN_IF_ERROR(input_->Fill());
        continue;
      }
      if (window.empty()) return Outcome::kEnd;
    }
    const size_t size = newline == nullptr ? window.size() : newline - window.data();
    const uint64_t line = line_++;
    const uint64_t offset = input_->consumed();
    Outcome outcome = ProcessLine(window.substr(0, size), line, offset, batch, errors);
    input_->Consume(newline == nullptr ? size : size + 1);
    return outcome;
  }
}

bool JsonLinesReader::ParseJsonTime(const JsonScalar& value, Timestamp* out, std::string* message) {
  switch (value.kind) {
    case JsonScalar::Kind::kString:
      return ParseTime(value.text, out, message);
    case JsonScalar::Kind::kNumber: {
      if (value.text.find_first_of("eE") == absl::string_view::npos) {
        return ParseTime(value.text, out, message);  // exact decimal Unix seconds
      }
      double seconds = 0;
      auto [ptr, ec] =
          std::from_chars(value.text.data(), value.text.data() + value.text.size(), seconds);
      const double micros = seconds * 1e6;
      if (ec != std::errc() || !(micros >= static_cast<double>(kMinTimestamp) &&
                                 micros < static_cast<double>(kMaxTimestamp))) {
        *message =
            absl::StrCat("time ", Quote(value.text), " is outside the supported years 1900..9999");
        return false;
      }
      *out = static_cast<Timestamp>(std::llround(micros));
      return true;
    }
    case JsonScalar::Kind::kAbsent:
    case JsonScalar::Kind::kNull:
      *message = "missing time";
      return false;
    case JsonScalar::Kind::kBool:
      break;
  }
  *message = "time must be a string (RFC 3339) or a number (Unix seconds)";
  return false;
}

ReaderBase::Outcome JsonLinesReader::ProcessLine(absl::string_view line, uint64_t line_number,
                                                 uint64_t offset, RecordBatch* batch,
                                                 std::vector<RowError>* errors) {
  if (IsBlank(line)) return Outcome::kBlank;
  const size_t bad = FindInvalidUtf8(line);
  if (bad < line.size()) {
    return Error(errors, line_number, "",
                 absl::StrFormat("invalid UTF-8 at byte offset %d (byte 0x%02x)", offset + bad,
                                 static_cast<unsigned char>(line[bad])));
  }
  if (!parser_.Parse(line, &record_, &field_, &message_)) {
    return Error(errors, line_number, field_, std::move(message_));
  }
  Timestamp timestamp;
  if (!ParseJsonTime(record_.timestamp, &timestamp, &message_)) {
    return Error(errors, line_number, "timestamp", std::move(message_));
  }
  absl::string_view metric, unit;
  if (!StringMember(record_.metric, "metric", &metric, &message_)) {
    return Error(errors, line_number, "metric", std::move(message_));
  }
  if (!StringMember(record_.unit, "unit", &unit, &message_)) {
    return Error(errors, line_number, "unit", std::move(message_));
  }

  tags_.clear();
  for (const auto& [name, scalar] : record_.tags) {
    tags_.emplace_back(name,
                       scalar.kind == JsonScalar::Kind::kNull ? absl::string_view() : scalar.text);
  }
  std::sort(tags_.begin(), tags_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < tags_.size(); ++i) {
    if (tags_[i].first == tags_[i - 1].first) {
      return Error(errors, line_number, tags_[i].first,
                   absl::StrCat("tag ", Quote(tags_[i].first), " is given twice"));
    }
  }
  key_.Clear();
  key_.Add(metric);
  key_.Add(unit);
  for (const auto& [name, value] : tags_) {
    if (value.empty()) continue;
    key_.Add(name);
    key_.Add(value);
  }
  const SeriesCache::Entry* entry = cache_.Find(key_.key());
  if (entry == nullptr) {
    Tags tags;
    tags.reserve(tags_.size());
    for (const auto& [name, value] : tags_) tags.emplace_back(name, value);
    entry = &cache_.Resolve(key_.key(), metric, unit, std::move(tags));
  }
  if (!entry->ok) return Error(errors, line_number, entry->error_field, entry->error_message);

  double value;
  switch (record_.value.kind) {
    case JsonScalar::Kind::kNumber:
      break;
    case JsonScalar::Kind::kAbsent:
    case JsonScalar::Kind::kNull:
      return Error(errors, line_number, "value", "missing value");
    case JsonScalar::Kind::kString:
      return Error(
          errors, line_number, "value",
          absl::StrCat("value must be a JSON number, not the string ", Quote(record_.value.text)));
    case JsonScalar::Kind::kBool:
      return Error(errors, line_number, "value",
                   absl::StrCat("value must be a JSON number, not ", record_.value.text));
  }
  if (!ParseNumber(record_.value.text, &value, &message_) ||
      !ToCanonical(value, record_.value.text, *entry, &value, &message_)) {
    return Error(errors, line_number, "value", std::move(message_));
  }
  batch->points.push_back({cache_.BatchIndex(entry->series_id), timestamp, value});
  return Outcome::kPoint;
}

}  // namespace cairn
