#include "storage/record_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/keys.h"
#include "storage/record_store_impl.h"

namespace cairn {

// ---- Impl: opening ----

RecordStore::Impl::Impl(Database* db)
    : db_(db),
      meta_(db->handle(Family::kMeta)),
      records_cf_(db->handle(Family::kRecords)),
      rollups_cf_(db->handle(Family::kRollups)),
      catalog_(std::make_shared<const SeriesCatalog>()),
      registry_(std::make_shared<const MetricRegistry>()) {}

absl::Status RecordStore::Impl::Load() {
  absl::MutexLock writer(&writer_mu_);
  rocksdb::DB* rdb = db_->db();
  std::string version_value;
  rocksdb::Status s = rdb->Get(rocksdb::ReadOptions(), meta_, kMetaFormatVersion, &version_value);
  if (s.IsNotFound()) {
    // A new store: nothing may exist yet.
    std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), records_cf_));
    it->SeekToFirst();
    if (it->Valid()) {
      return absl::DataLossError(
          absl::StrCat("record store in ", db_->path(), " has records but no format version"));
    }
    rocksdb::WriteBatch init;
    init.Put(meta_, kMetaFormatVersion, EncodeU64(kFormatVersion));
    init.Put(meta_, kMetaRecordCount, EncodeU64(0));
    return db_->Write(&init);
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(s, "reading the record store's format version"));
  uint64_t version = 0;
  if (!DecodeU64(version_value, &version)) {
    return absl::DataLossError(
        absl::StrCat("record store in ", db_->path(), ": undecodable format version"));
  }
  if (version != kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("record store in ", db_->path(), " has format version ", version,
                     "; this build reads version ", kFormatVersion));
  }

  MetricRegistry registry;
  std::vector<SeriesKey> series;
  uint64_t records = 0;
  bool have_counter = false;
  std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), meta_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    absl::string_view value(it->value().data(), it->value().size());
    if (key == kMetaRecordCount) {
      if (!DecodeU64(value, &records)) return absl::DataLossError("undecodable record counter");
      have_counter = true;
    } else if (!key.empty() && key[0] == kMetaMetricPrefix) {
      Metric metric;
      metric.name = std::string(key.substr(1));
      size_t nul = value.find('\0');
      metric.unit = std::string(value.substr(0, nul));
      if (nul != absl::string_view::npos) metric.description = std::string(value.substr(nul + 1));
      absl::Status registered = registry.Register(metric);
      if (!registered.ok()) {
        return absl::DataLossError(absl::StrCat("stored metric '", metric.name,
                                                "' cannot be loaded: ", registered.message()));
      }
    } else if (!key.empty() && key[0] == kMetaSeriesPrefix) {
      SeriesId id;
      SeriesKey series_key;
      if (!DecodeSeriesMetaKey(key, &id) || !SeriesKey::Decode(value, &series_key)) {
        return absl::DataLossError(
            absl::StrCat("undecodable series catalog entry ", absl::CHexEscape(key)));
      }
      if (id != series.size()) {
        return absl::DataLossError(absl::StrCat("series catalog has a gap: id ", id, " follows ",
                                                series.size(), " entries"));
      }
      series.push_back(std::move(series_key));
    }
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "reading the series catalog"));
  if (!have_counter) return absl::DataLossError("record store has no record counter");

  // High-water marks: the last record of each series.
  std::vector<Timestamp> high_water(series.size(), kNoRecords);
  std::unique_ptr<rocksdb::Iterator> rec(rdb->NewIterator(rocksdb::ReadOptions(), records_cf_));
  for (SeriesId id = 0; id < series.size(); ++id) {
    rec->SeekForPrev(RecordKey(id, std::numeric_limits<Timestamp>::max()));
    SeriesId found;
    Timestamp ts;
    if (rec->Valid() &&
        DecodeRecordKey(absl::string_view(rec->key().data(), rec->key().size()), &found, &ts) &&
        found == id) {
      high_water[id] = ts;
    }
  }
  CAIRN_RETURN_IF_ERROR(FromRocks(rec->status(), "reading the last record of each series"));

  absl::flat_hash_map<std::string, SeriesId> ids;
  for (SeriesId id = 0; id < series.size(); ++id) ids.emplace(series[id].Encode(), id);
  high_water_ = std::move(high_water);
  ids_by_encoding_ = std::move(ids);
  absl::MutexLock lock(&mu_);
  catalog_ = SeriesCatalog().WithSeries(std::move(series));
  registry_ = std::make_shared<const MetricRegistry>(std::move(registry));
  records_ = records;
  return absl::OkStatus();
}

absl::Status RecordStore::Impl::RegisterMetric(const Metric& metric) {
  absl::MutexLock writer(&writer_mu_);
  auto next = std::make_shared<MetricRegistry>(*registry());
  const Metric* before = next->Find(metric.name);
  bool existed = before != nullptr;
  CAIRN_RETURN_IF_ERROR(next->Register(metric));
  if (existed) return absl::OkStatus();  // the same definition again
  rocksdb::WriteBatch batch;
  batch.Put(meta_, absl::StrCat(std::string(1, kMetaMetricPrefix), metric.name),
            absl::StrCat(metric.unit, absl::string_view("\0", 1), metric.description));
  CAIRN_RETURN_IF_ERROR(db_->Write(&batch));
  absl::MutexLock lock(&mu_);
  registry_ = std::move(next);
  return absl::OkStatus();
}

// ---- Reader ----

