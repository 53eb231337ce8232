#include "daemon/release/audit_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "daemon/failpoint.h"

namespace cairn {
namespace {

// Sign a checkpoint after this many entries (and at shutdown, and every few minutes).
constexpr uint64_t kCheckpointEvery = 100;
// After a failed write, the first retry waits this long; each further failure doubles it, up
// to the maximum. Partner queries are refused meanwhile (fail closed).
constexpr Timestamp kFirstRetry = kMicrosPerSecond;
constexpr Timestamp kMaxRetry = 60 * kMicrosPerSecond;

}  // namespace

absl::StatusOr<std::unique_ptr<AuditWriter>> AuditWriter::Open(
    Database* db, const ParticipantIdentity* me, std::vector<PublicKey> former_keys,
    const Clock* clock, std::function<uint64_t()> policy_version) {
  std::unique_ptr<AuditWriter> w(new AuditWriter());
  w->db_ = db;
  w->me_ = me;
  w->clock_ = clock;
  w->policy_version_ = std::move(policy_version);
  CAIRN_ASSIGN_OR_RETURN(w->log_, AuditLog::Open(db));
  CAIRN_RETURN_IF_ERROR(w->LoadKeyHistory(former_keys));

  AuditVerifyReport report;
  absl::Status verified = w->Verify(&report);
  if (!verified.ok()) {
    w->permanent_ = true;
    w->health_ = absl::FailedPreconditionError(absl::StrCat(
        "the audit log failed verification (", verified.message(),
        "); partner queries are refused until it is investigated: cairnctl audit verify"));
    CAIRN_LOG_ERROR(w->health_.message());
  } else {
    CAIRN_LOG_INFO("audit log verified: ", report.entries, " entries, ", report.checkpoints,
                   " signed checkpoints");
  }
  w->checkpointed_seq_ = report.last_checkpoint_seq;
  if (verified.ok()) CAIRN_RETURN_IF_ERROR(w->RecordRotationIfNeeded());
  return w;
}

absl::Status AuditWriter::LoadKeyHistory(const std::vector<PublicKey>& former_keys) {
  key_history_.clear();
  key_history_.emplace_back(0, former_keys.empty() ? me_->identity.public_key() : former_keys[0]);
  absl::Status bad = absl::OkStatus();
  CAIRN_RETURN_IF_ERROR(log_->ForEach(1, [&](const AuditEntry& e) {
    if (e.kind != AuditKind::kKeyRotation) return true;
    absl::StatusOr<PublicKey> key = PublicKey::FromBytes(e.result_hash);
    if (!key.ok()) {
      bad = absl::DataLossError(
          absl::StrCat("audit entry ", e.seq, " names no valid key: ", key.status().message()));
      return false;
    }
    key_history_.emplace_back(e.seq, *key);
    return true;
  }));
  return bad;
}

const PublicKey& AuditWriter::KeyInForceAt(uint64_t seq) const {
  const PublicKey* key = &key_history_.front().second;
  for (const auto& [from, k] : key_history_) {
    if (from <= seq) key = &k;
  }
  return *key;
}

// After `cairnctl identity rotate`: from the next entry on, the new key signs.
absl::Status AuditWriter::RecordRotationIfNeeded() {
  const PublicKey& mine = me_->identity.public_key();
  const uint64_t head = log_->head().seq;
  if (head == 0 || KeyInForceAt(head) == mine) return absl::OkStatus();
  const PublicKey before = KeyInForceAt(head);
  AuditEntry entry = Begin(AuditKind::kKeyRotation, AuditDecision::kAllowed);
  entry.reason = absl::StrCat(
      "the identity key was rotated: checkpoints from this entry on are "
      "signed by ",
      mine.fingerprint().ToString(), ", no longer by ", before.fingerprint().ToString());
  entry.result_hash = std::string(mine.AsStringView());
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(AuditLog::Receipt receipt, Append(std::move(entry), &batch));
  key_history_.emplace_back(receipt.seq, mine);
  CAIRN_LOG_INFO("recorded the rotation of the identity key in the audit log (entry ", receipt.seq,
                 ")");
  return absl::OkStatus();
}

AuditEntry AuditWriter::Begin(AuditKind kind, AuditDecision decision,
                              const AuditSubject& who) const {
  AuditEntry e;
  e.kind = kind;
  e.decision = decision;
  e.time = clock_->Now();
  e.policy_version = policy_version_();
  e.partner = who.partner;
  e.partner_fingerprint = who.fingerprint;
  e.request_hash = who.request_hash.substr(0, kMaxAuditBinaryBytes);
  e.request_signature = who.request_signature.substr(0, kMaxAuditBinaryBytes);
  return e;
}

absl::Status AuditWriter::Refuse(absl::string_view what, const absl::Status& why) {
  backoff_ = backoff_ == 0 ? kFirstRetry : std::min(kMaxRetry, 2 * backoff_);
  retry_at_ = clock_->Now() + backoff_;
  health_ = absl::UnavailableError(
      absl::StrCat("the audit log cannot be ", what, " (", why.message(),
                   "); partner queries are refused until a write succeeds again (next try in ",
                   backoff_ / kMicrosPerSecond, " s)"));
  CAIRN_LOG_ERROR(health_.message());
  return health_;
}

// After a transient failure, once the back-off has passed: re-read the head (the failed write
// may have reached the disk) and let the next append try.
absl::Status AuditWriter::RecoverIfDue() {
  if (health_.ok()) return absl::OkStatus();
  if (permanent_ || clock_->Now() < retry_at_) return health_;
  absl::Status recovered = db_->Resume();
  if (recovered.ok()) recovered = log_->Recover();
  if (!recovered.ok()) return Refuse("recovered", recovered);
  CAIRN_LOG_INFO("retrying the audit log after: ", health_.message());
  return absl::OkStatus();
}

absl::Status AuditWriter::Ready() { return RecoverIfDue(); }

absl::StatusOr<AuditLog::Receipt> AuditWriter::Append(AuditEntry entry, rocksdb::WriteBatch* batch,
                                                      Durability durability) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  return AppendAll(std::move(one), batch, durability);
}

