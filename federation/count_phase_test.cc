// The count phase on its own: commitments made from the cohort's masks open to the number of
// contributors per group; a lie about the masks, a proof moved to another group, round or
// member, or a proof for another commitment is caught and named; and the share of proofs a
// member checks keeps a false proof from escaping every honest member with probability above
// 2^-40, drawn independently by every member (a statistical check, with a broken sampler that
// it must catch).
#include "federation/count_phase.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bit_commitment.h"
#include "crypto/csprng.h"
#include "crypto/ristretto.h"
#include "federation/round_masks.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::TestRandom;
using ::testing::HasSubstr;

class CountPhaseTest : public ::testing::Test {
 protected:
  // Members 0..3; 2 products x 3 months; member i contributes to group g iff bits_[i][g].
  CountPhaseTest() {
    for (int i = 0; i < 4; ++i) members_.push_back(FixedIdentity(static_cast<uint8_t>(1 + i)));
    for (const Identity& m : members_) cohort_.push_back(m.public_key());
    const RoundRequest r = QuarterByMonthAndProduct(2, cohort_, 3);
    keys_.emplace(KeySpace::Make(r.query, r.group_values).value());
    bits_ = {{1, 1, 0, 0, 1, 0}, {1, 0, 0, 1, 1, 0}, {1, 1, 0, 0, 1, 0}, {0, 1, 0, 0, 1, 1}};
    for (int i = 0; i < 4; ++i) counts_.push_back(Commit(i, round_));
  }

  SecretBytes MasksOf(int i, const RoundDigest& round) {
    return RoundMasks::Derive(members_[i], cohort_)
        .value()
        .ScalarMask(StreamId(round, Phase::kCounts), kCountCanaries + keys_->size())
        .value();
  }
  Contribution Commit(int i, const RoundDigest& round, const SecretBytes* masks = nullptr) {
    Contribution c{round, HashCohort(cohort_).value(), Phase::kCounts, cohort_[i]};
    const SecretBytes own = MasksOf(i, round);
    EXPECT_TRUE(CommitCounts(bits_[i], masks != nullptr ? *masks : own, &c).ok());
    return c;
  }
  absl::Status Open() { return OpenCounts(counts_, *keys_).status(); }
  absl::Status VerifyAll() {
    CsprngSource rng;
    return VerifyCountProofs(counts_, *keys_, {0, 1, 2, 3, 4, 5}, 1.0, nullptr, rng).status();
  }
  static std::string Who(const Identity& m) { return m.fingerprint().ToString(); }

  std::vector<Identity> members_;
  std::vector<PublicKey> cohort_;
  std::optional<KeySpace> keys_;
  std::vector<std::vector<uint8_t>> bits_;
  const RoundDigest round_ = DigestProposal("a proposal");
  std::vector<Contribution> counts_;
};

TEST_F(CountPhaseTest, TheCohortsCommitmentsOpenToTheContributorsPerGroup) {
  EXPECT_EQ(OpenCounts(counts_, *keys_).value(), (std::vector<uint32_t>{3, 3, 0, 1, 4, 1}));
  CsprngSource rng;
  EXPECT_EQ(VerifyCountProofs(counts_, *keys_, {0, 1, 4}, 1.0, nullptr, rng).value(), 4u * 3);
  EXPECT_EQ(VerifyCountProofs(counts_, *keys_, {0, 1, 4}, 1.0, &cohort_[1], rng).value(), 3u * 3);
}

TEST_F(CountPhaseTest, AMemberThatLiesAboutItsMaskMakesTheGroupOpenToNothing) {
  SecretBytes lie = MasksOf(2, round_);
  lie.data()[(kCountCanaries + 3) * kScalarBytes] ^= 1;  // group 3 only
  counts_[2] = Commit(2, round_, &lie);
  const absl::Status s = Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("group 3 (2026-02-01T00:00:00Z, p1) open to no count"));
  EXPECT_THAT(s.message(), HasSubstr("lied about its commitment masks"));
  EXPECT_TRUE(VerifyAll().ok());  // its proofs are fine: only the sum shows the lie
}

TEST_F(CountPhaseTest, MasksOfAnotherRoundShowAtTheCanary) {
  counts_[1] = Commit(1, DigestProposal("another proposal"));
  counts_[1].round = round_;
  const absl::Status s = Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("canary commitments do not open to the cohort size 4"));
}

