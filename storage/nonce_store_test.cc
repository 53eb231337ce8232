#include "storage/nonce_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cairn {
namespace {

class NonceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    db_.reset();
    Database::Options options;
    options.path = std::string(getenv("TEST_TMPDIR")) + "/nonces_" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name();
    db_ = *Database::Open(options);
    nonces_ = std::make_unique<NonceStore>(db_.get());
  }
  void Remember(const std::string& who, const std::string& nonce, Timestamp at) {
    rocksdb::WriteBatch batch;
    nonces_->Remember(who, nonce, at, &batch);
    ASSERT_TRUE(db_->Write(&batch).ok());
  }
  bool Seen(const std::string& who, const std::string& nonce, Timestamp at) {
    return *nonces_->Seen(who, nonce, at);
  }
  std::unique_ptr<Database> db_;
  std::unique_ptr<NonceStore> nonces_;
};

TEST_F(NonceStoreTest, RememberedNonceIsSeenAfterRestart) {
  EXPECT_FALSE(Seen("alice", "n1", 1000));
  Remember("alice", "n1", 1000);
  Reopen();
  EXPECT_TRUE(Seen("alice", "n1", 1000));
  EXPECT_FALSE(Seen("bob", "n1", 1000));
  EXPECT_FALSE(Seen("alice", "n2", 1000));
}

TEST_F(NonceStoreTest, PruneForgetsOnlyOlderRequests) {
  Remember("alice", "old", -5);
  Remember("alice", "old2", 999);
  Remember("alice", "new", 1000);
  ASSERT_TRUE(nonces_->Prune(1000).ok());
  EXPECT_FALSE(Seen("alice", "old", -5));
  EXPECT_FALSE(Seen("alice", "old2", 999));
  EXPECT_TRUE(Seen("alice", "new", 1000));
}

}  // namespace
}  // namespace cairn
