// The privacy ledger as a specification: budget debits, released answers and differencing
// footprints survive a restart and restore the protections they carry (a spent budget stays
// spent, a differencing query refused before the restart is refused after it); released
// answers are found only under their exact key; every table is bounded; a batch that is not
// written leaves nothing behind.
#include "storage/ledger_store.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::Optional;

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

MATCHER_P(HasBytes, bytes, "") { return arg.bytes == bytes; }

class LedgerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_options_.path = FreshTestDir("ledger");
    db_options_.sync = false;
    Reopen();
  }

  void Reopen() {
    store_.reset();
    db_.reset();
    db_ = Database::Open(db_options_).value();
    store_ = LedgerStore::Open(db_.get(), options_).value();
  }

  // Writes `batch` and tells the store.
  void Commit(rocksdb::WriteBatch& batch) {
    ASSERT_TRUE(db_->Write(&batch).ok());
    store_->Stage().Committed();
  }

  static ReleasedKey Key(std::string query, std::string partner = "oem",
                         std::string grant = "benchmark", std::string digest = "digest-v1") {
    return ReleasedKey{std::move(partner), std::move(grant), std::move(digest), std::move(query)};
  }
  absl::Status Release(const ReleasedKey& key, const std::string& answer) {
    rocksdb::WriteBatch batch;
    absl::Status s = store_->PutReleased(key, answer, T("2026-03-01"), &batch);
    if (s.ok()) Commit(batch);
    return s;
  }
  std::optional<std::string> Find(const ReleasedKey& key) {
    std::optional<ReleasedAnswer> a = store_->FindReleased(key).value();
    if (!a) return std::nullopt;
    return a->bytes;
  }

  Database::Options db_options_;
  LedgerStore::Options options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<LedgerStore> store_;
};

// ---- Budget accounts.

Grant PrivateGrant() {
  Grant g;
  g.name = "benchmark";
  g.release = Release::kProtected;
  PrivacySpec p;
  p.epsilon_micros = 250'000;
  p.budget_micros = 1'000'000;
  p.period = Granularity::kMonth;
  g.privacy = p;
  return g;
}

TEST_F(LedgerStoreTest, ASpentBudgetStaysSpentAcrossARestart) {
  const Grant grant = PrivateGrant();
  const Timestamp now = T("2026-03-10");
  BudgetLedger ledger;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ledger.Spend("oem", grant, 250'000, now).ok());
    rocksdb::WriteBatch batch;
    for (const BudgetLedger::Account& a : ledger.Accounts()) {
      ASSERT_TRUE(store_->PutAccount(a, &batch).ok());
    }
    Commit(batch);
  }
  Reopen();
  BudgetLedger restarted;
  std::vector<BudgetLedger::Account> accounts = store_->LoadAccounts().value();
  for (const BudgetLedger::Account& a : accounts) restarted.Restore(a);
  EXPECT_EQ(restarted.State("oem", grant, now).spent_micros, 1'000'000);
  EXPECT_THAT(restarted.Check("oem", grant, 250'000, now),
              StatusIs(absl::StatusCode::kResourceExhausted, "used up"));
}

TEST_F(LedgerStoreTest, AccountsRoundTripOneRowPerPartnerAndGrant) {
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(store_->PutAccount({"oem", "benchmark", T("2026-02-01"), 100}, &batch).ok());
  ASSERT_TRUE(
      store_->PutAccount({"oem", "benchmark", T("2026-03-01"), 200}, &batch).ok());  // replaces
  ASSERT_TRUE(store_->PutAccount({"acme", "benchmark", T("2026-03-01"), 300}, &batch).ok());
  Commit(batch);
  std::vector<BudgetLedger::Account> accounts = store_->LoadAccounts().value();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].partner, "acme");
  EXPECT_EQ(accounts[0].spent_micros, 300);
  EXPECT_EQ(accounts[1].partner, "oem");
  EXPECT_EQ(accounts[1].period_start, T("2026-03-01"));
  EXPECT_EQ(accounts[1].spent_micros, 200);
}

