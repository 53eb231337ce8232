// A member that cheats in the count phase, written as a modified daemon would: it knows its
// bits, its masks and its key, and rewrites and re-signs its own counts contribution. Its
// requester colludes (it is the cheater's own) and sends the cheated counts on to everyone
// without checking them. Each cheat must make every honest member refuse to send its figures,
// naming what is wrong, so that nothing is released; and an honest requester must stop the
// round before the figures. Beside the cheats, the same round played honestly releases.
//
// The attack the count commitments exist for: a member alone in a group, and a cheater that
// counts itself min_cohort - 1 times there, so that the group is released and its total is the
// lone member's exact figure.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bit_commitment.h"
#include "crypto/ristretto.h"
#include "federation/count_phase.h"
#include "federation/local_figures.h"
#include "federation/messages.h"
#include "federation/round_masks.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::BenchmarkGrant;
using federation_testing::ConsortiumOptions;
using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;
using federation_testing::TestRandom;
using ::testing::HasSubstr;

// The groups of the round: 2 products x 3 months, numbered month-major.
constexpr size_t kLoneGroup = 0;    // January p0: only member 1 (the victim) has records
constexpr size_t kSharedGroup = 1;  // January p1: members 1..4 have records (released)
constexpr int kCheater = 0;
constexpr int kVictim = 1;

// What the cheater knows about its own counts contribution, and can redo.
struct CheaterView {
  const Identity* identity;
  RoundDigest round;
  std::vector<uint8_t> bits;  // its contributor bits
  SecretBytes masks;          // its commitment masks, canary first

  SecretScalar MaskOf(size_t group) const {
    return SecretScalar::CopyFrom(masks.data() + (kCountCanaries + group) * kScalarBytes);
  }
  std::string Context(size_t group) const {
    return CountProofContext(round, identity->public_key(), static_cast<uint32_t>(group));
  }
  RistrettoPoint& CommitmentOf(Contribution* c, size_t group) const {
    return c->commitments[kCountCanaries + group];
  }
};
using Cheat = std::function<void(const CheaterView&, Contribution*)>;

RistrettoPoint Times(uint64_t k, const RistrettoPoint& p) {
  return MultiplyPoint(ScalarOf(k).data(), p).value();
}

class CheatingTest : public ::testing::Test {
 protected:
  explicit CheatingTest(int members = 5) : consortium_(ConsortiumOptions{members, 3}) {
    consortium_.member(kVictim).data.Add("energy", T("2026-01"), {"p0"}, 1234.5);
    for (int i = 1; i < 5; ++i) consortium_.member(i).data.Add("energy", T("2026-01"), {"p1"}, i);
    request_ = QuarterByMonthAndProduct(2, consortium_.Cohort(), 3);
    keys_.emplace(KeySpace::Make(request_.query, request_.group_values).value());
  }

  // The cheater's rewrite of its counts reply, re-signed with its key.
  std::string Rewrite(const std::string& reply, const Cheat& cheat) {
    Contribution c = OpenContribution(DecodeSigned(reply).value()).value();
    const Identity& id = consortium_.member(kCheater).identity;
    TestRandom unused(0);
    CheaterView view{
        &id, c.round,
        ComputeLocalFigures(request_.query, *keys_, BenchmarkGrant({}),
                            consortium_.member(kCheater).data.AsLocalQuery(), unused)
            .value()
            .contributes,
        RoundMasks::Derive(id, consortium_.Cohort())
            .value()
            .ScalarMask(StreamId(c.round, Phase::kCounts), kCountCanaries + keys_->size())
            .value()};
    cheat(view, &c);
    return EncodeSigned(SignContribution(id, c));
  }

  // The round as the cheater's own requester plays it: propose and announce to everyone,
  // then hand every member all the counts, cheated ones included, without checking them.
  // Returns each member's answer to the values request.
  std::vector<absl::Status> RunColluding(const Cheat& cheat) {
    const Identity& requester = consortium_.requester();
    std::string query_id = absl::StrCat("colluding round ", ++runs_);
    query_id.resize(32, '.');
    Proposal p{federation_testing::kConsortium, query_id, requester.public_key()};
    p.issued_at = consortium_.now();
    p.query = request_.query;
    p.group_values = request_.group_values;
    p.min_contributors = request_.min_contributors;
    p.cohort = request_.cohort;
    const SignedMessage proposal = SignProposal(requester, p);
    const RoundDigest round = DigestProposal(proposal.body);
    const std::string announcement = EncodeSigned(
        SignAnnouncement(requester, Announcement{round, requester.public_key(), p.cohort}));
    ValuesRequest values{round, {}};
    for (int i = 0; i < consortium_.size(); ++i) {
      FederationMember& m = *consortium_.member(i).member;
      EXPECT_TRUE(m.Propose(EncodeSigned(proposal)).ok());
      std::string counts = m.Announce(announcement).value();
      if (i == kCheater && cheat) counts = Rewrite(counts, cheat);
      values.counts.push_back(DecodeSigned(counts).value());
    }
    std::vector<absl::Status> answers;
    for (int i = 0; i < consortium_.size(); ++i) {
      answers.push_back(consortium_.member(i).member->Values(EncodeValuesRequest(values)).status());
    }
    return answers;
  }

