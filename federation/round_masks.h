// A member's pairwise masks for one round: the pair keys with every other member of the final
// cohort, derived once (one X25519 each) and used for both phases of the round.
//
// Mask(stream_id, n) is the member's net mask: for every other member, + the pair's stream if
// this member's fingerprint is the smaller, - otherwise (crypto/pairwise_mask.h's rule, so it
// equals CohortMask(self, cohort, stream_id, n)). The streams are bound to the cohort's hash
// and to `stream_id`, which the caller derives from the round and phase (StreamId), so two
// phases, two rounds or two views of a round never share a mask.
//
// Move-only; the pair keys are wiped when it dies. Thread-compatible.
#ifndef CAIRN_FEDERATION_ROUND_MASKS_H_
#define CAIRN_FEDERATION_ROUND_MASKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/identity.h"
#include "crypto/pairwise_mask.h"
#include "crypto/public_key.h"
#include "federation/messages.h"

namespace cairn {

// The mask stream id of a round's phase: lower-case hex of BLAKE2b-256 over the round digest,
// the phase name and `transcript` (the values phase passes the digest of the count phase's
// signed contributions, so members that saw different counts get unrelated masks).
std::string StreamId(const RoundDigest& round, Phase phase, absl::string_view transcript = {});

class RoundMasks {
 public:
  // InvalidArgument if `self` is not in `cohort` or the cohort is not valid for HashCohort.
  static absl::StatusOr<RoundMasks> Derive(const Identity& self,
                                           absl::Span<const PublicKey> cohort);

  const CohortHash& cohort_hash() const { return cohort_hash_; }

  // The net mask of `count` words for `stream_id`. InvalidArgument as PairMaskStream.
  absl::StatusOr<std::vector<uint64_t>> Mask(absl::string_view stream_id, size_t count) const;

 private:
  struct Peer {
    PairKey key;
    bool add;  // self's fingerprint is the smaller of the pair
  };
  RoundMasks() = default;

  CohortHash cohort_hash_{};
  std::vector<Peer> peers_;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_ROUND_MASKS_H_
