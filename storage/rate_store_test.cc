// Rate-limit admissions as a specification: written with their batch, read back by partner,
// grant and time, the old ones deleted as new ones arrive, surviving a reopen.
#include "storage/rate_store.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

constexpr Timestamp kDay = kMicrosPerDay;

class RateStoreTest : public ::testing::Test {
 protected:
  RateStoreTest() {
    options_.path = testing_util::FreshTestDir("rate_store");
    options_.sync = false;
    Reopen();
  }
  void Reopen() {
    store_.reset();
    db_.reset();
    db_ = Database::Open(options_).value();
    store_ = std::make_unique<RateStore>(db_.get());
  }
  void Admit(const std::string& partner, Timestamp at, Timestamp forget_before = 0) {
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(store_->Put(partner, "cbam", at, forget_before, &batch).ok());
    ASSERT_TRUE(db_->Write(&batch).ok());
  }
  std::vector<Timestamp> TimesOf(const std::string& partner, Timestamp since = 0) {
    std::vector<Timestamp> out;
    absl::StatusOr<std::vector<RateAdmission>> loaded = store_->Load(since);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) return out;
    for (const RateAdmission& a : *loaded) {
      if (a.partner == partner) {
        for (uint32_t i = 0; i < a.count; ++i) out.push_back(a.at);
      }
    }
    return out;
  }

  Database::Options options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RateStore> store_;
};

TEST_F(RateStoreTest, AdmissionsSurviveAReopen) {
  Admit("carmaker", 10 * kDay);
  Admit("carmaker", 10 * kDay + 5);
  Admit("oem", 10 * kDay + 1);
  Reopen();
  EXPECT_THAT(TimesOf("carmaker"), ElementsAre(10 * kDay, 10 * kDay + 5));
  EXPECT_THAT(TimesOf("oem"), ElementsAre(10 * kDay + 1));
}

TEST_F(RateStoreTest, TwoAdmissionsInTheSameMicrosecondBothCount) {
  Admit("carmaker", 10 * kDay);
  Admit("carmaker", 10 * kDay);
  EXPECT_THAT(TimesOf("carmaker"), ElementsAre(10 * kDay, 10 * kDay));
}

TEST_F(RateStoreTest, OldAdmissionsAreForgottenAndNotLoaded) {
  Admit("carmaker", 1 * kDay);
  Admit("carmaker", 3 * kDay, /*forget_before=*/2 * kDay);
  EXPECT_THAT(TimesOf("carmaker"), ElementsAre(3 * kDay));
  Admit("oem", 1 * kDay);
  EXPECT_THAT(TimesOf("oem", /*since=*/2 * kDay), IsEmpty());
}

TEST_F(RateStoreTest, AnAdmissionWhoseBatchIsNotWrittenIsNotStored) {
  rocksdb::WriteBatch lost;
  ASSERT_TRUE(store_->Put("carmaker", "cbam", kDay, 0, &lost).ok());
  EXPECT_THAT(TimesOf("carmaker"), IsEmpty());
}

}  // namespace
}  // namespace cairn