  // Every honest member refused with `code` and a message containing `what`, and none of them
  // remembers the round (no figures left).
  void ExpectEveryHonestMemberRefuses(const Cheat& cheat, absl::StatusCode code,
                                      const std::string& what) {
    const std::vector<absl::Status> answers = RunColluding(cheat);
    for (int i = 0; i < consortium_.size(); ++i) {
      if (i == kCheater) continue;
      EXPECT_EQ(answers[i].code(), code) << "member " << i << ": " << answers[i];
      EXPECT_THAT(answers[i].message(), HasSubstr(what)) << "member " << i;
      EXPECT_TRUE(consortium_.member(i).member->memory().entries().empty()) << "member " << i;
    }
  }
  // The honest requester stops the same cheat before any figures are asked for.
  void ExpectTheRequesterStopsIt(const Cheat& cheat, absl::StatusCode code,
                                 const std::string& what) {
    const PublicKey cheater = consortium_.member(kCheater).identity.public_key();
    consortium_.transport().SetAfter(
        [&](FederationCall call, const PublicKey& k, std::string* reply) {
          if (call == FederationCall::kAnnounce && k == cheater) *reply = Rewrite(*reply, cheat);
        });
    RoundReport report;
    const absl::Status s = consortium_.Run(request_, &report).status();
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_THAT(s.message(), HasSubstr(what));
    consortium_.transport().SetAfter(nullptr);
    for (int i = 0; i < consortium_.size(); ++i) {
      EXPECT_TRUE(consortium_.member(i).member->memory().entries().empty()) << "member " << i;
    }
  }

  std::string Cheater() {
    return absl::StrCat("the counts contribution of ",
                        consortium_.member(kCheater).identity.fingerprint().ToString());
  }

  TestConsortium consortium_;
  RoundRequest request_;
  std::optional<KeySpace> keys_;
  int runs_ = 0;
};

TEST_F(CheatingTest, TheHonestRoundReleasesTheSharedGroupAndWithholdsTheLoneOne) {
  for (const absl::Status& s : RunColluding(nullptr)) EXPECT_TRUE(s.ok()) << s;
  absl::StatusOr<FederatedResult> result = consortium_.Run(request_);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_FALSE(result->rows[kLoneGroup].released);
  EXPECT_EQ(result->rows[kLoneGroup].contributors, 1u);
  EXPECT_TRUE(result->rows[kSharedGroup].released);
  EXPECT_EQ(result->rows[kSharedGroup].value, 1 + 2 + 3 + 4);
}

// The attack: the cheater counts itself min_cohort - 1 = 2 times in the victim's lone group.
const Cheat kCountsAsMany = [](const CheaterView& v, Contribution* c) {
  RistrettoPoint& lone = v.CommitmentOf(c, kLoneGroup);
  lone = AddPoints(lone, Times(2, GeneratorH())).value();
};

TEST_F(CheatingTest, OneMemberCannotCountAsManyInAnotherMembersGroup) {
  ExpectEveryHonestMemberRefuses(kCountsAsMany, absl::StatusCode::kUnauthenticated,
                                 Cheater() + ": the bit proof of group 0");
}

TEST_F(CheatingTest, TheRequesterStopsAMemberThatCountsAsMany) {
  ExpectTheRequesterStopsIt(kCountsAsMany, absl::StatusCode::kUnauthenticated,
                            Cheater() + ": the bit proof of group 0");
}

// Inflating a group it really is in, by k = 5: a count above the cohort opens to nothing.
TEST_F(CheatingTest, ACountInflatedBeyondTheCohortOpensToNothing) {
  const Cheat inflate = [](const CheaterView& v, Contribution* c) {
    RistrettoPoint& shared = v.CommitmentOf(c, kSharedGroup);
    shared = AddPoints(shared, Times(5, GeneratorH())).value();
  };
  ExpectEveryHonestMemberRefuses(inflate, absl::StatusCode::kDataLoss,
                                 "group 1 (2026-01-01T00:00:00Z, p1) open to no count");
}

// A bit of 2 in the lone group, with the best proof a member without a witness can make.
TEST_F(CheatingTest, ABitOfTwoHasNoProof) {
  const Cheat two = [](const CheaterView& v, Contribution* c) {
    const RistrettoPoint commitment =
        AddPoints(MultiplyBase(v.MaskOf(kLoneGroup).data()), Times(2, GeneratorH())).value();
    v.CommitmentOf(c, kLoneGroup) = commitment;
    // It knows the mask, so it can run the prover for 1 on it (for 0 likewise); neither
    // statement is true.
    c->proofs[kLoneGroup] =
        ProveBit(true, v.MaskOf(kLoneGroup), commitment, v.Context(kLoneGroup)).value();
  };
  ExpectEveryHonestMemberRefuses(two, absl::StatusCode::kUnauthenticated,
                                 Cheater() + ": the bit proof of group 0");
}