namespace {

class SnapshotReader : public RecordStore::Reader {
 public:
  // `catalog` must be taken after the snapshot, so that it knows every series the snapshot
  // holds records of (the writer publishes new series before writing them).
  SnapshotReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* records_cf,
                 rocksdb::ColumnFamilyHandle* rollups_cf, const rocksdb::Snapshot* snapshot,
                 std::shared_ptr<const SeriesCatalog> catalog)
      : db_(db),
        records_cf_(records_cf),
        rollups_cf_(rollups_cf),
        snapshot_(snapshot),
        catalog_(std::move(catalog)) {
    read_options_.snapshot = snapshot_;
  }

  ~SnapshotReader() override {
    records_it_.reset();
    rollups_it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }

  std::vector<SeriesInfo> FindSeries(
      absl::string_view metric,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& filters) const override {
    std::vector<SeriesInfo> out;
    for (SeriesId id : catalog_->Find(metric, filters)) {
      out.push_back(SeriesInfo{id, &catalog_->key(id)});
    }
    return out;
  }

  absl::Status ScanRollups(
      SeriesId id, RollupLevel level, Timestamp from, Timestamp to,
      const std::function<void(Timestamp, const Aggregates&)>& fn) const override {
    if (from >= to) return absl::OkStatus();
    if (rollups_it_ == nullptr) rollups_it_.reset(db_->NewIterator(read_options_, rollups_cf_));
    char start[kRollupKeySize], end[kRollupKeySize];
    EncodeRollupKey(level, id, from, start);
    EncodeRollupKey(level, id, to, end);
    rocksdb::Slice end_slice(end, kRollupKeySize);
    rocksdb::Iterator* it = rollups_it_.get();
    for (it->Seek(rocksdb::Slice(start, kRollupKeySize));
         it->Valid() && it->key().compare(end_slice) < 0; it->Next()) {
      RollupLevel l;
      SeriesId s;
      Timestamp bucket;
      Aggregates a;
      if (!DecodeRollupKey(absl::string_view(it->key().data(), it->key().size()), &l, &s,
                           &bucket) ||
          !DecodeAggregates(absl::string_view(it->value().data(), it->value().size()), &a)) {
        return absl::DataLossError(absl::StrCat("undecodable rollup entry of series ", id, " near ",
                                                FormatTimestamp(from)));
      }
      fn(bucket, a);
    }
    return FromRocks(it->status(), "scanning rollups");
  }

  absl::Status ScanRecords(SeriesId id, Timestamp from, Timestamp to,
                           const std::function<void(Timestamp, double)>& fn) const override {
    if (from >= to) return absl::OkStatus();
    if (records_it_ == nullptr) records_it_.reset(db_->NewIterator(read_options_, records_cf_));
    char start[kRecordKeySize], end[kRecordKeySize];
    EncodeRecordKey(id, from, start);
    EncodeRecordKey(id, to, end);
    rocksdb::Slice end_slice(end, kRecordKeySize);
    rocksdb::Iterator* it = records_it_.get();
    for (it->Seek(rocksdb::Slice(start, kRecordKeySize));
         it->Valid() && it->key().compare(end_slice) < 0; it->Next()) {
      SeriesId s;
      Timestamp ts;
      rocksdb::Slice value = it->value();
      if (!DecodeRecordKey(absl::string_view(it->key().data(), it->key().size()), &s, &ts) ||
          value.size() != kRecordValueSize) {
        return absl::DataLossError(
            absl::StrCat("undecodable record of series ", id, " near ", FormatTimestamp(from)));
      }
      fn(ts, DecodeDouble(value.data()));
    }
    return FromRocks(it->status(), "scanning records");
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const records_cf_;
  rocksdb::ColumnFamilyHandle* const rollups_cf_;
  const rocksdb::Snapshot* const snapshot_;
  const std::shared_ptr<const SeriesCatalog> catalog_;
  rocksdb::ReadOptions read_options_;
  // Created on first use and reused by later scans (re-seeking is much cheaper).
  mutable std::unique_ptr<rocksdb::Iterator> records_it_;
  mutable std::unique_ptr<rocksdb::Iterator> rollups_it_;
};

}  // namespace

// ---- RecordStore ----

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(Database* db) {
  auto impl = std::make_unique<Impl>(db);
  CAIRN_RETURN_IF_ERROR(impl->Load());
  return std::unique_ptr<RecordStore>(new RecordStore(std::move(impl)));
}

RecordStore::RecordStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordStore::~RecordStore() = default;

absl::StatusOr<ImportOutcome> RecordStore::Apply(const RecordBatch& batch) {
  return impl_->Apply(batch);
}

absl::Status RecordStore::RegisterMetric(const Metric& metric) {
  return impl_->RegisterMetric(metric);
}

MetricRegistry RecordStore::Metrics() const { return *impl_->registry(); }

StoreStats RecordStore::Stats() const {
  StoreStats stats;
  stats.records = impl_->record_count();
  stats.series = impl_->catalog()->size();
  stats.disk_bytes = impl_->db_->DiskBytes();
  return stats;
}

absl::Status RecordStore::CheckConsistency(const std::function<void(double)>& progress) const {
  return impl_->CheckConsistency(progress);
}

std::unique_ptr<RecordStore::Reader> RecordStore::NewReader() const {
  rocksdb::DB* db = impl_->db_->db();
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  return std::make_unique<SnapshotReader>(db, impl_->records_cf_, impl_->rollups_cf_, snapshot,
                                          impl_->catalog());
}

}  // namespace cairn
