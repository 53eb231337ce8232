#include "storage/series_catalog.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Filters = std::vector<std::pair<std::string, std::vector<std::string>>>;

class SeriesCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = SeriesCatalog().WithSeries({
        {"energy", {{"product", "a"}, {"site", "x"}}},  // 0
        {"energy", {{"product", "b"}, {"site", "x"}}},  // 1
        {"energy", {{"site", "y"}}},                    // 2
        {"co2e_scope1", {{"product", "a"}}},            // 3
    });
  }
  std::vector<SeriesId> Find(const std::string& metric, const Filters& filters = {}) {
    return catalog_->Find(metric, filters);
  }
  std::shared_ptr<const SeriesCatalog> catalog_;
};

TEST_F(SeriesCatalogTest, FindsEverySeriesOfAMetric) {
  EXPECT_THAT(Find("energy"), ElementsAre(0, 1, 2));
  EXPECT_THAT(Find("water"), IsEmpty());
}

TEST_F(SeriesCatalogTest, AFilterAllowsAnyOfItsValues) {
  EXPECT_THAT(Find("energy", {{"product", {"a", "b"}}}), ElementsAre(0, 1));
  EXPECT_THAT(Find("energy", {{"product", {"b", "zzz"}}}), ElementsAre(1));
}

TEST_F(SeriesCatalogTest, FiltersCombineWithAnd) {
  EXPECT_THAT(Find("energy", {{"site", {"x"}}, {"product", {"b"}}}), ElementsAre(1));
  EXPECT_THAT(Find("energy", {{"site", {"y"}}, {"product", {"a"}}}), IsEmpty());
}

TEST_F(SeriesCatalogTest, EmptyValueMatchesSeriesLackingTheTag) {
  EXPECT_THAT(Find("energy", {{"product", {""}}}), ElementsAre(2));
  EXPECT_THAT(Find("energy", {{"product", {"", "a"}}}), ElementsAre(0, 2));
}

TEST_F(SeriesCatalogTest, WithSeriesLeavesTheOldSnapshotUntouched) {
  auto next = catalog_->WithSeries({{"energy", {{"product", "c"}}}});
  EXPECT_EQ(next->size(), 5u);
  EXPECT_EQ(catalog_->size(), 4u);
  EXPECT_THAT(next->Find("energy", {{"product", {"c"}}}), ElementsAre(4));
  EXPECT_THAT(Find("energy", {{"product", {"c"}}}), IsEmpty());
  EXPECT_EQ(&next->key(0), &catalog_->key(0));  // shared, not copied
}

}  // namespace
}  // namespace cairn
