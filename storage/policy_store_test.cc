// Policy versions as a specification: no policy denies everything; each apply is a new
// version that exists only once its batch is written; history names the grants added,
// removed and changed; RemoveGrant produces the text without one grant and leaves the
// others' definitions (digests) unchanged; everything survives reopening. Whether a text is a
// valid policy is the caller's question (the daemon's steward validates before it applies).
#include "storage/policy_store.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/codec.h"
#include "storage/testing.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FreshTestDir;
using ::cairn::testing_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr Timestamp kMarch1 = 1772323200000000;  // 2026-03-01T00:00:00Z

constexpr char kVersion1[] = R"toml(
version = 1

[groups]
consortium = ["acme-steel", "beta-metal", "gamma-cast"]

# The customer's contract.
[[grant]]
name = "cbam-customer"
partner = "carmaker"
purpose = "CBAM reporting"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
group_tags = ["product"]
finest = "quarter"

[[grant]]
name = "energy-benchmark"
group = "consortium"
purpose = "energy benchmark"
release = "protected"
metrics = ["energy"]
aggregates = ["sum", "mean"]
finest = "month"
min_records = 20

  [grant.privacy]
  epsilon = 0.25
  budget = 2.0
  period = "quarter"
  clamp.energy = { lo = 0.0, hi = 50000.0, resolution = 1.0 }
)toml";

// cbam-customer removed, energy-benchmark's epsilon changed, a new grant and a deny rule.
constexpr char kVersion2[] = R"toml(
version = 1

[groups]
consortium = ["acme-steel", "beta-metal", "gamma-cast"]

[[grant]]
name = "energy-benchmark"
group = "consortium"
purpose = "energy benchmark"
release = "protected"
metrics = ["energy"]
aggregates = ["sum", "mean"]
finest = "month"
min_records = 20

  [grant.privacy]
  epsilon = 0.5
  budget = 2.0
  period = "quarter"
  clamp.energy = { lo = 0.0, hi = 50000.0, resolution = 1.0 }

[[grant]]
name = "mass-report"
partner = "carmaker"
purpose = "output mass"
release = "exact"
metrics = ["output_mass"]
aggregates = ["sum"]
finest = "year"

[[deny]]
name = "no-batch-figures"
reason = "batch-level figures are never shared"
tags = ["batch"]
)toml";

// Version 2 rewritten: comments, key order and layout differ, the values do not.
constexpr char kVersion2Reformatted[] = R"toml(
# Reformatted by hand.
version = 1
groups = { consortium = ["acme-steel", "beta-metal", "gamma-cast"] }

[[grant]]
purpose = "energy benchmark"
name = "energy-benchmark"
release = "protected"
group = "consortium"
metrics = [ "energy" ]
aggregates = ["sum", "mean"]
min_records = 20
finest = "month"
privacy = { epsilon = 0.5, budget = 2.0, period = "quarter", clamp = { energy = { lo = 0.0, hi = 50000.0, resolution = 1.0 } } }

[[grant]]
name = "mass-report"
finest = "year"
partner = "carmaker"
aggregates = ["sum"]
purpose = "output mass"
metrics = ["output_mass"]
release = "exact"

[[deny]]
tags = ["batch"]
name = "no-batch-figures"
reason = "batch-level figures are never shared"
)toml";

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = FreshTestDir("policy_store");
    options_.sync = false;
    Reopen();
  }
  void Reopen() {
    store_.reset();
    db_.reset();
    db_ = Database::Open(options_).value();
    store_ = PolicyStore::Open(db_.get()).value();
  }

  // Applies `text` and writes the batch; returns the new version number.
  uint64_t ApplyOk(absl::string_view text, Timestamp now = kMarch1) {
    rocksdb::WriteBatch batch;
    absl::StatusOr<PolicyVersion> applied =
        store_->Apply(text, "policy.toml", "steward@plant", now, &batch);
    EXPECT_TRUE(applied.ok()) << applied.status();
    if (!applied.ok()) return 0;
    EXPECT_TRUE(db_->Write(&batch).ok());
    return applied->version;
  }
  std::vector<std::string> CurrentGrantNames() {
    absl::StatusOr<PolicyVersion> current = store_->Current();
    EXPECT_TRUE(current.ok()) << current.status();
    std::vector<std::string> names;
    if (!current.ok()) return names;
    for (const auto& [name, digest] : current->grants) names.push_back(name);
    return names;
  }

  Database::Options options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<PolicyStore> store_;
};

