// bare_writebatch: the peer that issue 2's import rate is compared with: a bare RocksDB
// WriteBatch loop writing the keys and values cairnd stores for the same CSV file.
//
//   bare_writebatch --csv plant.csv --db SCRATCH/bare [--config DATA_DIR/cairnd.toml]
//                   [--batch 50000] [--sort]
//
// Reads the CSV with the RecordReader cairnctl uses, numbers series in order of first
// appearance (as RecordStore does for a fresh store, so the keys are cairnd's keys), and per
// batch of --batch records writes one WriteBatch of record keys and values (storage/keys.h)
// into the records column family of a Database opened with the options cairnd derives from
// its config, the fsync per batch included. No rollups, no catalog, no validation, no RPC:
// only what any store of these records must write.
//
// With --sort each batch is first put in key order, untimed (RocksDB's memtable takes sorted
// keys much faster; RecordStore sorts too), which makes the stricter peer.
// Timed separately: the write loop alone (key and value encoding, Put, Write with its
// fsync), which is the peer's rate, and the whole run including CSV parsing. For the write
// loop the scheduler also says how long the thread ran, waited for a CPU other processes held,
// and was blocked (fsync). Prints a human summary and one "RESULT key=value ..." line for
// tools/bench/run.sh. Single-threaded, apart from RocksDB's background flushes and compactions.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "ingest/record_reader.h"
#include "model/metric_registry.h"
#include "storage/database.h"
#include "tools/bench/bare_writer.h"
#include "tools/bench/cairnd_storage.h"
#include "tools/bench/measure.h"

namespace cairn {
namespace {

struct Flags {
  std::string csv;
  std::string db;
  std::string config;  // cairnd.toml; empty: the defaults `cairnctl init` writes
  size_t batch = 50000;
  bool sort = false;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "bare_writebatch: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int Run(const Flags& flags) {
  if (std::filesystem::exists(flags.db) && !std::filesystem::is_empty(flags.db)) {
    return Fail(flags.db, absl::FailedPreconditionError("exists and is not empty"));
  }
  absl::StatusOr<Database::Options> options = CairndDatabaseOptions(flags.config, flags.db);
  if (!options.ok()) return Fail("config", options.status());
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(*options);
  if (!db.ok()) return Fail("open", db.status());
  BareRecordWriter writer(db->get());

  MetricRegistry registry;
  absl::StatusOr<std::unique_ptr<RecordReader>> reader =
      RecordReader::Open(flags.csv, InputFormat::kCsv, registry);
  if (!reader.ok()) return Fail("open", reader.status());

  const double started = WallSeconds(), started_cpu = ProcessCpuSeconds();
  std::vector<RowError> errors;
  RecordBatch batch;
  uint64_t written = 0, batches = 0;
  double write_wall = 0, write_cpu = 0;
  SchedStat write_sched;  // of the loop thread, over the write loop
  while (true) {
    absl::StatusOr<bool> more = (*reader)->NextBatch(flags.batch, &batch, &errors);
    if (!more.ok()) return Fail("read", more.status());
    if (!errors.empty()) {
      return Fail(flags.csv, absl::InvalidArgumentError(errors.front().ToString()));
    }
    if (!*more) break;
    if (batch.points.empty()) continue;

    if (flags.sort) writer.SortByKey(&batch);
    const double t0 = WallSeconds(), c0 = ThreadCpuSeconds();
    const SchedStat s0 = ThreadSchedStat();
    absl::Status status = writer.Write(batch);
    if (!status.ok()) return Fail("write", status);
    const SchedStat s1 = ThreadSchedStat();
    write_cpu += ThreadCpuSeconds() - c0;
    write_wall += WallSeconds() - t0;
    write_sched.run_s += s1.run_s - s0.run_s;
    write_sched.wait_s += s1.wait_s - s0.wait_s;
    written += batch.points.size();
    ++batches;
  }
  const double total_wall = WallSeconds() - started;
  const double total_cpu = ProcessCpuSeconds() - started_cpu;

  std::printf("bare WriteBatch loop: %llu records, %llu batches of up to %zu, sync=%d, %s\n",
              static_cast<unsigned long long>(written), static_cast<unsigned long long>(batches),
              flags.batch, options->sync,
              flags.sort ? "each batch sorted by key first (untimed)" : "keys in file order");
  std::printf(
      "  write loop alone: %.2f s wall (%.0f records/s): the thread ran %.2f s (CPU clock"
      " %.2f s), waited %.2f s for a CPU, was blocked (fsync) %.2f s\n",
      write_wall, written / write_wall, write_sched.run_s, write_cpu, write_sched.wait_s,
      write_wall - write_sched.run_s - write_sched.wait_s);
  std::printf("  with CSV parsing: %.2f s wall (%.0f records/s), %.2f s CPU of the process\n",
              total_wall, written / total_wall, total_cpu);
  std::printf(
      "RESULT records=%llu batches=%llu write_s=%.4f write_cpu_s=%.4f write_wait_s=%.4f "
      "total_s=%.4f total_cpu_s=%.4f\n",
      static_cast<unsigned long long>(written), static_cast<unsigned long long>(batches),
      write_wall, write_cpu, write_sched.wait_s, total_wall, total_cpu);
  return 0;
}

}  // namespace
}  // namespace cairn

int main(int argc, char** argv) {
  cairn::Flags flags;
  CLI::App app{"bare_writebatch: a bare RocksDB WriteBatch loop over a CSV file's records"};
  app.add_option("--csv", flags.csv, "CSV file (cairn-datagen output)")->required();
  app.add_option("--db", flags.db, "directory for the RocksDB database (new or empty)")->required();
  app.add_option("--config", flags.config, "cairnd.toml whose [storage] options to use");
  app.add_option("--batch", flags.batch, "records per WriteBatch (cairnctl's --batch-size)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_flag("--sort", flags.sort, "sort each batch by key before timing its write");
  CLI11_PARSE(app, argc, argv);
  return cairn::Run(flags);
}
