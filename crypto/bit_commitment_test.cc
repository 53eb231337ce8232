// Bit commitments and their proofs: an honest proof of 0 or 1 verifies and does not show the
// bit; nothing else verifies (a commitment to 2, another context, another commitment, altered
// bytes); sums open to the number of ones exactly when the masks cancel. The battery of checks
// is also run against deliberately broken provers, which it must catch.
#include "crypto/bit_commitment.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/ristretto.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

using Prover = std::function<BitProof(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                                      absl::string_view context)>;

constexpr absl::string_view kContext = "round 7, member A, counts, group 3";

SecretScalar RandomSecret() {
  SecretScalar z;
  RandomScalar(z.data());
  return z;
}

Scalar Random() {
  Scalar s;
  RandomScalar(s.data());
  return s;
}

BitProof Honest(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                absl::string_view context) {
  return ProveBit(bit, z, c, context).value();
}

// A proof built from its parts as ProveBit does, with the simulated branch's challenge and
// response given, and the challenge hashed over `hashed_context`.
BitProof Assemble(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                  absl::string_view hashed_context, const Scalar& e_sim, const Scalar& s_sim) {
  const RistrettoPoint y1 = SubtractPoints(c, GeneratorH()).value();
  const RistrettoPoint a_sim =
      SubtractPoints(MultiplyBase(s_sim.data()), MultiplyPoint(e_sim.data(), bit ? c : y1).value())
          .value();
  const SecretScalar k = RandomSecret();
  const RistrettoPoint a_real = MultiplyBase(k.data());
  const Scalar e = BitProofChallenge(hashed_context, c, bit ? a_sim : a_real, bit ? a_real : a_sim);
  Scalar e_real, s_real;
  SubtractScalars(e.data(), e_sim.data(), e_real.data());
  MultiplyScalars(e_real.data(), z.data(), s_real.data());
  AddScalars(k.data(), s_real.data(), s_real.data());
  return bit ? BitProof{e_sim, e_real, s_sim, s_real} : BitProof{e_real, e_sim, s_real, s_sim};
}

// Broken provers the checks must catch.
// Without a witness one can only simulate both branches.
BitProof SimulatesBoth(bool, const SecretScalar&, const RistrettoPoint&, absl::string_view) {
  return BitProof{Random(), Random(), Random(), Random()};
}
// Hashes an empty context.
BitProof ForgetsTheContext(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                           absl::string_view) {
  return Assemble(bit, z, c, "", Random(), Random());
}
// Answers the true branch with k - e·z.
BitProof WrongSign(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                   absl::string_view context) {
  BitProof p = Honest(bit, z, c, context);
  Scalar& e = bit ? p.e1 : p.e0;
  Scalar& s = bit ? p.s1 : p.s0;
  Scalar ez;
  MultiplyScalars(e.data(), z.data(), ez.data());
  SubtractScalars(s.data(), ez.data(), s.data());
  SubtractScalars(s.data(), ez.data(), s.data());
  return p;
}
// Simulates the other branch with challenge 0: its proofs verify, but the zero challenge sits
// on the simulated branch and so gives the bit away.
BitProof GivesItsBitAway(bool bit, const SecretScalar& z, const RistrettoPoint& c,
                         absl::string_view context) {
  return Assemble(bit, z, c, context, Scalar{}, Random());
}

// Chi-square of the low nibbles of `bytes` against uniform.
double NibbleChiSquare(const std::vector<uint8_t>& bytes) {
  std::vector<double> bins(16, 0);
  for (uint8_t b : bytes) bins[b & 0x0f] += 1;
  const double expected = bytes.size() / 16.0;
  double chi2 = 0;
  for (double o : bins) chi2 += (o - expected) * (o - expected) / expected;
  return chi2;
}

