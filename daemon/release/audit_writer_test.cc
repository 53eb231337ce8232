// The audit writer as a specification: entries begun from a typed kind and stamped by the
// clock; a failed write fails closed and is retried after a back-off; each identity key signs
// only its own stretch of the log, so a key retired by a rotation signs nothing after it.
#include "daemon/release/audit_writer.h"

#include <memory>

#include "crypto/certificate.h"
#include "crypto/secret.h"
#include "crypto/signing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;

constexpr Timestamp kStart = 1781524800LL * kMicrosPerSecond;  // 2026-06-15T12:00:00Z

ParticipantIdentity Participant(uint8_t seed) {
  SecretArray<kSeedBytes> s;
  for (size_t i = 0; i < kSeedBytes; ++i) s.data()[i] = static_cast<uint8_t>(seed + i);
  Identity identity = Identity::FromSeed(s);
  std::string pem =
      CertificateBuilder(identity).SetDisplayName("Plant").SetNow(kStart).Build().value();
  return ParticipantIdentity{Identity::FromSeed(s), pem, ParseCertificate(pem).value()};
}

class AuditWriterTest : public ::testing::Test {
 protected:
  AuditWriterTest() : old_key_(Participant(1)), new_key_(Participant(50)) {
    Database::Options options;
    options.path = testing_util::FreshTestDir("audit_writer");
    options.sync = false;
    db_ = Database::Open(options).value();
  }
  std::unique_ptr<AuditWriter> Open(const ParticipantIdentity& me,
                                    std::vector<PublicKey> former = {}) {
    return AuditWriter::Open(db_.get(), &me, std::move(former), &clock_, [] { return 7; }).value();
  }
  void Append(AuditWriter& w, int n) {
    for (int i = 0; i < n; ++i) {
      rocksdb::WriteBatch batch;
      ASSERT_TRUE(w.Append(w.Begin(AuditKind::kQuery, AuditDecision::kAllowed), &batch).ok());
    }
  }
  // What someone holding `key` can do: sign a checkpoint of the head as it is now.
  void ForgeCheckpoint(AuditWriter& w, const ParticipantIdentity& key) {
    AuditSigner signer;
    signer.public_key = std::string(key.identity.public_key().AsStringView());
    signer.sign = [&key](absl::string_view m) {
      return std::string(Sign(key.identity, m).AsStringView());
    };
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(const_cast<AuditLog&>(w.log()).Checkpoint(signer, clock_.Now(), &batch).ok());
    ASSERT_TRUE(db_->Write(&batch).ok());
  }

  ManualClock clock_{kStart};
  ParticipantIdentity old_key_, new_key_;
  std::unique_ptr<Database> db_;
};

TEST_F(AuditWriterTest, AnEntryIsStampedWithTheClockAndThePolicyVersion) {
  auto w = Open(old_key_);
  AuditEntry e = w->Begin(AuditKind::kPartnerAdd, AuditDecision::kAllowed,
                          AuditSubject{"acme", "ed25519:x", "", ""});
  EXPECT_EQ(e.time, kStart);
  EXPECT_EQ(e.policy_version, 7u);
  EXPECT_EQ(e.kind, AuditKind::kPartnerAdd);
  EXPECT_EQ(e.partner, "acme");
}

TEST_F(AuditWriterTest, AFailedWriteFailsClosedThenRecoversAfterTheBackOff) {
  auto w = Open(old_key_);
  w->InjectWriteFailures(1);
  rocksdb::WriteBatch batch;
  EXPECT_THAT(w->Append(w->Begin(AuditKind::kQuery, AuditDecision::kAllowed), &batch),
              StatusIs(absl::StatusCode::kUnavailable, "cannot be written"));
  EXPECT_THAT(w->Ready(), StatusIs(absl::StatusCode::kUnavailable, "next try in 1 s"));
  clock_.Advance(kMicrosPerSecond);
  EXPECT_TRUE(w->Ready().ok());
  Append(*w, 1);
  EXPECT_EQ(w->log().head().seq, 1u);
}

TEST_F(AuditWriterTest, ARotationIsRecordedAndTheNewKeySignsFromThere) {
  auto before = Open(old_key_);
  Append(*before, 3);
  ASSERT_TRUE(before->Checkpoint().ok());
  before.reset();
  auto after = Open(new_key_, {old_key_.identity.public_key()});
  ASSERT_TRUE(after->health().ok()) << after->health();
  EXPECT_EQ(after->log().Get(4)->kind, AuditKind::kKeyRotation);
  Append(*after, 2);
  ASSERT_TRUE(after->Checkpoint().ok());
  AuditVerifyReport report;
  EXPECT_TRUE(after->Verify(&report).ok()) << report.problem;
  EXPECT_EQ(report.checkpoints, 2u);
}

TEST_F(AuditWriterTest, ARetiredKeyCannotSignForWhatCameAfterIt) {
  auto before = Open(old_key_);
  Append(*before, 3);
  before.reset();
  auto after = Open(new_key_, {old_key_.identity.public_key()});
  Append(*after, 2);
  ForgeCheckpoint(*after, old_key_);  // the old key, stolen, vouching for entry 6
  AuditVerifyReport report;
  EXPECT_THAT(after->Verify(&report), StatusIs(absl::StatusCode::kDataLoss, "entry 6"));
  EXPECT_THAT(report.problem, HasSubstr("not by " + new_key_.certificate.fingerprint.ToString()));
}

}  // namespace
}  // namespace cairn
