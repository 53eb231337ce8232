// The export format, golden: the two entries below are exported exactly as kGolden. Their
// hashes were computed independently (Python's hashlib over the encoding documented in
// storage/audit_entry.h; storage/audit_entry_test.cc checks the same two hashes), so an
// export is enough to re-verify the chain.
#include "tools/cairnctl/audit_json.h"

#include <string>

#include "crypto/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

constexpr Timestamp kMarch1Noon = 1772366400000000;  // 2026-03-01T12:00:00Z

std::string Unhex(absl::string_view hex) {
  std::string out;
  EXPECT_TRUE(HexDecode(hex, &out)) << hex;
  return out;
}

AuditEntryView Allowed() {
  AuditEntryView e;
  e.seq = 1;
  e.time = kMarch1Noon;
  e.partner = "carmaker";
  e.partner_fingerprint = "SHA256:ab12";
  e.request_hash = std::string("\x01\x02\x03\x04", 4);
  e.request_signature = "\xff\xfe";
  e.decision = AuditVerdict::ALLOWED;
  e.reason = "grant cbam-customer allows it";
  e.grant = "cbam-customer";
  e.policy_version = 3;
  e.epsilon_micros = 250000;
  e.result_hash = "\xaa\xbb";
  e.kind = AuditEntryKind::QUERY;
  e.kind_text = "query";
  e.prev_hash = std::string(32, '\0');
  e.hash = Unhex("fee7c5f1ad4d99a2f950021b9707d4f511ac87debc7f9f2764725b50bdd6d74c");
  return e;
}

AuditEntryView Denied() {
  AuditEntryView e = Allowed();
  e.seq = 2;
  e.time = kMarch1Noon + 1'500'000;
  e.request_hash = "\x05\x06";
  e.request_signature = "\x07";
  e.decision = AuditVerdict::DENIED;
  e.reason = "Größe < 5 records";
  e.epsilon_micros = 0;
  e.result_hash = "";
  e.prev_hash = Allowed().hash;
  e.hash = Unhex("0f6524dab5ccf43ad7f1864356b802d117437589e23d050be3dfc9e35e9f310b");
  return e;
}

constexpr char kGolden[] =
    R"({"seq":1,"time":"2026-03-01T12:00:00Z","time_micros":1772366400000000,)"
    R"("partner":"carmaker","partner_fingerprint":"SHA256:ab12","request_hash":"01020304",)"
    R"("request_signature":"fffe","decision":"allowed","reason":"grant cbam-customer allows it",)"
    R"("grant":"cbam-customer","policy_version":3,"epsilon_micros":250000,"result_hash":"aabb",)"
    R"("kind":"query",)"
    R"("prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",)"
    R"("hash":"fee7c5f1ad4d99a2f950021b9707d4f511ac87debc7f9f2764725b50bdd6d74c"})"
    "\n"
    R"({"seq":2,"time":"2026-03-01T12:00:01.5Z","time_micros":1772366401500000,)"
    R"("partner":"carmaker","partner_fingerprint":"SHA256:ab12","request_hash":"0506",)"
    R"("request_signature":"07","decision":"denied","reason":"Größe < 5 records",)"
    R"("grant":"cbam-customer","policy_version":3,"epsilon_micros":0,"result_hash":"",)"
    R"("kind":"query",)"
    R"("prev_hash":"fee7c5f1ad4d99a2f950021b9707d4f511ac87debc7f9f2764725b50bdd6d74c",)"
    R"("hash":"0f6524dab5ccf43ad7f1864356b802d117437589e23d050be3dfc9e35e9f310b"})"
    "\n";

TEST(AuditJsonTest, ExportMatchesTheGolden) {
  EXPECT_EQ(AuditEntryToJson(Allowed()) + "\n" + AuditEntryToJson(Denied()) + "\n", kGolden);
}

TEST(AuditJsonTest, AKindThisBuildDoesNotKnowIsWrittenAsStored) {
  AuditEntryView e = Allowed();
  e.kind = AuditEntryKind::OTHER;
  e.kind_text = "grant-renamed";
  EXPECT_THAT(AuditEntryToJson(e), ::testing::HasSubstr(R"("kind":"grant-renamed")"));
}

TEST(AuditJsonTest, InvalidUtf8FromADamagedDatabaseIsReplacedNotFatal) {
  AuditEntryView e = Allowed();
  e.reason = "bad \xff";
  EXPECT_THAT(AuditEntryToJson(e), ::testing::HasSubstr("\"reason\":\"bad \xEF\xBF\xBD\""));
}

}  // namespace
}  // namespace cairn