TEST_F(LedgerStoreTest, ADebitWhoseBatchIsNotWrittenIsNotLoaded) {
  rocksdb::WriteBatch lost;
  ASSERT_TRUE(store_->PutAccount({"oem", "benchmark", T("2026-03-01"), 250'000}, &lost).ok());
  { LedgerStore::StagedWrite not_written = store_->Stage(); }
  EXPECT_TRUE(store_->LoadAccounts()->empty());
}

TEST_F(LedgerStoreTest, AMalformedAccountRowIsDataLoss) {
  ASSERT_TRUE(db_->db()
                  ->Put(rocksdb::WriteOptions(), db_->handle(Family::kLedger),
                        std::string("a\0\0\0\x03oem", 8), "short")
                  .ok());
  EXPECT_THAT(store_->LoadAccounts(), StatusIs(absl::StatusCode::kDataLoss, "budget account"));
}

// ---- Released answers.

TEST_F(LedgerStoreTest, AReleasedAnswerIsFoundByItsKeyAndSurvivesReopen) {
  ASSERT_TRUE(Release(Key("sum energy 2026-Q1"), "answer-1").ok());
  Reopen();
  absl::StatusOr<std::optional<ReleasedAnswer>> found =
      store_->FindReleased(Key("sum energy 2026-Q1"));
  ASSERT_TRUE(found.ok());
  EXPECT_THAT(*found, Optional(HasBytes("answer-1")));
  EXPECT_EQ((*found)->released_at, T("2026-03-01"));
}

TEST_F(LedgerStoreTest, AnAnswerIsNotFoundUnderAnyOtherKey) {
  ASSERT_TRUE(Release(Key("q"), "answer").ok());
  EXPECT_EQ(Find(Key("q", "other-oem")), std::nullopt);
  EXPECT_EQ(Find(Key("q", "oem", "other-grant")), std::nullopt);
  EXPECT_EQ(Find(Key("q", "oem", "benchmark", "digest-v2")), std::nullopt);  // grant edited
  EXPECT_EQ(Find(Key("q2")), std::nullopt);
  EXPECT_EQ(Find(Key("q")), "answer");
}

TEST_F(LedgerStoreTest, KeyPartsCannotBeShiftedIntoEachOther) {
  ASSERT_TRUE(Release(Key("q", "oem", "bench"), "answer").ok());
  EXPECT_EQ(Find(Key("q", "oemb", "ench")), std::nullopt);
  EXPECT_EQ(Find(Key("1q", "oem", "bench", "digest-v")), std::nullopt);
}

TEST_F(LedgerStoreTest, AtTheCapTheOldestAnswerIsEvicted) {
  options_.max_released_per_grant = 3;
  Reopen();
  for (const char* q : {"q1", "q2", "q3", "q4"}) ASSERT_TRUE(Release(Key(q), q).ok());
  EXPECT_EQ(Find(Key("q1")), std::nullopt);
  EXPECT_EQ(Find(Key("q2")), "q2");
  EXPECT_EQ(Find(Key("q4")), "q4");
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 3u);
  Reopen();
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 3u);
  ASSERT_TRUE(Release(Key("q5"), "q5").ok());
  EXPECT_EQ(Find(Key("q2")), std::nullopt);
  EXPECT_EQ(Find(Key("q3")), "q3");
}

TEST_F(LedgerStoreTest, TheCapIsPerPartnerAndGrant) {
  options_.max_released_per_grant = 1;
  Reopen();
  ASSERT_TRUE(Release(Key("q", "oem"), "a").ok());
  ASSERT_TRUE(Release(Key("q", "acme"), "b").ok());
  ASSERT_TRUE(Release(Key("q", "oem", "other-grant"), "c").ok());
  EXPECT_EQ(Find(Key("q", "oem")), "a");
  EXPECT_EQ(Find(Key("q", "acme")), "b");
}

TEST_F(LedgerStoreTest, EvictionWithinOneBatchTakesEachOldAnswerOnce) {
  options_.max_released_per_grant = 2;
  Reopen();
  ASSERT_TRUE(Release(Key("q1"), "1").ok());
  ASSERT_TRUE(Release(Key("q2"), "2").ok());
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(store_->PutReleased(Key("q3"), "3", 0, &batch).ok());
  ASSERT_TRUE(store_->PutReleased(Key("q4"), "4", 0, &batch).ok());
  EXPECT_THAT(store_->PutReleased(Key("q5"), "5", 0, &batch),
              StatusIs(absl::StatusCode::kResourceExhausted, "cap of 2"));
  Commit(batch);
  EXPECT_EQ(Find(Key("q1")), std::nullopt);
  EXPECT_EQ(Find(Key("q2")), std::nullopt);
  EXPECT_EQ(Find(Key("q3")), "3");
  EXPECT_EQ(Find(Key("q4")), "4");
  EXPECT_EQ(Find(Key("q5")), std::nullopt);
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 2u);
}

