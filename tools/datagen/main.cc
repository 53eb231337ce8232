// cairn-datagen: writes deterministic, realistic plant data (CSV or JSON Lines) for demos,
// tests and benchmarks. See generator.h for the plant model.
//
//   cairn-datagen --days 30 --interval 5m --output plant.csv         # a month, one plant
//   cairn-datagen --series 100 --interval 1m --days 365 --format jsonl -o year.jsonl
#include <cstdio>
#include <cstring>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/time.h"
#include "tools/datagen/generator.h"

namespace cairn {
namespace {

int Run(int argc, char** argv) {
  CLI::App app{
      "cairn-datagen: deterministic, realistic production and emissions data for Cairn.\n"
      "Each line reports 9 metrics (units_produced, output_mass, scrap, electricity, fuel,\n"
      "energy, co2e_scope1, co2e_scope2, water) per interval, tagged site/line/product."};
  std::string from = "2026-01-01";
  std::string to;
  int64_t days = 30;
  std::string interval = "5m";
  DatagenOptions options;
  int64_t series = 0;
  std::string format = "csv";
  std::string output = "-";
  bool quiet = false;

  app.add_option("--from", from, "first timestamp, UTC (2026-01-01, RFC 3339 or Unix seconds)")
      ->capture_default_str();
  CLI::Option* days_opt = app.add_option("--days", days, "days to generate")
                              ->capture_default_str()
                              ->check(CLI::Range(int64_t{1}, int64_t{100 * 366}));
  app.add_option("--to", to, "end (exclusive) instead of --days")->excludes(days_opt);
  app.add_option("--interval", interval, "time between readings")
      ->capture_default_str()
      ->check(CLI::IsMember({"1m", "5m", "15m", "1h"}));
  CLI::Option* sites_opt = app.add_option("--sites", options.sites, "sites")->capture_default_str();
  CLI::Option* lines_opt =
      app.add_option("--lines", options.lines_per_site, "production lines per site")
          ->capture_default_str();
  app.add_option("--products", options.products, "products (each line runs one per shift)")
      ->capture_default_str();
  app.add_option("--series", series,
                 "about this many series reporting every interval (9 per line); sets --sites "
                 "and --lines")
      ->check(CLI::Range(int64_t{1}, int64_t{72000}))
      ->excludes(sites_opt)
      ->excludes(lines_opt);
  app.add_option("--format", format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "jsonl"}));
  app.add_option("--seed", options.seed, "random seed; the same seed gives the same bytes")
      ->capture_default_str();
  app.add_option("-o,--output", output, "output file, '-' for standard output")
      ->capture_default_str();
  app.add_flag("--mixed-units", options.mixed_units,
               "report about a third of the series in MWh, GJ, t or L (exercises conversion)");
  app.add_option("--plant", options.plant, "plant name: sites are <plant>-1, <plant>-2, ...")
      ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "no summary on standard error");
  CLI11_PARSE(app, argc, argv);

  auto fail = [](absl::string_view message) {
    std::fprintf(stderr, "cairn-datagen: %.*s\n", static_cast<int>(message.size()), message.data());
    return 2;
  };
  absl::StatusOr<Timestamp> start = ParseTimeArg(from);
  if (!start.ok()) return fail(absl::StrCat("--from: ", start.status().message()));
  options.from = *start;
  if (!to.empty()) {
    absl::StatusOr<Timestamp> end = ParseTimeArg(to);
    if (!end.ok()) return fail(absl::StrCat("--to: ", end.status().message()));
    options.to = *end;
  } else {
    options.to = options.from + days * kMicrosPerDay;
  }
  options.interval = interval == "1m"    ? 60 * kMicrosPerSecond
                     : interval == "5m"  ? 300 * kMicrosPerSecond
                     : interval == "15m" ? 900 * kMicrosPerSecond
                                         : kMicrosPerHour;
  options.format =
      format == "jsonl" ? DatagenOptions::Format::kJsonLines : DatagenOptions::Format::kCsv;
  if (series > 0) SizeForSeries(series, &options);
  absl::Status valid = ValidateOptions(options);
  if (!valid.ok()) return fail(valid.message());

  FILE* out = stdout;
  if (output != "-") {
    out = std::fopen(output.c_str(), "wb");
    if (out == nullptr) {
      return fail(absl::StrCat("cannot open ", output, ": ", std::strerror(errno)));
    }
  }
  const absl::Time started = absl::Now();
  absl::StatusOr<DatagenStats> stats =
      GenerateRecords(options, [&](absl::string_view chunk) -> absl::Status {
        if (std::fwrite(chunk.data(), 1, chunk.size(), out) != chunk.size()) {
          return absl::DataLossError(
              absl::StrCat("cannot write ", output, ": ", std::strerror(errno)));
        }
        return absl::OkStatus();
      });
  const bool closed = out == stdout ? std::fflush(out) == 0 : std::fclose(out) == 0;
  if (!stats.ok()) return fail(stats.status().message());
  if (!closed) return fail(absl::StrCat("cannot write ", output, ": ", std::strerror(errno)));
  if (!quiet) {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
    std::fprintf(stderr,
                 "cairn-datagen: %llu records, %llu series, %d site(s) x %d line(s) x %d "
                 "product(s), %.1f MB in %.2f s (%.2f M records/s)\n",
                 static_cast<unsigned long long>(stats->records),
                 static_cast<unsigned long long>(stats->series), options.sites,
                 options.lines_per_site, options.products, stats->bytes / 1e6, seconds,
                 seconds > 0 ? stats->records / seconds / 1e6 : 0.0);
  }
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) { return cairn::Run(argc, argv); }
