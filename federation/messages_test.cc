// Federation messages: what is signed comes back intact, one kind of message cannot pass for
// another, and malformed bytes from a peer are errors, never crashes.
#include "federation/messages.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <random>

#include "crypto/bit_commitment.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "protocol/federation.capnp.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using ::testing::HasSubstr;

class MessagesTest : public ::testing::Test {
 protected:
  MessagesTest() : requester_(FixedIdentity(200)), member_(FixedIdentity(1)) {
    const RoundRequest r = QuarterByMonthAndProduct(
        3, {member_.public_key(), FixedIdentity(2).public_key()}, 2, Aggregate::kRatio);
    proposal_.consortium = "steel-bench";
    proposal_.query_id = std::string(32, '\x07');
    proposal_.issued_at = T("2026-06-01");
    proposal_.query = r.query;
    proposal_.group_values = r.group_values;
    proposal_.min_contributors = 2;
    proposal_.cohort = r.cohort;
  }

  Identity requester_, member_;
  Proposal proposal_{"", "", FixedIdentity(200).public_key()};
};

TEST_F(MessagesTest, AProposalComesBackAsSigned) {
  const SignedMessage signed_proposal = SignProposal(requester_, proposal_);
  absl::StatusOr<Proposal> p = OpenProposal(DecodeSigned(EncodeSigned(signed_proposal)).value());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->requester, requester_.public_key());
  EXPECT_EQ(p->query_id, proposal_.query_id);
  EXPECT_EQ(p->query.ratio_denominator, "units_produced");
  EXPECT_EQ(p->query.time_group, Granularity::kMonth);
  EXPECT_EQ(p->group_values, proposal_.group_values);
  EXPECT_EQ(p->cohort, proposal_.cohort);
  EXPECT_EQ(p->min_contributors, 2u);
  // The digest names exactly these bytes.
  EXPECT_EQ(DigestProposal(signed_proposal.body), DigestProposal(signed_proposal.body));
  proposal_.min_contributors = 3;
  EXPECT_NE(DigestProposal(SignProposal(requester_, proposal_).body),
            DigestProposal(signed_proposal.body));
}

TEST_F(MessagesTest, ContributionsCommitmentsAndAnnouncementsComeBackAsSigned) {
  const RoundDigest round = DigestProposal("body");
  Contribution c{round,
                 HashCohort(proposal_.cohort).value(),
                 Phase::kValues,
                 member_.public_key(),
                 {1, 0, ~uint64_t{0}}};
  absl::StatusOr<Contribution> opened = OpenContribution(SignContribution(member_, c));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->words, c.words);
  EXPECT_EQ(opened->phase, Phase::kValues);
  EXPECT_EQ(opened->cohort_hash, c.cohort_hash);

  absl::StatusOr<Commitment> commitment =
      OpenCommitment(SignCommitment(member_, Commitment{round, member_.public_key(), false, "no"}));
  ASSERT_TRUE(commitment.ok());
  EXPECT_EQ(commitment->reason, "no");
  absl::StatusOr<Announcement> a = OpenAnnouncement(
      SignAnnouncement(requester_, Announcement{round, requester_.public_key(), proposal_.cohort}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->cohort, proposal_.cohort);
}

// A counts contribution of two groups: the canary's commitment and two more, two proofs.
Contribution Counts(const Identity& member, const std::vector<PublicKey>& cohort) {
  Contribution c{DigestProposal("body"), HashCohort(cohort).value(), Phase::kCounts,
                 member.public_key()};
  for (int i = 0; i < 3; ++i) {
    SecretScalar z;
    RandomScalar(z.data());
    c.commitments.push_back(CommitBit(i != 2, z));
    if (i > 0) c.proofs.push_back(ProveBit(i != 2, z, c.commitments.back(), "context").value());
  }
  return c;
}

absl::Status OpenedWith(const Identity& member, const Contribution& c) {
  return OpenContribution(SignContribution(member, c)).status();
}

TEST_F(MessagesTest, ACountsContributionComesBackAsSigned) {
  const Contribution c = Counts(member_, proposal_.cohort);
  absl::StatusOr<Contribution> opened =
      OpenContribution(DecodeSigned(EncodeSigned(SignContribution(member_, c))).value());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->phase, Phase::kCounts);
  EXPECT_EQ(opened->commitments, c.commitments);
  ASSERT_EQ(opened->proofs.size(), 2u);
  EXPECT_TRUE(VerifyBitProof(opened->commitments[1], opened->proofs[0], "context").ok());
  EXPECT_TRUE(opened->words.empty());
}