TEST_F(LedgerStoreTest, ReplacingAnAnswerKeepsTheCountAndRenewsItsAge) {
  options_.max_released_per_grant = 2;
  Reopen();
  ASSERT_TRUE(Release(Key("q1"), "old").ok());
  ASSERT_TRUE(Release(Key("q2"), "2").ok());
  ASSERT_TRUE(Release(Key("q1"), "new").ok());
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 2u);
  ASSERT_TRUE(Release(Key("q3"), "3").ok());  // evicts q2, now the oldest
  EXPECT_EQ(Find(Key("q1")), "new");
  EXPECT_EQ(Find(Key("q2")), std::nullopt);
}

TEST_F(LedgerStoreTest, AReplacementAndAnEvictionInOneBatchDoNotCollide) {
  options_.max_released_per_grant = 2;
  Reopen();
  ASSERT_TRUE(Release(Key("q1"), "old").ok());
  ASSERT_TRUE(Release(Key("q2"), "2").ok());
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(store_->PutReleased(Key("q1"), "new", 0, &batch).ok());  // q1 is no longer oldest
  ASSERT_TRUE(store_->PutReleased(Key("q3"), "3", 0, &batch).ok());    // evicts q2
  Commit(batch);
  EXPECT_EQ(Find(Key("q1")), "new");
  EXPECT_EQ(Find(Key("q2")), std::nullopt);
  EXPECT_EQ(Find(Key("q3")), "3");
  Reopen();
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 2u);
}

TEST_F(LedgerStoreTest, AnAnswerWhoseBatchIsNotWrittenLeavesNothing) {
  rocksdb::WriteBatch lost;
  ASSERT_TRUE(store_->PutReleased(Key("q"), "answer", 0, &lost).ok());
  { LedgerStore::StagedWrite not_written = store_->Stage(); }
  EXPECT_EQ(Find(Key("q")), std::nullopt);
  EXPECT_EQ(store_->ReleasedCount("oem", "benchmark"), 0u);
  ASSERT_TRUE(Release(Key("q"), "again").ok());  // the same key may be put in a new batch
  EXPECT_EQ(Find(Key("q")), "again");
}

TEST_F(LedgerStoreTest, OversizedAnswersAndDoublePutsAreRefused) {
  options_.max_answer_bytes = 4;
  Reopen();
  rocksdb::WriteBatch batch;
  EXPECT_THAT(store_->PutReleased(Key("q"), "12345", 0, &batch),
              StatusIs(absl::StatusCode::kResourceExhausted, "exceeds the limit of 4"));
  ASSERT_TRUE(store_->PutReleased(Key("q"), "1234", 0, &batch).ok());
  EXPECT_THAT(store_->PutReleased(Key("q"), "1234", 0, &batch),
              StatusIs(absl::StatusCode::kFailedPrecondition, "once per batch"));
  EXPECT_EQ(batch.Count(), 2u);  // the answer and its age-index row only
}

// ---- Differencing footprints.

// The data set of policy/differencing_test.cc: series 1-4 have a record every day of 2026-Q1;
// series 5 (a small product) has two records.
class FootprintTest : public LedgerStoreTest {
 protected:
  FootprintTest() {
    for (FootprintSeries s : {1, 2, 3, 4}) {
      for (Timestamp t = T("2026-01-01"); t < T("2026-04-01"); t += kMicrosPerDay) {
        records_[s].push_back(t);
      }
    }
    records_[5] = {T("2026-02-10T08:00:00Z"), T("2026-03-03T08:00:00Z")};
    grant_.name = "supplier-totals";
    grant_.min_records = 5;
    grant_.min_series = 2;
    counter_ = [this](const Region& region) -> absl::StatusOr<RegionCount> {
      RegionCount n;
      std::set<FootprintSeries> seen;
      for (const Footprint& box : region) {
        for (FootprintSeries s : box.series) {
          for (Timestamp t : records_[s]) {
            if (t >= box.from && t < box.to) {
              ++n.records;
              seen.insert(s);
            }
          }
        }
      }
      n.series = seen.size();
      return n;
    };
  }

