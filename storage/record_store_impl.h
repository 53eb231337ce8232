// RecordStore's private state, shared by the files that implement it (record_store.cc: open,
// metrics and readers; record_store_apply.cc: the write path; record_store_check.cc:
// consistency checking). Not part of any API: only //storage includes it.
//
// Threading: `writer_mu` serialises the write path and guards the writer's own state;
// `mu` guards what readers take (catalog, registry, record count) and is held only to copy or
// swap pointers, so readers and the writer never wait on each other's I/O.
#ifndef CAIRN_STORAGE_RECORD_STORE_IMPL_H_
#define CAIRN_STORAGE_RECORD_STORE_IMPL_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "storage/record_store.h"
#include "storage/series_catalog.h"

namespace cairn {

// High-water mark of a series without records: below every valid timestamp.
inline constexpr Timestamp kNoRecords = std::numeric_limits<Timestamp>::min();

class RecordStore::Impl {
 public:
  explicit Impl(Database* db);

  // Loads format version, registry, catalog, record counter and high-water marks.
  absl::Status Load();

  absl::StatusOr<ImportOutcome> Apply(const RecordBatch& batch);
  absl::Status RegisterMetric(const Metric& metric);
  absl::Status CheckConsistency(const std::function<void(double)>& progress) const;

  std::shared_ptr<const SeriesCatalog> catalog() const {
    absl::MutexLock lock(&mu_);
    return catalog_;
  }
  std::shared_ptr<const MetricRegistry> registry() const {
    absl::MutexLock lock(&mu_);
    return registry_;
  }
  uint64_t record_count() const {
    absl::MutexLock lock(&mu_);
    return records_;
  }

  Database* const db_;
  rocksdb::ColumnFamilyHandle* const meta_;
  rocksdb::ColumnFamilyHandle* const records_cf_;
  rocksdb::ColumnFamilyHandle* const rollups_cf_;

  absl::Mutex writer_mu_;
  // Per series id: the highest timestamp stored, or kNoRecords. A point above it is new.
  std::vector<Timestamp> high_water_ ABSL_GUARDED_BY(writer_mu_);
  absl::flat_hash_map<std::string, SeriesId> ids_by_encoding_ ABSL_GUARDED_BY(writer_mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<const SeriesCatalog> catalog_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const MetricRegistry> registry_ ABSL_GUARDED_BY(mu_);
  uint64_t records_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_RECORD_STORE_IMPL_H_