TEST_F(CountPhaseTest, AProofMovedToAnotherGroupRoundOrMemberDoesNotVerify) {
  const std::vector<Contribution> honest = counts_;
  // Member 1's bits for groups 0 and 1 differ (1, 0): swap the commitments and proofs.
  std::swap(counts_[1].commitments[kCountCanaries + 0], counts_[1].commitments[kCountCanaries + 1]);
  std::swap(counts_[1].proofs[0], counts_[1].proofs[1]);
  absl::Status s = VerifyAll();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("the counts contribution of ", Who(members_[1]),
                                                  ": the bit proof of group 0")));
  // The proofs of another round, for this round's commitments and masks.
  counts_ = honest;
  Contribution replayed = honest[3];
  replayed.round = DigestProposal("another proposal");
  ASSERT_TRUE(CommitCounts(bits_[3], MasksOf(3, round_), &replayed).ok());
  counts_[3].proofs = replayed.proofs;  // valid for these commitments, in the other round
  EXPECT_EQ(VerifyAll().code(), absl::StatusCode::kUnauthenticated);
  // Member 0's proofs passed off as member 2's (same bits, its own commitments).
  counts_ = honest;
  Contribution as_member_0 = honest[2];
  as_member_0.member = cohort_[0];
  ASSERT_TRUE(CommitCounts(bits_[2], MasksOf(2, round_), &as_member_0).ok());
  counts_[2].commitments = as_member_0.commitments;
  counts_[2].proofs = as_member_0.proofs;
  s = VerifyAll();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr(Who(members_[2])));
  counts_ = honest;
  EXPECT_TRUE(VerifyAll().ok());
}

TEST_F(CountPhaseTest, ACommitmentInflatedByKKeepsNoValidProof) {
  // Member 0 adds 2·H to its commitment of group 3 (where only member 1 contributes).
  RistrettoPoint& c = counts_[0].commitments[kCountCanaries + 3];
  c = AddPoints(AddPoints(c, GeneratorH()).value(), GeneratorH()).value();
  EXPECT_EQ(OpenCounts(counts_, *keys_).value()[3], 3u);  // the lie opens...
  const absl::Status s = VerifyAll();                     // ...and its proof shows it
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(Who(members_[0]), ": the bit proof of group 3")));
}

TEST_F(CountPhaseTest, AnythingButAPointIsNamed) {
  counts_[3].commitments[kCountCanaries + 5].fill(0xff);
  const absl::Status s = Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat(Who(members_[3]), ": the commitment of group 5")));
}

TEST(VerificationShareTest, AFalseProofEscapesEveryHonestMemberWithProbabilityAtMost2ToThe40) {
  for (size_t n : {2, 5, 10, 41, 42, 100, 300, 1000}) {
    for (uint32_t c : {2u, 3u, 5u, 20u}) {
      if (c > n) continue;
      const double f = VerificationShare(n, c);
      const double honest = static_cast<double>(n) - (c - 2.0);
      EXPECT_GT(f, 0) << n << " " << c;
      EXPECT_LE(f, 1) << n << " " << c;
      EXPECT_LE(honest * std::log2(1 - f), -40 + 1e-9) << n << " members, threshold " << c;
      if (honest < 40) {
        EXPECT_EQ(f, 1.0) << n << " " << c;
      }
    }
  }
  EXPECT_NEAR(VerificationShare(100, 3), 1 - std::exp2(-40.0 / 99), 1e-12);  // 0.2440
  EXPECT_LT(VerificationShare(1000, 3), VerificationShare(100, 3));
}

// How a sampler behaves, "" if like independent draws of the share: over 20,000 candidates,
// the fraction drawn within 5 standard deviations of the share, and two draws (two members)
// overlapping as much as independent ones would (share^2, within 5 standard deviations).
std::string SamplingProblems(const std::function<std::vector<size_t>(size_t, double)>& draw) {
  constexpr size_t kCandidates = 20000;
  std::string problems;
  for (double share : {0.05, 0.2440, 0.5}) {
    const std::vector<size_t> a = draw(kCandidates, share), b = draw(kCandidates, share);
    const double n = kCandidates;
    if (std::fabs(a.size() - n * share) > 5 * std::sqrt(n * share * (1 - share))) {
      absl::StrAppend(&problems, "drew ", a.size(), " of ", n, " at share ", share, "; ");
    }
    std::vector<size_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    const double p = share * share;
    if (std::fabs(both.size() - n * p) > 5 * std::sqrt(n * p * (1 - p))) {
      absl::StrAppend(&problems, "two draws share ", both.size(), " at share ", share, "; ");
    }
  }
  return problems;
}

TEST(ChooseProofsTest, EveryMemberDrawsItsOwnShare) {
  CsprngSource csprng;
  EXPECT_EQ(SamplingProblems([&](size_t n, double f) { return ChooseProofs(n, f, csprng); }), "");
  EXPECT_EQ(ChooseProofs(5, 1.0, csprng), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(ChooseProofs(5, 0.0, csprng).empty());
}

TEST(ChooseProofsTest, TheCheckCatchesBrokenSamplers) {
  // Every member drawing from the same seed: the same proofs, so more are never looked at.
  EXPECT_THAT(SamplingProblems([](size_t n, double f) {
                TestRandom same_seed(7);
                return ChooseProofs(n, f, same_seed);
              }),
              HasSubstr("two draws share"));
  // A sampler that takes the first share of the candidates: always the same ones.
  EXPECT_THAT(SamplingProblems([](size_t n, double f) {
                std::vector<size_t> first(static_cast<size_t>(n * f));
                for (size_t i = 0; i < first.size(); ++i) first[i] = i;
                return first;
              }),
              HasSubstr("two draws share"));
  // Half the share.
  CsprngSource csprng;
  EXPECT_THAT(SamplingProblems([&](size_t n, double f) { return ChooseProofs(n, f / 2, csprng); }),
              HasSubstr("drew"));
}

}  // namespace
}  // namespace cairn
