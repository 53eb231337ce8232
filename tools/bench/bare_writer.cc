#include "tools/bench/bare_writer.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "storage/keys.h"

namespace cairn {

BareRecordWriter::BareRecordWriter(Database* db)
    : db_(db), records_(db->handle(Family::kRecords)) {}

absl::Status BareRecordWriter::Write(const RecordBatch& batch) {
  id_of_.clear();
  for (const SeriesKey& key : batch.series) {
    id_of_.push_back(
        ids_.try_emplace(key.Encode(), static_cast<SeriesId>(ids_.size())).first->second);
  }
  rocksdb::WriteBatch write;
  char key[kRecordKeySize], value[kRecordValueSize];
  for (const RecordBatch::Point& p : batch.points) {
    assert(p.series_index < id_of_.size());
    EncodeRecordKey(id_of_[p.series_index], p.timestamp, key);
    EncodeDouble(p.value == 0 ? 0.0 : p.value, value);  // RecordStore stores -0.0 as 0.0
    write.Put(records_, rocksdb::Slice(key, sizeof key), rocksdb::Slice(value, sizeof value));
  }
  return db_->Write(&write);
}

void BareRecordWriter::SortByKey(RecordBatch* batch) const {
  // The ids Write will give: known series keep theirs, new ones follow in series order.
  absl::flat_hash_map<std::string, SeriesId> fresh;
  std::vector<SeriesId> id_of;
  for (const SeriesKey& key : batch->series) {
    std::string encoded = key.Encode();
    auto known = ids_.find(encoded);
    id_of.push_back(known != ids_.end()
                        ? known->second
                        : fresh
                              .try_emplace(std::move(encoded),
                                           static_cast<SeriesId>(ids_.size() + fresh.size()))
                              .first->second);
  }
  std::stable_sort(batch->points.begin(), batch->points.end(),
                   [&](const RecordBatch::Point& a, const RecordBatch::Point& b) {
                     return std::tie(id_of[a.series_index], a.timestamp) <
                            std::tie(id_of[b.series_index], b.timestamp);
                   });
}

}  // namespace cairn
