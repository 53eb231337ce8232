// Disclosure: the owner's control over everything that leaves the daemon for a partner.
//
// It holds the policy in force (storage/policy_store.h), the gate (rate limits and privacy
// budgets), the differencing guard, the ledger of released answers and budgets, and the audit
// log. A partner request passes three steps:
//   1. Decide   (writer thread): replay check and policy decision. A refusal is audited and
//               its nonce recorded before the refusal is returned.
//   2. Prepare  (any reader thread, read-only): the query is run the way the grant says —
//               exact with small groups withheld, or privately with clamping and discrete noise
//               — or an identical earlier private answer is reused at no cost.
//   3. Commit   (writer thread): rate limit, budget and differencing guard admit it; then ONE
//               write holds the nonce, the audit entry (with the hash of the released rows),
//               the budget debit, the released answer and the guard's footprints.
//   4. Sync     (writer thread): SyncReleases() makes it durable. Only then does the answer
//               leave the daemon. Commits queued behind each other share one fsync (group
//               commit): under load the writer applies several before the first Sync runs.
// If the audit log cannot be written, or failed verification at start, every partner query is
// refused (fail closed) until the daemon is restarted after the cause is fixed.
//
// Without any policy applied, the partner's metric allow-list (cairnctl partner allow) decides,
// as before policies existed; once a policy is applied, only the policy decides.
//
// Threading: PrepareRelease is thread-safe; every other method runs on the daemon's writer
// thread only, except the read-only accessors marked thread-safe.
#ifndef CAIRN_DAEMON_DISCLOSURE_H_
#define CAIRN_DAEMON_DISCLOSURE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/random_source.h"
#include "daemon/participant_identity.h"
#include "model/query.h"
#include "policy/decision.h"
#include "policy/differencing.h"
#include "policy/gate.h"
#include "protocol/signed_envelope.h"
#include "storage/audit_log.h"
#include "storage/ledger_store.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/policy_store.h"
#include "storage/record_store.h"

namespace cairn {

struct PartnerRequest {
  Partner partner;
  QueryRequestInfo request;  // a verified envelope
  std::string signature;
};

struct Verdict {
  std::optional<Grant> grant;  // the admitting grant (a copy: the policy may change meanwhile)
  std::string grant_digest;
  uint64_t policy_version = 0;
  bool allow_list = false;            // no policy: the partner's allow-list admitted the query
  std::optional<QueryResult> cached;  // private grants: the answer released earlier
};

struct PreparedRelease {
  QueryResult result;  // exactly what the partner receives
  uint64_t suppressed_groups = 0;
  int64_t epsilon_micros = 0;
  std::string noise;                  // "" for exact figures
  std::vector<Footprint> footprints;  // exact grants under the differencing guard
  bool cached = false;
};

struct PolicyApplied {
  uint64_t version = 0;
  std::vector<std::string> changes;   // "grant 'x' added", ...
  std::vector<std::string> warnings;  // e.g. partners the policy names but nobody registered
};

// Federated rounds (daemon/federation_service.h): what the steward decided for a round.
struct RoundVerdict {
  bool allowed = false;
  std::optional<Grant> grant;  // the admitting grant (a copy), or the one whose limit refused
  Check denied_by = Check::kPartner;
  std::string reason;  // when refused
  uint64_t policy_version = 0;
};

// A member's part in a round (its count commitments, then its figures), as its audit entries
// record it.
struct RoundRelease {
  std::string requester;              // roster name: the partner in the policy
  std::string requester_fingerprint;  // "ed25519:..."
  std::string consortium;
  std::string round_digest;  // 32 bytes: names the round (its signed proposal)
  Query query;
  std::string grant;  // chosen when the member committed to the round
  size_t cohort_size = 0;
  size_t released_groups = 0;  // ReleaseRound
  std::string release_hash;    // federation_audit.h FederatedReleaseHash
};

struct BudgetView {
  std::string partner, grant;
  int64_t budget_micros = 0, spent_micros = 0;
  Timestamp period_start = 0, renews_at = 0;
};

class Disclosure {
 public:
  // Loads the policy, budgets and guard memory, and verifies the audit log (a failed
  // verification makes the daemon refuse partner queries, not fail to start, so that the
  // steward can inspect the log).
  static absl::StatusOr<std::unique_ptr<Disclosure>> Open(Database* db, RecordStore* store,
                                                          NonceStore* nonces,
                                                          PartnerStore* partners,
                                                          const ParticipantIdentity* me,
                                                          std::vector<PublicKey> former_keys);

  absl::StatusOr<Verdict> Decide(const PartnerRequest& request, Timestamp now);
  static absl::StatusOr<PreparedRelease> PrepareRelease(const RecordStore& store,
                                                        const Verdict& verdict, const Query& query,
                                                        RandomSource& rng);
  absl::StatusOr<AuditLog::Receipt> Commit(const PartnerRequest& request, const Verdict& verdict,
                                           const PreparedRelease& release, Timestamp now);
  // Makes every commit so far durable; the caller releases an answer only after this returns
  // OK. Fails (and fails closed from then on, like a failed audit write) if the log cannot be
  // synced.
  absl::Status SyncReleases();
  // A request refused before a decision (malformed, bad signature, not addressed to us...).
  void RecordFailure(const Partner& partner, absl::string_view request_hash,
                     absl::string_view signature, const absl::Status& why, Timestamp now);

