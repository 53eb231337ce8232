// BareRecordWriter: the write loop of the bare RocksDB peer (bare_writebatch). It writes each
// RecordBatch as one WriteBatch of exactly the record keys and values RecordStore stores for
// it (storage/keys.h), into the records column family, and nothing else: no rollups, catalog,
// counters, validation or lookups.
//
// Series ids are given in order of first appearance, as RecordStore gives them in a fresh
// store, so writing the batches a RecordReader yields gives the same records family that
// importing them into a new cairnd gives. Durability is the Database's: with
// Options::sync, each Write is fsynced, as each of cairnd's import batches is.
// One thread at a time.
#ifndef CAIRN_TOOLS_BENCH_BARE_WRITER_H_
#define CAIRN_TOOLS_BENCH_BARE_WRITER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "model/series.h"
#include "storage/database.h"
#include "storage/rollup.h"

namespace cairn {

class BareRecordWriter {
 public:
  // `db` must outlive the writer.
  explicit BareRecordWriter(Database* db);

  // Writes the batch's records as one WriteBatch. OK when written (durable if the Database
  // syncs); Internal / DataLoss with RocksDB's message otherwise. The batch is trusted: a
  // series index out of range is a caller's bug (checked only by assert).
  absl::Status Write(const RecordBatch& batch);

  // Reorders the batch's points by the keys Write will give them, stably, so that a later
  // point for the same key still wins. RocksDB inserts keys in order faster, as RecordStore
  // (which sorts each batch) does; a peer that sorts is the stricter comparison.
  void SortByKey(RecordBatch* batch) const;

  // Distinct series written so far.
  size_t series() const { return ids_.size(); }

 private:
  Database* const db_;
  rocksdb::ColumnFamilyHandle* const records_;
  absl::flat_hash_map<std::string, SeriesId> ids_;  // SeriesKey::Encode() -> id
  std::vector<SeriesId> id_of_;                     // per series index of the current batch
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_BENCH_BARE_WRITER_H_
