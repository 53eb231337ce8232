#include "ingest/reader_base.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/exact_sum.h"
#include "base/status_macros.h"
#include "ingest/utf8.h"

namespace cairn {
namespace {

// No valid timestamp is longer; longer cells are rejected without echoing all of them.
constexpr size_t kMaxTimeChars = 64;
constexpr size_t kMaxQuotedBytes = 64;

}  // namespace

ReaderBase::ReaderBase(std::unique_ptr<InputBuffer> input, std::string file,
                       MetricRegistry registry)
    : input_(std::move(input)), file_(std::move(file)), registry_(std::move(registry)) {}

absl::StatusOr<bool> ReaderBase::NextBatch(size_t max_points, RecordBatch* batch,
                                           std::vector<RowError>* errors) {
  batch->series.clear();
  batch->points.clear();
  cache_.StartBatch(batch);
  if (max_points == 0) max_points = 1;
  bool any = false;
  size_t bad = 0;
  while (batch->points.size() < max_points && bad < max_points) {
    CAIRN_ASSIGN_OR_RETURN(Outcome outcome, ReadRecord(batch, errors));
    if (outcome == Outcome::kEnd) break;
    if (outcome == Outcome::kBlank) continue;
    any = true;
    ++rows_;
    if (outcome == Outcome::kError) ++bad;
  }
  return any;
}

absl::Status ReaderBase::SkipLine() {
  for (;;) {
    absl::string_view w = input_->window();
    const void* nl = std::memchr(w.data(), '\n', w.size());
    if (nl != nullptr) {
      input_->Consume(static_cast<const char*>(nl) - w.data() + 1);
      break;
    }
    input_->Consume(w.size());
    if (input_->at_eof()) break;
    CAIRN_RETURN_IF_ERROR(input_->Fill());
  }
  ++line_;
  return absl::OkStatus();
}

ReaderBase::Outcome ReaderBase::Error(std::vector<RowError>* errors, uint64_t line,
                                      absl::string_view field, std::string message) {
  errors->push_back(RowError{file_, line, std::string(field), std::move(message)});
  return Outcome::kError;
}

std::string ReaderBase::Quote(absl::string_view text) {
  absl::string_view prefix = Utf8Prefix(text, kMaxQuotedBytes);
  return absl::StrCat("'", prefix, prefix.size() < text.size() ? "...'" : "'");
}

bool ReaderBase::ParseTime(absl::string_view text, Timestamp* out, std::string* message) {
  if (text.empty()) {
    *message = "missing time";
    return false;
  }
  if (text.size() > kMaxTimeChars) {
    *message = absl::StrCat("cannot parse time ", Quote(text),
                            ": expected RFC 3339 (2026-01-05T13:00:00Z) or Unix seconds");
    return false;
  }
  if (text == last_time_text_) {
    *out = last_time_;
    return true;
  }
  absl::StatusOr<Timestamp> ts = ParseTimestamp(text);
  if (!ts.ok()) {
    *message = std::string(ts.status().message());
    return false;
  }
  last_time_text_.assign(text.data(), text.size());
  last_time_ = *ts;
  *out = *ts;
  return true;
}

bool ReaderBase::ParseNumber(absl::string_view text, double* out, std::string* message) {
  if (text.empty()) {
    *message = "missing value";
    return false;
  }
  const char* first = text.data();
  const char* last = first + text.size();
  // from_chars takes no '+'; accept it before a digit or a point.
  if (*first == '+' && text.size() > 1 &&
      (first[1] == '.' || (first[1] >= '0' && first[1] <= '9'))) {
    ++first;
  }
  auto [ptr, ec] = std::from_chars(first, last, *out, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    *message = absl::StrCat("number ", Quote(text), " is out of range");
    return false;
  }
  if (ec != std::errc() || ptr != last) {
    *message = absl::StrCat("cannot parse ", Quote(text), " as a number");
    return false;
  }
  return true;
}

bool ReaderBase::ToCanonical(double value, absl::string_view text, const SeriesCache::Entry& entry,
                             double* out, std::string* message) {
  if (!std::isfinite(value)) {
    *message = absl::StrCat("value ", Quote(text), " is not a finite number");
    return false;
  }
  const double canonical = entry.factor == 1.0 ? value : value * entry.factor;
  if (!(std::fabs(canonical) <= ExactSum::kMaxAbsValue)) {
    *message = absl::StrCat("value ", Quote(text), " ", entry.unit, " is ", canonical, " ",
                            entry.canonical_unit,
                            ", beyond the largest accepted magnitude 2^60 (about 1.15e18)");
    return false;
  }
  *out = canonical;
  return true;
}

}  // namespace cairn
