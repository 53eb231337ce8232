// Pairwise masks for secure aggregation in federated queries (issue 5).
//
// Every two members a, b of a cohort share a key that only they can compute: X25519 between
// their identity keys (Ed25519 converted to X25519), hashed together with both public keys.
// For one federated round, identified by a query id and the hash of the cohort, each pair
// expands its key into a stream of uint64 masks (XChaCha20 under a per-round subkey). The
// member whose fingerprint is smaller (byte order) adds the pair's stream, the other subtracts
// it, all in Z/2^64, so the masks cancel in the sum over the whole cohort while each single
// masked vector looks uniformly random to anyone without the pair keys.
//
// A member that disagrees on the query id or the cohort derives unrelated streams: the sum is
// then garbage, never a leak.
//
// The same pair keys also give masks in the scalars of ristretto255 (Z/l, crypto/ristretto.h),
// for the randomness of bit commitments (crypto/bit_commitment.h): each is 64 bytes of a
// second stream, under its own subkey, reduced mod l, and they cancel in the same way, so
// that the cohort's commitments add up to a multiple of H alone.
//
// Functions are thread-safe; PairKey is thread-compatible.
#ifndef CAIRN_CRYPTO_PAIRWISE_MASK_H_
#define CAIRN_CRYPTO_PAIRWISE_MASK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"
#include "crypto/ristretto.h"
#include "crypto/secret.h"

namespace cairn {

inline constexpr size_t kPairKeyBytes = 32;
inline constexpr size_t kCohortHashBytes = 32;
// Bounds on what a (possibly hostile) requester can make a member compute: masks cost one
// X25519 per peer plus 8 bytes of stream per value per peer.
inline constexpr size_t kMaxCohortMembers = 1000;
inline constexpr size_t kMaxMaskValues = size_t{1} << 20;
// Scalars per stream: 64 bytes of stream each, so the same 8 MiB as kMaxMaskValues.
inline constexpr size_t kMaxMaskScalars = kMaxMaskValues / 8;
inline constexpr size_t kMaxQueryIdBytes = 256;

// The key shared by two identities. Same on both sides; wiped on destruction; never printed.
class PairKey {
 public:
  const SecretArray<kPairKeyBytes>& secret() const { return key_; }
  friend bool operator==(const PairKey& a, const PairKey& b) { return a.key_ == b.key_; }
  friend bool operator!=(const PairKey& a, const PairKey& b) { return !(a == b); }

 private:
  friend absl::StatusOr<PairKey> DerivePairKey(const Identity& self, const PublicKey& peer);
  PairKey() = default;
  SecretArray<kPairKeyBytes> key_;
};

// X25519(self, peer) hashed with both public keys (in fingerprint order, so both sides agree).
// InvalidArgument if `peer` is `self`; Internal if the key exchange yields the all-zero point
// (impossible for a valid PublicKey).
absl::StatusOr<PairKey> DerivePairKey(const Identity& self, const PublicKey& peer);

// The hash binding a round to its exact membership: BLAKE2b-256 over the members' public keys
// in fingerprint order.
using CohortHash = std::array<uint8_t, kCohortHashBytes>;

// InvalidArgument if the cohort has fewer than 2 or more than kMaxCohortMembers members, or a
// member twice. The order of `members` does not matter.
absl::StatusOr<CohortHash> HashCohort(absl::Span<const PublicKey> members);

// `count` uint64 values of the pair's stream for the round (query_id, cohort). Both members of
// the pair get the same values. InvalidArgument if query_id is empty or longer than
// kMaxQueryIdBytes, or count exceeds kMaxMaskValues.
absl::StatusOr<std::vector<uint64_t>> PairMaskStream(const PairKey& key, absl::string_view query_id,
                                                     const CohortHash& cohort, size_t count);

// `self`'s net mask for the round: the sum over every other member of +stream (if self's
// fingerprint is the smaller) or -stream, in Z/2^64. Add it (wrapping) to the local vector
// before sending. InvalidArgument if `self` is not in `cohort`, or for the reasons of HashCohort
// and PairMaskStream.
absl::StatusOr<std::vector<uint64_t>> CohortMask(const Identity& self,
                                                 absl::Span<const PublicKey> cohort,
                                                 absl::string_view query_id, size_t count);

// `count` scalars (kScalarBytes each, canonical) of the pair's scalar stream for the round
// (query_id, cohort): both members of the pair get the same. Unrelated to PairMaskStream's
// values for the same round. InvalidArgument as PairMaskStream, or if count exceeds
// kMaxMaskScalars.
absl::StatusOr<SecretBytes> PairScalarStream(const PairKey& key, absl::string_view query_id,
                                             const CohortHash& cohort, size_t count);

// `self`'s net scalar mask: the sum over every other member of +stream (if self's fingerprint
// is the smaller) or -stream, mod l; over the whole cohort these sum to 0. `count` scalars.
// InvalidArgument as CohortMask.
absl::StatusOr<SecretBytes> CohortScalarMask(const Identity& self,
                                             absl::Span<const PublicKey> cohort,
                                             absl::string_view query_id, size_t count);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_PAIRWISE_MASK_H_
