// Rounds that go wrong: a member drops out (no partial total, retry without it), a
// contribution or signature is altered (the requester and VerifyFederatedResult notice), a
// member is told another cohort (the sum is garbage and is recognised as such).
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bit_commitment.h"
#include "federation/count_phase.h"
#include "federation/messages.h"
#include "federation/tally.h"
#include "federation/testing.h"
#include "federation/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;
using ::testing::HasSubstr;

class FailureTest : public ::testing::Test {
 protected:
  FailureTest() : consortium_({5, 3}) {
    for (int i = 0; i < consortium_.size(); ++i) {
      for (int p = 0; p < 4; ++p) {
        consortium_.member(i).data.Add("energy", T("2026-02"), {absl::StrCat("p", p)},
                                       100 * (i + 1) + p);
      }
    }
  }

  RoundRequest Request(std::vector<int> without = {}) {
    return QuarterByMonthAndProduct(4, consortium_.Cohort(without), 3);
  }
  // The sum of product p0 in February over the members not listed.
  static double Expected(std::vector<int> without) {
    double sum = 0;
    for (int i = 0; i < 5; ++i) {
      if (std::find(without.begin(), without.end(), i) == without.end()) sum += 100 * (i + 1);
    }
    return sum;
  }
  // Member i cannot be reached for `call`.
  void Unreachable(int i, FederationCall call) {
    const PublicKey key = consortium_.member(i).identity.public_key();
    consortium_.transport().SetBefore([key, call](FederationCall c, const PublicKey& k) {
      return c == call && k == key ? absl::UnavailableError("connection reset") : absl::OkStatus();
    });
  }
  // Member i's replies to `call` are changed by `alter` in transit.
  void AlterReply(int i, FederationCall call, std::function<void(SignedMessage*)> alter) {
    const PublicKey key = consortium_.member(i).identity.public_key();
    consortium_.transport().SetAfter(
        [key, call, alter](FederationCall c, const PublicKey& k, std::string* reply) {
          if (c != call || k != key) return;
          SignedMessage m = DecodeSigned(*reply).value();
          alter(&m);
          *reply = EncodeSigned(m);
        });
  }
  bool NothingRemembered() {
    for (int i = 0; i < consortium_.size(); ++i) {
      if (!consortium_.member(i).member->memory().entries().empty()) return false;
    }
    return true;
  }

  TestConsortium consortium_;
  RoundReport report_;
};

TEST_F(FailureTest, AMemberThatFailsMidRoundFailsTheRoundAndARetryWithoutItSucceeds) {
  Unreachable(2, FederationCall::kAnnounce);
  absl::StatusOr<FederatedResult> failed = consortium_.Run(Request(), &report_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(),
              HasSubstr(consortium_.member(2).identity.fingerprint().ToString()));
  EXPECT_THAT(failed.status().message(), HasSubstr("no total was computed"));
  EXPECT_TRUE(NothingRemembered());  // no figures left any member

  report_ = RoundReport();
  absl::StatusOr<FederatedResult> result = RunFederatedRoundWithRetry(
      consortium_.requester(), consortium_.roster(), consortium_.transport(), Request(),
      consortium_.now(), 3, &report_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(report_.attempts, 2);
  EXPECT_EQ(report_.final_cohort, consortium_.Cohort({2}));
  EXPECT_EQ(result->rows[0].contributors, 4u);
  EXPECT_EQ(result->rows[0].value, Expected({2}));
}

TEST_F(FailureTest, ARetryStopsWhenTooFewMembersAreLeft) {
  Unreachable(2, FederationCall::kAnnounce);
  RoundRequest request = Request({3, 4});  // three members, three needed
  absl::StatusOr<FederatedResult> result =
      RunFederatedRoundWithRetry(consortium_.requester(), consortium_.roster(),
                                 consortium_.transport(), request, consortium_.now(), 3);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("only 2 members are left"));
}

