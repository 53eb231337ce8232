// AuditLog: the tamper-evident audit trail in the kAudit family — a hash chain of entries
// (every request, allowed, denied or failed, and every policy change) with signed checkpoints.
//
// Each entry carries the hash of the entry before it and its own hash over every field (the
// encoding is in audit_entry.h). A checkpoint records {seq, head hash, time, public key} and a
// signature over them, made by a callback so that this layer never holds a key. The daemon
// writes a checkpoint every N entries or minutes and logs the head hash when it does.
//
// Writing follows the daemon's one-batch rule: Prepare() adds the entry (and its index row) to
// the caller's WriteBatch, which also holds the budget debit and the released answer; once
// that batch is written the caller calls Committed(), or Abandoned() if the write failed.
// Nothing of an abandoned entry remains: its sequence number is reused by the next entry.
//
// What Verify() detects, walking every entry and checkpoint:
//   * a changed entry (its hash no longer matches its bytes, or the next entry's link breaks);
//   * a removed entry (a gap in the sequence numbers);
//   * reordered entries (an entry stored under another entry's sequence number, or links that
//     do not follow);
//   * truncation: fewer entries than a checkpoint attests, a checkpoint whose head hash is not
//     the hash of the entry it names, or fewer entries than this process committed;
//   * a checkpoint that was altered or signed by a key the verifier does not trust.
// What it cannot detect, and how the daemon narrows it:
//   * someone holding the database AND the signing key can rewrite the whole history and sign
//     fresh checkpoints. Keep the key out of the data directory's backups; auditors keep copies
//     of exported checkpoints (or head hashes from the daemon's log), which such a rewrite
//     would contradict.
//   * deleting the newest entries together with every checkpoint after them, or deleting
//     entries newer than the last checkpoint, leaves a shorter log that verifies. Frequent
//     checkpoints shrink the window; the head hash the daemon logs with each checkpoint, and a
//     live daemon's committed head (checked by Verify), expose it.
//   * the index from entry hash to sequence number is not verified; Find() checks the entry it
//     returns, so a damaged index gives NotFound or DataLoss, never a wrong entry.
//
// Key layout (kAudit family): 'e' u64(seq) -> entry_bytes || entry_hash;
// 'h' entry_hash -> u64(seq); 'c' u64(seq) -> checkpoint_bytes || str(signature).
//
// Threading: Prepare, Committed, Abandoned and Checkpoint are the single writer's (they lock
// an internal mutex, so misuse is safe but serialised). Readers (Get, Find, Tail, ForEach,
// ForEachCheckpoint, Verify, head) are thread-safe and run concurrently with the writer.
#ifndef CAIRN_STORAGE_AUDIT_LOG_H_
#define CAIRN_STORAGE_AUDIT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "base/time.h"
#include "rocksdb/write_batch.h"
#include "storage/audit_entry.h"
#include "storage/database.h"

namespace cairn {

// Signs checkpoints. `public_key` is stored with every checkpoint (opaque bytes, e.g. the
// 32-byte Ed25519 key); `sign` returns the signature over the message it is given.
struct AuditSigner {
  std::string public_key;
  std::function<std::string(absl::string_view message)> sign;
};

// Checks the signature of the checkpoint attesting the entries up to `seq`: OK only if
// `public_key` is the key the caller trusts for that point of the log (for cairnd, the identity
// key in force when entry `seq` was written: a key it used before a rotation signs nothing
// after it) and `signature` is that key's signature over `message`.
using AuditVerifier =
    std::function<absl::Status(uint64_t seq, absl::string_view public_key,
                               absl::string_view message, absl::string_view signature)>;

// What Verify() found. On failure `first_bad_seq` names the first sequence number at which
// the log is wrong (the entry there, or the checkpoint attesting it), and `problem` says how.
struct AuditVerifyReport {
  uint64_t entries = 0;      // entries checked before the first problem (all if none)
  uint64_t checkpoints = 0;  // checkpoints checked before the first problem
  uint64_t last_seq = 0;     // the last entry verified
  std::string head_hash;     // its hash
  uint64_t last_checkpoint_seq = 0;
  uint64_t first_bad_seq = 0;  // 0 when the log verified
  std::string problem;
};

class AuditLog {
 public:
  // What Prepare() assigned.
  struct Receipt {
    uint64_t seq = 0;
    std::string hash;
  };
  struct Head {
    uint64_t seq = 0;  // 0 for an empty log
    std::string hash;  // 32 zero bytes for an empty log
  };