// What a prover must do, "" if it does: honest proofs of 0 and of 1 verify, and the four
// scalars of a proof look uniform whether the bit is 0 or 1 (the low nibble of each, 256
// proofs per bit; chi-square with 15 degrees of freedom, false alarm about 1e-6 per check).
std::string ProblemsWith(const Prover& prove) {
  constexpr int kProofs = 256;
  constexpr double kChiSquareLimit = 57;
  std::string problems;
  for (bool bit : {false, true}) {
    std::vector<std::vector<uint8_t>> low_bytes(4);
    for (int i = 0; i < kProofs; ++i) {
      const SecretScalar z = RandomSecret();
      const RistrettoPoint c = CommitBit(bit, z);
      const BitProof p = prove(bit, z, c, kContext);
      if (i < 4 && !VerifyBitProof(c, p, kContext).ok()) {
        return absl::StrCat("an honest proof of ", bit, " does not verify");
      }
      int part = 0;
      for (const Scalar* s : {&p.e0, &p.e1, &p.s0, &p.s1}) low_bytes[part++].push_back((*s)[0]);
    }
    const char* names[] = {"e0", "e1", "s0", "s1"};
    for (int part = 0; part < 4; ++part) {
      const double chi2 = NibbleChiSquare(low_bytes[part]);
      if (chi2 > kChiSquareLimit) {
        absl::StrAppend(&problems, names[part], " of proofs of ", bit, " is not uniform (chi2 ",
                        chi2, "); ");
      }
    }
  }
  return problems;
}

TEST(BitProofTest, ProofsOfZeroAndOneVerifyAndLookAlike) { EXPECT_EQ(ProblemsWith(Honest), ""); }

TEST(BitProofTest, TheChecksCatchBrokenProvers) {
  EXPECT_THAT(ProblemsWith(SimulatesBoth), HasSubstr("does not verify"));
  EXPECT_THAT(ProblemsWith(ForgetsTheContext), HasSubstr("does not verify"));
  EXPECT_THAT(ProblemsWith(WrongSign), HasSubstr("does not verify"));
  EXPECT_THAT(ProblemsWith(GivesItsBitAway), HasSubstr("is not uniform"));
}

