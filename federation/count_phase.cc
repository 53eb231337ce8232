// The count phase: commitments, their opening, and who checks the proofs; see count_phase.h.
#include "federation/count_phase.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "crypto/bit_commitment.h"
#include "crypto/ristretto.h"

namespace cairn {
namespace {

constexpr absl::string_view kProofLabel = "cairn/federation/count-proof/v1";
// Below this many honest members the share would exceed 1/2: verify everything.
constexpr double kSamplingFromHonest = 40;
// -log2 of the probability that a false proof escapes every honest member.
constexpr double kEscapeBits = 40;

std::string DescribeGroup(const KeySpace& keys, size_t g) {
  const GroupKey key = keys.KeyAt(g);
  std::vector<std::string> parts;
  if (key.bucket) parts.push_back(FormatTimestamp(*key.bucket));
  for (const std::string& tag : key.tags) parts.push_back(tag);
  return absl::StrCat("group ", g, " (", absl::StrJoin(parts, ", "), ")");
}

std::string Who(const Contribution& c) { return c.member.fingerprint().ToString(); }

bool IsPoint(const RistrettoPoint& p) { return AddPoints(p, IdentityPoint()).ok(); }

}  // namespace

std::string CountProofContext(const RoundDigest& round, const PublicKey& member, uint32_t group) {
  std::string context(kProofLabel);
  context.push_back('\0');
  context.append(reinterpret_cast<const char*>(round.data()), round.size());
  const absl::string_view key = member.AsStringView();
  const absl::string_view phase = PhaseName(Phase::kCounts);
  context.append(key.data(), key.size());
  context.append(phase.data(), phase.size());
  context.push_back('\0');
  for (int i = 0; i < 4; ++i) context.push_back(static_cast<char>(group >> (8 * i)));
  return context;
}

absl::Status CommitCounts(absl::Span<const uint8_t> bits, const SecretBytes& masks,
                          Contribution* c) {
  const size_t commitments = kCountCanaries + bits.size();
  if (masks.size() != commitments * kScalarBytes) {
    return absl::InvalidArgumentError(absl::StrCat("CommitCounts: ", masks.size() / kScalarBytes,
                                                   " masks for ", commitments, " commitments"));
  }
  c->words.clear();
  c->commitments.clear();
  c->proofs.clear();
  c->commitments.reserve(commitments);
  c->proofs.reserve(bits.size());
  for (size_t i = 0; i < kCountCanaries; ++i) {
    c->commitments.push_back(
        CommitBit(true, SecretScalar::CopyFrom(masks.data() + i * kScalarBytes)));
  }
  for (size_t g = 0; g < bits.size(); ++g) {
    if (bits[g] > 1) {
      return absl::InvalidArgumentError(absl::StrCat("CommitCounts: bit ", g, " is ", bits[g]));
    }
    const SecretScalar z =
        SecretScalar::CopyFrom(masks.data() + (kCountCanaries + g) * kScalarBytes);
    const RistrettoPoint commitment = CommitBit(bits[g] == 1, z);
    CAIRN_ASSIGN_OR_RETURN(
        BitProof proof, ProveBit(bits[g] == 1, z, commitment,
                                 CountProofContext(c->round, c->member, static_cast<uint32_t>(g))));
    c->commitments.push_back(commitment);
    c->proofs.push_back(proof);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint32_t>> OpenCounts(absl::Span<const Contribution> counts,
                                                 const KeySpace& keys) {
  const size_t n = counts.size();
  const size_t cells = kCountCanaries + keys.size();
  for (const Contribution& c : counts) {
    if (c.commitments.size() != cells) {
      return absl::InternalError("a count contribution does not match the key space");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(const BitSumTable table, BitSumTable::Make(n));
  std::vector<uint32_t> contributors(keys.size());
  for (size_t cell = 0; cell < cells; ++cell) {
    RistrettoPoint sum = IdentityPoint();
    for (const Contribution& c : counts) {
      absl::StatusOr<RistrettoPoint> next = AddPoints(sum, c.commitments[cell]);
      if (!next.ok()) {
        // The running sum is always a point, so the member's commitment is not.
        const bool canary = cell < kCountCanaries;
        return absl::InvalidArgumentError(absl::StrCat(
            "the counts contribution of ", Who(c), ": the commitment of ",
            canary ? "the canary" : DescribeGroup(keys, cell - kCountCanaries),
            IsPoint(c.commitments[cell]) ? " could not be added" : " is not a ristretto255 point"));
      }
      sum = *next;
    }
    const std::optional<uint32_t> opened = table.Open(sum);
    if (cell < kCountCanaries) {
      if (opened != n) {
        return absl::DataLossError(absl::StrCat(
            "the count contributions do not add up: the canary commitments do not open to the "
            "cohort size ",
            n,
            " (a member lied about its commitment masks, or the members saw different rounds or "
            "cohorts)"));
      }
      continue;
    }
    if (!opened) {
      return absl::DataLossError(absl::StrCat(
          "the count contributions do not add up: the commitments of ",
          DescribeGroup(keys, cell - kCountCanaries), " open to no count from 0 to ", n,
          " (a member lied about its commitment masks, or the members saw different rounds or "
          "cohorts)"));
    }
    contributors[cell - kCountCanaries] = *opened;
  }
  return contributors;
}

double VerificationShare(size_t cohort, uint32_t min_contributors) {
  const double colluders = min_contributors >= 2 ? min_contributors - 2.0 : 0.0;
  const double honest = std::max(2.0, static_cast<double>(cohort) - colluders);
  if (honest < kSamplingFromHonest) return 1.0;
  return 1.0 - std::exp2(-kEscapeBits / honest);
}

std::vector<size_t> ChooseProofs(size_t candidates, double share, RandomSource& rng) {
  std::vector<size_t> chosen;
  if (share >= 1.0) {
    chosen.resize(candidates);
    for (size_t i = 0; i < candidates; ++i) chosen[i] = i;
    return chosen;
  }
  // Verify when a uniform 64-bit draw is below share·2^64, rounded up (never below the share).
  const uint64_t threshold =
      share <= 0 ? 0 : static_cast<uint64_t>(std::ceil(std::ldexp(share, 64)));
  chosen.reserve(static_cast<size_t>(share * candidates * 1.1) + 16);
  for (size_t i = 0; i < candidates; ++i) {
    if (rng.Next64() < threshold) chosen.push_back(i);
  }
  return chosen;
}

absl::StatusOr<size_t> VerifyCountProofs(absl::Span<const Contribution> counts,
                                         const KeySpace& keys, absl::Span<const size_t> released,
                                         double share, const PublicKey* self, RandomSource& rng) {
  // Candidates numbered member-major: (member i, released group r) -> i * released + r.
  std::vector<size_t> members;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (self == nullptr || counts[i].member != *self) members.push_back(i);
  }
  const std::vector<size_t> chosen = ChooseProofs(members.size() * released.size(), share, rng);
  for (size_t index : chosen) {
    const Contribution& c = counts[members[index / released.size()]];
    const size_t g = released[index % released.size()];
    if (c.proofs.size() != keys.size() || c.commitments.size() != kCountCanaries + keys.size()) {
      return absl::InternalError("a count contribution does not match the key space");
    }
    const absl::Status s =
        VerifyBitProof(c.commitments[kCountCanaries + g], c.proofs[g],
                       CountProofContext(c.round, c.member, static_cast<uint32_t>(g)));
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("the counts contribution of ", Who(c), ": the bit proof of ",
                                       DescribeGroup(keys, g), " does not verify (", s.message(),
                                       "); the round is refused"));
    }
  }
  return chosen.size();
}

}  // namespace cairn
