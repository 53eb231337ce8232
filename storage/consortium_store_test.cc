#include "storage/consortium_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/testing.h"

namespace cairn {
namespace {

using testing_util::FreshTestDir;
using testing_util::StatusIs;

class ConsortiumStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = FreshTestDir("consortia");
    Reopen();
  }
  void Reopen() {
    store_.reset();
    db_.reset();
    Database::Options options;
    options.path = path_;
    db_ = *Database::Open(options);
    store_ = std::make_unique<ConsortiumStore>(db_.get());
  }
  void Put(const StoredRoster& roster) {
    rocksdb::WriteBatch batch;
    store_->PutRoster(roster, &batch);
    ASSERT_TRUE(db_->Write(&batch).ok());
  }
  void PutMemory(const std::string& consortium, const std::string& bytes) {
    rocksdb::WriteBatch batch;
    store_->PutMemory(consortium, bytes, &batch);
    ASSERT_TRUE(db_->Write(&batch).ok());
  }
  static StoredRoster Roster(std::string name, std::string text) {
    return StoredRoster{std::move(name), std::move(text), "roster.toml", 1000, "alice"};
  }

  std::string path_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ConsortiumStore> store_;
};

TEST_F(ConsortiumStoreTest, RostersSurviveARestartAndAReplacementKeepsOnlyTheLatest) {
  Put(Roster("steel-bench", "version = 1\n"));
  Put(Roster("alu-bench", "a"));
  Put(Roster("steel-bench", "version = 1\n# v2\n"));
  Reopen();
  std::vector<StoredRoster> rosters = *store_->Rosters();
  ASSERT_EQ(rosters.size(), 2u);
  EXPECT_EQ(rosters[0].consortium, "alu-bench");
  EXPECT_EQ(rosters[1].consortium, "steel-bench");
  EXPECT_EQ(rosters[1].text, "version = 1\n# v2\n");
  EXPECT_EQ(rosters[1].added_by, "alice");
  EXPECT_EQ(rosters[1].added_at, 1000);
}

TEST_F(ConsortiumStoreTest, MemoryIsKeptPerConsortiumAndBinarySafe) {
  EXPECT_EQ(*store_->Memory("steel-bench"), std::nullopt);
  std::string bytes("\0\1\2memory", 9);
  PutMemory("steel-bench", bytes);
  Reopen();
  EXPECT_EQ(*store_->Memory("steel-bench"), bytes);
  EXPECT_EQ(*store_->Memory("alu-bench"), std::nullopt);
  EXPECT_TRUE(store_->Rosters()->empty());  // memories are not rosters
}

TEST_F(ConsortiumStoreTest, ADamagedRosterRecordIsDataLoss) {
  EXPECT_THAT(DecodeStoredRoster("{\"consortium\": 3}"),
              StatusIs(absl::StatusCode::kDataLoss, "damaged"));
  EXPECT_THAT(DecodeStoredRoster("not json"), StatusIs(absl::StatusCode::kDataLoss, "damaged"));
  StoredRoster r = Roster("x", "text");
  EXPECT_EQ(DecodeStoredRoster(EncodeStoredRoster(r))->text, "text");
}

}  // namespace
}  // namespace cairn