TEST(BitProofTest, ACommitmentToTwoHasNoProof) {
  const SecretScalar z = RandomSecret();
  const RistrettoPoint two = AddPoints(CommitBit(true, z), GeneratorH()).value();  // z·G + 2·H
  for (bool claimed : {false, true}) {
    EXPECT_THAT(VerifyBitProof(two, ProveBit(claimed, z, two, kContext).value(), kContext),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not to 0 or 1")));
    EXPECT_FALSE(VerifyBitProof(two, SimulatesBoth(claimed, z, two, kContext), kContext).ok());
  }
}

TEST(BitProofTest, AProofIsBoundToItsContext) {
  const SecretScalar z = RandomSecret();
  const RistrettoPoint c = CommitBit(true, z);
  const BitProof p = Honest(true, z, c, kContext);
  ASSERT_THAT(VerifyBitProof(c, p, kContext), IsOk());
  for (absl::string_view other :
       {"round 8, member A, counts, group 3", "round 7, member B, counts, group 3",
        "round 7, member A, counts, group 4", ""}) {
    EXPECT_THAT(VerifyBitProof(c, p, other), StatusIs(absl::StatusCode::kUnauthenticated, _))
        << other;
  }
}

TEST(BitProofTest, AProofIsBoundToItsCommitment) {
  const SecretScalar z = RandomSecret(), other_z = RandomSecret();
  const RistrettoPoint c = CommitBit(false, z), other = CommitBit(false, other_z);
  const BitProof p = Honest(false, z, c, kContext);
  EXPECT_THAT(VerifyBitProof(other, p, kContext), StatusIs(absl::StatusCode::kUnauthenticated, _));
  // The same mask with the other bit is another commitment too.
  EXPECT_THAT(VerifyBitProof(CommitBit(true, z), p, kContext),
              StatusIs(absl::StatusCode::kUnauthenticated, _));
}

TEST(BitProofTest, AlteredOrMalformedProofsAreRejected) {
  const SecretScalar z = RandomSecret();
  const RistrettoPoint c = CommitBit(true, z);
  const BitProof p = Honest(true, z, c, kContext);
  uint8_t bytes[kBitProofBytes];
  EncodeBitProof(p, bytes);
  const std::string encoded(reinterpret_cast<const char*>(bytes), sizeof(bytes));
  ASSERT_THAT(DecodeBitProof(encoded), IsOk());
  EXPECT_THAT(VerifyBitProof(c, DecodeBitProof(encoded).value(), kContext), IsOk());
  for (size_t i : {0, 40, 70, 100}) {
    std::string altered = encoded;
    altered[i] ^= 0x01;
    absl::StatusOr<BitProof> q = DecodeBitProof(altered);
    if (q.ok()) {
      EXPECT_FALSE(VerifyBitProof(c, *q, kContext).ok()) << i;
    }
  }
  // A response plus the group order is the same number mod l: refused, so that a proof has
  // exactly one encoding.
  std::string plus_order = encoded;
  plus_order[3 * kScalarBytes - 1] = static_cast<char>(0xff);
  EXPECT_THAT(DecodeBitProof(plus_order),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("group order")));
  EXPECT_THAT(DecodeBitProof(encoded.substr(1)), StatusIs(absl::StatusCode::kInvalidArgument, _));
  RistrettoPoint not_a_point;
  not_a_point.fill(0xff);
  EXPECT_THAT(VerifyBitProof(not_a_point, p, kContext),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ristretto255")));
}

TEST(BitSumTableTest, ASumWhoseMasksCancelOpensToTheNumberOfOnes) {
  const BitSumTable table = BitSumTable::Make(8).value();
  const std::vector<bool> bits = {true, false, true, true, false, true};
  // Masks z_1..z_5 random, z_6 = -(z_1 + ... + z_5).
  std::vector<SecretScalar> z(bits.size());
  SecretScalar total;
  for (size_t i = 0; i + 1 < bits.size(); ++i) {
    RandomScalar(z[i].data());
    AddScalars(total.data(), z[i].data(), total.data());
  }
  SubtractScalars(Scalar{}.data(), total.data(), z.back().data());
  RistrettoPoint sum = IdentityPoint();
  for (size_t i = 0; i < bits.size(); ++i) sum = AddPoints(sum, CommitBit(bits[i], z[i])).value();
  EXPECT_EQ(table.Open(sum), 4u);
  EXPECT_EQ(table.Open(IdentityPoint()), 0u);
  EXPECT_EQ(table.Open(table.PointOf(8)), 8u);
  // One member that lies about its mask: the sum opens to nothing.
  SecretScalar lie;
  RandomScalar(lie.data());
  const RistrettoPoint lying_sum =
      AddPoints(SubtractPoints(sum, CommitBit(bits[2], z[2])).value(), CommitBit(bits[2], lie))
          .value();
  EXPECT_EQ(table.Open(lying_sum), std::nullopt);
  EXPECT_THAT(BitSumTable::Make(BitSumTable::kMaxCount + 1),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

TEST(RistrettoTest, ScalarsAreCanonicalBelowTheGroupOrder) {
  Scalar order_minus_one{};
  SubtractScalars(Scalar{}.data(), ScalarOf(1).data(), order_minus_one.data());
  EXPECT_TRUE(IsCanonicalScalar(order_minus_one.data()));
  EXPECT_TRUE(IsCanonicalScalar(Scalar{}.data()));
  Scalar order = order_minus_one;
  order[0] += 1;  // l - 1 ends in 0xec
  EXPECT_FALSE(IsCanonicalScalar(order.data()));
  // 0·P and 0·G are the identity, which libsodium reports as a failure.
  EXPECT_EQ(MultiplyBase(Scalar{}.data()), IdentityPoint());
  EXPECT_EQ(MultiplyPoint(Scalar{}.data(), GeneratorH()).value(), IdentityPoint());
  EXPECT_EQ(MultiplyPoint(ScalarOf(2).data(), GeneratorH()).value(),
            AddPoints(GeneratorH(), GeneratorH()).value());
}

}  // namespace
}  // namespace cairn
