// Stewardship: the data steward's operations on what partners may learn — applying and
// removing policy, explaining a decision, reading budgets, and registering, revoking and
// allowing partners. Every change is written in ONE batch with its audit entry; every read is
// typed, for the admin socket (cairnctl) and any other admin door alike.
//
// Partner registration exists once (CheckRegistration + RegisterPartners): `cairnctl partner
// add` and a consortium roster import both go through it.
//
// Threading: writer thread only.
#ifndef CAIRN_DAEMON_RELEASE_STEWARDSHIP_H_
#define CAIRN_DAEMON_RELEASE_STEWARDSHIP_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "crypto/public_key.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/policy_in_force.h"
#include "daemon/release/release_gate.h"
#include "model/query.h"
#include "storage/partner_store.h"
#include "storage/policy_store.h"
#include "storage/record_store.h"

namespace cairn {

struct PolicyApplied {
  uint64_t version = 0;
  PolicyChange change;                // what this version changed
  std::vector<std::string> warnings;  // e.g. partners the policy names but nobody registered
};

// What would happen to a partner's query now, and why (`cairnctl policy check`).
struct PolicyExplanation {
  bool allowed = false;
  std::string reason;              // of the refusal, or of the admission
  std::vector<std::string> lines;  // notes, then one per deny rule and grant that applies
  std::string release;             // when allowed: how the answer would be released
};

struct BudgetView {
  std::string partner, grant;
  int64_t budget_micros = 0, spent_micros = 0;
  Timestamp period_start = 0, renews_at = 0;
};

// A partner to register, as the steward or a consortium roster names it.
struct PartnerCandidate {
  std::string name;
  std::string certificate_pem;
  std::string endpoint;
  std::string fingerprint;  // pinned out of band; "" when the certificate is trusted as given
  std::vector<std::string> allow_metrics;
};

enum class RegistrationOrigin {
  kSteward,  // cairnctl partner add: may replace a revoked partner of the same name
  kRoster,   // a roster import: never re-activates a revoked partner
};

// The partner `candidate` becomes, or why it cannot be registered: not a Cairn certificate, a
// pinned fingerprint that differs, not valid now, this daemon's own key, a name or key held by
// another active partner, a metric unknown to `registry`, or (from a roster) a name revoked
// here before. InvalidArgument / AlreadyExists / NotFound / FailedPrecondition.
absl::StatusOr<Partner> CheckRegistration(const PartnerCandidate& candidate,
                                          RegistrationOrigin origin, const PartnerStore& partners,
                                          const PublicKey& me, const MetricRegistry& registry,
                                          Timestamp now);

class Stewardship {
 public:
  // All must outlive it.
  Stewardship(const Clock* clock, PolicyInForce* policy, AuditWriter* audit, PolicyStore* store,
              PartnerStore* partners, const ReleaseGate* gate, const RecordStore* records)
      : clock_(clock),
        policy_(policy),
        audit_(audit),
        store_(store),
        partners_(partners),
        gate_(gate),
        records_(records) {}

  // ---- Policy.
  // Validates the whole file (errors name file, line and field) and applies it as the next
  // version, with its audit entry, atomically. Unavailable while the audit log cannot be
  // written.
  absl::StatusOr<PolicyApplied> ApplyPolicy(absl::string_view text, absl::string_view file_name,
                                            absl::string_view applied_by);
  absl::StatusOr<PolicyApplied> RemoveGrant(absl::string_view name, absl::string_view applied_by);
  absl::StatusOr<std::vector<PolicyChange>> History() const { return store_->History(); }
  const PolicyInForce& policy() const { return *policy_; }

  // What would happen to `query` from `partner` now, and why; spends nothing.
  PolicyExplanation Explain(absl::string_view partner, const Query& query) const;
  std::vector<BudgetView> Budgets(absl::string_view partner) const;

  // ---- Partners.
  // Registers every partner (each as CheckRegistration returned it) in one write, each with
  // its "partner-add" entry saying `why`, together with what `batch` holds and the entries
  // `more` (a roster import: the roster's row and its entry).
  absl::StatusOr<std::vector<Partner>> RegisterPartners(std::vector<Partner> partners,
                                                        absl::string_view why,
                                                        rocksdb::WriteBatch* batch = nullptr,
                                                        std::vector<AuditEntry> more = {});
  // The revoked partner; its connections are the caller's to close.
  absl::StatusOr<Partner> RevokePartner(absl::string_view name);
  // Until a policy is in force: the metrics `name` may ask about. Audited.
  absl::Status AllowMetrics(absl::string_view name, std::vector<std::string> metrics);

 private:
  const Clock* clock_;
  PolicyInForce* policy_;
  AuditWriter* audit_;
  PolicyStore* store_;
  PartnerStore* partners_;
  const ReleaseGate* gate_;
  const RecordStore* records_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_STEWARDSHIP_H_
