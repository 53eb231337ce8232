#include "storage/database.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::IsSupersetOf;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { options_.path = FreshTestDir("db") + "/nested/dir"; }

  std::unique_ptr<Database> OpenOk() {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options_);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  void Put(Database& db, Family f, const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(db.handle(f), key, value);
    ASSERT_TRUE(db.Write(&batch).ok());
  }

  std::string Get(Database& db, Family f, const std::string& key) {
    std::string value;
    rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(), db.handle(f), key, &value);
    return s.ok() ? value : "<" + s.ToString() + ">";
  }

  Database::Options options_;
};

TEST_F(DatabaseTest, OpenCreatesTheDirectoryAndEveryFamily) {
  ASSERT_NE(OpenOk(), nullptr);
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), options_.path, &families).ok());
  EXPECT_THAT(families, IsSupersetOf({"meta", "records", "rollups", "partners", "policy", "ledger",
                                      "audit", "nonces", "federation"}));
}

TEST_F(DatabaseTest, ReopenKeepsWhatWasWritten) {
  {
    auto db = OpenOk();
    Put(*db, Family::kAudit, "k", "v");
  }
  auto db = OpenOk();
  EXPECT_EQ(Get(*db, Family::kAudit, "k"), "v");
}

TEST_F(DatabaseTest, DeferredWritesAreVisibleAtOnceAndSyncedTogether) {
  {
    auto db = OpenOk();
    for (const char* key : {"a", "b", "c"}) {
      rocksdb::WriteBatch batch;
      batch.Put(db->handle(Family::kAudit), key, "v");
      ASSERT_TRUE(db->WriteDeferred(&batch).ok());
      EXPECT_EQ(Get(*db, Family::kAudit, key), "v");
    }
    ASSERT_TRUE(db->SyncDeferred().ok());
    ASSERT_TRUE(db->SyncDeferred().ok());  // nothing new: no second sync
    EXPECT_EQ(db->deferred_syncs(), 1u);
    rocksdb::WriteBatch batch;
    batch.Put(db->handle(Family::kAudit), "d", "v");
    ASSERT_TRUE(db->WriteDeferred(&batch).ok());
    Put(*db, Family::kAudit, "e", "v");  // a synced write covers the deferred one before it
    ASSERT_TRUE(db->SyncDeferred().ok());
    EXPECT_EQ(db->deferred_syncs(), 1u);
    rocksdb::WriteBatch last;
    last.Put(db->handle(Family::kAudit), "f", "v");
    ASSERT_TRUE(db->WriteDeferred(&last).ok());
    ASSERT_TRUE(db->SyncDeferred().ok());
    EXPECT_EQ(db->deferred_syncs(), 2u);
  }
  auto db = OpenOk();
  for (const char* key : {"a", "b", "c", "d", "e", "f"}) {
    EXPECT_EQ(Get(*db, Family::kAudit, key), "v") << key;
  }
}

TEST_F(DatabaseTest, FamiliesAreSeparateKeySpaces) {
  auto db = OpenOk();
  Put(*db, Family::kLedger, "k", "ledger");
  Put(*db, Family::kNonces, "k", "nonce");
  EXPECT_EQ(Get(*db, Family::kLedger, "k"), "ledger");
  EXPECT_EQ(Get(*db, Family::kNonces, "k"), "nonce");
}

TEST_F(DatabaseTest, OneBatchSpansFamiliesAtomically) {
  auto db = OpenOk();
  rocksdb::WriteBatch batch;
  batch.Put(db->handle(Family::kLedger), "debit", "1");
  batch.Put(db->handle(Family::kAudit), "entry", "1");
  ASSERT_TRUE(db->Write(&batch).ok());
  EXPECT_EQ(Get(*db, Family::kLedger, "debit"), "1");
  EXPECT_EQ(Get(*db, Family::kAudit, "entry"), "1");
}

TEST_F(DatabaseTest, SecondOpenOfTheSamePathFailsClearly) {
  auto first = OpenOk();
  EXPECT_THAT(Database::Open(options_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is already open"));
}

TEST_F(DatabaseTest, OpenSucceedsAgainAfterTheHolderCloses) {
  OpenOk().reset();
  EXPECT_NE(OpenOk(), nullptr);
}

TEST_F(DatabaseTest, OpenFailsWhenThePathIsAFile) {
  options_.path = FreshTestDir("db_file");
  std::FILE* f = std::fopen(options_.path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_FALSE(Database::Open(options_).ok());
}

TEST_F(DatabaseTest, DiskBytesGrowWithData) {
  auto db = OpenOk();
  uint64_t before = db->DiskBytes();
  Put(*db, Family::kRecords, "key", std::string(100000, 'x'));
  EXPECT_GT(db->DiskBytes(), before + 50000);
}

TEST(FromRocksTest, MapsCodesAndKeepsContext) {
  EXPECT_TRUE(FromRocks(rocksdb::Status::OK(), "x").ok());
  EXPECT_THAT(FromRocks(rocksdb::Status::NotFound("k"), "reading"),
              StatusIs(absl::StatusCode::kNotFound, "reading: NotFound"));
  EXPECT_THAT(FromRocks(rocksdb::Status::Corruption("bad block"), "scanning"),
              StatusIs(absl::StatusCode::kDataLoss, "bad block"));
  EXPECT_THAT(FromRocks(rocksdb::Status::IOError("disk"), "writing"),
              StatusIs(absl::StatusCode::kInternal, "writing"));
}

}  // namespace
}  // namespace cairn
