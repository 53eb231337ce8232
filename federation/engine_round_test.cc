// A round over real record stores: each member's figures come from the query engine
// (EngineLocalQuery), with the key space acting as a filter on tag values.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "federation/engine_local_query.h"
#include "federation/testing.h"
#include "federation/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "storage/record_store.h"

namespace cairn {
namespace {

using federation_testing::QuarterByMonthAndProduct;
using federation_testing::T;
using federation_testing::TestConsortium;

class EngineRoundTest : public ::testing::Test {
 protected:
  EngineRoundTest() : consortium_({3, 2}) {
    for (int i = 0; i < 3; ++i) {
      Database::Options options;
      const char* tmp = std::getenv("TEST_TMPDIR");
      options.path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/member-", i);
      options.sync = false;
      dbs_.push_back(std::move(Database::Open(options).value()));
      stores_.push_back(std::move(RecordStore::Open(dbs_.back().get()).value()));
      consortium_.MakeMember(i, federation_testing::BenchmarkGrant({3, 2}), nullptr,
                             EngineLocalQuery(stores_.back().get()));
    }
  }

  // One record of `metric` for member i.
  void Record(int i, const std::string& metric, const std::string& product, const char* time,
              double value) {
    RecordBatch batch;
    SeriesKey key{metric, {}};
    if (!product.empty()) key.tags = {{"product", product}};
    batch.series.push_back(key);
    batch.points.push_back(RecordBatch::Point{0, T(time), value});
    ASSERT_TRUE(stores_[i]->Apply(batch).ok());
  }

  TestConsortium consortium_;
  std::vector<std::unique_ptr<Database>> dbs_;
  std::vector<std::unique_ptr<RecordStore>> stores_;
};

TEST_F(EngineRoundTest, MembersFiguresComeFromTheirStores) {
  for (int i = 0; i < 3; ++i) {
    Record(i, "energy", "p0", "2026-01-10T08:00:00Z", 10 * (i + 1));
    Record(i, "energy", "p0", "2026-01-20T08:00:00Z", -1);
    Record(i, "energy", "p1", "2026-02-03T08:00:00Z", 100 + i);
    Record(i, "energy", "p9", "2026-02-03T08:00:00Z", 5000);  // not in the key space
    Record(i, "energy", "p0", "2026-05-03T08:00:00Z", 7000);  // outside the range
  }
  Record(0, "energy", "", "2026-03-03T08:00:00Z", 3);  // a series without a product
  Record(2, "energy", "", "2026-03-04T08:00:00Z", 4);
  RoundRequest request = QuarterByMonthAndProduct(2, consortium_.Cohort(), 2);
  request.group_values[0].push_back("");
  absl::StatusOr<FederatedResult> result = consortium_.Run(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 3u);
  EXPECT_EQ(result->rows[0].tags, std::vector<std::string>{"p0"});
  EXPECT_EQ(result->rows[0].value, 60 - 3);  // January
  EXPECT_EQ(result->rows[1].value, 303);     // February, p1
  EXPECT_EQ(result->rows[2].tags, std::vector<std::string>{""});
  EXPECT_EQ(result->rows[2].contributors, 2u);
  EXPECT_EQ(result->rows[2].value, 7);  // March, no product
  EXPECT_TRUE(VerifyFederatedResult(*result, consortium_.roster()).ok());
}

}  // namespace
}  // namespace cairn
