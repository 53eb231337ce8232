// The requester side of a federated round (DESIGN.md "Federation" steps 1-4).
//
//   1. Propose: a fresh 32-byte query id; the signed proposal goes to every proposed member.
//   2. The members that accept form the final cohort (in proposal order); those that refuse or
//      cannot be reached are left out. Fewer than max(2, min_contributors) -> FailedPrecondition.
//   3. Announce the final cohort; collect every member's signed count commitments, checking
//      each (signature, round, phase, cohort hash, size) as it arrives; open the contributor
//      counts and verify every bit proof of the groups that will be released (count_phase.h).
//   4. Send every member all count contributions; collect the masked value vectors; add up.
//      The masks cancel: per group, the contributor count, and for groups with at least
//      min_contributors contributors the exact totals. Nothing else is learnt.
// A member that does not deliver in step 3 or 4 fails the round (Unavailable, naming it): no
// partial total is ever computed. RunFederatedRoundWithRetry starts a new round (new query id)
// without the members that dropped out.
//
// Errors: InvalidArgument for a bad request (a proposed member not on the requester's roster,
// an invalid query or key space); FailedPrecondition when too few members accept or a member
// refuses mid-round (the reasons are in the message and the report); Unavailable when members
// drop out; Unauthenticated when a reply's signature fails, InvalidArgument when a reply is
// malformed or for another round/phase/cohort, DataLoss when the contributions do not add up
// (tampering, a member that lied about its masks, an inconsistent view of the round),
// Unauthenticated also when a bit proof does not verify: in all of these no result is produced.
//
// Thread-compatible: one round at a time per transport.
#ifndef CAIRN_FEDERATION_REQUESTER_H_
#define CAIRN_FEDERATION_REQUESTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/time.h"
#include "crypto/identity.h"
#include "federation/messages.h"
#include "federation/roster.h"
#include "federation/transport.h"
#include "model/query.h"

namespace cairn {

struct RoundRequest {
  Query query;                                         // sum, count, mean or ratio
  std::vector<std::vector<std::string>> group_values;  // the key space (round.h)
  uint32_t min_contributors = 2;
  std::vector<PublicKey> cohort;  // proposed
};

// What happened to each member, for the caller to show and to retry.
struct RoundReport {
  struct MemberIssue {
    PublicKey member;
    FederationCall call;
    absl::Status status;  // for a refusal at the proposal: PermissionDenied with its reason
  };
  std::vector<MemberIssue> refused;     // declined the proposal, or refused mid-round
  std::vector<MemberIssue> dropped;     // unreachable or failed to deliver
  std::vector<PublicKey> final_cohort;  // of the last round that got that far
  int attempts = 0;                     // rounds started (each RunFederatedRound adds one)
};

// One round. `query_id`: empty for a fresh random one (tests may fix it).
absl::StatusOr<FederatedResult> RunFederatedRound(const Identity& requester,
                                                  const ConsortiumRoster& roster,
                                                  FederationTransport& transport,
                                                  const RoundRequest& request, Timestamp now,
                                                  RoundReport* report = nullptr,
                                                  std::string query_id = {});

// Rounds until one succeeds, at most `max_attempts`: after a drop-out (Unavailable), the next
// round proposes the cohort without the members that dropped out. Any other error ends it.
absl::StatusOr<FederatedResult> RunFederatedRoundWithRetry(
    const Identity& requester, const ConsortiumRoster& roster, FederationTransport& transport,
    RoundRequest request, Timestamp now, int max_attempts = 3, RoundReport* report = nullptr);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_REQUESTER_H_
