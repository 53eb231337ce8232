// The synthetic plant behind cairn-datagen: deterministic, realistic production and emissions
// records for one or more sites, written as CSV or JSON Lines.
//
// Each site has production lines; each line runs one product per shift (changing at 06:00,
// 14:00 and 22:00 UTC) and reports, at every interval, nine metrics tagged with site, line and
// product: units_produced, output_mass, scrap, electricity, fuel, energy (= electricity +
// fuel), co2e_scope1 (fuel x a gas emission factor), co2e_scope2 (electricity x the site's
// grid factor, higher in the evening) and water. Output follows shift and weekly patterns
// (night shifts slower, Saturdays half, Sundays mostly idle), with unplanned stops and a few
// percent of noise; each product has its own unit mass and energy, scrap and water
// intensities. Records come in time order. The same options (seed included) give the same
// bytes from the same build. Functions are thread-safe; a generation is single-threaded.
#ifndef CAIRN_TOOLS_DATAGEN_GENERATOR_H_
#define CAIRN_TOOLS_DATAGEN_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"

namespace cairn {

struct DatagenOptions {
  enum class Format { kCsv, kJsonLines };

  Timestamp from = 1767225600LL * kMicrosPerSecond;  // 2026-01-01T00:00:00Z
  Timestamp to = from + 30 * kMicrosPerDay;          // exclusive
  Timestamp interval = 5 * 60 * kMicrosPerSecond;
  int sites = 1;
  int lines_per_site = 3;
  int products = 4;
  Format format = Format::kCsv;
  uint64_t seed = 1;
  // Report some series in MWh, GJ, t or L instead of the canonical unit.
  bool mixed_units = false;
  // Sites are named "<plant>-1", "<plant>-2", ...
  std::string plant = "plant";
};

// The nine metrics every line reports at every interval.
inline constexpr int kMetricsPerLine = 9;

// OK, or InvalidArgument naming the option that is out of range.
absl::Status ValidateOptions(const DatagenOptions& options);

// Sets sites and lines_per_site so that about `series` series (kMetricsPerLine per line)
// report at every interval; at most 8 lines per site.
void SizeForSeries(int64_t series, DatagenOptions* options);

struct DatagenStats {
  uint64_t records = 0;
  uint64_t series = 0;  // distinct (metric, site, line, product) combinations written
  uint64_t bytes = 0;
};

// Generates the records and passes the text to `write` in chunks of about 1 MiB, in order.
// Returns the stats, InvalidArgument for bad options, or the first error `write` returned.
absl::StatusOr<DatagenStats> GenerateRecords(
    const DatagenOptions& options, const std::function<absl::Status(absl::string_view)>& write);

}  // namespace cairn

#endif  // CAIRN_TOOLS_DATAGEN_GENERATOR_H_
