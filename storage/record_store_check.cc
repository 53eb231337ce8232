// RecordStore::CheckConsistency: recomputes every rollup from the raw records and compares.
//
// Streams: records are read in (series, timestamp) order, so each level's expected buckets
// come out in key order and are compared against a rollup iterator of that level walking in
// step. Memory stays constant whatever the store's size. Reads one RocksDB snapshot, so a
// concurrent writer causes no false reports.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "storage/keys.h"
#include "storage/record_store_impl.h"

namespace cairn {
namespace {

constexpr size_t kMaxReported = 5;

std::string Describe(const Aggregates& a) {
  if (a.count == 0) return "empty";
  return absl::StrCat("count=", a.count, " sum=", a.sum.ToDouble(), " min=", a.min, " max=", a.max);
}

class Checker {
 public:
  Checker(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* rollups_cf,
          const rocksdb::ReadOptions& read_options, const SeriesCatalog& catalog)
      : catalog_(catalog) {
    for (int l = 0; l < 3; ++l) {
      stored_[l].reset(db->NewIterator(read_options, rollups_cf));
      stored_[l]->Seek(std::string(1, static_cast<char>(l)));
    }
  }

  void Mismatch(std::string what) {
    ++mismatches_;
    if (reported_.size() < kMaxReported) reported_.push_back(std::move(what));
  }

  void AddRecord(SeriesId sid, Timestamp ts, double v) {
    if (sid >= catalog_.size() && !unknown_reported_) {
      unknown_reported_ = true;
      Mismatch(absl::StrCat("records of series ", sid, " missing from the catalog"));
    }
    for (int l = 0; l < 3; ++l) {
      Timestamp start = LevelBucketFloor(kRollupLevels[l], ts);
      Pending& p = pending_[l];
      if (p.active && (p.sid != sid || p.start != start)) Emit(l);
      if (!p.active) {
        p = Pending{true, sid, start, Aggregates()};
      }
      p.agg.Add(v);
    }
  }

  // Flushes pending buckets and reports rollups that no record backs.
  absl::Status Finish() {
    for (int l = 0; l < 3; ++l) {
      if (pending_[l].active) Emit(l);
      rocksdb::Iterator* it = stored_[l].get();
      while (InLevel(l)) {
        ReportStored(l, "exists without records");
        it->Next();
      }
      CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "scanning rollups"));
    }
    return absl::OkStatus();
  }

  uint64_t mismatches() const { return mismatches_; }
  const std::vector<std::string>& reported() const { return reported_; }

 private:
  struct Pending {
    bool active = false;
    SeriesId sid = 0;
    Timestamp start = 0;
    Aggregates agg;
  };

  bool InLevel(int l) const {
    rocksdb::Iterator* it = stored_[l].get();
    return it->Valid() && !it->key().empty() && it->key()[0] == static_cast<char>(l);
  }

  std::string BucketName(int l, SeriesId sid, Timestamp start) const {
    std::string series = absl::StrCat("series ", sid);
    if (sid < catalog_.size()) {
      const SeriesKey& key = catalog_.key(sid);
      std::vector<std::string> tags;
      for (const auto& [k, v] : key.tags) tags.push_back(absl::StrCat(k, "=", v));
      absl::StrAppend(&series, " (", key.metric, "{", absl::StrJoin(tags, ","), "})");
    }
    return absl::StrCat(GranularityName(LevelGranularity(kRollupLevels[l])), " rollup of ", series,
                        " at ", FormatTimestamp(start));
  }

  void ReportStored(int l, absl::string_view problem) {
    RollupLevel level;
    SeriesId sid;
    Timestamp start;
    rocksdb::Slice k = stored_[l]->key();
    if (DecodeRollupKey(absl::string_view(k.data(), k.size()), &level, &sid, &start)) {
      Mismatch(absl::StrCat(BucketName(l, sid, start), " ", problem));
    } else {
      Mismatch(absl::StrCat("undecodable rollup key ",
                            absl::CHexEscape(absl::string_view(k.data(), k.size()))));
    }
  }

  // Compares the finished expected bucket of level `l` with the stored one.
  void Emit(int l) {
    Pending& p = pending_[l];
    p.active = false;
    char key[kRollupKeySize];
    EncodeRollupKey(kRollupLevels[l], p.sid, p.start, key);
    rocksdb::Slice expected_key(key, kRollupKeySize);
    rocksdb::Iterator* it = stored_[l].get();
    while (InLevel(l) && it->key().compare(expected_key) < 0) {
      ReportStored(l, "exists without records");
      it->Next();
    }
    if (!InLevel(l) || it->key().compare(expected_key) != 0) {
      Mismatch(absl::StrCat(BucketName(l, p.sid, p.start), " is missing; records give ",
                            Describe(p.agg)));
      return;
    }
    Aggregates stored;
    if (!DecodeAggregates(absl::string_view(it->value().data(), it->value().size()), &stored)) {
      Mismatch(absl::StrCat(BucketName(l, p.sid, p.start), " is undecodable"));
    } else if (!(stored == p.agg)) {
      Mismatch(absl::StrCat(BucketName(l, p.sid, p.start), ": stored ", Describe(stored),
                            ", records give ", Describe(p.agg)));
    }
    it->Next();
  }

  const SeriesCatalog& catalog_;
  std::unique_ptr<rocksdb::Iterator> stored_[3];
  Pending pending_[3];
  uint64_t mismatches_ = 0;
  bool unknown_reported_ = false;
  std::vector<std::string> reported_;
};

}  // namespace

absl::Status RecordStore::Impl::CheckConsistency(
    const std::function<void(double)>& progress) const {
  rocksdb::DB* rdb = db_->db();
  const rocksdb::Snapshot* snapshot = rdb->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{rdb, snapshot};
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  read_options.fill_cache = false;  // a full scan would evict the query path's blocks
  std::shared_ptr<const SeriesCatalog> catalog = this->catalog();

  std::string counter_value;
  uint64_t counter = 0;
  CAIRN_RETURN_IF_ERROR(FromRocks(rdb->Get(read_options, meta_, kMetaRecordCount, &counter_value),
                                  "reading the record counter"));
  if (!DecodeU64(counter_value, &counter)) return absl::DataLossError("undecodable record counter");

  Checker checker(rdb, rollups_cf_, read_options, *catalog);
  uint64_t scanned = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(read_options, records_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      SeriesId sid;
      Timestamp ts;
      if (!DecodeRecordKey(absl::string_view(it->key().data(), it->key().size()), &sid, &ts) ||
          it->value().size() != kRecordValueSize) {
        checker.Mismatch(
            absl::StrCat("undecodable record ",
                         absl::CHexEscape(absl::string_view(it->key().data(), it->key().size()))));
        continue;
      }
      checker.AddRecord(sid, ts, DecodeDouble(it->value().data()));
      if (++scanned % (1 << 20) == 0 && progress) {
        progress(counter == 0 ? 0.99 : std::min(0.99, static_cast<double>(scanned) / counter));
      }
    }
    CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "scanning records"));
  }
  CAIRN_RETURN_IF_ERROR(checker.Finish());
  if (scanned != counter) {
    checker.Mismatch(
        absl::StrCat("record counter says ", counter, " but ", scanned, " records are stored"));
  }
  if (progress) progress(1.0);
  if (checker.mismatches() == 0) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(checker.mismatches(),
                                          " inconsistencies in the record store at ", db_->path(),
                                          "; first: ", absl::StrJoin(checker.reported(), "; ")));
}

}  // namespace cairn