TEST_F(MessagesTest, EachPhaseCarriesOnlyItsOwnFields) {
  const Contribution counts = Counts(member_, proposal_.cohort);
  Contribution with_words = counts;
  with_words.words = {1};
  EXPECT_THAT(OpenedWith(member_, with_words).message(), HasSubstr("carries none"));
  Contribution one_proof_short = counts;
  one_proof_short.proofs.pop_back();
  EXPECT_THAT(OpenedWith(member_, one_proof_short).message(), HasSubstr("one proof of 128"));
  Contribution no_canary = counts;
  no_canary.commitments.clear();
  no_canary.proofs.clear();
  EXPECT_EQ(OpenedWith(member_, no_canary).code(), absl::StatusCode::kInvalidArgument);
  Contribution values_with_commitments = counts;
  values_with_commitments.phase = Phase::kValues;
  EXPECT_THAT(OpenedWith(member_, values_with_commitments).message(),
              HasSubstr("a values contribution carries none"));
  Contribution non_canonical = counts;
  non_canonical.proofs[1].s0.fill(0xff);
  EXPECT_THAT(OpenedWith(member_, non_canonical).message(),
              HasSubstr("proofs[1]: a scalar of the bit proof is not below the group order"));
}

TEST_F(MessagesTest, CommitmentsThatAreNotWholePointsAreRejected) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<proto::Contribution>();
  b.setRoundDigest(kj::heapArray<kj::byte>(32).asPtr());
  b.setCohortHash(kj::heapArray<kj::byte>(32).asPtr());
  b.setPhase(proto::Phase::COUNTS);
  b.setMemberKey(kj::arrayPtr(member_.public_key().bytes().data(), 32));
  b.initCommitments(33);
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  const std::string body(reinterpret_cast<const char*>(words.asBytes().begin()),
                         words.asBytes().size());
  EXPECT_THAT(OpenContribution(SignedMessage{body, std::string(64, 's')}).status().message(),
              HasSubstr("commitments: 33 bytes is not a whole number of points"));
}

TEST_F(MessagesTest, ASignatureByAnyoneButTheNamedSignerFails) {
  SignedMessage m = SignProposal(member_, proposal_);  // names the requester, signed by a member
  EXPECT_EQ(OpenProposal(m).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(MessagesTest, OneKindOfMessageCannotPassForAnother) {
  // An announcement whose body would decode as a commitment still carries the wrong label.
  const RoundDigest round = DigestProposal("body");
  SignedMessage commitment =
      SignCommitment(member_, Commitment{round, member_.public_key(), true, ""});
  EXPECT_FALSE(OpenAnnouncement(commitment).ok());
  EXPECT_FALSE(OpenContribution(commitment).ok());
  EXPECT_FALSE(OpenProposal(commitment).ok());
}

TEST_F(MessagesTest, MalformedBytesAreInvalidArgument) {
  EXPECT_EQ(DecodeSigned("abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeSigned(std::string(64, '\xff')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeValuesRequest(std::string(kMaxMessageBytes + 8, '\0')).status().code(),
            absl::StatusCode::kInvalidArgument);
  SignedMessage short_key = SignProposal(requester_, proposal_);
  EXPECT_EQ(OpenContribution(SignedMessage{"", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MessagesTest, MutatedMessagesNeverCrashAndNeverVerify) {
  const std::string bytes = EncodeSigned(SignProposal(requester_, proposal_));
  std::mt19937_64 rng(13);
  int opened = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = bytes;
    for (int flips = 1 + rng() % 4; flips > 0; --flips) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    }
    absl::StatusOr<SignedMessage> m = DecodeSigned(mutated);
    if (!m.ok()) continue;
    absl::StatusOr<Proposal> p = OpenProposal(*m);
    opened += p.ok() && m->body != DecodeSigned(bytes)->body;
  }
  EXPECT_EQ(opened, 0);
}

TEST_F(MessagesTest, AResultWithARowThatIsNotExactDecimalIsRejected) {
  FederatedResult r;
  FederatedRow row;
  row.tags = {"p0"};
  row.released = true;
  row.totals = {Quanta{1500000}};
  r.rows.push_back(row);
  std::string bytes = EncodeFederatedResult(r);
  absl::StatusOr<FederatedResult> back = DecodeFederatedResult(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rows, r.rows);
  const size_t at = bytes.find("1.5");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 3, "1,5");
  EXPECT_THAT(DecodeFederatedResult(bytes).status().message(), HasSubstr("rows.totals"));
}

}  // namespace
}  // namespace cairn
