// store_bench: storage-level figures for issue 2 ("The plant side"). Not a test.
//
//   bazel run -c opt //bench:store_bench -- [--series 100] [--days 365] [--batch 50000]
//
// 1. Apply() rate against a bare RocksDB WriteBatch loop writing the same keys and values
//    with the same Database options and sync policy, batch by batch alternately, same run.
// 2. Imports series x (days x 288) records (100 series at 5-minute steps for a year is
//    10.5M), then times the year-long sum by month and product (p50 / p99) and a variant
//    with ragged edges.
// 3. The raw-scan rate: the same query with use_rollups=false.
// 4. Peak RSS (VmHWM) of the import and query phases; Linux only.
// Single-threaded; the machine is shared, so treat the numbers as indicative.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "query/engine.h"
#include "storage/keys.h"
#include "storage/record_store.h"

namespace cairn {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of the calling thread, in seconds: less sensitive to a busy machine than wall time.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// "VmHWM" or "VmRSS" of this process in MiB, from /proc/self/status.
double ProcStatusMiB(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
    }
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so a later reading covers what follows.
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct Config {
  int series = 100;
  int days = 365;
  int batch = 50000;
  int compare_batches = 30;  // batches for the Apply vs bare comparison
  int queries = 200;
  int raw_scans = 3;
  bool sync = true;
  bool rocksdb_stats = false;
  bool reuse = false;  // query the store a previous run left in --dir; no import
  std::string dir;
};

// The synthetic plant: `series` energy series tagged product (20) x line, 5-minute steps
// from 2025-01-01, exported in time order with all series interleaved (like a CSV export).
class Plant {
 public:
  explicit Plant(const Config& c) : config_(c) {
    for (int s = 0; s < c.series; ++s) {
      series_.push_back({"energy",
                         {{"line", absl::StrFormat("l%d", s / 20)},
                          {"product", absl::StrFormat("p%02d", s % 20)}}});
    }
  }
  static constexpr Timestamp kStep = 300 * kMicrosPerSecond;
  static Timestamp Start() { return *ParseTimestamp("2025-01-01T00:00:00Z"); }
  uint64_t TotalPoints() const {
    return static_cast<uint64_t>(config_.series) * config_.days * 288;
  }

  // The batch starting at point `first` (in export order); empty past the end.
  RecordBatch Batch(uint64_t first) const {
    RecordBatch batch;
    batch.series = series_;
    uint64_t end = std::min<uint64_t>(first + config_.batch, TotalPoints());
    for (uint64_t p = first; p < end; ++p) {
      uint32_t s = static_cast<uint32_t>(p % config_.series);
      uint64_t step = p / config_.series;
      uint64_t h = (p * 0x9E3779B97F4A7C15ULL) >> 40;  // deterministic noise
      double value = 20 + s % 7 + static_cast<double>(h % 10000) / 1000.0;
      batch.points.push_back({s, Start() + static_cast<Timestamp>(step) * kStep, value});
    }
    return batch;
  }

 private:
  const Config& config_;
  std::vector<SeriesKey> series_;
};

Database::Options DbOptions(const Config& c, const std::string& name) {
  Database::Options o;
  o.path = c.dir + "/" + name;
  o.sync = c.sync;
  return o;
}

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(v.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*v);
}

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(s.message()).c_str());
    std::exit(1);
  }
}

