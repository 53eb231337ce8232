#include "tools/datagen/generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ingest/record_reader.h"
#include "model/metric_registry.h"
#include "model/series.h"

namespace cairn {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Record {
  SeriesKey series;
  Timestamp timestamp;
  double value;
};

class GeneratorTest : public ::testing::Test {
 protected:
  GeneratorTest() {
    options_.to = options_.from + 7 * kMicrosPerDay;  // Thu 2026-01-01 .. Wed 2026-01-07
    options_.interval = 15 * 60 * kMicrosPerSecond;
  }

  std::string Generate(const DatagenOptions& options) {
    std::string text;
    absl::StatusOr<DatagenStats> stats = GenerateRecords(options, [&](absl::string_view chunk) {
      text.append(chunk.data(), chunk.size());
      return absl::OkStatus();
    });
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (stats.ok()) stats_ = *stats;
    return text;
  }

  // Generates with `options` and reads the text back through RecordReader.
  std::vector<Record> GenerateAndRead(const DatagenOptions& options) {
    std::vector<Record> records;
    auto reader = RecordReader::FromString(Generate(options), "gen", InputFormat::kAuto, registry_);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return records;
    RecordBatch batch;
    std::vector<RowError> errors;
    for (;;) {
      absl::StatusOr<bool> more = (*reader)->NextBatch(4096, &batch, &errors);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      for (const RecordBatch::Point& p : batch.points) {
        records.push_back({batch.series[p.series_index], p.timestamp, p.value});
      }
    }
    for (const RowError& e : errors) ADD_FAILURE() << e.ToString();
    return records;
  }

