// Database: the one RocksDB instance behind a data dir, opened with Cairn's column families.
//
// Every store (records, rollups, partners, policy, budget ledger, audit log, nonces) lives in
// its own column family of this one database, so that a single WriteBatch can change several
// of them atomically (e.g. budget debit + audit entry). Thread-safe: RocksDB synchronises
// concurrent reads and writes; logical single-writer rules are the stores' business.
#ifndef CAIRN_STORAGE_DATABASE_H_
#define CAIRN_STORAGE_DATABASE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

class Database {
 public:
  struct Options {
    std::string path;                         // a directory; created if missing
    size_t block_cache_bytes = 64 << 20;      // bounds read-side memory
    size_t write_buffer_bytes = 32 << 20;     // per column family memtable
    int max_write_buffers = 2;
    bool sync = true;                         // fsync the WAL on every Write (durability)
  };

  // Opens or creates the database. FailedPrecondition if another process holds it open;
  // DataLoss if RocksDB reports corruption; Internal for other RocksDB errors.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* handle(Family f) const { return handles_[static_cast<int>(f)]; }

  // Applies `batch` atomically; durable on OK when Options::sync is set.
  absl::Status Write(rocksdb::WriteBatch* batch);

  // Bytes on disk under the database directory (SST + WAL + manifest).
  uint64_t DiskBytes() const;
  const std::string& path() const { return options_.path; }

 private:
  Database() = default;

  Options options_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Converts a RocksDB status to absl (Ok, NotFound, Corruption -> DataLoss, else Internal),
// prefixing `context` to the message.
absl::Status FromRocks(const rocksdb::Status& s, const char* context);

}  // namespace cairn

#endif  // CAIRN_STORAGE_DATABASE_H_
