// Database: the one RocksDB instance behind a data dir, opened with Cairn's column families.
//
// Every store (records, rollups, partners, policy, budget ledger, audit log, nonces) lives in
// its own column family of this one database, so that a single WriteBatch can change several
// of them atomically (e.g. budget debit + audit entry). Memory is bounded by Options: one
// block cache shared by every family (index and filter blocks are charged to it) and one
// memtable budget shared by every family.
//
// Thread-safe: RocksDB synchronises concurrent reads and writes; logical single-writer rules
// are the stores' business.
#ifndef CAIRN_STORAGE_DATABASE_H_
#define CAIRN_STORAGE_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace cairn {

enum class Family {
  kMeta,        // store metadata: format version, metric registry, series catalog
  kRecords,     // raw records keyed by (series id, timestamp)
  kRollups,     // rollup buckets keyed by (level, series id, bucket start)
  kPartners,    // registered partners and their certificates
  kPolicy,      // policy versions and grants
  kLedger,      // privacy budget ledger and released answers
  kAudit,       // hash-chained audit log
  kNonces,      // request nonces seen, for replay protection
  kFederation,  // cohorts answered per query shape
};
inline constexpr int kFamilyCount = 9;

// The column family name of `f` on disk ("meta", "records", ...).
absl::string_view FamilyName(Family f);

class Database {
 public:
  struct Options {
    std::string path;                      // a directory; created (with parents) if missing
    size_t block_cache_bytes = 64 << 20;   // bounds read-side memory (blocks, index, filters)
    size_t write_buffer_bytes = 32 << 20;  // one memtable's size
    int max_write_buffers = 2;             // memtables per family; also bounds the total of
                                           // all families to write_buffer_bytes * this
    bool sync = true;                      // fsync the WAL on every Write (durability)
    // Table files RocksDB keeps open. The daemon sizes it from its open-file limit, leaving
    // room for connections: a table the store cannot open is a failed read or compaction.
    int max_open_files = 1000;
  };

  // Opens or creates the database. FailedPrecondition if another process (or another
  // Database in this process) holds it open; DataLoss if RocksDB reports corruption;
  // Internal for other RocksDB or file-system errors.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Family f) const { return handles_[static_cast<int>(f)]; }
  const Options& options() const { return options_; }

  // Applies `batch` atomically; durable on OK when Options::sync is set. Internal (or
  // DataLoss) with RocksDB's message otherwise; then nothing of the batch was applied.
  absl::Status Write(rocksdb::WriteBatch* batch);

  // Group commit. WriteDeferred applies `batch` atomically like Write (visible at once, and
  // in the operating system's hands, so it survives the process being killed), but does not
  // wait for the disk: with Options::sync it is durable once a later SyncDeferred() or synced
  // Write() returns OK. A writer that applies the batches of several requests in a row and
  // syncs before acting on any of them pays one fsync for them all. Errors as Write.
  absl::Status WriteDeferred(rocksdb::WriteBatch* batch);
  // Makes every write applied so far durable. OK at once when nothing is pending (another
  // sync covered it) or Options::sync is off; Internal with RocksDB's message otherwise.
  absl::Status SyncDeferred();
  // After a failed write or sync: asks RocksDB to leave the read-only state its background
  // error put it in, so that writes may be tried again. OK if there was nothing to resume.
  absl::Status Resume();
  // How many times SyncDeferred() had to sync the log (for tests and statistics).
  uint64_t deferred_syncs() const;

  // Bytes on disk under the database directory (SST + WAL + manifest).
  uint64_t DiskBytes() const;
  const std::string& path() const { return options_.path; }

 private:
  Database() = default;

  Options options_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;        // indexed by Family
  std::vector<rocksdb::ColumnFamilyHandle*> other_handles_;  // "default" and unknown families
  std::unique_ptr<rocksdb::DB> db_;
  mutable absl::Mutex sync_mu_;
  uint64_t deferred_ ABSL_GUARDED_BY(sync_mu_) = 0;  // deferred writes applied so far
  uint64_t synced_ ABSL_GUARDED_BY(sync_mu_) = 0;    // of which known durable
  uint64_t syncs_ ABSL_GUARDED_BY(sync_mu_) = 0;
};

// Converts a RocksDB status to absl (Ok, NotFound, Corruption -> DataLoss, else Internal),
// prefixing `context` to the message.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view context);

}  // namespace cairn

#endif  // CAIRN_STORAGE_DATABASE_H_
