// A member's pairwise masks for one round: the pair keys with every other member of the final
// cohort, derived once (one X25519 each) and used for both phases of the round.
//
// Mask(stream_id, n) is the member's net mask: for every other member, + the pair's stream if
// this member's fingerprint is the smaller, - otherwise (crypto/pairwise_mask.h's rule, so it
// equals CohortMask(self, cohort, stream_id, n)). ScalarMask(stream_id, n) is the same in the
// scalars mod l of ristretto255 (CohortScalarMask): the masks of the member's commitments
// (count_phase.h), which sum to 0 over the cohort. The streams are bound to the cohort's hash
// and to `stream_id`, which the caller derives from the round and phase (StreamId), so two
// phases, two rounds or two views of a round never share a mask.
//
// Pair keys do not change while the two identities do, so a member derives each once:
// PairKeys holds them (one X25519 and an Ed25519-to-X25519 conversion each, about 70 us), and
// a member warms it with its roster's keys when the roster is loaded, so that a round pays only
// for the mask streams.
//
// RoundMasks is move-only; the pair keys are wiped when the last holder dies. PairKeys is
// thread-safe. Thread-compatible otherwise.
#ifndef CAIRN_FEDERATION_ROUND_MASKS_H_
#define CAIRN_FEDERATION_ROUND_MASKS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "crypto/identity.h"
#include "crypto/pairwise_mask.h"
#include "crypto/public_key.h"
#include "crypto/ristretto.h"
#include "crypto/secret.h"
#include "federation/messages.h"

namespace cairn {

// The mask stream id of a round's phase: lower-case hex of BLAKE2b-256 over the round digest,
// the phase name and `transcript` (the values phase passes the digest of the count phase's
// signed contributions, so members that saw different counts get unrelated masks).
std::string StreamId(const RoundDigest& round, Phase phase, absl::string_view transcript = {});

// The pair keys of one identity with its peers, each derived on first use and kept.
class PairKeys {
 public:
  // At most this many keys are kept; beyond it keys are derived for each use (a roster holds
  // at most kMaxCohortMembers members).
  static constexpr size_t kMaxKept = 2 * kMaxCohortMembers;

  // `self` must outlive this.
  explicit PairKeys(const Identity& self) : self_(self) {}

  // Derives the keys with `peers` not held yet (skipping `self` and keys that fail).
  void Warm(absl::Span<const PublicKey> peers);
  // The pair key with `peer`; InvalidArgument as DerivePairKey.
  absl::StatusOr<std::shared_ptr<const PairKey>> Get(const PublicKey& peer);
  size_t size() const;

 private:
  const Identity& self_;
  mutable absl::Mutex mu_;
  // By the peer's public key bytes.
  absl::flat_hash_map<std::string, std::shared_ptr<const PairKey>> keys_ ABSL_GUARDED_BY(mu_);
};

class RoundMasks {
 public:
  // InvalidArgument if `self` is not in `cohort` or the cohort is not valid for HashCohort.
  // Pair keys come from `keys` (which must be `self`'s), else are derived here.
  static absl::StatusOr<RoundMasks> Derive(const Identity& self, absl::Span<const PublicKey> cohort,
                                           PairKeys* keys = nullptr);

  const CohortHash& cohort_hash() const { return cohort_hash_; }

  // The net mask of `count` words for `stream_id`. InvalidArgument as PairMaskStream.
  absl::StatusOr<std::vector<uint64_t>> Mask(absl::string_view stream_id, size_t count) const;
  // The net mask of `count` scalars (kScalarBytes each) for `stream_id`. InvalidArgument as
  // PairScalarStream.
  absl::StatusOr<SecretBytes> ScalarMask(absl::string_view stream_id, size_t count) const;

 private:
  struct Peer {
    std::shared_ptr<const PairKey> key;
    bool add;  // self's fingerprint is the smaller of the pair
  };
  RoundMasks() = default;

  CohortHash cohort_hash_{};
  std::vector<Peer> peers_;
};

}  // namespace cairn

#endif  // CAIRN_FEDERATION_ROUND_MASKS_H_
