// The messages of a federated round and the published result, as C++ values, with their
// Cap'n Proto encoding (protocol/federation.capnp) and their signatures.
//
// Signed messages are `SignedMessage`s: the encoded body and an Ed25519 signature over
// "<label>\0" || body, one label per kind of message. Open*() reads the signer's key from the
// body (or takes it from the caller), verifies the signature over the exact bytes received,
// and only then returns the decoded message; decoding checks every length and enum. Bytes
// from a peer are bounded by kMaxMessageBytes.
//
// Open*() errors: InvalidArgument if the bytes are not a well-formed message (naming the
// field); Unauthenticated if the signature does not verify (naming the signer).
//
// Pure functions on values; thread-safe.
#ifndef CAIRN_FEDERATION_MESSAGES_H_
#define CAIRN_FEDERATION_MESSAGES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/time.h"
#include "crypto/bit_commitment.h"
#include "crypto/identity.h"
#include "crypto/pairwise_mask.h"
#include "crypto/public_key.h"
#include "federation/fixed_point.h"
#include "federation/round.h"

namespace cairn {

// Largest encoded message a member or requester reads from a peer. The largest honest one is
// a values request: kMaxRoundCells x kCountCellBytes (20 MiB) plus about 300 bytes per member.
inline constexpr size_t kMaxMessageBytes = size_t{48} << 20;
// What one member's count contribution carries per group: a commitment and a bit proof.
inline constexpr size_t kCountCellBytes = kPointBytes + kBitProofBytes;
// Words of a values contribution: the canary and, per group, two components of four limbs.
inline constexpr size_t kMaxValueWords = 3 + kMaxGroups * 2 * kLimbs;

inline constexpr size_t kRoundDigestBytes = 32;
// Names a round: BLAKE2b-256 of the signed proposal body (see DigestProposal).
using RoundDigest = std::array<uint8_t, kRoundDigestBytes>;

// Lower-case hex, for messages and logs.
std::string DigestHex(const RoundDigest& digest);

struct SignedMessage {
  std::string body;
  std::string signature;
  friend bool operator==(const SignedMessage& a, const SignedMessage& b) {
    return a.body == b.body && a.signature == b.signature;
  }
};

enum class Phase { kCounts, kValues };
absl::string_view PhaseName(Phase phase);  // "counts", "values"

struct Commitment {
  RoundDigest round{};
  PublicKey member;
  bool accepted = false;
  std::string reason{};  // when refused
};

struct Announcement {
  RoundDigest round{};
  PublicKey requester;
  std::vector<PublicKey> cohort{};  // final
};

// A member's part of one phase. Counts (count_phase.h): the canary's commitment followed by one
// per group of the key space, and a bit proof per group; no words. Values (tally.h): the masked
// words; no commitments or proofs.
struct Contribution {
  RoundDigest round{};
  CohortHash cohort_hash{};
  Phase phase = Phase::kCounts;
  PublicKey member;
  std::vector<uint64_t> words{};  // values: masked
  std::vector<RistrettoPoint> commitments{};
  std::vector<BitProof> proofs{};
};

struct ValuesRequest {
  RoundDigest round{};
  std::vector<SignedMessage> counts{};  // signed count contributions, in final-cohort order
};

// Public keys this party already holds (its roster's, a round's cohort), so that the keys in
// messages need not be checked again: PublicKey::FromBytes checks that a point is in the
// prime-order subgroup, which costs more than verifying a signature, and a round carries a
// hundred keys or more. A key that is not known is checked as usual. Immutable after
// construction; thread-safe.
class KnownKeys {
 public:
  KnownKeys() = default;
  explicit KnownKeys(absl::Span<const PublicKey> keys);
  // The known key with these 32 bytes, else PublicKey::FromBytes(raw).
  absl::StatusOr<PublicKey> Resolve(absl::string_view raw) const;

 private:
  absl::flat_hash_map<std::string, PublicKey> keys_;
};

// The round digest: BLAKE2b-256 over "cairn/federation/round/v1\0" || proposal body.
RoundDigest DigestProposal(absl::string_view proposal_body);

// `known`, when given, resolves the keys in the message (see KnownKeys).
SignedMessage SignProposal(const Identity& requester, const Proposal& proposal);
// Verified against the requester key the proposal names.
absl::StatusOr<Proposal> OpenProposal(const SignedMessage& message,
                                      const KnownKeys* known = nullptr);

SignedMessage SignCommitment(const Identity& member, const Commitment& commitment);
// Verified against the member key the commitment names.
absl::StatusOr<Commitment> OpenCommitment(const SignedMessage& message,
                                          const KnownKeys* known = nullptr);

SignedMessage SignAnnouncement(const Identity& requester, const Announcement& announcement);
// Verified against the requester key the announcement names.
absl::StatusOr<Announcement> OpenAnnouncement(const SignedMessage& message,
                                              const KnownKeys* known = nullptr);

SignedMessage SignContribution(const Identity& member, const Contribution& contribution);
// Verified against the member key the contribution names. Decoding checks the shape of the
// phase (words only, or one more commitment than proofs and nothing else), the bounds
// (kMaxValueWords; kMaxGroups proofs) and that every scalar of a proof is canonical; whether
// the commitments are points shows when they are added up (count_phase.h).
absl::StatusOr<Contribution> OpenContribution(const SignedMessage& message,
                                              const KnownKeys* known = nullptr);

// What travels: one encoded SignedMessage, or one encoded ValuesRequest.
std::string EncodeSigned(const SignedMessage& message);
absl::StatusOr<SignedMessage> DecodeSigned(absl::string_view bytes);
std::string EncodeValuesRequest(const ValuesRequest& request);
absl::StatusOr<ValuesRequest> DecodeValuesRequest(absl::string_view bytes);

// One group of a published result.
struct FederatedRow {
  std::optional<Timestamp> bucket;
  std::vector<std::string> tags;
  uint32_t contributors = 0;  // members with records in the group
  bool released = false;      // contributors >= the round's min_contributors
  // Released groups: the exact totals of the components (round.h), else empty.
  std::vector<Quanta> totals;
  // Released groups: the total (sum, count), the pooled mean or the pooled ratio; absent when
  // withheld or when a mean's or ratio's denominator totals zero.
  std::optional<double> value;
  friend bool operator==(const FederatedRow& a, const FederatedRow& b) {
    return a.bucket == b.bucket && a.tags == b.tags && a.contributors == b.contributors &&
           a.released == b.released && a.totals == b.totals && a.value == b.value;
  }
};

// A round's outcome: the signed messages it was computed from, and the rows it claims.
// VerifyFederatedResult (verify.h) recomputes the rows from the messages.
struct FederatedResult {
  SignedMessage proposal;
  SignedMessage announcement;
  std::vector<SignedMessage> counts{};  // final-cohort order
  std::vector<SignedMessage> values;    // final-cohort order
  std::vector<FederatedRow> rows;       // groups with at least one contributor, key-space order
};

std::string EncodeFederatedResult(const FederatedResult& result);
absl::StatusOr<FederatedResult> DecodeFederatedResult(absl::string_view bytes);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_MESSAGES_H_