  DatagenOptions options_;
  DatagenStats stats_;
  MetricRegistry registry_;
};

TEST_F(GeneratorTest, TheSameSeedGivesTheSameBytes) {
  options_.mixed_units = true;
  const std::string first = Generate(options_);
  EXPECT_EQ(Generate(options_), first);
  options_.seed = 2;
  EXPECT_NE(Generate(options_), first);
}

TEST_F(GeneratorTest, CsvAndJsonLinesReadBackAsTheSameRecords) {
  options_.sites = 2;
  options_.mixed_units = true;
  options_.plant = "Gent, \"North\"";  // needs CSV quoting and JSON escaping
  const std::vector<Record> csv = GenerateAndRead(options_);
  options_.format = DatagenOptions::Format::kJsonLines;
  const std::vector<Record> jsonl = GenerateAndRead(options_);

  const uint64_t intervals = 7 * 24 * 4;
  ASSERT_THAT(csv, SizeIs(intervals * 2 * 3 * kMetricsPerLine));
  EXPECT_EQ(stats_.records, csv.size());
  ASSERT_EQ(jsonl.size(), csv.size());
  for (size_t i = 0; i < csv.size(); ++i) {
    ASSERT_EQ(csv[i].series, jsonl[i].series) << i;
    ASSERT_EQ(csv[i].timestamp, jsonl[i].timestamp) << i;
    ASSERT_EQ(csv[i].value, jsonl[i].value) << i;
  }
  EXPECT_EQ(csv[0].series.Tag("site"), "Gent, \"North\"-1");
}

TEST_F(GeneratorTest, MixedUnitsChangeOnlyTheUnitsWritten) {
  const std::string plain_text = Generate(options_);
  const std::vector<Record> plain = GenerateAndRead(options_);
  options_.mixed_units = true;
  const std::string mixed_text = Generate(options_);
  const std::vector<Record> mixed = GenerateAndRead(options_);
  for (const char* unit : {",MWh\n", ",GJ\n", ",t\n", ",L\n"}) {
    EXPECT_EQ(plain_text.find(unit), std::string::npos) << unit;
    EXPECT_NE(mixed_text.find(unit), std::string::npos) << unit;
  }
  ASSERT_EQ(mixed.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    ASSERT_EQ(mixed[i].series, plain[i].series);
    ASSERT_NEAR(mixed[i].value, plain[i].value, 1e-9 * std::abs(plain[i].value) + 1e-12);
  }
}

TEST_F(GeneratorTest, FiguresHangTogether) {
  // Per line and interval: the nine metrics, by name.
  std::map<std::pair<std::string, Timestamp>, std::map<std::string, double>> readings;
  for (const Record& r : GenerateAndRead(options_)) {
    readings[{std::string(r.series.Tag("line")), r.timestamp}][r.series.metric] = r.value;
  }
  double weekday_units = 0, sunday_units = 0, day_units = 0, night_units = 0;
  for (const auto& [key, m] : readings) {
    EXPECT_NEAR(m.at("energy"), m.at("electricity") + m.at("fuel"), 0.0015);
    EXPECT_NEAR(m.at("co2e_scope1"), 0.202 * m.at("fuel"), 0.0015);
    const double grid = m.at("co2e_scope2") / m.at("electricity");
    EXPECT_GE(grid, 0.099);
    EXPECT_LE(grid, 0.45 * 1.13);
    EXPECT_LE(m.at("scrap"), m.at("units_produced"));
    EXPECT_GT(m.at("electricity"), 0);  // idle load, even when stopped
    const Timestamp t = key.second;
    const int64_t day = t / kMicrosPerDay;
    const int64_t hour = t % kMicrosPerDay / kMicrosPerHour;
    const double units = m.at("units_produced");
    if (day == 20457) sunday_units += units;   // 2026-01-04
    if (day == 20458) weekday_units += units;  // Monday 2026-01-05
    if (hour >= 6 && hour < 14) day_units += units;
    if (hour >= 22 || hour < 6) night_units += units;
  }
  EXPECT_THAT(readings, SizeIs(7 * 24 * 4 * 3));
  EXPECT_LT(sunday_units, 0.4 * weekday_units);
  EXPECT_LT(night_units, 0.9 * day_units);
}

TEST_F(GeneratorTest, EachLineRunsSeveralProductsOverAWeek) {
  Generate(options_);
  EXPECT_GT(stats_.series, 3 * kMetricsPerLine);
  EXPECT_LE(stats_.series, 3 * 4 * kMetricsPerLine);
}

TEST(SizeForSeries, AimsForTheRequestedSeriesPerInterval) {
  for (int64_t target : {1, 9, 100, 1000, 5000}) {
    DatagenOptions o;
    SizeForSeries(target, &o);
    const int64_t got = int64_t{o.sites} * o.lines_per_site * kMetricsPerLine;
    EXPECT_LE(o.lines_per_site, 8);
    EXPECT_NEAR(got, target, std::max<int64_t>(9, target / 10)) << target;
  }
}

TEST(ValidateOptions, RejectsOptionsOutOfRange) {
  DatagenOptions o;
  EXPECT_TRUE(ValidateOptions(o).ok());
  DatagenOptions bad = o;
  bad.to = bad.from;
  EXPECT_THAT(std::string(ValidateOptions(bad).message()), testing::HasSubstr("--to"));
  bad = o;
  bad.lines_per_site = 0;
  EXPECT_THAT(std::string(ValidateOptions(bad).message()), testing::HasSubstr("--lines"));
  bad = o;
  bad.plant = "a\nb";
  EXPECT_THAT(std::string(ValidateOptions(bad).message()), testing::HasSubstr("--plant"));
  bad = o;
  bad.plant = "\xFF";
  EXPECT_FALSE(ValidateOptions(bad).ok());
  EXPECT_EQ(
      GenerateRecords(bad, [](absl::string_view) { return absl::OkStatus(); }).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(GenerateRecords, StopsAtTheFirstWriteError) {
  DatagenOptions o;
  int calls = 0;
  absl::StatusOr<DatagenStats> stats = GenerateRecords(o, [&](absl::string_view) {
    ++calls;
    return absl::DataLossError("disk full");
  });
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cairn
