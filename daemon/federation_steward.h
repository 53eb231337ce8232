// DaemonRoundSteward: the steward of this daemon's federation member (federation/steward.h) —
// the daemon's own policy, gate, budget ledger and audit log decide whether the member takes
// part in a round and release its figures, exactly as for a partner's query.
//
//   Check          the policy in force decides (Disclosure::CheckRound); spends nothing.
//   Admit          before the member's count commitments leave: the grant chosen at the
//                  proposal must still admit the round, within its rate limit and budget; then
//                  ONE write holds the audit entry (kind "federated-counts") and the budget
//                  debit (Disclosure::AdmitRound). If the write fails, the member sends nothing.
//   RecordRelease  before the member's figures leave: the grant must still admit the query;
//                  then ONE write holds the audit entry (kind "federated") and the member's
//                  cohort memory with this round added (ConsortiumStore, family kFederation;
//                  Disclosure::ReleaseRound). The member records the round in its own memory
//                  right after (federation/member.cc), so the stored memory and the member's
//                  stay equal, and a restarted member starts from the stored one. If the write
//                  fails, the member sends nothing.
//
// Threading: the member calls it on a reader thread, under the member's lock (one call at a
// time). Every call runs on the writer thread (WorkerThread::RunSync), where Disclosure and
// the kFederation writes live, and blocks the reader meanwhile. If the writer has stopped
// (shutdown), the call is refused.
#ifndef CAIRN_DAEMON_FEDERATION_STEWARD_H_
#define CAIRN_DAEMON_FEDERATION_STEWARD_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/public_key.h"
#include "daemon/disclosure.h"
#include "daemon/federation_audit.h"
#include "daemon/worker_thread.h"
#include "federation/roster.h"
#include "federation/steward.h"
#include "storage/consortium_store.h"

namespace cairn {

class DaemonRoundSteward final : public RoundSteward {
 public:
  // All must outlive the steward; `roster` is the member's own copy.
  DaemonRoundSteward(WorkerThread& writer, Disclosure& disclosure, ConsortiumStore& store,
                     const ConsortiumRoster& roster)
      : writer_(writer), disclosure_(disclosure), store_(store), roster_(roster) {}

  Decision Check(absl::string_view requester, const Query& query, absl::string_view consortium,
                 Timestamp now) override;
  Decision Admit(const ReleaseNotice& notice) override;
  Decision RecordRelease(const ReleaseNotice& notice) override;

 private:
  Decision DecisionOf(RoundVerdict verdict);
  RoundRelease ReleaseOf(const ReleaseNotice& notice) const;
  // Runs `step` on the writer thread; refused if the writer has stopped.
  Decision OnWriter(const std::function<RoundVerdict()>& step);

  WorkerThread& writer_;
  Disclosure& disclosure_;
  ConsortiumStore& store_;
  const ConsortiumRoster& roster_;
  // The grant the last Decision points to: the member copies it before its next call.
  std::optional<Grant> grant_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_FEDERATION_STEWARD_H_
