// ReleasePath: the parts of the one release path, opened over a participant's stores and wired
// to one another — the policy in force, the audit writer, the gate and the steward's
// operations. cairnd opens one at start; benchmarks and in-process tests open their own over
// a data dir or a scratch database. It owns the parts and nothing else: callers take the part
// they need.
//
// Threading: the parts' own contracts (writer thread, except where they say otherwise).
#ifndef CAIRN_DAEMON_RELEASE_RELEASE_PATH_H_
#define CAIRN_DAEMON_RELEASE_RELEASE_PATH_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "daemon/release/audit_writer.h"
#include "daemon/release/policy_in_force.h"
#include "daemon/release/release_gate.h"
#include "daemon/release/stewardship.h"
#include "participant/participant_identity.h"
#include "storage/database.h"
#include "storage/ledger_store.h"
#include "storage/nonce_store.h"
#include "storage/partner_store.h"
#include "storage/policy_store.h"
#include "storage/rate_store.h"
#include "storage/record_store.h"

namespace cairn {

struct ReleasePath {
  std::unique_ptr<PolicyStore> policy_store;
  std::unique_ptr<LedgerStore> ledger;
  std::unique_ptr<RateStore> rates;
  std::unique_ptr<PolicyInForce> policy;
  std::unique_ptr<AuditWriter> audit;
  std::unique_ptr<ReleaseGate> gate;
  std::unique_ptr<Stewardship> stewardship;

  // Loads the policy in force, opens and verifies the audit log, restores budgets and the
  // differencing guard. Everything passed in must outlive the path. Storage errors, or
  // InvalidArgument if the stored policy no longer validates.
  static absl::StatusOr<ReleasePath> Open(Database* db, const RecordStore* records,
                                          NonceStore* nonces, PartnerStore* partners,
                                          const ParticipantIdentity* me,
                                          std::vector<PublicKey> former_keys, const Clock* clock);
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_RELEASE_RELEASE_PATH_H_