  // Recovers the head (the newest entry's seq and hash) from `db`, which must outlive the log.
  // It reads one entry and verifies nothing: run Verify() at start (it walks ~300k entries/s
  // on the development machine; see bench/audit_bench.cc). DataLoss if the newest entry is
  // malformed; Internal for RocksDB errors.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(Database* db);

  // Adds `entry` as the next entry to `batch`: assigns seq and prev_hash, normalises text
  // fields (NormalizeAuditText), computes the hash. Entries prepared before this one and not
  // yet committed are chained on, so one batch may hold several. Returns the receipt.
  // InvalidArgument if a byte field exceeds kMaxAuditBinaryBytes or kind is empty;
  // FailedPrecondition if an entry already exists under the new seq (the in-memory head is
  // behind the disk: a write reported as failed reached it, or another writer); Internal for
  // RocksDB errors. Nothing is added to the batch on error.
  absl::StatusOr<Receipt> Prepare(AuditEntry entry, rocksdb::WriteBatch* batch);
  // Re-reads the head from disk, forgetting entries prepared and not committed: after a write
  // that was reported as failed, which may or may not have reached the disk. DataLoss /
  // Internal as Open.
  absl::Status Recover();

  // The batch holding the oldest prepared entry, `receipt`, was written: it becomes the head.
  // FailedPrecondition if `receipt` is not the oldest prepared entry (then nothing changes).
  absl::Status Committed(const Receipt& receipt);
  // The batch holding `receipt` was not written: forgets it and every entry prepared after it.
  // Unknown receipts are ignored.
  void Abandoned(const Receipt& receipt);

  // Adds a checkpoint of the committed head, signed by `signer`, to `batch` and returns it.
  // It needs no Committed(): if the batch is not written there is simply no checkpoint.
  // FailedPrecondition if the log is empty or entries are prepared but not committed (the
  // checkpoint would attest entries that may never be written); InvalidArgument if the signer
  // has no key or returns an empty signature.
  absl::StatusOr<AuditCheckpoint> Checkpoint(const AuditSigner& signer, Timestamp now,
                                             rocksdb::WriteBatch* batch);

  // The committed head.
  Head head() const;

  // ---- Reading (committed data only). DataLoss if a stored entry does not decode or its
  // hash does not match its bytes; Internal for RocksDB errors.

  // The entry `seq`; NotFound if there is none.
  absl::StatusOr<AuditEntry> Get(uint64_t seq) const;
  // The entry whose hash is `hash` (32 raw bytes); NotFound if there is none.
  absl::StatusOr<AuditEntry> Find(absl::string_view hash) const;
  // The newest min(n, kMaxTail) entries, oldest first.
  absl::StatusOr<std::vector<AuditEntry>> Tail(size_t n) const;
  static constexpr size_t kMaxTail = 10'000;  // bounds the memory one call can take
  // Calls `visit` with every entry from `from_seq` on, in order, until it returns false.
  absl::Status ForEach(uint64_t from_seq,
                       const std::function<bool(const AuditEntry&)>& visit) const;
  // Every checkpoint from `from_seq` on, in order, until `visit` returns false.
  absl::Status ForEachCheckpoint(uint64_t from_seq,
                                 const std::function<bool(const AuditCheckpoint&)>& visit) const;

  // Walks the whole log (see the top of this file). OK if it verified; DataLoss naming the
  // first bad sequence number otherwise; InvalidArgument without a verifier; Internal for
  // RocksDB errors. `report` (may be null) is filled in either case.
  absl::Status Verify(const AuditVerifier& verifier, AuditVerifyReport* report = nullptr) const;

 private:
  explicit AuditLog(Database* db) : db_(db) {}

  Database* db_;
  rocksdb::ColumnFamilyHandle* cf_ = nullptr;

  mutable absl::Mutex mu_;
  Head head_ ABSL_GUARDED_BY(mu_);
  std::vector<Receipt> pending_ ABSL_GUARDED_BY(mu_);  // prepared, oldest first
};

}  // namespace cairn

#endif  // CAIRN_STORAGE_AUDIT_LOG_H_