TEST_F(FailureTest, AMemberLostAfterTheFiguresLeftCannotBeLeftOutOfTheRetry) {
  // The others sent their figures: a retry without member 2 would differ in one member from
  // what they answered, so they refuse it (the requester might have had every figure).
  Unreachable(2, FederationCall::kValues);
  EXPECT_EQ(consortium_.Run(Request()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(consortium_.Run(Request({2})).status().code(), absl::StatusCode::kFailedPrecondition);
  consortium_.transport().SetBefore(nullptr);  // member 2 is back: the same cohort again
  absl::StatusOr<FederatedResult> result = consortium_.Run(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows[0].value, Expected({}));
}

TEST_F(FailureTest, AnAlteredContributionIsDetectedByTheRequester) {
  AlterReply(1, FederationCall::kAnnounce, [](SignedMessage* m) { m->body.back() ^= 1; });
  absl::Status s = consortium_.Run(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat("the counts contribution of ",
                                     consortium_.member(1).identity.fingerprint().ToString())));
}

TEST_F(FailureTest, AnAlteredSignatureIsDetectedByTheRequester) {
  AlterReply(3, FederationCall::kValues, [](SignedMessage* m) { m->signature[5] ^= 0x40; });
  absl::Status s = consortium_.Run(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr("values contribution"));
}

TEST_F(FailureTest, SignedGarbageFromAMemberFailsTheRoundWithoutAResult) {
  // Member 4 itself sends random words (validly signed): the sum is garbage and is refused.
  const Identity& member4 = consortium_.member(4).identity;
  AlterReply(4, FederationCall::kValues, [&member4](SignedMessage* m) {
    Contribution c = OpenContribution(*m).value();
    std::mt19937_64 rng(3);
    for (uint64_t& w : c.words) w = rng();
    *m = SignContribution(member4, c);
  });
  absl::Status s = consortium_.Run(Request()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("do not add up"));
}

class VerifyTest : public FailureTest {
 protected:
  void SetUp() override {
    absl::StatusOr<FederatedResult> result = consortium_.Run(Request());
    ASSERT_TRUE(result.ok()) << result.status();
    result_ = *std::move(result);
    ASSERT_TRUE(VerifyFederatedResult(result_, consortium_.roster()).ok());
  }
  absl::StatusCode Verify() { return VerifyFederatedResult(result_, consortium_.roster()).code(); }

  FederatedResult result_;
};

TEST_F(VerifyTest, AnAlteredWordOfAContributionIsDetected) {
  result_.values[2].body[result_.values[2].body.size() - 9] ^= 0x01;
  EXPECT_EQ(Verify(), absl::StatusCode::kUnauthenticated);
}

TEST_F(VerifyTest, AnAlteredSignatureIsDetected) {
  result_.counts[0].signature[0] ^= 0x01;
  EXPECT_EQ(Verify(), absl::StatusCode::kUnauthenticated);
}

TEST_F(VerifyTest, AnAlteredPublishedTotalIsDetected) {
  result_.rows[1].totals[0] += 1;  // one millionth
  EXPECT_EQ(Verify(), absl::StatusCode::kDataLoss);
  result_ = FederatedResult();
  SetUp();
  result_.rows[0].contributors -= 1;
  EXPECT_EQ(Verify(), absl::StatusCode::kDataLoss);
}

TEST_F(VerifyTest, AContributionResignedWithOtherWordsDoesNotAddUp) {
  Contribution c = OpenContribution(result_.values[0]).value();
  c.words[kCanaryWords] += 1;
  result_.values[0] = SignContribution(consortium_.member(0).identity, c);
  EXPECT_EQ(Verify(), absl::StatusCode::kDataLoss);
}

TEST_F(VerifyTest, ACountCommitmentResignedWithAnotherBitIsDetected) {
  // Member 0 re-signs its counts claiming 0 in February p0 (group 4) with its proof of 1.
  Contribution c = OpenContribution(result_.counts[0]).value();
  RistrettoPoint& feb_p0 = c.commitments[kCountCanaries + 4];
  feb_p0 = SubtractPoints(feb_p0, GeneratorH()).value();
  result_.counts[0] = SignContribution(consortium_.member(0).identity, c);
  const absl::Status s = VerifyFederatedResult(result_, consortium_.roster());
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_THAT(s.message(), HasSubstr("the bit proof of group 4"));
}

TEST_F(VerifyTest, MissingOrReorderedContributionsAreDetected) {
  std::swap(result_.counts[0], result_.counts[1]);
  EXPECT_EQ(Verify(), absl::StatusCode::kInvalidArgument);
  std::swap(result_.counts[0], result_.counts[1]);
  result_.values.pop_back();
  EXPECT_EQ(Verify(), absl::StatusCode::kInvalidArgument);
}

TEST_F(VerifyTest, AResultIsCheckedAgainstTheVerifiersOwnRoster) {
  std::vector<RosterMember> others;
  for (const RosterMember& m : consortium_.roster().members()) {
    if (m.name != "member-3") others.push_back(m);
  }
  ConsortiumRoster without =
      ConsortiumRoster::Make(federation_testing::kConsortium, others).value();
  EXPECT_EQ(VerifyFederatedResult(result_, without).code(), absl::StatusCode::kPermissionDenied);
}

// A requester tells member 4 a different final cohort than the others.
TEST_F(FailureTest, AMemberToldAnotherCohortMakesTheSumGarbageNotALeak) {
  const Identity& requester = consortium_.requester();
  const RoundRequest r = Request();
  Proposal p{federation_testing::kConsortium, std::string(32, 'x'), requester.public_key()};
  p.issued_at = consortium_.now();
  p.query = r.query;
  p.group_values = r.group_values;
  p.min_contributors = 3;
  p.cohort = r.cohort;
  const SignedMessage proposal = SignProposal(requester, p);
  const RoundDigest round = DigestProposal(proposal.body);
  const std::vector<PublicKey> everyone = consortium_.Cohort();
  const std::vector<PublicKey> told_to_4 = consortium_.Cohort({0});
  std::vector<SignedMessage> counts;
  std::vector<Contribution> opened;
  for (int i = 0; i < 5; ++i) {
    FederationMember& m = *consortium_.member(i).member;
    ASSERT_TRUE(m.Propose(EncodeSigned(proposal)).ok());
    const Announcement a{round, requester.public_key(), i == 4 ? told_to_4 : everyone};
    absl::StatusOr<std::string> reply = m.Announce(EncodeSigned(SignAnnouncement(requester, a)));
    ASSERT_TRUE(reply.ok()) << reply.status();
    counts.push_back(DecodeSigned(*reply).value());
    opened.push_back(OpenContribution(counts.back()).value());
  }
  // The requester's checks see it at once: member 4 signed another cohort's hash.
  const CohortHash hash = HashCohort(everyone).value();
  const KeySpace keys = KeySpace::Make(r.query, r.group_values).value();
  EXPECT_THAT(
      OpenMemberContribution(counts[4], everyone[4], round, hash, Phase::kCounts, keys.size())
          .status()
          .message(),
      HasSubstr("was computed for another cohort"));
  // And the commitments themselves are garbage: no group opens to any count, so nothing about
  // anyone's groups comes out.
  EXPECT_EQ(OpenCounts(opened, keys).status().code(), absl::StatusCode::kDataLoss);
  const BitSumTable table = BitSumTable::Make(5).value();
  int plausible = 0;
  for (size_t cell = 0; cell < kCountCanaries + keys.size(); ++cell) {
    RistrettoPoint sum = IdentityPoint();
    for (const Contribution& c : opened) sum = AddPoints(sum, c.commitments[cell]).value();
    plausible += table.Open(sum).has_value() ? 1 : 0;
  }
  EXPECT_EQ(plausible, 0);
  // The members refuse to go on to the figures...
  const std::string values_request = EncodeValuesRequest(ValuesRequest{round, counts});
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(consortium_.member(i).member->Values(values_request).ok());
  }
  // ...and a result assembled from these counts fails verification.
  FederatedResult forged;
  forged.proposal = proposal;
  forged.announcement =
      SignAnnouncement(requester, Announcement{round, requester.public_key(), everyone});
  forged.counts = counts;
  EXPECT_FALSE(VerifyFederatedResult(forged, consortium_.roster()).ok());
  EXPECT_TRUE(NothingRemembered());
}

}  // namespace
}  // namespace cairn
