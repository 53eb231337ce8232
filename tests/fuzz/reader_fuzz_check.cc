#include "tests/fuzz/reader_fuzz_check.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/exact_sum.h"
#include "base/time.h"
#include "ingest/utf8.h"
#include "model/metric_registry.h"
#include "model/series.h"
#include "tests/fuzz/fuzz_check.h"

namespace cairn {
namespace {

constexpr char kName[] = "fuzz-input";

}  // namespace

void ReadAndCheck(const uint8_t* data, size_t size, InputFormat format) {
  static const MetricRegistry* registry = new MetricRegistry();
  std::string input(reinterpret_cast<const char*>(data), size);
  const uint64_t lines = std::count(input.begin(), input.end(), '\n') + 1;
  auto reader = RecordReader::FromString(std::move(input), kName, format, *registry);
  if (!reader.ok()) {
    const absl::string_view message = reader.status().message();
    FuzzCheck(reader.status().code() == absl::StatusCode::kInvalidArgument, "Open fails only so");
    FuzzCheck(message.substr(0, sizeof(kName) + 2) == std::string(kName) + ":1:",
              "an Open error names the file and line 1");
    FuzzCheck(FindInvalidUtf8(message) == message.size(), "an Open error is UTF-8");
    return;
  }
  RecordBatch batch;
  std::vector<RowError> errors;
  uint64_t points = 0;
  // Vary the batch size a little so that batch boundaries fall in different places.
  const size_t batch_points = 1 + size % 7;
  for (uint64_t calls = 0;; ++calls) {
    FuzzCheck(calls <= size + 1, "NextBatch makes progress");
    const size_t errors_before = errors.size();
    absl::StatusOr<bool> more = (*reader)->NextBatch(batch_points, &batch, &errors);
    FuzzCheck(more.ok(), "reading from memory has no I/O errors");
    FuzzCheck(errors.size() - errors_before <= batch_points,
              "one call appends <= max_points errors");
    if (!*more) {
      FuzzCheck(batch.points.empty() && batch.series.empty() && errors.size() == errors_before,
                "the end returns an empty batch and no errors");
      break;
    }
    FuzzCheck(batch.points.size() <= batch_points, "a batch holds <= max_points points");
    for (const RecordBatch::Point& p : batch.points) {
      FuzzCheck(p.series_index < batch.series.size(), "a point references a series of its batch");
      FuzzCheck(std::isfinite(p.value), "values are finite");
      FuzzCheck(std::fabs(p.value) <= ExactSum::kMaxAbsValue, "values are within kMaxAbsValue");
      FuzzCheck(p.timestamp >= kMinTimestamp && p.timestamp < kMaxTimestamp,
                "timestamps are within the supported years");
    }
    for (const SeriesKey& key : batch.series) {
      FuzzCheck(registry->Find(key.metric) != nullptr, "series have known metrics");
      Tags tags = key.tags;
      FuzzCheck(NormalizeTags(&tags).ok() && tags == key.tags, "series tags are normalised");
    }
    points += batch.points.size();
  }
  for (const RowError& e : errors) {
    FuzzCheck(e.file == kName, "errors name the file");
    FuzzCheck(e.line >= 1 && e.line <= lines, "errors name a line of the input");
    FuzzCheck(!e.message.empty(), "errors say what is wrong");
    const std::string text = e.ToString();
    FuzzCheck(FindInvalidUtf8(text) == text.size(), "errors are UTF-8");
  }
  FuzzCheck((*reader)->rows_read() == points + errors.size(), "every row is a point or an error");
  FuzzCheck((*reader)->bytes_read() == size, "the whole input is consumed");
  FuzzCheck((*reader)->total_bytes() == size, "total_bytes is the input's size");
}

}  // namespace cairn
