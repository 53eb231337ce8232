// LedgerStore: what must survive a restart for privacy, in the kLedger family.
//
//   * Budget accounts: one row per partner and grant with the current period's spending
//     (BudgetLedger::Account). Written with each debit; LoadAccounts() feeds
//     BudgetLedger::Restore() at start.
//   * Released answers: "repeating an identical query returns the identical released answer
//     at no new cost". An answer is stored under (partner, grant, a digest of the grant's
//     definition, the canonical query bytes), so an edited grant never serves answers
//     released under its old definition. The value is the caller's serialized release.
//   * Differencing footprints: each query whose groups DifferencingGuard::Record() remembered,
//     replayed into a guard by LoadFootprints() at start.
//
// Bounds (per partner and grant; both protect the disk and the start-up time against a
// partner that asks many distinct queries):
//   * at most Options::max_released_per_grant answers. At the cap the OLDEST answer is
//     evicted in the same batch. This costs no privacy: asking the evicted query again is a new
//     query, computed and charged again (budget or differencing guard).
//   * at most Options::max_footprints_per_grant footprints. Beyond it PutFootprints() refuses
//     (ResourceExhausted), as DifferencingGuard::Check() does at the same number: the owner
//     resets with ForgetFootprints() and DifferencingGuard::Forget().
//   * an answer is at most Options::max_answer_bytes; a larger one is refused.
// Account rows are one per partner and grant ever charged (a few dozen bytes each).
//
// Writing follows the daemon's one-batch rule: the Put* calls add rows to the caller's
// WriteBatch (with the audit entry), between Stage() and the StagedWrite token's Committed() (the
// batch was written) or its destruction (it was not: the in-memory counts of everything put
// since are discarded).
//
// Key layout: str(x) is a u32 big-endian length and the bytes (storage/codec.h).
//   'a' str(partner) str(grant)            -> i64(period_start) i64(spent_micros)
//   'r' str(partner) str(grant) sha256(str(grant_digest) str(query))
//                                          -> u64(order) i64(released_at) answer
//   'o' str(partner) str(grant) u64(order) -> the 32-byte digest of the 'r' row (age index)
//   'f' str(partner) str(grant) u64(order) -> u32(n) n x [i64(from) i64(to) u32(k) k x u64(id)]
// `order` is one counter for the whole store, so keys of one partner and grant sort by age.
//
// Threading: the Put*, Forget*, Committed and Abandoned calls are the single writer's (they
// lock an internal mutex). Readers (FindReleased, LoadAccounts, LoadFootprints, counts) are
// thread-safe and see committed data only.
#ifndef CAIRN_STORAGE_LEDGER_STORE_H_
#define CAIRN_STORAGE_LEDGER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/time.h"
#include "policy/budget.h"
#include "policy/differencing.h"
#include "rocksdb/write_batch.h"
#include "storage/database.h"

namespace cairn {

// What identifies a released answer. Two requests with equal keys get the same answer.
struct ReleasedKey {
  std::string partner;
  std::string grant;
  std::string grant_digest;  // a digest of the grant's definition (PolicyVersion::grants)
  std::string query;         // the canonical bytes of the query, opaque here
};

struct ReleasedAnswer {
  std::string bytes;
  Timestamp released_at = 0;
};

class LedgerStore {
 public:
  struct Options {
    size_t max_released_per_grant = 1'000;
    size_t max_footprints_per_grant = 10'000;  // DifferencingGuard's default bound
    size_t max_answer_bytes = 16 << 20;
  };

  // Reads the counts the bounds need (one pass over the answer index and the footprints).
  // `db` must outlive the store. DataLoss for a malformed row; Internal for RocksDB errors.
  static absl::StatusOr<std::unique_ptr<LedgerStore>> Open(Database* db, const Options& options);
  static absl::StatusOr<std::unique_ptr<LedgerStore>> Open(Database* db) {
    return Open(db, Options());
  }

  // ---- Budget accounts.