  // ---- The steward's side.
  // Audits an action of the owner's admins that changes who may learn what ("partner-add",
  // "partner-revoke", ...). Fails if the audit log cannot be written.
  absl::Status RecordAdminAction(absl::string_view kind, const Partner& partner,
                                 absl::string_view what, Timestamp now);
  absl::StatusOr<PolicyApplied> ApplyPolicy(absl::string_view text, absl::string_view file_name,
                                            absl::string_view applied_by, Timestamp now);
  absl::StatusOr<PolicyApplied> RemoveGrant(absl::string_view name, absl::string_view applied_by,
                                            Timestamp now);
  // What would happen to `query` from `partner` now, and why; spends nothing.
  std::string Explain(const Partner* partner, absl::string_view partner_name, const Query& query,
                      Timestamp now) const;
  std::vector<BudgetView> Budgets(absl::string_view partner, Timestamp now) const;
  const Policy& policy() const { return current_.policy; }
  const PolicyVersion& policy_version() const { return current_.version; }
  PolicyStore& policy_store() { return *policy_store_; }

  // ---- Federated rounds; implemented in federated_disclosure.cc. Writer thread.
  // The decision for `requester` (a roster name) asking `query` in a round of `consortium`;
  // spends nothing. Refused while partner queries are refused (health()).
  RoundVerdict CheckRound(absl::string_view requester, const Query& query,
                          absl::string_view consortium, Timestamp now) const;
  // Admits a member's count phase, just before its count commitments leave: the rate limit and
  // budget of the grant (refused if the policy now admits the round by another grant, or not
  // at all), then ONE write holding the audit entry (kind "federated-counts", allowed, with the
  // epsilon spent and the release hash), the budget debit, and whatever `stage` adds to the
  // batch. When refused, nothing is written: the caller audits the refusal (RecordRound).
  RoundVerdict AdmitRound(const RoundRelease& release,
                          const std::function<absl::Status(rocksdb::WriteBatch*)>& stage,
                          Timestamp now);
  // Records a member's release of its figures, just before they leave: the grant chosen at the
  // proposal must still admit the query (its rate limit and budget were counted by AdmitRound),
  // then ONE write holding the audit entry (kind "federated", allowed, with the release hash)
  // and whatever `stage` adds to the batch (the cohort memory). When refused, nothing is
  // written.
  RoundVerdict ReleaseRound(const RoundRelease& release,
                            const std::function<absl::Status(rocksdb::WriteBatch*)>& stage,
                            Timestamp now);
  // Appends an audit entry about federation — a member's refusal or failure ("federated"), a
  // round this daemon ran ("federated-request"), a roster import ("consortium-add") — with the
  // policy version in force, in one write with whatever `batch` already holds. Fails (and
  // writes nothing) while the audit log cannot be written.
  absl::StatusOr<AuditLog::Receipt> RecordRound(AuditEntry entry, rocksdb::WriteBatch* batch);

  // Signs a checkpoint of the audit chain head (if anything was appended since the last).
  absl::Status Checkpoint(Timestamp now);
  // Thread-safe: reads only.
  absl::Status VerifyAudit(AuditVerifyReport* report) const;
  const AuditLog& audit() const { return *audit_; }
  // OK while partner queries may be answered; otherwise why not.
  const absl::Status& health() const { return health_; }

 private:
  Disclosure() = default;
  absl::Status Refuse(const PartnerRequest& request, const absl::Status& why,
                      absl::string_view grant, Timestamp now);
  // `deferred`: written without waiting for the disk (Commit; SyncReleases follows).
  absl::StatusOr<AuditLog::Receipt> WriteEntry(AuditEntry entry, rocksdb::WriteBatch* batch,
                                               const std::function<void()>& on_commit,
                                               bool deferred = false);
  AuditEntry EntryFor(const PartnerRequest& request, Timestamp now) const;
  AuditVerifier Verifier() const;

  Database* db_ = nullptr;
  RecordStore* store_ = nullptr;
  NonceStore* nonces_ = nullptr;
  PartnerStore* partners_ = nullptr;
  const ParticipantIdentity* me_ = nullptr;
  std::vector<PublicKey> trusted_checkpoint_keys_;  // ours now and before rotations
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<LedgerStore> ledger_;
  std::unique_ptr<PolicyStore> policy_store_;
  AppliedPolicy current_;
  PolicyGate gate_;
  DifferencingGuard guard_;
  absl::Status health_;
  uint64_t checkpointed_seq_ = 0;
};

// The pre-policy rule: every metric of the query must be on the partner's allow-list.
absl::Status AuthorizeByAllowList(const Partner& partner, const Query& query);

// The wall clock, in microseconds since the epoch.
Timestamp NowMicros();

// The released-answer key of a query under a grant.
ReleasedKey ReleasedKeyFor(absl::string_view partner, const Verdict& verdict, const Query& query);

// How a private release was protected, for the attestation and the audit trail:
// "discrete Laplace noise, epsilon 0.25 split over 2 parts; energy clamped to [0, 50000] kWh".
std::string DescribeNoise(const Grant& grant, const Query& query);

}  // namespace cairn

#endif  // CAIRN_DAEMON_DISCLOSURE_H_
