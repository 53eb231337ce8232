// What a member refuses, and that it accepts the same round when the reason is gone: Sybils,
// strangers, cohorts and thresholds below its minimum, cohorts that differ too little from an
// earlier one, replays, stale proposals, grants not meant for federation.
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/messages.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::ConsortiumOptions;
using federation_testing::FixedIdentity;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;
using ::testing::HasSubstr;

class MemberTest : public ::testing::Test {
 protected:
  explicit MemberTest(ConsortiumOptions options = {5, 3}) : consortium_(options) {
    for (int i = 0; i < consortium_.size(); ++i) {
      consortium_.member(i).data.Add("energy", T("2026-01"), {"p0"}, 10 + i);
    }
  }

  RoundRequest Request(std::vector<int> without = {}, uint32_t min_contributors = 3) {
    return QuarterByMonthAndProduct(1, consortium_.Cohort(without), min_contributors);
  }
  absl::Status Run(const RoundRequest& request) {
    report_ = RoundReport();
    return consortium_.Run(request, &report_).status();
  }
  // The reason member i gave when it refused the last round's proposal ("" if it did not).
  std::string RefusalOf(int i) {
    for (const RoundReport::MemberIssue& issue : report_.refused) {
      if (issue.member == consortium_.member(i).identity.public_key()) {
        return std::string(issue.status.message());
      }
    }
    return "";
  }

  // A proposal by `requester` for the usual query, hand-made to test one field at a time.
  Proposal HandMade(const Identity& requester) {
    const RoundRequest r = Request();
    Proposal p{federation_testing::kConsortium, std::string(32, 'q'), requester.public_key()};
    p.issued_at = consortium_.now();
    p.query = r.query;
    p.group_values = r.group_values;
    p.min_contributors = r.min_contributors;
    p.cohort = r.cohort;
    return p;
  }
  // Member i's answer to `p` signed by `requester`: "" if accepted, else the reason.
  std::string Answer(int i, const Proposal& p, const Identity& requester) {
    absl::StatusOr<std::string> reply =
        consortium_.member(i).member->Propose(EncodeSigned(SignProposal(requester, p)));
    if (!reply.ok()) return absl::StrCat("error: ", reply.status().ToString());
    absl::StatusOr<Commitment> c = OpenCommitment(DecodeSigned(*reply).value());
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() && !c->accepted ? c->reason : "";
  }

  TestConsortium consortium_;
  RoundReport report_;
};

TEST_F(MemberTest, ACohortWithAMemberNotOnTheMembersRosterIsRefused) {
  // The requester's roster lists a Sybil; the members' own rosters do not.
  Identity sybil = FixedIdentity(150);
  std::vector<RosterMember> entries = consortium_.roster().members();
  entries.push_back(RosterMember{"sybil", sybil.fingerprint(), "sybil:7443"});
  ConsortiumRoster forged =
      ConsortiumRoster::Make(federation_testing::kConsortium, entries).value();
  RoundRequest request = Request();
  request.cohort.push_back(sybil.public_key());
  absl::Status s = RunFederatedRound(consortium_.requester(), forged, consortium_.transport(),
                                     request, consortium_.now(), &report_)
                       .status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  for (int i = 0; i < consortium_.size(); ++i) {
    EXPECT_THAT(RefusalOf(i),
                HasSubstr(absl::StrCat("cohort member ", sybil.fingerprint().ToString(),
                                       " is not on this member's roster")));
  }
  EXPECT_TRUE(Run(Request()).ok());  // the same round without the Sybil
}

TEST_F(MemberTest, ARequesterNotOnTheMembersRosterIsRefused) {
  Identity stranger = FixedIdentity(160);
  EXPECT_THAT(Answer(0, HandMade(stranger), stranger),
              HasSubstr("is not on this member's roster of consortium steel-bench"));
  EXPECT_EQ(Answer(0, HandMade(consortium_.requester()), consortium_.requester()), "");
}

TEST_F(MemberTest, ACohortBelowAMembersMinimumIsRefusedByThatMember) {
  Grant strict = federation_testing::BenchmarkGrant({5, 5});
  consortium_.MakeMember(0, strict);
  ASSERT_TRUE(Run(Request({4})).ok());  // members 0..3: member 0 refuses, 1..3 go on
  EXPECT_EQ(RefusalOf(0), "the proposed cohort has 4 members; this member's minimum is 5");
  EXPECT_EQ(report_.final_cohort, consortium_.Cohort({0, 4}));
  // With all five, member 0 is in (min_contributors must also reach its minimum). Another
  // period, or the differencing rule would refuse a cohort that differs in 2 from {1, 2, 3}.
  RoundRequest all = Request({}, 5);
  all.query.from = T("2026-04");
  all.query.to = T("2026-07");
  ASSERT_TRUE(Run(all).ok());
  EXPECT_EQ(report_.final_cohort.size(), 5u);
}