absl::StatusOr<AuditLog::Receipt> AuditWriter::AppendAll(std::vector<AuditEntry> entries,
                                                         rocksdb::WriteBatch* batch,
                                                         Durability durability) {
  if (entries.empty()) return absl::InvalidArgumentError("no audit entry to append");
  CAIRN_RETURN_IF_ERROR(RecoverIfDue());
  std::vector<AuditLog::Receipt> receipts;
  for (AuditEntry& entry : entries) {
    absl::StatusOr<AuditLog::Receipt> receipt = log_->Prepare(std::move(entry), batch);
    if (!receipt.ok()) {
      if (!receipts.empty()) log_->Abandoned(receipts.front());
      return Refuse("written", receipt.status());
    }
    receipts.push_back(*std::move(receipt));
  }
  CrashAt("before-commit");
  absl::Status written = FailpointActive("audit-write-fails")
                             ? absl::InternalError("failpoint audit-write-fails")
                         : injected_failures_ > 0 ? absl::InternalError("injected write failure")
                         : durability == Durability::kDeferred ? db_->WriteDeferred(batch)
                                                               : db_->Write(batch);
  if (injected_failures_ > 0) --injected_failures_;
  if (!written.ok()) {
    log_->Abandoned(receipts.front());
    return Refuse("written", written);
  }
  for (const AuditLog::Receipt& receipt : receipts) {
    absl::Status committed = log_->Committed(receipt);
    if (!committed.ok()) CAIRN_LOG_ERROR("audit head: ", committed.message());
  }
  health_ = absl::OkStatus();
  backoff_ = 0;
  CrashAt("after-commit");
  if (receipts.back().seq - checkpointed_seq_ >= kCheckpointEvery) {
    absl::Status s = Checkpoint();
    if (!s.ok()) CAIRN_LOG_WARNING("audit checkpoint: ", s.message());
  }
  return receipts.back();
}

absl::Status AuditWriter::Sync() {
  if (!health_.ok()) return health_;
  absl::Status synced = db_->SyncDeferred();
  if (!synced.ok()) return Refuse("made durable", synced);
  return absl::OkStatus();
}

absl::Status AuditWriter::Checkpoint() {
  AuditLog::Head head = log_->head();
  if (head.seq == 0 || head.seq == checkpointed_seq_) return absl::OkStatus();
  AuditSigner signer;
  signer.public_key = std::string(me_->identity.public_key().AsStringView());
  const Identity* identity = &me_->identity;
  signer.sign = [identity](absl::string_view message) {
    return std::string(Sign(*identity, message).AsStringView());
  };
  rocksdb::WriteBatch batch;
  CAIRN_ASSIGN_OR_RETURN(AuditCheckpoint checkpoint,
                         log_->Checkpoint(signer, clock_->Now(), &batch));
  CAIRN_RETURN_IF_ERROR(db_->Write(&batch));
  checkpointed_seq_ = checkpoint.seq;
  CAIRN_LOG_DEBUG("signed audit checkpoint at entry ", checkpoint.seq, " (head ",
                  HexEncode(checkpoint.head_hash), ")");
  return absl::OkStatus();
}

AuditVerifier AuditWriter::Verifier() const {
  return [this](uint64_t seq, absl::string_view public_key, absl::string_view message,
                absl::string_view signature) -> absl::Status {
    absl::StatusOr<PublicKey> key = PublicKey::FromBytes(public_key);
    if (!key.ok()) return key.status();
    const PublicKey& in_force = KeyInForceAt(seq);
    if (*key != in_force) {
      return absl::UnauthenticatedError(absl::StrCat(
          "checkpoint signed by ", key->fingerprint().ToString(), ", not by ",
          in_force.fingerprint().ToString(), ", this participant's key for entry ", seq));
    }
    absl::StatusOr<Signature> sig = Signature::FromBytes(signature);
    if (!sig.ok()) return sig.status();
    return ::cairn::Verify(*key, message, *sig);
  };
}

absl::Status AuditWriter::Verify(AuditVerifyReport* report) const {
  return log_->Verify(Verifier(), report);
}

}  // namespace cairn
