// Pedersen commitments to bits on ristretto255, non-interactive proofs that a commitment
// opens to 0 or to 1, and the opening of a sum of commitments. The federation's count phase
// is built on them (federation/count_phase.h).
//
// Commitment. For a bit b and a secret scalar z:
//     C = z·G + b·H
// G is the base point, H is GeneratorH() (hashed from a fixed string, so nobody knows
// log_G(H)). C reveals nothing about b when z is uniform (every C is equally likely for b = 0
// and b = 1), and nobody can open it to two different bits without computing log_G(H). The
// bit rides on H and the mask on G, rather than the other way round, because proving and
// verifying then multiply the base point, which libsodium does about twice as fast as any
// other point (federation/DESIGN-federation.md "Count commitments" has the figures); the
// security argument is symmetric in G and H.
//
// Sums. Commitments add up: sum C_i = (sum z_i)·G + (sum b_i)·H. When the z_i cancel (the
// cohort's zero-sum masks) the sum is B·H with B the number of ones, which BitSumTable finds
// by lookup among 0·H .. n·H. If some z_i were chosen otherwise, the sum is B·H + d·G with
// d != 0, which equals no k·H unless someone knows log_G(H): the lie shows.
//
// Bit proof: a disjunctive Chaum-Pedersen proof (Cramer, Damgard and Schoenmakers, CRYPTO
// '94) of knowledge of z with C = z·G (b = 0) or C - H = z·G (b = 1), without saying which.
// The prover answers the true branch with a Schnorr proof and simulates the other:
//     k random, A_b = k·G;  e_j, s_j random, A_j = s_j·G - e_j·Y_j   (Y_0 = C, Y_1 = C - H)
//     e = Hash(context, C, A_0, A_1);  e_b = e - e_j;  s_b = k + e_b·z
// and sends (e_0, e_1, s_0, s_1). The verifier recomputes A_j = s_j·G - e_j·Y_j and checks
// e_0 + e_1 = Hash(context, C, A_0, A_1). The hash (Fiat-Shamir) binds the caller's context
// bytes and C: a proof made for another context (round, member, group) or another commitment
// does not verify. Committing and proving cost 3 multiplications of G, one of another point and
// 3 additions, in time independent of the bit (no branch on it); verifying costs 2, 2 and 3.
//
// Thread-safe: pure functions and an immutable table.
#ifndef CAIRN_CRYPTO_BIT_COMMITMENT_H_
#define CAIRN_CRYPTO_BIT_COMMITMENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ristretto.h"

namespace cairn {

struct BitProof {
  Scalar e0{}, e1{}, s0{}, s1{};
};
// Encoded: e0 || e1 || s0 || s1.
inline constexpr size_t kBitProofBytes = 4 * kScalarBytes;

// z·G + bit·H.
RistrettoPoint CommitBit(bool bit, const SecretScalar& z);

// The proof that `commitment` opens to `bit`, bound to `context`. It does not check that
// `commitment` is CommitBit(bit, z): a proof of a false statement simply does not verify.
// InvalidArgument if `commitment` is not a point.
absl::StatusOr<BitProof> ProveBit(bool bit, const SecretScalar& z, const RistrettoPoint& commitment,
                                  absl::string_view context);

// OK if `proof` shows that `commitment` opens to 0 or 1 and was made for `context`.
// Unauthenticated if it does not; InvalidArgument if `commitment` is not a point or a scalar
// of the proof is not canonical.
absl::Status VerifyBitProof(const RistrettoPoint& commitment, const BitProof& proof,
                            absl::string_view context);

// The challenge e of a proof: BLAKE2b-512 over the length-prefixed label "cairn/bit-proof/v1",
// the length-prefixed context, C, A_0 and A_1, reduced mod l (lengths are 8 bytes,
// little-endian). Exposed so that the transcript is specified in one place (and so that tests
// can build broken provers from it).
Scalar BitProofChallenge(absl::string_view context, const RistrettoPoint& commitment,
                         const RistrettoPoint& a0, const RistrettoPoint& a1);

// kBitProofBytes at `out`.
void EncodeBitProof(const BitProof& proof, uint8_t* out);
// InvalidArgument unless `bytes` holds kBitProofBytes of canonical scalars.
absl::StatusOr<BitProof> DecodeBitProof(absl::string_view bytes);

// The points k·H for k = 0..max_count: opens sums of bit commitments whose masks cancel.
class BitSumTable {
 public:
  // Sums of at most this many bits can be opened (a cohort has at most 1,000 members).
  static constexpr size_t kMaxCount = 4096;

  // InvalidArgument if max_count > kMaxCount. Costs max_count point additions.
  static absl::StatusOr<BitSumTable> Make(size_t max_count);

  size_t max_count() const { return points_.size() - 1; }
  // k if `sum` = k·H with k <= max_count, else nullopt.
  std::optional<uint32_t> Open(const RistrettoPoint& sum) const;
  const RistrettoPoint& PointOf(size_t k) const { return points_[k]; }

 private:
  BitSumTable() = default;

  std::vector<RistrettoPoint> points_;
  absl::flat_hash_map<RistrettoPoint, uint32_t> index_;
};

}  // namespace cairn

#endif  // CAIRN_CRYPTO_BIT_COMMITMENT_H_
