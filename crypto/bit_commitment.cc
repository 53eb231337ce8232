// Bit commitments, their proofs and sums; see bit_commitment.h.
#include "crypto/bit_commitment.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace cairn {
namespace {

constexpr absl::string_view kProofLabel = "cairn/bit-proof/v1";

// `if1` when bit, else `if0`, without a branch on bit.
template <size_t N>
void Select(bool bit, const uint8_t* if0, const uint8_t* if1, uint8_t* out) {
  const uint8_t mask = static_cast<uint8_t>(-static_cast<int>(bit));
  for (size_t i = 0; i < N; ++i) out[i] = static_cast<uint8_t>(if0[i] ^ (mask & (if0[i] ^ if1[i])));
}

RistrettoPoint SelectPoint(bool bit, const RistrettoPoint& if0, const RistrettoPoint& if1) {
  RistrettoPoint out;
  Select<kPointBytes>(bit, if0.data(), if1.data(), out.data());
  return out;
}

// s·G - e·Y.
absl::StatusOr<RistrettoPoint> Announcement(const Scalar& s, const Scalar& e,
                                            const RistrettoPoint& y) {
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint ey, MultiplyPoint(e.data(), y));
  return SubtractPoints(MultiplyBase(s.data()), ey);
}

}  // namespace

Scalar BitProofChallenge(absl::string_view context, const RistrettoPoint& c,
                         const RistrettoPoint& a0, const RistrettoPoint& a1) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kWideScalarBytes);
  auto add = [&](const void* p, size_t n) {
    crypto_generichash_update(&state, static_cast<const uint8_t*>(p), n);
  };
  auto add_field = [&](absl::string_view bytes) {
    const uint64_t n = bytes.size();
    uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
    add(len, sizeof(len));
    add(bytes.data(), bytes.size());
  };
  add_field(kProofLabel);
  add_field(context);
  add(c.data(), c.size());
  add(a0.data(), a0.size());
  add(a1.data(), a1.size());
  uint8_t wide[kWideScalarBytes];
  crypto_generichash_final(&state, wide, sizeof(wide));
  Scalar e;
  ReduceWideScalar(wide, e.data());
  return e;
}

RistrettoPoint CommitBit(bool bit, const SecretScalar& z) {
  const RistrettoPoint masked = MultiplyBase(z.data());
  // z·G + H always, then the choice, so that the time does not depend on the bit.
  const RistrettoPoint plus_h = AddPoints(masked, GeneratorH()).value();
  return SelectPoint(bit, masked, plus_h);
}

absl::StatusOr<BitProof> ProveBit(bool bit, const SecretScalar& z, const RistrettoPoint& commitment,
                                  absl::string_view context) {
  // The statements: Y_0 = C = z·G, or Y_1 = C - H = z·G. Branch `bit` is proven, the other
  // (j) simulated.
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint y1, SubtractPoints(commitment, GeneratorH()));
  const RistrettoPoint y_simulated = SelectPoint(bit, y1, commitment);
  Scalar e_simulated, s_simulated;
  RandomScalar(e_simulated.data());
  RandomScalar(s_simulated.data());
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint a_simulated,
                         Announcement(s_simulated, e_simulated, y_simulated));
  SecretScalar k;
  RandomScalar(k.data());
  const RistrettoPoint a_real = MultiplyBase(k.data());

  const Scalar e = BitProofChallenge(context, commitment, SelectPoint(bit, a_real, a_simulated),
                                     SelectPoint(bit, a_simulated, a_real));
  Scalar e_real;
  SubtractScalars(e.data(), e_simulated.data(), e_real.data());
  SecretScalar s_real;  // k + e_real·z
  MultiplyScalars(e_real.data(), z.data(), s_real.data());
  AddScalars(k.data(), s_real.data(), s_real.data());

  BitProof proof;
  Select<kScalarBytes>(bit, e_real.data(), e_simulated.data(), proof.e0.data());
  Select<kScalarBytes>(bit, e_simulated.data(), e_real.data(), proof.e1.data());
  Select<kScalarBytes>(bit, s_real.data(), s_simulated.data(), proof.s0.data());
  Select<kScalarBytes>(bit, s_simulated.data(), s_real.data(), proof.s1.data());
  return proof;
}

absl::Status VerifyBitProof(const RistrettoPoint& commitment, const BitProof& proof,
                            absl::string_view context) {
  for (const Scalar* s : {&proof.e0, &proof.e1, &proof.s0, &proof.s1}) {
    if (!IsCanonicalScalar(s->data())) {
      return absl::InvalidArgumentError("a scalar of the bit proof is not below the group order");
    }
  }
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint y1, SubtractPoints(commitment, GeneratorH()));
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint a0, Announcement(proof.s0, proof.e0, commitment));
  CAIRN_ASSIGN_OR_RETURN(const RistrettoPoint a1, Announcement(proof.s1, proof.e1, y1));
  Scalar sum;
  AddScalars(proof.e0.data(), proof.e1.data(), sum.data());
  if (sum != BitProofChallenge(context, commitment, a0, a1)) {
    return absl::UnauthenticatedError(
        "the bit proof does not verify: the commitment is not to 0 or 1, or the proof was made "
        "for another commitment or context");
  }
  return absl::OkStatus();
}

void EncodeBitProof(const BitProof& proof, uint8_t* out) {
  std::memcpy(out, proof.e0.data(), kScalarBytes);
  std::memcpy(out + kScalarBytes, proof.e1.data(), kScalarBytes);
  std::memcpy(out + 2 * kScalarBytes, proof.s0.data(), kScalarBytes);
  std::memcpy(out + 3 * kScalarBytes, proof.s1.data(), kScalarBytes);
}

absl::StatusOr<BitProof> DecodeBitProof(absl::string_view bytes) {
  if (bytes.size() != kBitProofBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a bit proof has ", kBitProofBytes, " bytes, not ", bytes.size()));
  }
  BitProof proof;
  Scalar* parts[] = {&proof.e0, &proof.e1, &proof.s0, &proof.s1};
  for (size_t i = 0; i < 4; ++i) {
    std::memcpy(parts[i]->data(), bytes.data() + i * kScalarBytes, kScalarBytes);
    if (!IsCanonicalScalar(parts[i]->data())) {
      return absl::InvalidArgumentError("a scalar of the bit proof is not below the group order");
    }
  }
  return proof;
}

absl::StatusOr<BitSumTable> BitSumTable::Make(size_t max_count) {
  if (max_count > kMaxCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("sums of at most ", kMaxCount, " bits can be opened, not ", max_count));
  }
  BitSumTable table;
  table.points_.reserve(max_count + 1);
  table.points_.push_back(IdentityPoint());
  for (size_t k = 1; k <= max_count; ++k) {
    CAIRN_ASSIGN_OR_RETURN(RistrettoPoint next, AddPoints(table.points_.back(), GeneratorH()));
    table.points_.push_back(next);
  }
  for (size_t k = 0; k <= max_count; ++k) table.index_[table.points_[k]] = k;
  return table;
}

std::optional<uint32_t> BitSumTable::Open(const RistrettoPoint& sum) const {
  auto it = index_.find(sum);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace cairn
