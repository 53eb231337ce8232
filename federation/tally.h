// The vectors of a round and how they add up: layout, member-side encoding, and the
// recomputation of the published rows from the members' contributions. The requester uses it
// to collect, members to compute the contributor counts themselves, and VerifyFederatedResult
// to check a published result; all three therefore agree by construction.
//
// Layout. Every vector starts with kCanaryWords words that each member sets to (1, 0, 0): in
// the sum they must read (n, 0, 0). A cancelled mask leaves them exact; a mask that did not
// cancel (inconsistent cohort, round or transcript, an altered vector) leaves uniform garbage,
// which passes with probability about 2^-128. Then:
//   counts phase: one word per group of the key space: 1 if the member contributes, else 0;
//   values phase: for each released group (contributors >= min_contributors, in key order),
//                 for each component, kLimbs limbs of its fixed-point value (fixed_point.h).
// The values phase covers released groups only: which groups those are is known to every
// member (each computes the counts), and groups below the threshold carry no figures at all.
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

size_t CountWords(const KeySpace& keys);
size_t ValueWords(size_t released_groups, size_t components);

// A member's plain vectors (before masking).
std::vector<uint64_t> CountVector(const LocalFigures& figures);
std::vector<uint64_t> ValueVector(const LocalFigures& figures, absl::Span<const size_t> released);

// Adds `mask` into `words` (mod 2^64). Sizes must match.
void ApplyMask(absl::Span<const uint64_t> mask, std::vector<uint64_t>* words);

// Opens `message` and checks it is `member`'s contribution to `round` for `phase` over
// `cohort_hash`, with `words` words. Unauthenticated if the signature does not verify;
// InvalidArgument (naming the member) for any other mismatch.
absl::StatusOr<Contribution> OpenMemberContribution(const SignedMessage& message,
                                                    const PublicKey& member,
                                                    const RoundDigest& round,
                                                    const CohortHash& cohort_hash, Phase phase,
                                                    size_t words);

// The digest of the count phase's signed contributions, in cohort order, which the values
// phase's masks are bound to (round_masks.h StreamId).
std::string CountTranscript(absl::Span<const SignedMessage> counts);

// The sum (mod 2^64) of equally long vectors; InvalidArgument if the lengths differ.
absl::StatusOr<std::vector<uint64_t>> AddUp(absl::Span<const Contribution> contributions);

// The contributors per group from the summed count vectors of `members` members. DataLoss if
// the canary or a count is out of range: the vectors did not add up.
absl::StatusOr<std::vector<uint32_t>> ContributorsFromSum(absl::Span<const uint64_t> sum,
                                                          size_t members, size_t groups);

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
