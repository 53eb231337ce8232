// The count phase of a round (DESIGN-federation.md "Count commitments"): how a member says,
// per group of the key space, whether it contributes, and how everyone turns the cohort's
// messages into contributor counts that no member can inflate.
//
// A member's counts contribution (messages.h) carries, for the canary and then for each group
// g, the commitment
//     C_g = z_g·G + b_g·H                                  (crypto/bit_commitment.h)
// with b_g its contributor bit (the canary's is always 1) and z_g its scalar mask for the
// round (round_masks.h ScalarMask over StreamId(round, counts)): the sum of its signed pair
// masks, so that the z_g of the whole cohort sum to 0. Each group's commitment comes with a
// proof that it opens to 0 or 1, bound to CountProofContext(round, member, g): it verifies in
// no other round, for no other group and for no other member. The canary has no proof.
//
// Opening (OpenCounts). Per group, the cohort's commitments add up to B_g·H, B_g the number of
// contributors, found by lookup among 0·H .. n·H; the canary's must be n·H. Anything else means
// that a member lied about its masks or that the members saw different rounds or cohorts: the
// round fails and nothing is released. It costs n x (groups + 1) point additions.
//
// Proofs (VerifyCountProofs). Only a group whose count reaches min_contributors releases
// figures, so only the proofs of released groups can matter: a false bit in a withheld group
// changes a published count, never a release. The requester and VerifyFederatedResult check all
// of them; each member checks an independent random share (VerificationShare) drawn after it
// holds the proofs, so a cheater cannot know which of its proofs will be looked at. A member
// that finds a false proof refuses to send its figures, and without them the others' masked
// figures stay masked: one honest member's check protects everyone.
//
// Pure functions; thread-safe.
#ifndef CAIRN_FEDERATION_COUNT_PHASE_H_
#define CAIRN_FEDERATION_COUNT_PHASE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/random_source.h"
#include "crypto/public_key.h"
#include "crypto/secret.h"
#include "federation/messages.h"
#include "federation/round.h"

namespace cairn {

// Commitments before the groups' in a counts contribution.
inline constexpr size_t kCountCanaries = 1;

// What the bit proof of `member` for `group` of `round` is bound to: a label, the round digest,
// the member's key, the phase and the group index.
std::string CountProofContext(const RoundDigest& round, const PublicKey& member, uint32_t group);

// Fills c->commitments (canary first) and c->proofs for c->round and c->member, from the
// member's bits (0 or 1, one per group) and its scalar masks (kCountCanaries + bits.size()
// scalars, kScalarBytes each). InvalidArgument if the sizes do not match or a bit is not 0 or 1.
absl::Status CommitCounts(absl::Span<const uint8_t> bits, const SecretBytes& masks,
                          Contribution* c);

// The contributors per group of `keys` from the count contributions of the whole cohort, each
// already checked to be its member's, for this round, with kCountCanaries + keys.size()
// commitments. DataLoss (naming the group) if the canary does not open to the cohort size or a
// group to a count in [0, n]; InvalidArgument (naming the member) if a commitment is not a
// point.
absl::StatusOr<std::vector<uint32_t>> OpenCounts(absl::Span<const Contribution> counts,
                                                 const KeySpace& keys);

// The share of the other members' proofs a member verifies, for a final cohort of n members and
// a round threshold of c = min_contributors.
//
// The threat model: at most c - 2 members collude, the requester's own member among them if
// it has one. (With c - 1 colluders a member's figure can be isolated without any cheating:
// the colluders and that member make a released group. Every member's own bound, min_cohort - 2,
// is at most c - 2, since a member refuses a round whose threshold is below its min_cohort.)
// So at least h = n - c + 2 members are honest, and none of them is the cheater: each checks
// each of the cheater's proofs with probability f, independently, and a false proof escapes
// all of them with probability (1 - f)^h. f = 1 - 2^(-40/h) makes that 2^-40. When h < 40 that
// f is above 1/2, and the member verifies everything (sampling would save less than half).
double VerificationShare(size_t cohort, uint32_t min_contributors);

// Of `candidates` proofs, the indices (ascending) of those to verify: each with probability
// `share`, independently, from `rng`; all of them if share >= 1.
std::vector<size_t> ChooseProofs(size_t candidates, double share, RandomSource& rng);

// Verifies the bit proofs of the `released` groups of every count contribution but `self`'s
// (nullptr: all): all of them if share >= 1, else those ChooseProofs picks with `rng`. Returns
// how many it verified. Unauthenticated, naming the member and group, for the first proof that
// does not verify.
absl::StatusOr<size_t> VerifyCountProofs(absl::Span<const Contribution> counts,
                                         const KeySpace& keys, absl::Span<const size_t> released,
                                         double share, const PublicKey* self, RandomSource& rng);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_COUNT_PHASE_H_