TEST_F(MemberTest, AThresholdBelowAMembersMinimumIsRefused) {
  EXPECT_EQ(Run(Request({}, 2)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RefusalOf(2),
            "the round would release groups with 2 contributors; this member's minimum is 3");
}

// Under an exact grant too, the round counts against the rate limit when the counts leave:
// a requester that stops after the counts has used its round.
TEST_F(MemberTest, TheRateLimitCountsARoundWhenItsCountsLeave) {
  Grant limited = federation_testing::BenchmarkGrant({5, 3});
  limited.rate_limit = RateLimit{1, 3600 * kMicrosPerSecond, "hour"};
  for (int i = 0; i < consortium_.size(); ++i) consortium_.MakeMember(i, limited);
  consortium_.transport().SetBefore([](FederationCall call, const PublicKey&) {
    return call == FederationCall::kValues ? absl::UnavailableError("stop") : absl::OkStatus();
  });
  EXPECT_EQ(Run(Request()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Run(Request()).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(RefusalOf(0), HasSubstr("allows 1 queries per hour"));
}

TEST_F(MemberTest, ARoundOfAnotherConsortiumIsRefused) {
  Proposal p = HandMade(consortium_.requester());
  p.consortium = "glass-bench";
  EXPECT_EQ(Answer(1, p, consortium_.requester()),
            "this member answers rounds of consortium steel-bench, not glass-bench");
}

TEST_F(MemberTest, AGrantWithoutAFederationBlockDoesNotAnswerRounds) {
  Grant bilateral = federation_testing::BenchmarkGrant({5, 3});
  bilateral.federation.reset();
  consortium_.MakeMember(1, bilateral);
  EXPECT_EQ(Answer(1, HandMade(consortium_.requester()), consortium_.requester()),
            "grant 'benchmark' does not answer federated rounds");
  EXPECT_EQ(Answer(2, HandMade(consortium_.requester()), consortium_.requester()), "");
}

TEST_F(MemberTest, AProposalIsAnsweredOnceAndOnlyWhileFresh) {
  consortium_.set_now(consortium_.now() + 20 * 60 * kMicrosPerSecond);
  const Identity& requester = consortium_.requester();
  const std::string bytes = EncodeSigned(SignProposal(requester, HandMade(requester)));
  ASSERT_TRUE(consortium_.member(0).member->Propose(bytes).ok());
  EXPECT_EQ(consortium_.member(0).member->Propose(bytes).status().code(),
            absl::StatusCode::kAlreadyExists);
  Proposal stale = HandMade(requester);
  stale.query_id = std::string(32, 's');
  stale.issued_at = consortium_.now() - 11 * 60 * kMicrosPerSecond;
  EXPECT_THAT(Answer(0, stale, requester), HasSubstr("which is not within the last 600 s"));
  stale.issued_at = consortium_.now() - 9 * 60 * kMicrosPerSecond;
  EXPECT_EQ(Answer(0, stale, requester), "");
}

TEST_F(MemberTest, AProposalIssuedBeforeTheMemberStartedIsRefused) {
  // Proposals seen before a restart are forgotten: none from before the start is answered.
  Proposal p = HandMade(consortium_.requester());
  p.issued_at = consortium_.now() - kMicrosPerSecond;
  EXPECT_THAT(Answer(0, p, consortium_.requester()), HasSubstr("before this member started"));
}

TEST_F(MemberTest, AProposalSignedBySomeoneElseIsRejected) {
  const std::string bytes = EncodeSigned(
      SignProposal(FixedIdentity(1), HandMade(consortium_.requester())));  // member-0's key
  EXPECT_EQ(consortium_.member(0).member->Propose(bytes).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(MemberTest, AFinalCohortWithAMemberWhoWasNotProposedIsRefused) {
  const Identity& requester = consortium_.requester();
  Proposal p = HandMade(requester);
  p.cohort = consortium_.Cohort({4});
  const SignedMessage proposal = SignProposal(requester, p);
  ASSERT_TRUE(consortium_.member(0).member->Propose(EncodeSigned(proposal)).ok());
  const Announcement a{DigestProposal(proposal.body), requester.public_key(),
                       consortium_.Cohort({3})};
  absl::StatusOr<std::string> reply =
      consortium_.member(0).member->Announce(EncodeSigned(SignAnnouncement(requester, a)));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(reply.status().message(), HasSubstr("who was not proposed"));
  EXPECT_EQ(consortium_.member(0).member->open_rounds(), 0u);  // the round is abandoned
}

TEST_F(MemberTest, ValuesBeforeCountsAreRefused) {
  const Identity& requester = consortium_.requester();
  const SignedMessage proposal = SignProposal(requester, HandMade(requester));
  ASSERT_TRUE(consortium_.member(0).member->Propose(EncodeSigned(proposal)).ok());
  const ValuesRequest early{DigestProposal(proposal.body), {}};
  EXPECT_EQ(consortium_.member(0).member->Values(EncodeValuesRequest(early)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// Differencing: the same metric and period with a cohort that differs in one member.
TEST_F(MemberTest, ASecondRoundWithOneMemberLeftOutIsRefused) {
  ASSERT_TRUE(Run(Request()).ok());
  EXPECT_EQ(Run(Request({4})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(RefusalOf(0),
              HasSubstr("the cohort differs in 1 member from the cohort of an earlier round over "
                        "energy in [2026-01-01T00:00:00Z, 2026-04-01T00:00:00Z)"));
  // Also when the second round asks differently over the same records.
  RoundRequest other_shape = Request({4});
  other_shape.query.aggregate = Aggregate::kCount;
  other_shape.query.time_group.reset();
  EXPECT_EQ(Run(other_shape).code(), absl::StatusCode::kFailedPrecondition);
  // The same cohort again, and a later period without member 4, are fine.
  EXPECT_TRUE(Run(Request()).ok());
  RoundRequest later = Request({4});
  later.query.from = T("2026-04");
  later.query.to = T("2026-07");
  EXPECT_TRUE(Run(later).ok());
}

class WideMemberTest : public MemberTest {
 protected:
  WideMemberTest() : MemberTest({8, 3}) {}
};

TEST_F(WideMemberTest, ACohortThatDiffersInAtLeastTheMinimumIsFine) {
  ASSERT_TRUE(Run(Request()).ok());
  EXPECT_EQ(Run(Request({7, 6})).code(), absl::StatusCode::kFailedPrecondition);  // differs in 2
  EXPECT_TRUE(Run(Request({7, 6, 5})).ok());                                      // differs in 3
}

}  // namespace
}  // namespace cairn
