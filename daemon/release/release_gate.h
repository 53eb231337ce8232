// ReleaseGate: the owner's control over what leaves the daemon for a partner — the decision
// before an answer is prepared, and the admission and the one write when it is released.
//
//   Decide  (writer): the partner is still registered and active (its record as it is now,
//           not as it was when its connection opened); the request's nonce was not used
//           before; the policy in force admits the query (or, with no policy yet, the
//           partner's metric allow-list, as the implicit grant AllowListGrant describes); a
//           private grant's earlier identical answer is found, to be repeated at no cost. A
//           refusal is audited, with its nonce, before it is returned.
//   Commit  (writer): the nonce again, the policy unchanged since Decide; the rate limit, the
//           budget and the differencing guard admit the prepared answer; then ONE write holds
//           the nonce, the audit entry (with the hash of the released rows), the budget debit,
//           the rate limit's admission, the released answer and the guard's footprints. The write
//           does not wait for the disk: AuditWriter::Sync() does, and only then may the answer
//           leave.
//
// Refusals cost little. A partner's refused and failed requests are audited one by one, up to
// kAuditedRefusalsPerMinute a minute, with entries that do not wait for the disk (the next
// release's sync, or the minute's flush, makes them durable); past that they are counted and
// written as one entry per partner and minute (FlushRefusals). So a partner sending refused
// requests in a loop can make the writer neither fsync nor write an entry per request.
//
// Federated rounds pass the same gate (CheckRound at the proposal, AdmitRound when the
// member's figures are about to leave): the same policy, budgets and audit log.
//
// Everything here reads the time from the injected clock and works over injected stores, so it
// is tested in-process (release_gate_test.cc). Threading: writer thread only.
#ifndef CAIRN_DAEMON_RELEASE_RELEASE_GATE_H_
#define CAIRN_DAEMON_RELEASE_RELEASE_GATE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/policy_in_force.h"
#include "daemon/release/prepare.h"
#include "model/query.h"
#include "policy/decision.h"
#include "policy/differencing.h"
#include "policy/gate.h"
#include "protocol/signed_envelope.h"
#include "rocksdb/write_batch.h"
#include "storage/ledger_store.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/rate_store.h"
#include "storage/record_store.h"

namespace cairn {

// A partner's request whose envelope was opened and verified.
struct PartnerRequest {
  Partner partner;
  QueryRequestInfo request;
  std::string signature;
};

// Who asked, for the audit entry of a request refused before it could be decided.
AuditSubject SubjectOf(const Partner& partner, absl::string_view request_hash = {},
                       absl::string_view signature = {});

// What the gate decided for a member's part in a federated round.
struct RoundVerdict {
  bool allowed = false;
  std::optional<Grant> grant;  // the admitting grant (a copy), or the one whose limit refused
  Check denied_by = Check::kPartner;
  std::string reason;  // when refused
  uint64_t policy_version = 0;
};

// A member's release of its figures into a round, as its audit entry records it.
struct RoundRelease {
  std::string requester;              // roster name: the partner in the policy
  std::string requester_fingerprint;  // "ed25519:..."
  std::string consortium;
  std::string round_digest;  // 32 bytes: names the round (its signed proposal)
  Query query;
  std::string grant;  // chosen when the member committed to the round
  size_t cohort_size = 0;
  size_t released_groups = 0;
  std::string release_hash;  // federation's FederatedReleaseHash
};

class ReleaseGate {
 public:
  // Restores the budgets and the guard's memory from `ledger`, and the rate limits' windows
  // from `rates`. All must outlive the gate.
  static absl::StatusOr<std::unique_ptr<ReleaseGate>> Open(const Clock* clock,
                                                           PolicyInForce* policy,
                                                           AuditWriter* audit, NonceStore* nonces,
                                                           LedgerStore* ledger, RateStore* rates,
                                                           const RecordStore* store,
                                                           const PartnerStore* partners);

