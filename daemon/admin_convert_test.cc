// The admin door's conversions carry every field as a value: bytes as bytes, kinds and
// decisions as enums (an unknown kind keeps its text), absent grant blocks as null.
#include "daemon/admin_convert.h"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <memory>

namespace cairn {
namespace {

std::string Bytes(capnp::Data::Reader d) { return std::string(d.asChars().begin(), d.size()); }

// Fills a fresh message of type T with `fill` and returns a reader of it.
class AdminConvertTest : public ::testing::Test {
 protected:
  AdminConvertTest() : message_(std::make_unique<capnp::MallocMessageBuilder>()) {}
  template <typename T, typename Fill>
  typename T::Reader Filled(Fill fill) {
    auto out = message_->initRoot<T>();
    fill(out);
    return out.asReader();
  }
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
};

TEST_F(AdminConvertTest, AnAuditEntryKeepsItsBytesAndItsKind) {
  AuditEntry e;
  e.seq = 7;
  e.request_hash = std::string("\x00\xff", 2);
  e.decision = AuditDecision::kDenied;
  e.kind = AuditKind::kPartnerRevoke;
  auto out = Filled<proto::AuditEntry>([&](auto b) { FillAuditEntry(e, b); });
  EXPECT_EQ(out.getSeq(), 7u);
  EXPECT_EQ(Bytes(out.getRequestHash()), e.request_hash);
  EXPECT_EQ(out.getDecision(), proto::AuditEntry::Decision::DENIED);
  EXPECT_EQ(out.getKind(), proto::AuditEntry::Kind::PARTNER_REVOKE);
  EXPECT_EQ(out.getOtherKind(), "");
}

TEST_F(AdminConvertTest, EveryKindOfEntryHasItsOwnProtocolValue) {
  for (AuditKind kind : {AuditKind::kQuery, AuditKind::kFederated, AuditKind::kFederatedCounts,
                         AuditKind::kFederatedRequest,
                         AuditKind::kPolicyApply, AuditKind::kPartnerAdd, AuditKind::kPartnerRevoke,
                         AuditKind::kPartnerAllow, AuditKind::kConsortiumAdd, AuditKind::kKeyRotation}) {
    AuditEntry e;
    e.kind = kind;
    auto out = Filled<proto::AuditEntry>([&](auto b) { FillAuditEntry(e, b); });
    EXPECT_NE(out.getKind(), proto::AuditEntry::Kind::OTHER) << AuditKindName(kind);
  }
}

TEST_F(AdminConvertTest, AGroupGrantWithoutBlocksHasNullBlocks) {
  Grant g;
  g.name = "bench";
  g.group = "steel";
  g.aggregates = {Aggregate::kSum, Aggregate::kMean};
  g.scope = {{"product", {"P1", "P2"}}};
  g.valid_until = 42;
  auto out = Filled<proto::Grant>([&](auto b) { FillGrant(g, b); });
  EXPECT_TRUE(out.isGroup());
  EXPECT_EQ(out.getGroup(), "steel");
  ASSERT_EQ(out.getAggregates().size(), 2u);
  EXPECT_EQ(out.getAggregates()[1], proto::Aggregate::MEAN);
  EXPECT_EQ(out.getScope()[0].getValues()[1], "P2");
  EXPECT_FALSE(out.hasPrivacy());
  EXPECT_FALSE(out.hasFederation());
  EXPECT_FALSE(out.getHasValidFrom());
  EXPECT_TRUE(out.getHasValidUntil());
  EXPECT_EQ(out.getValidUntil(), 42);
}

TEST_F(AdminConvertTest, APrivacyBlockCarriesItsClamps) {
  Grant g;
  g.partner = "oem";
  g.release = Release::kProtected;
  PrivacySpec p;
  p.epsilon_micros = 500000;
  p.period = Granularity::kQuarter;
  p.clamps["energy"] = Clamp{0, 1000, 0.1};
  g.privacy = p;
  auto out = Filled<proto::Grant>([&](auto b) { FillGrant(g, b); });
  EXPECT_EQ(out.getPartner(), "oem");
  EXPECT_EQ(out.getRelease(), proto::Grant::Release::PROTECTED);
  EXPECT_EQ(out.getPrivacy().getEpsilonMicros(), 500000);
  EXPECT_EQ(out.getPrivacy().getPeriod(), proto::Granularity::QUARTER);
  EXPECT_EQ(out.getPrivacy().getClamps()[0].getMetric(), "energy");
  EXPECT_EQ(out.getPrivacy().getClamps()[0].getHi(), 1000);
}

TEST_F(AdminConvertTest, AFailedVerificationNamesItsProblem) {
  AuditVerifyReport r;
  r.entries = 4;
  r.first_bad_seq = 5;
  auto out = Filled<proto::AuditVerifyReport>(
      [&](auto b) { FillAuditVerifyReport(absl::DataLossError("entry 5: hash mismatch"), r, b); });
  EXPECT_FALSE(out.getOk());
  EXPECT_EQ(out.getFirstBadSeq(), 5u);
  EXPECT_EQ(out.getProblem(), "entry 5: hash mismatch");
}

}  // namespace
}  // namespace cairn
