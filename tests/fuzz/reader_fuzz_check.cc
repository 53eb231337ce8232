#include "tests/fuzz/reader_fuzz_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/exact_sum.h"
#include "base/time.h"
#include "ingest/utf8.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {
namespace {

constexpr char kName[] = "fuzz-input";

[[noreturn]] void Broken(const char* promise) {
  std::fprintf(stderr, "RecordReader broke a promise: %s\n", promise);
  std::abort();
}

void Check(bool ok, const char* promise) {
  if (!ok) Broken(promise);
}

}  // namespace

void ReadAndCheck(const uint8_t* data, size_t size, InputFormat format) {
  static const MetricRegistry* registry = new MetricRegistry();
  std::string input(reinterpret_cast<const char*>(data), size);
  const uint64_t lines = std::count(input.begin(), input.end(), '\n') + 1;
  auto reader = RecordReader::FromString(std::move(input), kName, format, *registry);
  if (!reader.ok()) {
    const absl::string_view message = reader.status().message();
    Check(reader.status().code() == absl::StatusCode::kInvalidArgument, "Open fails only so");
    Check(message.substr(0, sizeof(kName) + 2) == std::string(kName) + ":1:",
          "an Open error names the file and line 1");
    Check(FindInvalidUtf8(message) == message.size(), "an Open error is UTF-8");
    return;
  }
  RecordBatch batch;
  std::vector<RowError> errors;
  uint64_t points = 0;
  // Vary the batch size a little so that batch boundaries fall in different places.
  const size_t batch_points = 1 + size % 7;
  for (uint64_t calls = 0;; ++calls) {
    Check(calls <= size + 1, "NextBatch makes progress");
    const size_t errors_before = errors.size();
    absl::StatusOr<bool> more = (*reader)->NextBatch(batch_points, &batch, &errors);
    Check(more.ok(), "reading from memory has no I/O errors");
    Check(errors.size() - errors_before <= batch_points, "one call appends <= max_points errors");
    if (!*more) {
      Check(batch.points.empty() && batch.series.empty() && errors.size() == errors_before,
            "the end returns an empty batch and no errors");
      break;
    }
    Check(batch.points.size() <= batch_points, "a batch holds <= max_points points");
    for (const RecordBatch::Point& p : batch.points) {
      Check(p.series_index < batch.series.size(), "a point references a series of its batch");
      Check(std::isfinite(p.value), "values are finite");
      Check(std::fabs(p.value) <= ExactSum::kMaxAbsValue, "values are within kMaxAbsValue");
      Check(p.timestamp >= kMinTimestamp && p.timestamp < kMaxTimestamp,
            "timestamps are within the supported years");
    }
    for (const SeriesKey& key : batch.series) {
      Check(registry->Find(key.metric) != nullptr, "series have known metrics");
      Tags tags = key.tags;
      Check(NormalizeTags(&tags).ok() && tags == key.tags, "series tags are normalised");
    }
    points += batch.points.size();
  }
  for (const RowError& e : errors) {
    Check(e.file == kName, "errors name the file");
    Check(e.line >= 1 && e.line <= lines, "errors name a line of the input");
    Check(!e.message.empty(), "errors say what is wrong");
    const std::string text = e.ToString();
    Check(FindInvalidUtf8(text) == text.size(), "errors are UTF-8");
  }
  Check((*reader)->rows_read() == points + errors.size(), "every row is a point or an error");
  Check((*reader)->bytes_read() == size, "the whole input is consumed");
  Check((*reader)->total_bytes() == size, "total_bytes is the input's size");
}

}  // namespace cairn