  // The decision for `request`, or the refusal (audited): PermissionDenied for the policy,
  // ResourceExhausted for a budget or rate limit, the audit writer's health when the daemon
  // fails closed.
  absl::StatusOr<Verdict> Decide(const PartnerRequest& request);
  // Admits and records `release`; the receipt names its audit entry. Refusals as Decide,
  // Unavailable if the policy changed since Decide ("ask again").
  absl::StatusOr<AuditLog::Receipt> Commit(const PartnerRequest& request, const Verdict& verdict,
                                           const PreparedRelease& release);
  // Audits a request that failed before or after the decision (malformed, bad signature, an
  // engine error) as "failed"; nothing else is written.
  void RecordFailure(const AuditSubject& who, const absl::Status& why);

  // Writes the counted refusals of every partner whose minute is over; the daemon calls it
  // once a minute and at shutdown. `all`: whether the minute is over or not.
  void FlushRefusals(bool all = false);

  // The decision for `requester` (a roster name) asking `query` in a round of `consortium`;
  // spends nothing. Refused while the daemon fails closed.
  RoundVerdict CheckRound(absl::string_view requester, const Query& query,
                          absl::string_view consortium) const;
  // Admits a member's count phase, just before its count commitments leave (what they
  // reveal is decided from its data, so the round is paid for here): the rate limit and
  // budget of the grant (refused if the policy now admits the round by another grant, or not
  // at all), then ONE write, not waiting for the disk, holding the audit entry (kind
  // federated-counts, with the epsilon spent and the release hash), the debit, and whatever
  // `stage` adds. When refused, nothing is written: the caller audits the refusal.
  RoundVerdict AdmitRound(const RoundRelease& release,
                          const std::function<absl::Status(rocksdb::WriteBatch*)>& stage);
  // Records a member's release of its figures, just before they leave: the grant chosen at the
  // proposal must still admit the query (its limits were counted by AdmitRound), then ONE
  // write, not waiting for the disk, holding the audit entry (kind federated, with the release
  // hash) and whatever `stage` adds (the cohort memory). When refused, nothing is written.
  RoundVerdict ReleaseRound(const RoundRelease& release,
                            const std::function<absl::Status(rocksdb::WriteBatch*)>& stage);

  // For the steward's reads (explanations, budgets).
  const PolicyGate& gate() const { return gate_; }

 private:
  // Refusals and failures of one partner in the current minute.
  struct RefusalWindow {
    Timestamp start = 0;
    int audited = 0;
    AuditSubject who;
    std::map<std::string, int64_t> counted;  // by decision and reason: refusals not audited
  };
  static constexpr int kAuditedRefusalsPerMinute = 20;
  static constexpr size_t kCountedReasonsPerMinute = 8;

  ReleaseGate() = default;
  // Whether this refusal gets an entry of its own; if not, it is counted.
  bool AuditRefusalAlone(const AuditSubject& who, AuditDecision decision, const absl::Status& why);
  void WriteCounted(const std::string& partner, RefusalWindow& window);
  absl::Status Refuse(const PartnerRequest& request, const absl::Status& why,
                      absl::string_view grant);
  // The debit of a privacy grant and the admission under a rate-limited one, as they stand
  // after PolicyGate::Admit, into the release's batch.
  absl::Status StageSpending(absl::string_view partner, const Grant& grant, Timestamp now,
                             rocksdb::WriteBatch* batch);

  const Clock* clock_ = nullptr;
  PolicyInForce* policy_ = nullptr;
  AuditWriter* audit_ = nullptr;
  NonceStore* nonces_ = nullptr;
  LedgerStore* ledger_ = nullptr;
  RateStore* rates_ = nullptr;
  const RecordStore* store_ = nullptr;
  const PartnerStore* partners_ = nullptr;
  PolicyGate gate_;
  DifferencingGuard guard_;
  std::map<std::string, RefusalWindow> refusals_;  // by partner
};

// The pre-policy rule: every metric of the query must be on the partner's allow-list.
absl::Status AuthorizeByAllowList(const Partner& partner, const Query& query);

// Before any policy is applied, a partner's metric allow-list acts as this grant: exact sums,
// counts, means and ratios of the listed metrics, filtered and grouped by any tag, in whole
// months at the finest (never a single record's time: a one-second range is refused), no
// minimum or maximum. For anything else the steward applies a policy.
Grant AllowListGrant(const Partner& partner, const Query& query);

// The released-answer key of a query under a grant.
ReleasedKey ReleasedKeyFor(absl::string_view partner, const Verdict& verdict, const Query& query);

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_RELEASE_GATE_H_