TEST_F(PolicyStoreTest, AnEmptyStoreHasNoPolicy) {
  EXPECT_THAT(store_->Current(), StatusIs(absl::StatusCode::kNotFound, "no policy"));
  EXPECT_THAT(store_->History().value(), IsEmpty());
}

TEST_F(PolicyStoreTest, VersionsCountFromOneAndTheNewestIsCurrent) {
  EXPECT_EQ(ApplyOk(kVersion1), 1u);
  EXPECT_EQ(ApplyOk(kVersion2, kMarch1 + 1), 2u);
  PolicyVersion current = store_->Current().value();
  EXPECT_EQ(current.version, 2u);
  EXPECT_EQ(current.text, kVersion2);
  EXPECT_EQ(current.applied_at, kMarch1 + 1);
  EXPECT_EQ(current.applied_by, "steward@plant");
  EXPECT_EQ(current.file_name, "policy.toml");
  EXPECT_EQ(store_->Get(1)->text, kVersion1);
  EXPECT_THAT(CurrentGrantNames(), ElementsAre("energy-benchmark", "mass-report"));
}

TEST_F(PolicyStoreTest, TheTextIsKeptExactlyWithItsSha256) {
  ApplyOk(kVersion1);
  PolicyVersion v = store_->Get(1).value();
  EXPECT_EQ(v.text, kVersion1);
  // sha256 of kVersion1, as `sha256sum` would print it, recomputed independently.
  EXPECT_EQ(HexEncode(v.sha256),
            "6f97297ea60b8c54627957da469e53bbadf0eca234d03b5941da4bd6653b655a");
}

TEST_F(PolicyStoreTest, AnApplyWhoseBatchIsNeverWrittenChangesNothing) {
  ApplyOk(kVersion1);
  rocksdb::WriteBatch lost;
  absl::StatusOr<PolicyVersion> applied =
      store_->Apply(kVersion2, "policy.toml", "steward", kMarch1, &lost);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->version, 2u);
  EXPECT_EQ(store_->Current()->version, 1u);
  EXPECT_THAT(CurrentGrantNames(), ElementsAre("cbam-customer", "energy-benchmark"));
  EXPECT_EQ(ApplyOk(kVersion2), 2u);  // the number was not used up
}

TEST_F(PolicyStoreTest, TextThatIsNotTomlIsRefusedAndAddsNothing) {
  rocksdb::WriteBatch batch;
  EXPECT_THAT(store_->Apply("not = [toml", "p.toml", "steward", kMarch1, &batch),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 1"));
  EXPECT_EQ(batch.Count(), 0u);
}

TEST_F(PolicyStoreTest, HistoryNamesWhatEachVersionChanged) {
  ApplyOk(kVersion1);
  ApplyOk(kVersion2);
  ApplyOk(kVersion2Reformatted);
  std::vector<PolicyChange> history = store_->History().value();
  ASSERT_EQ(history.size(), 3u);

  EXPECT_EQ(history[0].version, 1u);
  EXPECT_THAT(history[0].grants_added, ElementsAre("cbam-customer", "energy-benchmark"));
  EXPECT_TRUE(history[0].groups_changed);

  EXPECT_THAT(history[1].grants_added, ElementsAre("mass-report"));
  EXPECT_THAT(history[1].grants_removed, ElementsAre("cbam-customer"));
  EXPECT_THAT(history[1].grants_changed, ElementsAre("energy-benchmark"));
  EXPECT_THAT(history[1].deny_rules_added, ElementsAre("no-batch-figures"));
  EXPECT_FALSE(history[1].groups_changed);

  // Only layout, comments and key order differ: a new version, but nothing changed.
  EXPECT_NE(history[2].sha256, history[1].sha256);
  EXPECT_THAT(history[2].grants_added, IsEmpty());
  EXPECT_THAT(history[2].grants_changed, IsEmpty());
  EXPECT_THAT(history[2].deny_rules_changed, IsEmpty());
  EXPECT_FALSE(history[2].groups_changed);
}

TEST_F(PolicyStoreTest, HistoryWithALimitComparesItsOldestWithTheVersionBefore) {
  ApplyOk(kVersion1);
  ApplyOk(kVersion2);
  std::vector<PolicyChange> history = store_->History(1).value();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].version, 2u);
  EXPECT_THAT(history[0].grants_removed, ElementsAre("cbam-customer"));
}

