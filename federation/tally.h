// The value vectors of a round and how they add up: layout, member-side encoding, and the
// recomputation of the published rows from the members' contributions; and the checks every
// contribution passes before it is used. The requester uses it to collect, members to check
// what they are sent, and VerifyFederatedResult to check a published result; all three
// therefore agree by construction. The count phase has commitments instead of words
// (count_phase.h).
//
// Layout of a value vector. It starts with kCanaryWords words that each member sets to
// (1, 0, 0): in the sum they must read (n, 0, 0). A cancelled mask leaves them exact; a mask
// that did not cancel (inconsistent cohort, round or count transcript, an altered vector)
// leaves uniform garbage, which passes with probability about 2^-128. Then, for each released
// group (contributors >= min_contributors, in key order), for each component, kLimbs limbs of
// its fixed-point value (fixed_point.h). Only released groups carry figures: which groups those
// are is known to every member (each opens the counts), and the others carry nothing.
//
// Pure functions; thread-safe.
#ifndef CAIRN_FEDERATION_TALLY_H_
#define CAIRN_FEDERATION_TALLY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crypto/pairwise_mask.h"
#include "federation/local_figures.h"
#include "federation/messages.h"
#include "federation/round.h"

namespace cairn {

inline constexpr size_t kCanaryWords = 3;

size_t ValueWords(size_t released_groups, size_t components);

// A member's plain value vector (before masking).
std::vector<uint64_t> ValueVector(const LocalFigures& figures, absl::Span<const size_t> released);

// Adds `mask` into `words` (mod 2^64). Sizes must match.
void ApplyMask(absl::Span<const uint64_t> mask, std::vector<uint64_t>* words);

// Opens `message` and checks it is `member`'s contribution to `round` for `phase` over
// `cohort_hash`, of the right size: `length` words for the values phase, commitments and proofs
// for `length` groups for the counts phase. Unauthenticated if the signature does not verify;
// InvalidArgument (naming the member) for any other mismatch.
absl::StatusOr<Contribution> OpenMemberContribution(const SignedMessage& message,
                                                    const PublicKey& member,
                                                    const RoundDigest& round,
                                                    const CohortHash& cohort_hash, Phase phase,
                                                    size_t length);

// The digest of the count phase's signed contributions, in cohort order, which the values
// phase's masks are bound to (round_masks.h StreamId).
std::string CountTranscript(absl::Span<const SignedMessage> counts);

// The sum (mod 2^64) of equally long vectors; InvalidArgument if the lengths differ.
absl::StatusOr<std::vector<uint64_t>> AddUp(absl::Span<const Contribution> contributions);

// The groups whose contributors reach `min_contributors`, ascending.
std::vector<size_t> ReleasedGroups(absl::Span<const uint32_t> contributors,
                                   uint32_t min_contributors);

// The published rows: every group with a contributor, with totals and value where released.
// DataLoss if the summed value vector does not add up.
absl::StatusOr<std::vector<FederatedRow>> RowsFromSums(const Query& query, const KeySpace& keys,
                                                       absl::Span<const uint32_t> contributors,
                                                       absl::Span<const size_t> released,
                                                       absl::Span<const uint64_t> value_sum,
                                                       size_t members);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_TALLY_H_
