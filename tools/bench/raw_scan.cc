// raw_scan: the raw-scan rate of issue 2 — the year query answered from raw records only, as
// a query that rollups cannot serve is — on the store a cairnd left in its data dir.
//
//   raw_scan --data-dir DIR [--year 2025] [--runs 3] [--queries 200]
//
// cairnd must be stopped (the store has one writer; opening it fails while cairnd holds it).
// Opens the store with cairnd's options and runs, in this process, (1) the year query with
// rollups --queries times, which next to query_bench's figure splits the RPC's share of the
// latency from the engine's, and (2) the same query with use_rollups=false --runs times: every
// energy record of the year is read. Checks that both give the same answer bit for bit (the
// sums are exact). Prints one "RESULT key=value ..." line for tools/bench/run.sh.
// Single-threaded.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "participant/data_dir.h"
#include "query/engine.h"
#include "storage/record_store.h"
#include "tools/bench/cairnd_storage.h"
#include "tools/bench/measure.h"
#include "tools/bench/year_query.h"

namespace cairn {
namespace {

struct Flags {
  std::string data_dir;
  int year = 2025;
  int runs = 3;
  int queries = 200;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "raw_scan: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int Run(const Flags& flags) {
  DataDir dir(flags.data_dir);
  absl::StatusOr<Database::Options> options = CairndDatabaseOptions(dir.ConfigPath(), dir.DbPath());
  if (!options.ok()) return Fail("config", options.status());
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(*options);
  if (!db.ok()) return Fail("open (is cairnd still running?)", db.status());
  absl::StatusOr<std::unique_ptr<RecordStore>> store = RecordStore::Open(db->get());
  if (!store.ok()) return Fail("open store", store.status());
  const Query query = YearSumByMonthAndProduct(flags.year);

  ExecuteOptions rollups;
  std::vector<double> ms;
  double cpu = 0;
  absl::StatusOr<QueryResult> with_rollups;
  for (int i = 0; i < flags.queries; ++i) {
    const double t0 = WallSeconds(), c0 = ThreadCpuSeconds();
    with_rollups = ExecuteQuery(**store, query, rollups);
    cpu += ThreadCpuSeconds() - c0;
    ms.push_back((WallSeconds() - t0) * 1e3);
    if (!with_rollups.ok()) return Fail("query", with_rollups.status());
  }
  const LatencySummary in_process = Summarize(std::move(ms));

  ExecuteOptions raw;
  raw.use_rollups = false;
  uint64_t scanned = 0;
  double scan_wall = 0, scan_cpu = 0;
  absl::StatusOr<QueryResult> raw_result;
  for (int i = 0; i < flags.runs; ++i) {
    const double t0 = WallSeconds(), c0 = ThreadCpuSeconds();
    raw_result = ExecuteQuery(**store, query, raw);
    scan_cpu += ThreadCpuSeconds() - c0;
    scan_wall += WallSeconds() - t0;
    if (!raw_result.ok()) return Fail("raw query", raw_result.status());
    scanned += raw_result->stats.raw_records;
  }

  absl::StatusOr<std::vector<GroupedSum>> a = FromQueryResult(*with_rollups);
  absl::StatusOr<std::vector<GroupedSum>> b = FromQueryResult(*raw_result);
  if (!a.ok()) return Fail("query", a.status());
  if (!b.ok()) return Fail("raw query", b.status());
  absl::Status same = CompareAnswers(*a, *b, /*relative_tolerance=*/0);
  if (!same.ok()) return Fail("raw scan and rollups disagree", same);

  std::printf("in-process (no RPC), sum(energy) by month and product over %d:\n", flags.year);
  std::printf("  with rollups: p50 %.3f ms, p99 %.3f ms, CPU %.3f ms per query (%zu runs)\n",
              in_process.p50, in_process.p99, cpu * 1e3 / flags.queries, in_process.runs);
  std::printf(
      "  raw records only: %.0f records/s wall, %.0f records/s per CPU-second (%llu records "
      "per run, %.3f s per run, %d runs); answer identical to the rollups'\n",
      scanned / scan_wall, scanned / scan_cpu,
      static_cast<unsigned long long>(raw_result->stats.raw_records), scan_wall / flags.runs,
      flags.runs);
  std::printf(
      "RESULT inproc_p50_ms=%.4f inproc_p99_ms=%.4f inproc_cpu_ms=%.4f raw_records=%llu "
      "raw_rate=%.0f raw_rate_cpu=%.0f raw_s=%.4f\n",
      in_process.p50, in_process.p99, cpu * 1e3 / flags.queries,
      static_cast<unsigned long long>(raw_result->stats.raw_records), scanned / scan_wall,
      scanned / scan_cpu, scan_wall / flags.runs);
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"raw_scan: the year query from raw records, on a stopped cairnd's store"};
  app.add_option("-d,--data-dir", flags.data_dir, "the data dir (cairnd stopped)")->required();
  app.add_option("--year", flags.year, "the calendar year queried")->capture_default_str();
  app.add_option("--runs", flags.runs, "raw-scan runs")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--queries", flags.queries, "in-process queries with rollups")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