// Phase 1: Apply() and a bare WriteBatch loop over the same batches, alternately.
void CompareWithBareRocksDb(const Config& c, const Plant& plant) {
  auto store_db = Check(Database::Open(DbOptions(c, "compare_store")), "open");
  auto store = Check(RecordStore::Open(store_db.get()), "open store");
  auto bare_db = Check(Database::Open(DbOptions(c, "compare_bare")), "open bare");
  auto sorted_db = Check(Database::Open(DbOptions(c, "compare_sorted")), "open bare sorted");

  // Writes the batch's keys and values in `order` into `db`'s records family; returns the time.
  auto bare_write = [](Database& db, const RecordBatch& batch, const std::vector<uint32_t>& order) {
    rocksdb::ColumnFamilyHandle* records = db.handle(Family::kRecords);
    auto t0 = Clock::now();
    rocksdb::WriteBatch write;
    char key[kRecordKeySize], value[kRecordValueSize];
    for (uint32_t i : order) {
      const RecordBatch::Point& p = batch.points[i];
      EncodeRecordKey(p.series_index, p.timestamp, key);
      EncodeDouble(p.value, value);
      write.Put(records, rocksdb::Slice(key, sizeof key), rocksdb::Slice(value, sizeof value));
    }
    Check(db.Write(&write), "bare write");
    return Clock::now() - t0;
  };

  Clock::duration store_time{}, bare_time{}, sorted_time{};
  uint64_t points = 0;
  for (int b = 0; b < c.compare_batches; ++b) {
    RecordBatch batch = plant.Batch(static_cast<uint64_t>(b) * c.batch);
    if (batch.points.empty()) break;
    points += batch.points.size();

    auto t0 = Clock::now();
    Check(store->Apply(batch), "apply");
    store_time += Clock::now() - t0;

    std::vector<uint32_t> order(batch.points.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    bare_time += bare_write(*bare_db, batch, order);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {  // not timed
      const auto &pa = batch.points[a], &pb = batch.points[b];
      return std::tie(pa.series_index, pa.timestamp) < std::tie(pb.series_index, pb.timestamp);
    });
    sorted_time += bare_write(*sorted_db, batch, order);
  }
  double store_rate = points / Seconds(store_time), bare_rate = points / Seconds(bare_time);
  double sorted_rate = points / Seconds(sorted_time);
  std::printf("1. Apply vs bare RocksDB WriteBatch (%llu records, batches of %d, sync=%d)\n",
              static_cast<unsigned long long>(points), c.batch, c.sync);
  std::printf("   Apply():                        %10.0f records/s\n", store_rate);
  std::printf("   bare loop, input order:         %10.0f records/s  ratio %.2f (target >= 0.5)\n",
              bare_rate, store_rate / bare_rate);
  std::printf("   bare loop, keys sorted untimed: %10.0f records/s  ratio %.2f\n", sorted_rate,
              store_rate / sorted_rate);
}

struct Percentiles {
  double p50_ms, p99_ms;
  double cpu_p50_ms;  // thread CPU time: what the query costs without the machine's noise
};

Percentiles Time(const RecordStore& store, const Query& q, const ExecuteOptions& o, int runs,
                 QueryResult* last) {
  std::vector<double> ms, cpu_ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    double c0 = ThreadCpuSeconds();
    *last = Check(ExecuteQuery(store, q, o), "query");
    cpu_ms.push_back((ThreadCpuSeconds() - c0) * 1000);
    ms.push_back(Seconds(Clock::now() - t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)],
          cpu_ms[cpu_ms.size() / 2]};
}

