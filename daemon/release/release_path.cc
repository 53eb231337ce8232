#include "daemon/release/release_path.h"

#include "base/status_macros.h"

namespace cairn {

absl::StatusOr<ReleasePath> ReleasePath::Open(Database* db, const RecordStore* records,
                                              NonceStore* nonces, PartnerStore* partners,
                                              const ParticipantIdentity* me,
                                              std::vector<PublicKey> former_keys,
                                              const Clock* clock) {
  ReleasePath path;
  CAIRN_ASSIGN_OR_RETURN(path.policy_store, PolicyStore::Open(db));
  CAIRN_ASSIGN_OR_RETURN(path.ledger, LedgerStore::Open(db));
  path.rates = std::make_unique<RateStore>(db);
  MetricRegistry registry = records->Metrics();
  CAIRN_ASSIGN_OR_RETURN(AppliedPolicy applied, LoadCurrentPolicy(*path.policy_store, &registry));
  path.policy = std::make_unique<PolicyInForce>(std::move(applied));
  PolicyInForce* policy = path.policy.get();
  CAIRN_ASSIGN_OR_RETURN(path.audit, AuditWriter::Open(db, me, std::move(former_keys), clock,
                                                       [policy] { return policy->number(); }));
  CAIRN_ASSIGN_OR_RETURN(
      path.gate, ReleaseGate::Open(clock, policy, path.audit.get(), nonces, path.ledger.get(),
                                   path.rates.get(), records, partners));
  path.stewardship = std::make_unique<Stewardship>(
      clock, policy, path.audit.get(), path.policy_store.get(), partners, path.gate.get(), records);
  return path;
}

}  // namespace cairn
