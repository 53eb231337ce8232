// The audit entry encoding is the auditors' contract: the hash of a fixed entry equals the
// value computed independently (Python's hashlib over the encoding written in
// audit_entry.h), decoding is exact, and text normalisation keeps the log valid UTF-8.
#include "storage/audit_entry.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/codec.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::StatusIs;

// 2026-03-01T12:00:00Z
constexpr Timestamp kMarch1Noon = 1772366400000000;

AuditEntry FirstEntry() {
  AuditEntry e;
  e.seq = 1;
  e.time = kMarch1Noon;
  e.partner = "carmaker";
  e.partner_fingerprint = "SHA256:ab12";
  e.request_hash = std::string("\x01\x02\x03\x04", 4);
  e.request_signature = "\xff\xfe";
  e.decision = AuditDecision::kAllowed;
  e.reason = "grant cbam-customer allows it";
  e.grant = "cbam-customer";
  e.policy_version = 3;
  e.epsilon_micros = 250000;
  e.result_hash = "\xaa\xbb";
  e.kind = AuditKind::kQuery;
  e.prev_hash = std::string(32, '\0');
  return e;
}

TEST(AuditEntryTest, HashMatchesAnIndependentImplementationOfTheDocumentedEncoding) {
  // python3: hashlib.sha256(b"cairn-audit-entry-v1" + u64(1) + i64(t) + str("carmaker") ...)
  EXPECT_EQ(HexEncode(AuditEntryHash(FirstEntry())),
            "fee7c5f1ad4d99a2f950021b9707d4f511ac87debc7f9f2764725b50bdd6d74c");
}

TEST(AuditEntryTest, TheSecondEntryOfTheExportGoldenHashesAsItSays) {
  // tools/cairnctl/audit_json_test.cc exports these two entries with these hashes.
  AuditEntry e = FirstEntry();
  e.seq = 2;
  e.time = kMarch1Noon + 1'500'000;
  e.request_hash = "\x05\x06";
  e.request_signature = "\x07";
  e.decision = AuditDecision::kDenied;
  e.reason = "Größe < 5 records";
  e.epsilon_micros = 0;
  e.result_hash = "";
  e.prev_hash = AuditEntryHash(FirstEntry());
  EXPECT_EQ(HexEncode(AuditEntryHash(e)),
            "0f6524dab5ccf43ad7f1864356b802d117437589e23d050be3dfc9e35e9f310b");
}

TEST(AuditEntryTest, EncodingStartsWithTheDomainTagAndFieldsInOrder) {
  std::string bytes = EncodeAuditEntry(FirstEntry());
  EXPECT_EQ(bytes.substr(0, 20), "cairn-audit-entry-v1");
  EXPECT_EQ(bytes.substr(20, 8), std::string("\0\0\0\0\0\0\0\x01", 8));  // u64(seq)
  EXPECT_EQ(bytes.substr(36, 12), std::string("\0\0\0\x08", 4) + "carmaker");
}

TEST(AuditEntryTest, DecodeInvertsEncode) {
  AuditEntry decoded;
  ASSERT_TRUE(DecodeAuditEntry(EncodeAuditEntry(FirstEntry()), &decoded).ok());
  EXPECT_EQ(decoded, FirstEntry());
}

TEST(AuditEntryTest, EveryFieldChangesTheHash) {
  const std::string base = AuditEntryHash(FirstEntry());
  auto changed = [&](auto mutate) {
    AuditEntry e = FirstEntry();
    mutate(e);
    return AuditEntryHash(e);
  };
  EXPECT_NE(changed([](AuditEntry& e) { e.seq = 2; }), base);
  EXPECT_NE(changed([](AuditEntry& e) { e.time += 1; }), base);
  EXPECT_NE(changed([](AuditEntry& e) { e.decision = AuditDecision::kDenied; }), base);
  EXPECT_NE(changed([](AuditEntry& e) { e.epsilon_micros = 250001; }), base);
  EXPECT_NE(changed([](AuditEntry& e) { e.policy_version = 4; }), base);
  EXPECT_NE(changed([](AuditEntry& e) { e.prev_hash[31] = 1; }), base);
  // Moving bytes between adjacent fields is not the same entry (length prefixes).
  EXPECT_NE(changed([](AuditEntry& e) {
              e.partner = "carmake";
              e.partner_fingerprint = "rSHA256:ab12";
            }),
            base);
}

TEST(AuditEntryTest, DecodeRejectsTruncatedOrTrailingBytes) {
  std::string bytes = EncodeAuditEntry(FirstEntry());
  AuditEntry e;
  EXPECT_THAT(DecodeAuditEntry(bytes.substr(0, bytes.size() - 1), &e),
              StatusIs(absl::StatusCode::kInvalidArgument, "truncated"));
  EXPECT_THAT(DecodeAuditEntry(bytes + "x", &e),
              StatusIs(absl::StatusCode::kInvalidArgument, "trailing"));
  EXPECT_THAT(DecodeAuditEntry("cairn-audit-checkpoint-v1", &e),
              StatusIs(absl::StatusCode::kInvalidArgument, "tag"));
}

TEST(AuditEntryTest, DecodeRejectsAnUnknownDecision) {
  std::string bytes = EncodeAuditEntry(FirstEntry());
  size_t at = bytes.find("allowed");
  bytes.replace(at, 7, "allowex");
  AuditEntry e;
  EXPECT_THAT(DecodeAuditEntry(bytes, &e),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown decision 'allowex'"));
}

TEST(AuditEntryTest, DecodeRejectsAnUnknownKind) {
  std::string bytes = EncodeAuditEntry(FirstEntry());
  size_t at = bytes.rfind("query");
  bytes.replace(at, 5, "quest");
  AuditEntry e;
  EXPECT_THAT(DecodeAuditEntry(bytes, &e),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown entry kind 'quest'"));
}

TEST(AuditEntryTest, EveryKindReadsBackUnderItsName) {
  for (AuditKind kind : {AuditKind::kQuery, AuditKind::kFederated, AuditKind::kFederatedCounts,
                         AuditKind::kFederatedRequest,
                         AuditKind::kPolicyApply, AuditKind::kPartnerAdd, AuditKind::kPartnerRevoke,
                         AuditKind::kPartnerAllow, AuditKind::kConsortiumAdd, AuditKind::kKeyRotation}) {
    EXPECT_EQ(ParseAuditKind(AuditKindName(kind)), kind) << AuditKindName(kind);
  }
}

TEST(NormalizeAuditTextTest, ValidShortTextIsUnchanged) {
  EXPECT_EQ(NormalizeAuditText("Größe < 5 — refused"), "Größe < 5 — refused");
}

TEST(NormalizeAuditTextTest, InvalidSequencesBecomeReplacementCharacters) {
  EXPECT_EQ(NormalizeAuditText("a\xff"
                               "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(NormalizeAuditText("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(NormalizeAuditText("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                      // surrogate
  EXPECT_EQ(NormalizeAuditText("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST(NormalizeAuditTextTest, LongTextIsCutAtACharacterBoundary) {
  std::string text = "ab" + std::string(10, '\0') + "\xC3\xA9\xC3\xA9\xC3\xA9";  // 2+10+6 bytes
  EXPECT_EQ(NormalizeAuditText(text, 18), text);
  // At 16 bytes, 13 may be kept before "...", but byte 13 is inside the first é: keep 12.
  EXPECT_EQ(NormalizeAuditText(text, 16), text.substr(0, 12) + "...");
  EXPECT_EQ(NormalizeAuditText(text, 17), text.substr(0, 14) + "...");
}

}  // namespace
}  // namespace cairn
