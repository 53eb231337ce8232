#include "storage/partner_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace cairn {
namespace {

using ::testing::HasSubstr;

class PartnerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    db_.reset();
    Database::Options options;
    options.path = std::string(getenv("TEST_TMPDIR")) + "/partners_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = *Database::Open(options);
    store_ = *PartnerStore::Open(db_.get());
  }
  static Partner Make(const std::string& name, const std::string& fp) {
    Partner p;
    p.name = name;
    p.fingerprint = fp;
    p.display_name = "Display " + name;
    p.certificate_pem = "PEM";
    p.endpoint = "127.0.0.1:7443";
    p.added_at = 5;
    return p;
  }
  // A change as the daemon makes it: staged, written, then applied.
  template <typename Change>
  absl::Status Write(Change change) {
    rocksdb::WriteBatch batch;
    absl::StatusOr<Partner> changed = change(&batch);
    if (!changed.ok()) return changed.status();
    absl::Status written = db_->Write(&batch);
    if (written.ok()) store_->Apply(*changed);
    return written;
  }
  absl::Status Add(Partner p) {
    return Write([&](rocksdb::WriteBatch* b) { return store_->Add(p, b); });
  }
  absl::Status Revoke(const std::string& name, Timestamp now) {
    return Write([&](rocksdb::WriteBatch* b) { return store_->Revoke(name, now, b); });
  }
  absl::Status Allow(const std::string& name, std::vector<std::string> metrics) {
    return Write(
        [&](rocksdb::WriteBatch* b) { return store_->SetAllowedMetrics(name, metrics, b); });
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<PartnerStore> store_;
};

TEST_F(PartnerStoreTest, AChangeWhoseBatchIsNotWrittenIsNeitherVisibleNorStored) {
  rocksdb::WriteBatch lost;
  ASSERT_TRUE(store_->Add(Make("acme", "ed25519:aaa"), &lost).ok());
  EXPECT_FALSE(store_->Find("acme").has_value());
  Reopen();
  EXPECT_FALSE(store_->Find("acme").has_value());
}

TEST_F(PartnerStoreTest, AddFindAndSurviveReopen) {
  ASSERT_TRUE(Add(Make("acme", "ed25519:aaa")).ok());
  Reopen();
  ASSERT_TRUE(store_->Find("acme").has_value());
  EXPECT_EQ(store_->Find("acme")->endpoint, "127.0.0.1:7443");
  EXPECT_EQ(store_->FindActiveByFingerprint("ed25519:aaa")->name, "acme");
}

TEST_F(PartnerStoreTest, NameAndKeyAreUniqueAmongActivePartners) {
  ASSERT_TRUE(Add(Make("acme", "ed25519:aaa")).ok());
  EXPECT_EQ(Add(Make("acme", "ed25519:bbb")).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(Add(Make("other", "ed25519:aaa")).message(),
              HasSubstr("already registered as partner 'acme'"));
}

TEST_F(PartnerStoreTest, RevokedPartnerIsKeptButNoLongerTrusted) {
  ASSERT_TRUE(Add(Make("acme", "ed25519:aaa")).ok());
  ASSERT_TRUE(Revoke("acme", 99).ok());
  Reopen();
  EXPECT_FALSE(store_->FindActiveByFingerprint("ed25519:aaa").has_value());
  ASSERT_TRUE(store_->Find("acme").has_value());
  EXPECT_EQ(*store_->Find("acme")->revoked_at, 99);
  EXPECT_TRUE(store_->Active().empty());
  EXPECT_EQ(Revoke("acme", 100).code(), absl::StatusCode::kFailedPrecondition);
  // The name may be registered again with a new key.
  EXPECT_TRUE(Add(Make("acme", "ed25519:ccc")).ok());
  EXPECT_TRUE(store_->Find("acme")->active());
}

TEST_F(PartnerStoreTest, RejectsBadNamesAndUnknownPartners) {
  EXPECT_EQ(Add(Make("Acme Steel", "ed25519:a")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Revoke("nobody", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Allow("nobody", {"energy"}).code(), absl::StatusCode::kNotFound);
}

TEST_F(PartnerStoreTest, AllowedMetricsAreSortedAndUnique) {
  ASSERT_TRUE(Add(Make("acme", "ed25519:aaa")).ok());
  ASSERT_TRUE(Allow("acme", {"water", "energy", "water"}).ok());
  EXPECT_EQ(store_->Find("acme")->allowed_metrics, (std::vector<std::string>{"energy", "water"}));
}

TEST(PartnerRecord, CorruptBytesAreDataLoss) {
  EXPECT_EQ(DecodePartner("{not json").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodePartner("{\"name\": 3}").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn
