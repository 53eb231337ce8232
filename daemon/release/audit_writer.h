// AuditWriter: the daemon's only way into its audit log.
//
// Every entry is begun here from a typed kind (Begin: kind, decision, who, the time and the
// policy version in force), completed by the caller with what only it knows (reason, grant,
// epsilon, result hash), and appended in ONE write together with whatever the caller staged
// in the same batch (a nonce, a budget debit, a released answer): nothing the entry speaks of
// is written without it, and it is never written without them.
//
// Fail closed. If the log failed verification at start, or an append or a sync fails, health()
// says why and every partner query is refused. A verification failure stays until the steward
// has investigated and cairnd is restarted; a failed write or sync is transient: after a
// back-off the next append tries again (re-reading the head from disk first), and health()
// is OK again once one succeeds.
//
// Checkpoints: every kCheckpointEvery entries (and on request) the head of the chain is signed
// with the participant's identity key. Each key signs only its own stretch of the log: when
// cairnd starts with a key other than the one in force at the head (`cairnctl identity
// rotate`), it appends a key-rotation entry naming the new key, and a checkpoint verifies only
// with the key in force at the entry it attests. A key retired by a rotation (or stolen) can
// therefore not sign for anything written after it.
//
// Threading: every method runs on the daemon's writer thread, except Verify() and the const
// accessors of log(), which only read.
#ifndef CAIRN_DAEMON_RELEASE_AUDIT_WRITER_H_
#define CAIRN_DAEMON_RELEASE_AUDIT_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "crypto/public_key.h"
#include "participant/participant_identity.h"
#include "rocksdb/write_batch.h"
#include "storage/audit_entry.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace cairn {

// Who an entry is about: the partner (or consortium member) that asked, and the request.
// Empty for the owner's own actions that concern no partner.
struct AuditSubject {
  std::string partner;
  std::string fingerprint;        // "ed25519:..."
  std::string request_hash;       // bytes; cut to kMaxAuditBinaryBytes
  std::string request_signature;  // bytes; cut to kMaxAuditBinaryBytes
};

class AuditWriter {
 public:
  // Opens the log and verifies it against `me`'s key and the keys it had before
  // (`former_keys`). A failed verification does not fail Open: health() reports it.
  // `policy_version` reads the version in force when an entry is begun.
  static absl::StatusOr<std::unique_ptr<AuditWriter>> Open(
      Database* db, const ParticipantIdentity* me, std::vector<PublicKey> former_keys,
      const Clock* clock, std::function<uint64_t()> policy_version);

  // OK while partner queries may be answered; otherwise why not.
  const absl::Status& health() const { return health_; }
  // As health(), after a retry of the log if one is due (a transient failure's back-off has
  // passed): the check a release makes before it starts.
  absl::Status Ready();

  // A new entry of `kind`, stamped with the time and the policy version in force.
  AuditEntry Begin(AuditKind kind, AuditDecision decision, const AuditSubject& who = {}) const;

  enum class Durability {
    kNow,       // synced before Append returns
    kDeferred,  // applied at once, durable after the next Sync() (group commit)
  };
  // Appends `entry` in one write with what `batch` already holds. Unavailable (and fail closed,
  // see above) if the log cannot be written; the batch is then not written either.
  absl::StatusOr<AuditLog::Receipt> Append(AuditEntry entry, rocksdb::WriteBatch* batch,
                                           Durability durability = Durability::kNow);
  // Several entries, chained in this order, in one write with `batch`; the receipt of the last.
  absl::StatusOr<AuditLog::Receipt> AppendAll(std::vector<AuditEntry> entries,
                                              rocksdb::WriteBatch* batch,
                                              Durability durability = Durability::kNow);
  // Makes every deferred append durable; a release may leave only after this returns OK.
  absl::Status Sync();

  // Signs a checkpoint of the chain's head, if anything was appended since the last one.
  absl::Status Checkpoint();
  // Walks the whole chain and checks every checkpoint's signature. Thread-safe.
  absl::Status Verify(AuditVerifyReport* report) const;

  const AuditLog& log() const { return *log_; }

  // For tests: the next `n` writes fail as an I/O error would.
  void InjectWriteFailures(int n) { injected_failures_ = n; }

 private:
  AuditWriter() = default;
  absl::Status Refuse(absl::string_view what, const absl::Status& why);
  absl::Status RecoverIfDue();
  AuditVerifier Verifier() const;
  // The keys in force from each sequence number on, from the key-rotation entries.
  absl::Status LoadKeyHistory(const std::vector<PublicKey>& former_keys);
  const PublicKey& KeyInForceAt(uint64_t seq) const;
  absl::Status RecordRotationIfNeeded();

  Database* db_ = nullptr;
  const ParticipantIdentity* me_ = nullptr;
  const Clock* clock_ = nullptr;
  std::function<uint64_t()> policy_version_;
  std::vector<std::pair<uint64_t, PublicKey>> key_history_;  // (first seq, key), ascending
  std::unique_ptr<AuditLog> log_;
  absl::Status health_;
  bool permanent_ = false;  // a verification failure: no retry
  Timestamp retry_at_ = 0;
  Timestamp backoff_ = 0;
  uint64_t checkpointed_seq_ = 0;
  int injected_failures_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_AUDIT_WRITER_H_
