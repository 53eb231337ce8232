#include "protocol/audit_kind.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

using Kind = proto::AuditEntry::Kind;

TEST(AuditKindTest, EveryKnownKindReadsBackAsItsStoredText) {
  for (absl::string_view text : {"query", "federated", "federated-request", "consortium-add",
                                 "policy-apply", "partner-add", "partner-revoke", "partner-allow", "key-rotation", "federated-counts"}) {
    EXPECT_NE(AuditKindOf(text), Kind::OTHER) << text;
    EXPECT_EQ(AuditKindText(AuditKindOf(text)), text);
  }
}

TEST(AuditKindTest, AnUnknownKindIsOtherWithNoText) {
  EXPECT_EQ(AuditKindOf("grant-renamed"), Kind::OTHER);
  EXPECT_EQ(AuditKindText(Kind::OTHER), "");
}

}  // namespace
}  // namespace cairn
