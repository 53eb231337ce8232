// RecordStore's write path: Apply() turns a RecordBatch into one atomic, synced WriteBatch of
// records, rollups, new catalog entries and the record counter.
//
// Steps: validate everything; sort the points by (series, timestamp) and keep the last of
// each key; classify each key as new (above the series' high-water mark: no read needed) or
// look it up with MultiGet (unchanged -> dropped, changed -> replaced); summarise the changes
// per hour, day and month bucket (BucketDelta); read the stored buckets that can exist (start
// at or below the high-water mark), merge, and recompute a bucket's min or max only when a
// replaced value was that extreme (hour from raw records, day from hours, month from days).
// Runs under writer_mu_; the writer's state changes only after the write succeeded (new
// series are published just before it and withdrawn if it fails; see step 7).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/keys.h"
#include "storage/record_store_impl.h"

namespace cairn {
namespace {

struct Point {
  SeriesId sid;
  Timestamp ts;
  double value;
};

// A key the batch writes.
struct Change {
  SeriesId sid;
  Timestamp ts;
  double value;
  bool replaced;     // an older, different value existed
  double old_value;  // meaningful when replaced
};

// What the batch does to one rollup bucket, and (once merged) the bucket's new contents.
struct BucketDelta {
  SeriesId sid;
  Timestamp start;
  uint64_t inserts = 0;
  ExactSum sum;                             // written values minus replaced ones
  double written_min = 0, written_max = 0;  // every change writes a value: always set
  bool has_removed = false;
  double removed_min = 0, removed_max = 0;
  // Children: changes (hour level) or buckets of the level below, [first, end).
  size_t first = 0, end = 0;
  Aggregates merged;  // stored bucket + this delta
};

BucketDelta NewDelta(SeriesId sid, Timestamp start, size_t first) {
  BucketDelta d;
  d.sid = sid;
  d.start = start;
  d.first = first;
  return d;
}

void Fold(double v, bool* any, double* lo, double* hi) {
  if (!*any) {
    *lo = *hi = v;
    *any = true;
  } else {
    *lo = std::min(*lo, v);
    *hi = std::max(*hi, v);
  }
}

void MergeDelta(const BucketDelta& fine, BucketDelta* coarse, bool first_child) {
  coarse->inserts += fine.inserts;
  coarse->sum.Merge(fine.sum);
  if (first_child) {
    coarse->written_min = fine.written_min;
    coarse->written_max = fine.written_max;
  } else {
    coarse->written_min = std::min(coarse->written_min, fine.written_min);
    coarse->written_max = std::max(coarse->written_max, fine.written_max);
  }
  if (fine.has_removed) {
    Fold(fine.removed_min, &coarse->has_removed, &coarse->removed_min, &coarse->removed_max);
    coarse->removed_max = std::max(coarse->removed_max, fine.removed_max);
  }
}

std::vector<BucketDelta> HourDeltas(const std::vector<Change>& changes) {
  std::vector<BucketDelta> hours;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    Timestamp start = LevelBucketFloor(RollupLevel::kHour, c.ts);
    bool fresh = hours.empty() || hours.back().sid != c.sid || hours.back().start != start;
    if (fresh) hours.push_back(NewDelta(c.sid, start, i));
    BucketDelta& d = hours.back();
    d.end = i + 1;
    if (fresh) {
      d.written_min = d.written_max = c.value;
    } else {
      d.written_min = std::min(d.written_min, c.value);
      d.written_max = std::max(d.written_max, c.value);
    }
    d.sum.Add(c.value);
    if (c.replaced) {
      d.sum.Subtract(c.old_value);
      Fold(c.old_value, &d.has_removed, &d.removed_min, &d.removed_max);
    } else {
      ++d.inserts;
    }
  }
  return hours;
}

std::vector<BucketDelta> CoarserDeltas(const std::vector<BucketDelta>& fine, RollupLevel level) {
  std::vector<BucketDelta> out;
  for (size_t i = 0; i < fine.size(); ++i) {
    Timestamp start = LevelBucketFloor(level, fine[i].start);
    bool fresh = out.empty() || out.back().sid != fine[i].sid || out.back().start != start;
    if (fresh) out.push_back(NewDelta(fine[i].sid, start, i));
    MergeDelta(fine[i], &out.back(), fresh);
    out.back().end = i + 1;
  }
  return out;
}

// Merges `delta` into `stored`. Returns false when the new min or max cannot be known without
// reading the bucket's children: a replaced value was the stored extreme and no written value
// reaches it.
bool MergeStored(const Aggregates& stored, BucketDelta* delta) {
  Aggregates& m = delta->merged;
  m.count = stored.count + delta->inserts;
  m.sum = stored.sum;
  m.sum.Merge(delta->sum);
  if (stored.count == 0) {
    m.min = delta->written_min;
    m.max = delta->written_max;
    return true;
  }
  bool known = true;
  // Survivors of the stored values are >= stored.min, so a written value at or below it is
  // the new min whatever was removed.
  if (delta->written_min <= stored.min) {
    m.min = delta->written_min;
  } else if (delta->has_removed && delta->removed_min <= stored.min) {
    known = false;
  } else {
    m.min = stored.min;
  }
  if (delta->written_max >= stored.max) {
    m.max = delta->written_max;
  } else if (delta->has_removed && delta->removed_max >= stored.max) {
    known = false;
  } else {
    m.max = stored.max;
  }
  return known;
}

// Sets delta->merged.min/max from the bucket's children as they will be after the batch:
// stored children the batch does not touch, plus the batch's own (changes for an hour,
// merged buckets of the level below otherwise).
absl::Status RecomputeExtremes(rocksdb::DB* rdb, rocksdb::ColumnFamilyHandle* records_cf,
                               rocksdb::ColumnFamilyHandle* rollups_cf, RollupLevel level,
                               const std::vector<Change>& changes,
                               const std::vector<BucketDelta>* children, BucketDelta* delta) {
  bool any = false;
  double lo = 0, hi = 0;
  const Timestamp end = LevelBucketEnd(level, delta->start);
  size_t j = delta->first;
  if (level == RollupLevel::kHour) {
    std::string last = RecordKey(delta->sid, end);
    std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), records_cf));
    for (it->Seek(RecordKey(delta->sid, delta->start)); it->Valid() && it->key().compare(last) < 0;
         it->Next()) {
      SeriesId sid;
      Timestamp ts;
      if (!DecodeRecordKey(absl::string_view(it->key().data(), it->key().size()), &sid, &ts) ||
          it->value().size() != kRecordValueSize) {
        return absl::DataLossError(absl::StrCat("undecodable record of series ", delta->sid,
                                                " in hour ", FormatTimestamp(delta->start)));
      }
      while (j < delta->end && changes[j].ts < ts) ++j;
      if (j < delta->end && changes[j].ts == ts) continue;  // replaced by the batch
      Fold(DecodeDouble(it->value().data()), &any, &lo, &hi);
    }
    CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "recomputing an hour's extremes"));
    for (size_t k = delta->first; k < delta->end; ++k) Fold(changes[k].value, &any, &lo, &hi);
  } else {
    RollupLevel child_level = static_cast<RollupLevel>(static_cast<int>(level) - 1);
    std::string last = RollupKey(child_level, delta->sid, end);
    std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), rollups_cf));
    for (it->Seek(RollupKey(child_level, delta->sid, delta->start));
         it->Valid() && it->key().compare(last) < 0; it->Next()) {
      RollupLevel l;
      SeriesId sid;
      Timestamp start;
      Aggregates stored;
      if (!DecodeRollupKey(absl::string_view(it->key().data(), it->key().size()), &l, &sid,
                           &start) ||
          !DecodeAggregates(absl::string_view(it->value().data(), it->value().size()), &stored)) {
        return absl::DataLossError(absl::StrCat("undecodable rollup of series ", delta->sid,
                                                " near ", FormatTimestamp(delta->start)));
      }
      while (j < delta->end && (*children)[j].start < start) ++j;
      if (j < delta->end && (*children)[j].start == start) continue;  // changed by the batch
      if (stored.count == 0) continue;
      Fold(stored.min, &any, &lo, &hi);
      Fold(stored.max, &any, &lo, &hi);
    }
    CAIRN_RETURN_IF_ERROR(FromRocks(it->status(), "recomputing a bucket's extremes"));
    for (size_t k = delta->first; k < delta->end; ++k) {
      Fold((*children)[k].merged.min, &any, &lo, &hi);
      Fold((*children)[k].merged.max, &any, &lo, &hi);
    }
  }
  delta->merged.min = lo;
  delta->merged.max = hi;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportOutcome> RecordStore::Impl::Apply(const RecordBatch& batch) {
  absl::MutexLock writer(&writer_mu_);
  std::shared_ptr<const MetricRegistry> registry = this->registry();
  rocksdb::DB* rdb = db_->db();
  ImportOutcome outcome;

  // ---- 1. Validate. ----
  for (size_t i = 0; i < batch.series.size(); ++i) {
    const SeriesKey& key = batch.series[i];
    if (registry->Find(key.metric) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("series ", i, ": unknown metric '", key.metric, "'"));
    }
    Tags normalized = key.tags;
    absl::Status tags_ok = NormalizeTags(&normalized);
    if (!tags_ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("series ", i, ": ", tags_ok.message()));
    }
    if (normalized != key.tags) {
      return absl::InvalidArgumentError(absl::StrCat(
          "series ", i, ": tags are not normalised (sorted by name, no empty values)"));
    }
  }
  std::vector<bool> used(batch.series.size(), false);
  for (size_t j = 0; j < batch.points.size(); ++j) {
    const RecordBatch::Point& p = batch.points[j];
    if (p.series_index >= batch.series.size()) {
      return absl::InvalidArgumentError(absl::StrCat("point ", j, ": series index ", p.series_index,
                                                     " out of range (batch has ",
                                                     batch.series.size(), " series)"));
    }
    if (!std::isfinite(p.value)) {
      return absl::InvalidArgumentError(absl::StrCat("point ", j, ": value is not finite"));
    }
    if (std::fabs(p.value) > ExactSum::kMaxAbsValue) {
      return absl::InvalidArgumentError(absl::StrCat(
          "point ", j, ": value ", p.value, " exceeds the largest storable magnitude 2^60"));
    }
    if (p.timestamp < kMinTimestamp || p.timestamp >= kMaxTimestamp) {
      return absl::InvalidArgumentError(
          absl::StrCat("point ", j, ": timestamp ", p.timestamp, " is outside 1900..9999"));
    }
    used[p.series_index] = true;
  }

  // ---- 2. Resolve series ids (new ones are assigned but not yet published). ----
  std::vector<SeriesId> sid_of(batch.series.size(), 0);
  std::vector<SeriesKey> new_series;
  absl::flat_hash_map<std::string, SeriesId> new_ids;
  const size_t known_series = high_water_.size();
  for (size_t i = 0; i < batch.series.size(); ++i) {
    if (!used[i]) continue;
    std::string encoded = batch.series[i].Encode();
    if (auto it = ids_by_encoding_.find(encoded); it != ids_by_encoding_.end()) {
      sid_of[i] = it->second;
    } else if (auto nit = new_ids.find(encoded); nit != new_ids.end()) {
      sid_of[i] = nit->second;
    } else {
      size_t id = known_series + new_series.size();
      if (id > std::numeric_limits<SeriesId>::max()) {
        return absl::ResourceExhaustedError("the store holds the maximum number of series");
      }
      sid_of[i] = static_cast<SeriesId>(id);
      new_ids.emplace(std::move(encoded), sid_of[i]);
      new_series.push_back(batch.series[i]);
    }
  }

  // ---- 3. Order by (series, timestamp), stably, and keep the last point of each key. ----
  // A counting sort by series followed by a per-series check: import data usually arrives in
  // time order per series, so the per-series sort rarely runs.
  std::vector<SeriesId> distinct;
  for (size_t i = 0; i < batch.series.size(); ++i) {
    if (used[i]) distinct.push_back(sid_of[i]);
  }
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<uint32_t> rank_of(batch.series.size(), 0);
  for (size_t i = 0; i < batch.series.size(); ++i) {
    if (used[i]) {
      rank_of[i] = static_cast<uint32_t>(
          std::lower_bound(distinct.begin(), distinct.end(), sid_of[i]) - distinct.begin());
    }
  }
  std::vector<size_t> offset(distinct.size() + 1, 0);
  for (const RecordBatch::Point& p : batch.points) ++offset[rank_of[p.series_index] + 1];
  for (size_t r = 0; r < distinct.size(); ++r) offset[r + 1] += offset[r];
  std::vector<Point> points(batch.points.size());
  {
    std::vector<size_t> next(offset.begin(), offset.end() - 1);
    for (const RecordBatch::Point& p : batch.points) {
      double v = p.value == 0 ? 0.0 : p.value;  // -0.0 -> 0.0
      points[next[rank_of[p.series_index]]++] = Point{sid_of[p.series_index], p.timestamp, v};
    }
  }
  auto by_time = [](const Point& a, const Point& b) { return a.ts < b.ts; };
  size_t kept = 0;
  for (size_t r = 0; r < distinct.size(); ++r) {
    auto begin = points.begin() + offset[r], end = points.begin() + offset[r + 1];
    if (!std::is_sorted(begin, end, by_time)) std::stable_sort(begin, end, by_time);
    for (auto it = begin; it != end; ++it) {
      if (it + 1 != end && (it + 1)->ts == it->ts) continue;  // a later point wins
      points[kept++] = *it;
    }
  }
  points.resize(kept);

  // ---- 4. Classify: new above the high-water mark, else look up. ----
  auto high_water = [&](SeriesId sid) {
    return sid < known_series ? high_water_[sid] : kNoRecords;
  };
  std::vector<size_t> lookups;
  for (size_t k = 0; k < points.size(); ++k) {
    if (points[k].ts <= high_water(points[k].sid)) lookups.push_back(k);
  }
  std::vector<rocksdb::PinnableSlice> old_values(lookups.size());
  std::vector<rocksdb::Status> statuses(lookups.size());
  if (!lookups.empty()) {
    std::string key_bytes(lookups.size() * kRecordKeySize, '\0');
    std::vector<rocksdb::Slice> keys(lookups.size());
    for (size_t l = 0; l < lookups.size(); ++l) {
      const Point& p = points[lookups[l]];
      char* at = key_bytes.data() + l * kRecordKeySize;
      EncodeRecordKey(p.sid, p.ts, at);
      keys[l] = rocksdb::Slice(at, kRecordKeySize);
    }
    rdb->MultiGet(rocksdb::ReadOptions(), records_cf_, keys.size(), keys.data(), old_values.data(),
                  statuses.data(), /*sorted_input=*/true);
  }
  std::vector<Change> changes;
  changes.reserve(points.size());
  for (size_t k = 0, l = 0; k < points.size(); ++k) {
    const Point& p = points[k];
    Change c{p.sid, p.ts, p.value, false, 0};
    if (l < lookups.size() && lookups[l] == k) {
      const rocksdb::Status& s = statuses[l];
      const rocksdb::PinnableSlice& old = old_values[l];
      ++l;
      if (s.ok()) {
        if (old.size() != kRecordValueSize) {
          return absl::DataLossError(absl::StrCat("undecodable stored record of series ", p.sid,
                                                  " at ", FormatTimestamp(p.ts)));
        }
        c.old_value = DecodeDouble(old.data());
        if (DoubleBits(c.old_value) == DoubleBits(p.value)) {
          ++outcome.unchanged;
          continue;
        }
        c.replaced = true;
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "looking up existing records");
      }
    }
    if (c.replaced) {
      ++outcome.replaced;
    } else {
      ++outcome.inserted;
    }
    changes.push_back(c);
  }
  if (changes.empty()) return outcome;  // every key is stored with this value already

  // ---- 5. Rollup deltas per level, merged with the stored buckets. ----
  std::vector<BucketDelta> levels[3];
  levels[0] = HourDeltas(changes);
  levels[1] = CoarserDeltas(levels[0], RollupLevel::kDay);
  levels[2] = CoarserDeltas(levels[1], RollupLevel::kMonth);
  for (int li = 0; li < 3; ++li) {
    RollupLevel level = kRollupLevels[li];
    std::vector<BucketDelta>& deltas = levels[li];
    // Only buckets starting at or below the high-water mark can exist.
    std::vector<size_t> reads;
    for (size_t d = 0; d < deltas.size(); ++d) {
      if (deltas[d].start <= high_water(deltas[d].sid)) reads.push_back(d);
    }
    std::vector<rocksdb::PinnableSlice> stored_values(reads.size());
    std::vector<rocksdb::Status> stored_statuses(reads.size());
    if (!reads.empty()) {
      std::string key_bytes(reads.size() * kRollupKeySize, '\0');
      std::vector<rocksdb::Slice> keys(reads.size());
      for (size_t r = 0; r < reads.size(); ++r) {
        char* at = key_bytes.data() + r * kRollupKeySize;
        EncodeRollupKey(level, deltas[reads[r]].sid, deltas[reads[r]].start, at);
        keys[r] = rocksdb::Slice(at, kRollupKeySize);
      }
      rdb->MultiGet(rocksdb::ReadOptions(), rollups_cf_, keys.size(), keys.data(),
                    stored_values.data(), stored_statuses.data(), /*sorted_input=*/true);
    }
    for (size_t d = 0, r = 0; d < deltas.size(); ++d) {
      Aggregates stored;
      if (r < reads.size() && reads[r] == d) {
        const rocksdb::Status& s = stored_statuses[r];
        if (s.ok()) {
          if (!DecodeAggregates(absl::string_view(stored_values[r].data(), stored_values[r].size()),
                                &stored)) {
            return absl::DataLossError(absl::StrCat("undecodable rollup of series ", deltas[d].sid,
                                                    " at ", FormatTimestamp(deltas[d].start)));
          }
        } else if (!s.IsNotFound()) {
          return FromRocks(s, "reading rollups");
        }
        ++r;
      }
      if (!MergeStored(stored, &deltas[d])) {
        CAIRN_RETURN_IF_ERROR(RecomputeExtremes(rdb, records_cf_, rollups_cf_, level, changes,
                                                li == 0 ? nullptr : &levels[li - 1], &deltas[d]));
      }
    }
  }

  // ---- 6. One WriteBatch. ----
  rocksdb::WriteBatch write;
  char key[kRollupKeySize];
  char value[kRecordValueSize];
  for (const Change& c : changes) {
    EncodeRecordKey(c.sid, c.ts, key);
    EncodeDouble(c.value, value);
    write.Put(records_cf_, rocksdb::Slice(key, kRecordKeySize),
              rocksdb::Slice(value, kRecordValueSize));
  }
  for (int li = 0; li < 3; ++li) {
    for (const BucketDelta& d : levels[li]) {
      EncodeRollupKey(kRollupLevels[li], d.sid, d.start, key);
      write.Put(rollups_cf_, rocksdb::Slice(key, kRollupKeySize), EncodeAggregates(d.merged));
    }
  }
  for (size_t n = 0; n < new_series.size(); ++n) {
    write.Put(meta_, SeriesMetaKey(static_cast<SeriesId>(known_series + n)),
              new_series[n].Encode());
  }
  const uint64_t record_count = this->record_count() + outcome.inserted;
  write.Put(meta_, kMetaRecordCount, EncodeU64(record_count));

  // ---- 7. Publish new series, write, commit. ----
  // New series are published before the write: a reader takes its RocksDB snapshot first and
  // the catalog second, so a snapshot holding this batch comes with a catalog holding its
  // series. If the write fails they are withdrawn; meanwhile a reader may see them without
  // records, which is harmless.
  outcome.new_series = new_series.size();
  std::shared_ptr<const SeriesCatalog> previous_catalog;
  if (!new_series.empty()) {
    previous_catalog = catalog();
    std::shared_ptr<const SeriesCatalog> next = previous_catalog->WithSeries(new_series);
    absl::MutexLock lock(&mu_);
    catalog_ = std::move(next);
  }
  absl::Status written = db_->Write(&write);
  if (!written.ok()) {
    if (previous_catalog != nullptr) {
      absl::MutexLock lock(&mu_);
      catalog_ = std::move(previous_catalog);
    }
    return written;
  }
  high_water_.resize(known_series + new_series.size(), kNoRecords);
  for (const Change& c : changes) high_water_[c.sid] = std::max(high_water_[c.sid], c.ts);
  for (auto& [encoded, id] : new_ids) ids_by_encoding_.emplace(encoded, id);
  absl::MutexLock lock(&mu_);
  records_ = record_count;
  return outcome;
}

}  // namespace cairn