  // Adds `account` (the state after a debit) to `batch`, replacing the partner and grant's
  // earlier row. Internal if the batch refuses it.
  absl::Status PutAccount(const BudgetLedger::Account& account, rocksdb::WriteBatch* batch);
  // Every stored account, by partner and grant. DataLoss / Internal as Open.
  absl::StatusOr<std::vector<BudgetLedger::Account>> LoadAccounts() const;

  // ---- Released answers.

  // The answer released under `key`, or nullopt. DataLoss / Internal as Open.
  absl::StatusOr<std::optional<ReleasedAnswer>> FindReleased(const ReleasedKey& key) const;
  // Adds the answer to `batch` (replacing one stored under the same key), evicting the
  // partner and grant's oldest answer when they are at the cap. ResourceExhausted if `answer`
  // is larger than max_answer_bytes, or if everything that could be evicted was itself put
  // in this batch; FailedPrecondition if the same key was already put in this batch;
  // Internal / DataLoss for storage errors. Nothing is added on error.
  absl::Status PutReleased(const ReleasedKey& key, absl::string_view answer, Timestamp now,
                           rocksdb::WriteBatch* batch);
  // Answers stored for `partner` under `grant` (committed).
  size_t ReleasedCount(absl::string_view partner, absl::string_view grant) const;

  // ---- Differencing footprints.

  // Adds one query's released groups (as given to DifferencingGuard::Record) to `batch`.
  // Empty `groups` add nothing. ResourceExhausted when the partner and grant would exceed
  // max_footprints_per_grant; InvalidArgument if a footprint's series are not sorted and
  // unique.
  absl::Status PutFootprints(absl::string_view partner, absl::string_view grant,
                             const std::vector<Footprint>& groups, rocksdb::WriteBatch* batch);
  // Replays every stored query into `guard`, in the order they were recorded.
  absl::Status LoadFootprints(DifferencingGuard* guard) const;
  // Adds the deletion of every footprint of `partner` under `grant` to `batch`.
  // FailedPrecondition if footprints of theirs were put in the pending batch.
  absl::Status ForgetFootprints(absl::string_view partner, absl::string_view grant,
                                rocksdb::WriteBatch* batch);
  // Footprints stored for `partner` under `grant` (committed).
  size_t FootprintCount(absl::string_view partner, absl::string_view grant) const;

  // ---- The batch holding everything put since Stage(): written, or not.
  //
  // The in-memory counts of rows put into a batch are provisional until the batch is written.
  // Stage() returns a token that discards them when it goes out of scope, unless Committed()
  // was called after the write succeeded, so that no caller can forget either.
  class [[nodiscard]] StagedWrite {
   public:
    explicit StagedWrite(LedgerStore* store) : store_(store) {}
    StagedWrite(StagedWrite&& other) noexcept : store_(other.store_) { other.store_ = nullptr; }
    StagedWrite& operator=(StagedWrite&&) = delete;
    ~StagedWrite() {
      if (store_ != nullptr) store_->Abandoned();
    }
    // The batch was written: the rows put since Stage() count.
    void Committed() {
      if (store_ != nullptr) store_->Committed();
      store_ = nullptr;
    }

   private:
    LedgerStore* store_;
  };
  StagedWrite Stage() { return StagedWrite(this); }

 private:
  LedgerStore(Database* db, const Options& options);
  void Committed();
  void Abandoned();
  absl::Status LoadCounts();
  // The age-index key of the oldest stored answer of `pair` not evicted in the pending batch.
  absl::StatusOr<std::optional<std::string>> OldestReleased(const std::string& pair) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Changes made by Put* calls whose batch is not written yet.
  struct Pending {
    uint64_t next_order = 0;
    absl::flat_hash_map<std::string, int64_t> released;    // pair -> change of count
    absl::flat_hash_map<std::string, int64_t> footprints;  // pair -> change of count
    absl::flat_hash_set<std::string> evicted;              // age-index keys deleted
    absl::flat_hash_set<std::string> put_rows;             // answer keys put
  };

  Database* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const Options options_;

  mutable absl::Mutex mu_;
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 1;
  // Keyed by str(partner) str(grant).
  absl::flat_hash_map<std::string, size_t> released_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> footprints_ ABSL_GUARDED_BY(mu_);
  Pending pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_LEDGER_STORE_H_
