// DaemonRoundSteward: the steward of this daemon's federation member (federation/steward.h) —
// the daemon's own policy, gate, budget ledger and audit log decide whether the member takes
// part in a round and release what it sends, exactly as for a partner's query, and through the
// same release pipeline (daemon/release/release_pipeline.h).
//
//   Check          the policy in force decides (ReleaseGate::CheckRound); spends nothing.
//   Admit          before the member's count commitments leave: a release whose commit step
//                  has the gate admit the round under the grant chosen at the proposal, within
//                  its rate limit and budget, and write ONE batch with the audit entry (kind
//                  federated-counts) and the debit (ReleaseGate::AdmitRound); its sync step
//                  makes that durable. If any of it fails, the member sends nothing.
//   RecordRelease  before the member's figures leave: a release whose commit step checks that
//                  the grant still admits the query and writes ONE batch with the audit entry
//                  (kind federated) and the member's cohort memory with this round added
//                  (ConsortiumStore, family kFederation; ReleaseGate::ReleaseRound). The member
//                  records the round in its own memory right after (federation/member.cc), so
//                  the stored memory and the member's stay equal, and a restarted member starts
//                  from the stored one. If any of it fails, the member sends nothing.
//
// Threading: the member calls it on a reader thread, under the member's lock (one call at a
// time). The writer's steps run on the writer thread (WorkerThread::RunSync) and block the
// reader meanwhile. If the writer has stopped (shutdown), the call is refused.
#ifndef CAIRN_DAEMON_FEDERATION_STEWARD_H_
#define CAIRN_DAEMON_FEDERATION_STEWARD_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "daemon/release/release_gate.h"
#include "daemon/release/release_pipeline.h"
#include "daemon/worker_thread.h"
#include "federation/roster.h"
#include "federation/steward.h"
#include "storage/consortium_store.h"

namespace cairn {

class DaemonRoundSteward final : public RoundSteward {
 public:
  // All must outlive the steward; `roster` is the member's own copy.
  DaemonRoundSteward(WorkerThread& writer, ReleaseGate& gate, ReleasePipeline& pipeline,
                     ConsortiumStore& store, const ConsortiumRoster& roster)
      : writer_(writer), gate_(gate), pipeline_(pipeline), store_(store), roster_(roster) {}

  Decision Check(absl::string_view requester, const Query& query, absl::string_view consortium,
                 Timestamp now) override;
  Decision Admit(const ReleaseNotice& notice) override;
  Decision RecordRelease(const ReleaseNotice& notice) override;

 private:
  Decision DecisionOf(RoundVerdict verdict);
  RoundRelease ReleaseOf(const ReleaseNotice& notice) const;

  WorkerThread& writer_;
  ReleaseGate& gate_;
  ReleasePipeline& pipeline_;
  ConsortiumStore& store_;
  const ConsortiumRoster& roster_;
  // The grant the last Decision points to: the member copies it before its next call.
  std::optional<Grant> grant_;
};

}  // namespace cairn

#endif  // CAIRN_DAEMON_FEDERATION_STEWARD_H_