// Commitments with masks of its own choosing (and valid proofs for them): the masks no longer
// cancel and the group opens to nothing.
TEST_F(CheatingTest, AMemberThatLiesAboutItsMasksIsCaughtByTheSum) {
  const Cheat lie = [](const CheaterView& v, Contribution* c) {
    SecretScalar own;
    RandomScalar(own.data());
    const bool bit = v.bits[kSharedGroup] == 1;
    v.CommitmentOf(c, kSharedGroup) = CommitBit(bit, own);
    c->proofs[kSharedGroup] =
        ProveBit(bit, own, v.CommitmentOf(c, kSharedGroup), v.Context(kSharedGroup)).value();
  };
  ExpectEveryHonestMemberRefuses(lie, absl::StatusCode::kDataLoss,
                                 "lied about its commitment masks");
}

// Valid proofs of the cheater's own commitments, made for another round, another group, or
// by another member: none verifies in this one.
TEST_F(CheatingTest, AProofFromAnotherRoundGroupOrMemberDoesNotVerify) {
  auto replayed = [](std::function<std::string(const CheaterView&)> context) -> Cheat {
    return [context](const CheaterView& v, Contribution* c) {
      c->proofs[kSharedGroup] = ProveBit(v.bits[kSharedGroup] == 1, v.MaskOf(kSharedGroup),
                                         v.CommitmentOf(c, kSharedGroup), context(v))
                                    .value();
    };
  };
  const std::string refusal = Cheater() + ": the bit proof of group 1";
  ExpectEveryHonestMemberRefuses(replayed([](const CheaterView& v) {
                                   return CountProofContext(DigestProposal("an earlier round"),
                                                            v.identity->public_key(), kSharedGroup);
                                 }),
                                 absl::StatusCode::kUnauthenticated, refusal);
  ExpectEveryHonestMemberRefuses(
      replayed([](const CheaterView& v) { return v.Context(kSharedGroup + 2); }),
      absl::StatusCode::kUnauthenticated, refusal);
  const PublicKey other = federation_testing::FixedIdentity(3).public_key();  // member 2
  ExpectEveryHonestMemberRefuses(replayed([other](const CheaterView& v) {
                                   return CountProofContext(v.round, other, kSharedGroup);
                                 }),
                                 absl::StatusCode::kUnauthenticated, refusal);
}

// Its real commitment's valid proof, sent with the commitment of the other bit.
TEST_F(CheatingTest, AValidProofForAnotherCommitmentDoesNotVerify) {
  const Cheat swap = [](const CheaterView& v, Contribution* c) {
    v.CommitmentOf(c, kSharedGroup) = CommitBit(true, v.MaskOf(kSharedGroup));  // it has none
  };
  ExpectEveryHonestMemberRefuses(swap, absl::StatusCode::kUnauthenticated,
                                 Cheater() + ": the bit proof of group 1");
}

// The same in the lone group: one more contributor (2) is not enough to release it, so the
// proof is not looked at and the round goes on. A false bit in a withheld group changes the
// published count of that group, and releases nothing.
TEST_F(CheatingTest, AFalseBitInAWithheldGroupReleasesNothing) {
  const Cheat swap = [](const CheaterView& v, Contribution* c) {
    v.CommitmentOf(c, kLoneGroup) = CommitBit(true, v.MaskOf(kLoneGroup));
  };
  for (const absl::Status& s : RunColluding(swap)) EXPECT_TRUE(s.ok()) << s;
}

// With 45 members and a threshold of 3, at least 44 are honest and each checks only a share
// (VerificationShare: 47%) of the others' proofs, drawn independently. The cheat escapes all
// of them with probability 2^-40; about 20 of them catch it, and one is enough: without its
// figures, nobody's are unmasked.
class LargeCohortCheatingTest : public CheatingTest {
 protected:
  LargeCohortCheatingTest() : CheatingTest(45) {}
};

TEST_F(LargeCohortCheatingTest, EachMemberChecksAShareAndTogetherTheyCatchTheCheat) {
  ASSERT_LT(VerificationShare(45, 3), 0.5);
  const std::vector<absl::Status> answers = RunColluding(kCountsAsMany);
  int caught = 0, missed = 0;
  for (int i = 0; i < consortium_.size(); ++i) {
    if (i == kCheater) continue;
    if (answers[i].ok()) {
      ++missed;
    } else {
      EXPECT_EQ(answers[i].code(), absl::StatusCode::kUnauthenticated) << answers[i];
      EXPECT_THAT(answers[i].message(), HasSubstr(Cheater() + ": the bit proof of group 0"));
      ++caught;
    }
  }
  EXPECT_GE(caught, 1);
  EXPECT_GE(missed, 1) << "every member checked the proof: no sampling happened";
}

}  // namespace
}  // namespace cairn
