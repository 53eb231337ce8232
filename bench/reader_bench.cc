// Throughput of RecordReader (rows/s) on cairn-datagen output, and of the generator itself.
//
//   bazel run -c opt //bench:reader_bench
//   bazel run -c opt //bench:reader_bench -- --benchmark_filter=Csv
//
// Data: 1 site x 12 lines x 4 products at 1-minute resolution (108 series reporting each
// interval), generated once in memory; about 1 M rows per pass.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ingest/record_reader.h"
#include "model/metric_registry.h"
#include "model/series.h"
#include "tools/datagen/generator.h"

namespace cairn {
namespace {

constexpr size_t kBatchPoints = 8192;

DatagenOptions BenchOptions(DatagenOptions::Format format, bool mixed_units) {
  DatagenOptions o;
  o.lines_per_site = 12;
  o.interval = 60 * kMicrosPerSecond;
  o.to = o.from + 7 * kMicrosPerDay;  // 10080 intervals x 108 rows
  o.format = format;
  o.mixed_units = mixed_units;
  return o;
}

std::string Generate(const DatagenOptions& options) {
  std::string text;
  absl::StatusOr<DatagenStats> stats = GenerateRecords(options, [&](absl::string_view chunk) {
    text.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  if (!stats.ok()) {
    std::fprintf(stderr, "generate: %s\n", stats.status().ToString().c_str());
    std::abort();
  }
  return text;
}

const std::string& Data(DatagenOptions::Format format, bool mixed_units) {
  static auto* cache = new std::vector<std::string>(4);
  std::string& text = (*cache)[static_cast<int>(format) * 2 + (mixed_units ? 1 : 0)];
  if (text.empty()) text = Generate(BenchOptions(format, mixed_units));
  return text;
}

// Reads all of `reader`; returns rows read. Aborts on errors: the data must be clean.
uint64_t Drain(RecordReader& reader) {
  RecordBatch batch;
  std::vector<RowError> errors;
  uint64_t points = 0;
  for (;;) {
    absl::StatusOr<bool> more = reader.NextBatch(kBatchPoints, &batch, &errors);
    if (!more.ok() || !errors.empty()) {
      std::fprintf(stderr, "read failed: %s %s\n", more.status().ToString().c_str(),
                   errors.empty() ? "" : errors[0].ToString().c_str());
      std::abort();
    }
    if (!*more) break;
    points += batch.points.size();
    benchmark::DoNotOptimize(batch.points.data());
  }
  return points;
}

void ReadFromMemory(benchmark::State& state, DatagenOptions::Format format, bool mixed_units) {
  const std::string& text = Data(format, mixed_units);
  const MetricRegistry registry;
  uint64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string copy = text;
    state.ResumeTiming();
    auto reader = RecordReader::FromString(std::move(copy), "bench", InputFormat::kAuto, registry);
    rows += Drain(**reader);
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_ReadCsv(benchmark::State& state) {
  ReadFromMemory(state, DatagenOptions::Format::kCsv, false);
}
BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond);

void BM_ReadCsvMixedUnits(benchmark::State& state) {
  ReadFromMemory(state, DatagenOptions::Format::kCsv, true);
}
BENCHMARK(BM_ReadCsvMixedUnits)->Unit(benchmark::kMillisecond);

void BM_ReadJsonLines(benchmark::State& state) {
  ReadFromMemory(state, DatagenOptions::Format::kJsonLines, false);
}
BENCHMARK(BM_ReadJsonLines)->Unit(benchmark::kMillisecond);

// Through the file path (read(2) in 1 MiB chunks; the file is in the page cache).
void BM_ReadCsvFile(benchmark::State& state) {
  const std::string& text = Data(DatagenOptions::Format::kCsv, false);
  const char* dir = std::getenv("TEST_TMPDIR");
  if (dir == nullptr) dir = std::getenv("TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/reader_bench.csv");
  std::ofstream(path, std::ios::binary) << text;
  const MetricRegistry registry;
  uint64_t rows = 0;
  for (auto _ : state) {
    auto reader = RecordReader::Open(path, InputFormat::kAuto, registry);
    rows += Drain(**reader);
  }
  std::remove(path.c_str());
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ReadCsvFile)->Unit(benchmark::kMillisecond);

void Generator(benchmark::State& state, DatagenOptions::Format format) {
  const DatagenOptions options = BenchOptions(format, false);
  uint64_t rows = 0, bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<DatagenStats> stats = GenerateRecords(options, [](absl::string_view chunk) {
      benchmark::DoNotOptimize(chunk.data());
      return absl::OkStatus();
    });
    rows += stats->records;
    bytes += stats->bytes;
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_GenerateCsv(benchmark::State& state) { Generator(state, DatagenOptions::Format::kCsv); }
BENCHMARK(BM_GenerateCsv)->Unit(benchmark::kMillisecond);

void BM_GenerateJsonLines(benchmark::State& state) {
  Generator(state, DatagenOptions::Format::kJsonLines);
}
BENCHMARK(BM_GenerateJsonLines)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn

BENCHMARK_MAIN();