void ImportAndQuery(const Config& c, const Plant& plant) {
  ResetPeakRss();
  auto db = Check(Database::Open(DbOptions(c, "store")), "open");
  auto store = Check(RecordStore::Open(db.get()), "open store");

  auto t0 = Clock::now();
  Clock::duration apply_time{};
  double apply_cpu = 0;
  uint64_t total = c.reuse ? 0 : plant.TotalPoints();
  for (uint64_t first = 0; first < total; first += c.batch) {
    RecordBatch batch = plant.Batch(first);
    auto a0 = Clock::now();
    double c0 = ThreadCpuSeconds();
    Check(store->Apply(batch), "apply");
    apply_cpu += ThreadCpuSeconds() - c0;
    apply_time += Clock::now() - a0;
  }
  double import_s = Seconds(Clock::now() - t0);
  double import_rss = ProcStatusMiB("VmHWM");
  if (total > 0) {
    std::printf(
        "2. Import of %llu records (%d series, %d days at 5 min): %.1f s; Apply() alone"
        " %.0f records/s (%.0f per CPU-second of the calling thread)\n",
        static_cast<unsigned long long>(total), c.series, c.days, import_s,
        total / Seconds(apply_time), total / apply_cpu);
  } else {
    std::printf("2. Reusing the store in %s (%llu records)\n", db->path().c_str(),
                static_cast<unsigned long long>(store->Stats().records));
  }
  if (c.rocksdb_stats) {
    std::string stats;
    db->db()->GetProperty(db->handle(Family::kRecords), "rocksdb.stats", &stats);
    std::printf("%s\n", stats.c_str());
  }
  std::printf("   disk %.0f MiB; peak RSS during import %.0f MiB\n", db->DiskBytes() / 1048576.0,
              import_rss);

  Query q;
  q.metric = "energy";
  q.aggregate = Aggregate::kSum;
  q.from = Plant::Start();
  q.to = *ParseTimestamp("2026-01-01T00:00:00Z");
  q.time_group = Granularity::kMonth;
  q.group_tags = {"product"};
  QueryResult result;
  ExecuteOptions rollups;
  Percentiles aligned = Time(*store, q, rollups, c.queries, &result);
  std::printf(
      "   year-long sum by month and product: p50 %.2f ms, p99 %.2f ms, CPU p50 %.2f ms"
      " (%zu rows, %llu rollup buckets, %llu raw records; target p50 < 5 ms)\n",
      aligned.p50_ms, aligned.p99_ms, aligned.cpu_p50_ms, result.rows.size(),
      static_cast<unsigned long long>(result.stats.rollup_buckets),
      static_cast<unsigned long long>(result.stats.raw_records));

  Query ragged = q;
  ragged.from = *ParseTimestamp("2025-01-03T05:17:00Z");
  ragged.to = *ParseTimestamp("2025-12-28T19:43:00Z");
  Percentiles edges = Time(*store, ragged, rollups, c.queries, &result);
  std::printf(
      "   the same with ragged edges:         p50 %.2f ms, p99 %.2f ms, CPU p50 %.2f ms"
      " (%llu rollup buckets, %llu raw records)\n",
      edges.p50_ms, edges.p99_ms, edges.cpu_p50_ms,
      static_cast<unsigned long long>(result.stats.rollup_buckets),
      static_cast<unsigned long long>(result.stats.raw_records));

  ExecuteOptions raw;
  raw.use_rollups = false;
  auto s0 = Clock::now();
  uint64_t scanned = 0;
  for (int i = 0; i < c.raw_scans; ++i) {
    result = Check(ExecuteQuery(*store, q, raw), "raw query");
    scanned += result.stats.raw_records;
  }
  double scan_s = Seconds(Clock::now() - s0);
  std::printf(
      "3. Raw scan (use_rollups=false, same query): %.0f records/s (%d runs, %.2f s"
      " each)\n",
      scanned / scan_s, c.raw_scans, scan_s / c.raw_scans);
  std::printf(
      "4. Peak RSS (VmHWM) over import and queries: %.0f MiB (target < 300); now %.0f"
      " MiB\n",
      ProcStatusMiB("VmHWM"), ProcStatusMiB("VmRSS"));
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Config c;
  CLI::App app{"Cairn storage benchmark"};
  app.add_option("--series", c.series, "series (product x line)");
  app.add_option("--days", c.days, "days of 5-minute data per series");
  app.add_option("--batch", c.batch, "points per Apply()");
  app.add_option("--compare-batches", c.compare_batches, "batches for the bare comparison");
  app.add_option("--queries", c.queries, "runs per timed query");
  app.add_option("--raw-scans", c.raw_scans, "runs of the raw-scan query");
  app.add_option("--sync", c.sync, "fsync the WAL on every write");
  app.add_option("--rocksdb-stats", c.rocksdb_stats, "print RocksDB's statistics after import");
  app.add_flag("--reuse", c.reuse, "query the store left in --dir by an earlier run");
  app.add_option("--dir", c.dir, "scratch directory (default: a fresh one under /tmp)");
  CLI11_PARSE(app, argc, argv);
  bool own_dir = c.dir.empty();
  if (own_dir) {
    c.dir = absl::StrCat(std::filesystem::temp_directory_path().string(), "/cairn_store_bench_",
                         getpid());
  }
  std::printf("store_bench in %s (a shared 2-core machine: expect noise)\n", c.dir.c_str());
  cairn::Plant plant(c);
  if (!c.reuse) {
    std::filesystem::remove_all(c.dir);
    cairn::CompareWithBareRocksDb(c, plant);
    std::filesystem::remove_all(c.dir + "/compare_store");
    std::filesystem::remove_all(c.dir + "/compare_bare");
    std::filesystem::remove_all(c.dir + "/compare_sorted");
  }
  cairn::ImportAndQuery(c, plant);
  if (own_dir) std::filesystem::remove_all(c.dir);
  return 0;
}
