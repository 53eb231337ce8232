// Checking a published federated result: anyone holding the consortium's roster (every member,
// an auditor) recomputes the rows from the signed messages the result carries and compares.
//
// VerifyFederatedResult checks, in order:
//   * the proposal is signed by its requester, who is on the roster, for the roster's
//     consortium, and is a valid round;
//   * the announcement is signed by the same requester, for this round, and names a final
//     cohort that is a subset of the proposed one, on the roster, large enough for the round;
//   * there is exactly one count and one value contribution per final member, in cohort order,
//     each signed by that member, for this round, phase and cohort hash, of the right length;
//   * the count commitments open to a contributor count in every group (count_phase.h), every
//     bit proof of a released group verifies, and the value vectors add up (their masks
//     cancel; fixed_point.h and tally.h say how garbage is recognised);
//   * the rows recomputed from them equal the published rows, exactly.
// It returns OK, or: Unauthenticated (a signature or a bit proof fails), PermissionDenied (someone
// is not on the roster or the consortium differs), InvalidArgument (a malformed or mismatched
// message), DataLoss (the contributions do not add up, or the published rows differ from them). The
// message names the member or group concerned.
//
// It does not re-run any member's policy: that a member took part is its signed statement.
// Pure; thread-safe.
#ifndef CAIRN_FEDERATION_VERIFY_H_
#define CAIRN_FEDERATION_VERIFY_H_

#include "absl/status/status.h"
#include "federation/messages.h"
#include "federation/roster.h"

namespace cairn {

absl::Status VerifyFederatedResult(const FederatedResult& result, const ConsortiumRoster& roster);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_VERIFY_H_
