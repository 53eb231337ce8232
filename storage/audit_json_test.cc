// The export format, golden: two entries appended to a fresh log are exported exactly as
// below. The hashes in the golden text were computed independently (Python's hashlib over the
// encoding documented in audit_entry.h), so the export is enough to re-verify the chain.
#include "storage/audit_json.h"

#include <memory>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;

constexpr Timestamp kMarch1Noon = 1772366400000000;  // 2026-03-01T12:00:00Z

class AuditJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database::Options options;
    options.path = FreshTestDir("audit_json");
    options.sync = false;
    db_ = Database::Open(options).value();
    log_ = AuditLog::Open(db_.get()).value();
  }

  void Append(const AuditEntry& e) {
    rocksdb::WriteBatch batch;
    AuditLog::Receipt r = log_->Prepare(e, &batch).value();
    ASSERT_TRUE(db_->Write(&batch).ok());
    ASSERT_TRUE(log_->Committed(r).ok());
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> log_;
};

AuditEntry Allowed() {
  AuditEntry e;
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
  return e;
}

AuditEntry Denied() {
  AuditEntry e = Allowed();
  e.time = kMarch1Noon + 1'500'000;
  e.request_hash = "\x05\x06";
  e.request_signature = "\x07";
  e.decision = AuditDecision::kDenied;
  e.reason = "Größe < 5 records";
  e.epsilon_micros = 0;
  e.result_hash = "";
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

TEST_F(AuditJsonTest, ExportMatchesTheGolden) {
  Append(Allowed());
  Append(Denied());
  std::ostringstream out;
  ASSERT_TRUE(ExportAuditJsonLines(*log_, 1, out).ok());
  EXPECT_EQ(out.str(), kGolden);
}

TEST_F(AuditJsonTest, ExportStartsAtTheGivenSeq) {
  Append(Allowed());
  Append(Denied());
  std::ostringstream out;
  ASSERT_TRUE(ExportAuditJsonLines(*log_, 2, out).ok());
  EXPECT_EQ(out.str(), std::string(kGolden).substr(std::string(kGolden).find("{\"seq\":2")));
}

TEST(AuditCheckpointJsonTest, FieldsByNameBytesInHex) {
  AuditCheckpoint c{7, std::string(2, '\x11'), kMarch1Noon, "\x01\x02", "\xab"};
  EXPECT_EQ(AuditCheckpointToJson(c),
            R"({"checkpoint_seq":7,"head_hash":"1111","time":"2026-03-01T12:00:00Z",)"
            R"("time_micros":1772366400000000,"public_key":"0102","signature":"ab"})");
}

TEST(AuditEntryJsonTest, InvalidUtf8FromADamagedDatabaseIsReplacedNotFatal) {
  AuditEntry e = Allowed();
  e.reason = "bad \xff";
  EXPECT_THAT(AuditEntryToJson(e), ::testing::HasSubstr("\"reason\":\"bad \xEF\xBF\xBD\""));
}

}  // namespace
}  // namespace cairn