  static Footprint Q1(std::vector<FootprintSeries> series) {
    return Footprint{std::move(series), T("2026-01-01"), T("2026-04-01")};
  }
  // What the daemon does per query: check, then record in memory and in the same batch.
  absl::Status Release(std::vector<Footprint> groups) {
    CAIRN_RETURN_IF_ERROR(guard_.Check("oem", grant_, groups, counter_));
    rocksdb::WriteBatch batch;
    absl::Status s = store_->PutFootprints("oem", grant_.name, groups, &batch);
    if (!s.ok()) return s;
    Commit(batch);
    guard_.Record("oem", grant_, std::move(groups));
    return absl::OkStatus();
  }
  // A daemon restart: a fresh guard, loaded from a reopened store.
  void Restart() {
    Reopen();
    guard_ = DifferencingGuard();
    ASSERT_TRUE(store_->LoadFootprints(&guard_).ok());
  }

  std::map<FootprintSeries, std::vector<Timestamp>> records_;
  Grant grant_;
  RegionCounter counter_;
  DifferencingGuard guard_;
};

TEST_F(FootprintTest, ADifferencingQueryRefusedBeforeARestartIsRefusedAfterIt) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());  // products P1, P2, P3
  const std::vector<Footprint> without_p3 = {Q1({1, 2, 3, 4})};
  ASSERT_EQ(guard_.Check("oem", grant_, without_p3, counter_).code(),
            absl::StatusCode::kPermissionDenied);
  Restart();
  EXPECT_EQ(guard_.Remembered("oem", grant_.name), 1u);
  EXPECT_EQ(guard_.Check("oem", grant_, without_p3, counter_).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(FootprintTest, WithoutTheStoredFootprintsTheSameQueryWouldPass) {
  // The negative control for the test above: the refusal comes from what was loaded.
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  Reopen();
  DifferencingGuard forgetful;
  EXPECT_TRUE(forgetful.Check("oem", grant_, {Q1({1, 2, 3, 4})}, counter_).ok());
}

TEST_F(FootprintTest, FootprintsRoundTripExactlyInRecordingOrder) {
  ASSERT_TRUE(Release({Q1({1, 2}), Q1({3, 4})}).ok());
  ASSERT_TRUE(Release({Footprint{{1, 2, 3, 4}, T("2026-01-01"), T("2026-02-01")}}).ok());
  std::vector<DifferencingGuard::RememberedQuery> before = guard_.Export();
  Restart();
  std::vector<DifferencingGuard::RememberedQuery> after = guard_.Export();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].partner, before[i].partner);
    EXPECT_EQ(after[i].grant, before[i].grant);
    EXPECT_EQ(after[i].groups, before[i].groups);
  }
}

TEST_F(FootprintTest, FootprintsBeyondTheCapAreRefused) {
  options_.max_footprints_per_grant = 3;
  Reopen();
  ASSERT_TRUE(Release({Q1({1}), Q1({2})}).ok());
  EXPECT_THAT(Release({Q1({3}), Q1({4})}),
              StatusIs(absl::StatusCode::kResourceExhausted, "would exceed 3"));
  Reopen();  // the count is rebuilt from disk
  EXPECT_EQ(store_->FootprintCount("oem", grant_.name), 2u);
  EXPECT_TRUE(Release({Q1({3})}).ok());
}

TEST_F(FootprintTest, ForgottenFootprintsStayForgottenAfterARestart) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(store_->ForgetFootprints("oem", grant_.name, &batch).ok());
  Commit(batch);
  EXPECT_EQ(store_->FootprintCount("oem", grant_.name), 0u);
  Restart();
  EXPECT_EQ(guard_.Remembered("oem", grant_.name), 0u);
}

TEST_F(FootprintTest, FootprintsWhoseBatchIsNotWrittenAreNotCounted) {
  options_.max_footprints_per_grant = 1;
  Reopen();
  rocksdb::WriteBatch lost;
  ASSERT_TRUE(store_->PutFootprints("oem", grant_.name, {Q1({1})}, &lost).ok());
  { LedgerStore::StagedWrite not_written = store_->Stage(); }
  EXPECT_TRUE(Release({Q1({2})}).ok());
}

TEST_F(FootprintTest, UnsortedSeriesAreRefused) {
  rocksdb::WriteBatch batch;
  EXPECT_THAT(store_->PutFootprints("oem", grant_.name, {Q1({2, 1})}, &batch),
              StatusIs(absl::StatusCode::kInvalidArgument, "sorted"));
  EXPECT_EQ(batch.Count(), 0u);
}

}  // namespace
}  // namespace cairn