TEST_F(PolicyStoreTest, ReopenKeepsEveryVersion) {
  ApplyOk(kVersion1);
  ApplyOk(kVersion2);
  Reopen();
  EXPECT_EQ(store_->Current()->version, 2u);
  EXPECT_EQ(store_->Get(1)->text, kVersion1);
  EXPECT_EQ(store_->History()->size(), 2u);
  EXPECT_EQ(ApplyOk(kVersion1), 3u);
}

TEST_F(PolicyStoreTest, GetSaysNotFoundForAVersionNeverApplied) {
  ApplyOk(kVersion1);
  EXPECT_THAT(store_->Get(2), StatusIs(absl::StatusCode::kNotFound, "no policy version 2"));
}

TEST_F(PolicyStoreTest, AlteredTextIsDataLoss) {
  ApplyOk(kVersion1);
  ASSERT_TRUE(db_->db()
                  ->Put(rocksdb::WriteOptions(), db_->handle(Family::kPolicy),
                        std::string("t\0\0\0\0\0\0\0\x01", 9), kVersion2)
                  .ok());
  EXPECT_THAT(store_->Current(), StatusIs(absl::StatusCode::kDataLoss, "SHA-256"));
}

TEST_F(PolicyStoreTest, GrantDigestsIgnoreLayoutButNotValues) {
  PolicyVersion a, b, c;
  ASSERT_TRUE(ComputePolicyDigests(kVersion2, &a).ok());
  ASSERT_TRUE(ComputePolicyDigests(kVersion2Reformatted, &b).ok());
  std::string edited = kVersion2;
  edited.replace(edited.find("budget = 2.0"), 12, "budget = 3.0");
  ASSERT_TRUE(ComputePolicyDigests(edited, &c).ok());
  EXPECT_EQ(a.grants, b.grants);
  EXPECT_EQ(a.deny_rules, b.deny_rules);
  EXPECT_EQ(a.groups_digest, b.groups_digest);
  EXPECT_NE(a.grants.at("energy-benchmark"), c.grants.at("energy-benchmark"));
  EXPECT_EQ(a.grants.at("mass-report"), c.grants.at("mass-report"));
}

// ---- RemoveGrant.

TEST_F(PolicyStoreTest, RemoveGrantGivesThePolicyWithoutItAndTheOthersUnchanged) {
  ApplyOk(kVersion1);
  std::string text = store_->RemoveGrant("cbam-customer").value();
  EXPECT_THAT(text, Not(HasSubstr("cbam-customer")));
  EXPECT_THAT(text, Not(HasSubstr("# The customer's contract.")));  // comments are lost
  ApplyOk(text);
  EXPECT_THAT(CurrentGrantNames(), ElementsAre("energy-benchmark"));
  std::vector<PolicyChange> history = store_->History().value();
  EXPECT_THAT(history[1].grants_removed, ElementsAre("cbam-customer"));
  EXPECT_THAT(history[1].grants_changed, IsEmpty());
  EXPECT_FALSE(history[1].groups_changed);
}

TEST_F(PolicyStoreTest, RemovingTheLastGrantLeavesAPolicyThatGrantsNothing) {
  ApplyOk(kVersion1);
  ApplyOk(store_->RemoveGrant("cbam-customer").value());
  ApplyOk(store_->RemoveGrant("energy-benchmark").value());
  EXPECT_THAT(CurrentGrantNames(), IsEmpty());
  EXPECT_EQ(store_->Current()->version, 3u);
}

TEST_F(PolicyStoreTest, RemoveGrantSaysNotFoundForAnUnknownGrantOrNoPolicy) {
  EXPECT_THAT(store_->RemoveGrant("cbam-customer"),
              StatusIs(absl::StatusCode::kNotFound, "no policy"));
  ApplyOk(kVersion1);
  EXPECT_THAT(store_->RemoveGrant("nosuch"),
              StatusIs(absl::StatusCode::kNotFound, "no grant 'nosuch'"));
  EXPECT_EQ(store_->Current()->version, 1u);
}

}  // namespace
}  // namespace cairn
