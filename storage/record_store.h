// RecordStore: raw records, the series catalog, the metric registry and rollups, in RocksDB.
//
// Layout (column families of Database): records are keyed by (series id, timestamp) so that a
// series' records are contiguous in time order; rollups hold, per series and bucket of each
// level (hour, day, month), the count, exact sum, min and max of the records in that bucket.
// Rollups are maintained in the same WriteBatch as the records they summarise, so they always
// equal a scan of the raw records; CheckConsistency() verifies that.
//
// Threading: Apply() and RegisterMetric() are the writer path; they serialise on an internal
// mutex, so calling them from several threads is safe but gains nothing (the daemon calls them
// from one writer thread). Everything else is thread-safe and runs concurrently with the
// writer without blocking it: readers see a consistent snapshot (a RocksDB snapshot plus an
// immutable series catalog).
#ifndef CAIRN_STORAGE_RECORD_STORE_H_
#define CAIRN_STORAGE_RECORD_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/time.h"
#include "model/metric_registry.h"
#include "model/series.h"
#include "storage/database.h"
#include "storage/rollup.h"

namespace cairn {


struct StoreStats {
  uint64_t records = 0;
  uint64_t series = 0;
  uint64_t disk_bytes = 0;
};

class RecordStore {
 public:
  // Loads the catalog and registry from `db` (which must outlive the store).
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(Database* db);
  ~RecordStore();

  // Writes a batch atomically (records, new series, rollups, record counter: one WriteBatch)
  // and durably on OK (the WAL is synced when the Database's Options::sync is set). Validates
  // first: InvalidArgument naming the series or point index if a metric is unknown, a value
  // is not finite or out of range, a timestamp is outside 1900..9999, a series index is out of
  // range or tags are not normalised; in that case nothing is written. Within a batch a later
  // point for the same key wins. -0.0 is stored as 0.0. ResourceExhausted when series ids run
  // out; Internal / DataLoss for storage errors (nothing written either).
  absl::StatusOr<ImportOutcome> Apply(const RecordBatch& batch);

  // Registers a custom metric durably (see MetricRegistry::Register). Single-writer.
  absl::Status RegisterMetric(const Metric& metric);
  MetricRegistry Metrics() const;

  StoreStats Stats() const;

  // Verifies every rollup against a scan of the raw records (and the record counter).
  // Returns OK, or DataLoss listing the first mismatches. Reads everything: for tests and
  // `cairnctl fsck`, not for the query path. `progress` (may be empty) is called with the
  // fraction done, 0..1.
  absl::Status CheckConsistency(const std::function<void(double)>& progress = {}) const;

  // ---- Read side, used by the query engine. ----
  class Reader;
  // A consistent view of the store at the moment of the call. Every batch is either wholly
  // visible to it or not at all.
  std::unique_ptr<Reader> NewReader() const;

 private:
  class Impl;
  explicit RecordStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A Reader is used by one thread at a time (make one per query); its callbacks must not call
// back into the same Reader. Errors: DataLoss for an undecodable entry, Internal for RocksDB
// errors.
class RecordStore::Reader {
 public:
  virtual ~Reader() = default;

  // Series of `metric` whose tags match every filter (tag -> allowed values; the value ""
  // matches series lacking the tag), in id order. May include series created after the
  // snapshot was taken; those have no records in it.
  struct SeriesInfo {
    SeriesId id;
    const SeriesKey* key;  // valid while the Reader lives
  };
  virtual std::vector<SeriesInfo> FindSeries(
      absl::string_view metric,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& filters) const = 0;

  // Calls `fn(bucket_start, aggregates)` for each rollup bucket of `level` of series `id` with
  // bucket_start in [from, to) (both aligned to the level), in time order.
  virtual absl::Status ScanRollups(
      SeriesId id, RollupLevel level, Timestamp from, Timestamp to,
      const std::function<void(Timestamp, const Aggregates&)>& fn) const = 0;

  // Calls `fn(timestamp, value)` for each raw record of series `id` in [from, to), in time order.
  virtual absl::Status ScanRecords(SeriesId id, Timestamp from, Timestamp to,
                                   const std::function<void(Timestamp, double)>& fn) const = 0;
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_RECORD_STORE_H_
