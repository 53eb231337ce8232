// RecordStore: raw records, the series catalog, the metric registry and rollups, in RocksDB.
//
// Layout (column families of Database): records are keyed by (series id, timestamp) so that a
// series' records are contiguous in time order; rollups hold, per series and bucket of each
// level (hour, day, month), the count, exact sum, min and max of the records in that bucket.
// Rollups are maintained in the same WriteBatch as the records they summarise, so they always
// equal a scan of the raw records; CheckConsistency() verifies that.
//
// Threading: Apply() and RegisterMetric() are the single writer path and must not run
// concurrently with each other (the daemon calls them from one writer thread). Everything else
// is thread-safe and may run concurrently with the writer; readers see a consistent snapshot.
#ifndef CAIRN_STORAGE_RECORD_STORE_H_
#define CAIRN_STORAGE_RECORD_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/exact_sum.h"
#include "base/time.h"
#include "model/metric_registry.h"
#include "model/series.h"
#include "storage/database.h"

namespace cairn {


// Statistics of one rollup bucket or of any set of records.
struct Aggregates {
  uint64_t count = 0;
  ExactSum sum;
  double min = 0;  // meaningful only when count > 0
  double max = 0;

  void Add(double v);
  void Merge(const Aggregates& other);
  friend bool operator==(const Aggregates& a, const Aggregates& b);
};

struct StoreStats {
  uint64_t records = 0;
  uint64_t series = 0;
  uint64_t disk_bytes = 0;
};

using SeriesId = uint32_t;

class RecordStore {
 public:
  // Loads the catalog and registry from `db` (which must outlive the store).
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(Database* db);
  ~RecordStore();

  // Writes a batch atomically (records, new series, rollups) and durably on OK. Validates
  // first: InvalidArgument naming the point index if a metric is unknown, a value is not
  // finite or out of range, a series index is out of range or tags are not normalised; in
  // that case nothing is written. Single-writer.
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
  // A consistent view of the store at the moment of the call.
  std::unique_ptr<Reader> NewReader() const;

 private:
  class Impl;
  explicit RecordStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Rollup levels kept by the store.
enum class RollupLevel { kHour, kDay, kMonth };

class RecordStore::Reader {
 public:
  virtual ~Reader() = default;

  // Series of `metric` whose tags match every filter (tag -> allowed values).
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
