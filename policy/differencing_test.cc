// The differencing guard over a small, known data set: the three classic ways of isolating a
// small group from answers that each passed the thresholds (a tag value left out, overlapping
// ranges, and group splitting in either order) are refused; the same moves over large
// enough differences are allowed.
#include "policy/differencing.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

Timestamp T(const char* text) { return ParseTimeArg(text).value(); }

// Series of one metric: products P1 and P2 at sites A and B, and a small product P3 made at
// site A only, on two days.
//   P1: 1 (A), 2 (B)    P2: 3 (A), 4 (B)    P3: 5 (A)
// Series 1-4 have one record a day in the first quarter of 2026.
class DifferencingTest : public ::testing::Test {
 protected:
  DifferencingTest() {
    for (FootprintSeries s : {1, 2, 3, 4}) {
      for (Timestamp t = T("2026-01-01"); t < T("2026-04-01"); t += kMicrosPerDay) {
        records_[s].push_back(t);
      }
    }
    records_[5] = {T("2026-02-10T08:00:00Z"), T("2026-03-03T08:00:00Z")};
    grant_.name = "supplier-benchmark";
    grant_.min_records = 5;
    grant_.min_series = 2;
    counter_ = [this](const Region& region) -> absl::StatusOr<RegionCount> {
      ++counted_;
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
  // Checks `groups` as the released groups of the next query and, if allowed, records them.
  absl::Status Release(std::vector<Footprint> groups, const std::string& partner = "oem") {
    absl::Status s = guard_.Check(partner, grant_, groups, counter_);
    if (s.ok()) guard_.Record(partner, grant_, std::move(groups));
    return s;
  }

  std::map<FootprintSeries, std::vector<Timestamp>> records_;
  Grant grant_;
  RegionCounter counter_;
  int counted_ = 0;
  DifferencingGuard guard_;
};

MATCHER(IsRefused, "") {
  *result_listener << arg;
  return arg.code() == absl::StatusCode::kPermissionDenied;
}

TEST_F(DifferencingTest, LeavingOutOneTagValueIsRefusedWhenTheValueIsSmall) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());  // products P1, P2, P3
  absl::Status s = Release({Q1({1, 2, 3, 4})});      // products P1, P2: P3 = difference
  EXPECT_THAT(s, IsRefused());
  EXPECT_THAT(s.message(), HasSubstr("would single out 2 records in 1 series"));
}

TEST_F(DifferencingTest, LeavingOutALargeTagValueIsAllowed) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  EXPECT_TRUE(Release({Q1({1, 2})}).ok());  // leaves out P2 and P3: 182 records, 3 series
}

TEST_F(DifferencingTest, OverlappingRangesThatDifferByAFewRecordsAreRefused) {
  ASSERT_TRUE(Release({Q1({1, 2})}).ok());
  // The same group up to the last day of the quarter: the difference is 2 records.
  EXPECT_THAT(Release({Footprint{{1, 2}, T("2026-01-01"), T("2026-03-31")}}), IsRefused());
  // A range sticking out by one day on each side is refused the same way.
  EXPECT_THAT(Release({Footprint{{1, 2}, T("2026-01-02"), T("2026-04-02")}}), IsRefused());
}

TEST_F(DifferencingTest, OverlappingRangesThatDifferByAMonthAreAllowed) {
  ASSERT_TRUE(Release({Q1({1, 2})}).ok());
  EXPECT_TRUE(Release({Footprint{{1, 2}, T("2026-01-01"), T("2026-03-01")}}).ok());
}

TEST_F(DifferencingTest, SplittingAReleasedTotalAroundASmallGroupIsRefused) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());  // the total over P1, P2, P3
  // Then by product; P3 was suppressed, but total - P1 - P2 would reveal it.
  EXPECT_THAT(Release({Q1({1, 2}), Q1({3, 4})}), IsRefused());
}

TEST_F(DifferencingTest, SplittingATotalIntoAllItsGroupsIsAllowed) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4})}).ok());        // the total over P1, P2
  EXPECT_TRUE(Release({Q1({1, 2}), Q1({3, 4})}).ok());  // by product: nothing left over
}

TEST_F(DifferencingTest, AskingForTheTotalAfterItsLargeGroupsIsRefused) {
  ASSERT_TRUE(Release({Q1({1, 2}), Q1({3, 4})}).ok());  // by product, P3 suppressed
  EXPECT_THAT(Release({Q1({1, 2, 3, 4, 5})}), IsRefused());
}

TEST_F(DifferencingTest, RepeatingAQueryIsAllowed) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
}

TEST_F(DifferencingTest, ADifferenceWithoutRecordsIsHarmless) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4})}).ok());
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4, 9})}).ok());  // series 9 has no records
}

TEST_F(DifferencingTest, DisjointAnswersAreNotCompared) {
  ASSERT_TRUE(Release({Q1({1, 2})}).ok());
  counted_ = 0;
  EXPECT_TRUE(Release({Q1({3, 4})}).ok());
  EXPECT_EQ(counted_, 0);
}

TEST_F(DifferencingTest, EachPartnerHasItsOwnHistory) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}, "oem").ok());
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4})}, "other-oem").ok());
}

TEST_F(DifferencingTest, GrantsWithoutThresholdsOrWithPrivacyAreNotGuarded) {
  grant_.min_records = 1;
  grant_.min_series = 1;
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4})}).ok());
  grant_.min_records = 5;
  grant_.privacy = PrivacySpec{};  // covered by the budget instead
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4})}).ok());
  EXPECT_EQ(guard_.Remembered("oem", grant_.name), 0u);
}

TEST_F(DifferencingTest, AFullMemoryFailsClosed) {
  guard_ = DifferencingGuard(/*max_footprints_per_grant=*/2);
  ASSERT_TRUE(Release({Q1({1}), Q1({2})}).ok());
  EXPECT_EQ(Release({Q1({3})}).code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(DifferencingTest, CounterErrorsPassThrough) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  counter_ = [](const Region&) -> absl::StatusOr<RegionCount> {
    return absl::UnavailableError("snapshot gone");
  };
  EXPECT_EQ(Release({Q1({1, 2, 3, 4})}).code(), absl::StatusCode::kUnavailable);
}

TEST_F(DifferencingTest, AnImportedHistoryRefusesWhatTheOriginalRefuses) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  ASSERT_TRUE(Release({Q1({1}), Q1({2})}, "other-oem").ok());
  DifferencingGuard restarted;
  for (DifferencingGuard::RememberedQuery& q : guard_.Export()) {
    restarted.Import(q.partner, q.grant, std::move(q.groups));
  }
  guard_ = std::move(restarted);
  EXPECT_EQ(guard_.Remembered("oem", grant_.name), 1u);
  EXPECT_EQ(guard_.Remembered("other-oem", grant_.name), 2u);
  EXPECT_THAT(Release({Q1({1, 2, 3, 4})}), IsRefused());
}

TEST_F(DifferencingTest, ExportListsQueriesByPartnerInRecordingOrder) {
  ASSERT_TRUE(Release({Q1({3})}, "b").ok());
  ASSERT_TRUE(Release({Q1({1})}, "a").ok());
  ASSERT_TRUE(Release({Q1({2})}, "b").ok());
  std::vector<std::string> seen;
  for (const auto& q : guard_.Export()) {
    seen.push_back(absl::StrCat(q.partner, "/", q.grant, ":", q.groups[0].series[0]));
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("a/supplier-benchmark:1", "b/supplier-benchmark:3",
                                           "b/supplier-benchmark:2"));
}

TEST_F(DifferencingTest, ForgetClearsOnePartnersHistoryUnderOneGrant) {
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}).ok());
  ASSERT_TRUE(Release({Q1({1, 2, 3, 4, 5})}, "other-oem").ok());
  guard_.Forget("oem", grant_.name);
  EXPECT_EQ(guard_.Remembered("oem", grant_.name), 0u);
  EXPECT_TRUE(Release({Q1({1, 2, 3, 4})}).ok());
  EXPECT_THAT(Release({Q1({1, 2, 3, 4})}, "other-oem"), IsRefused());
}

TEST(SubtractTest, RemovesSeriesAndTimeIntoDisjointBoxes) {
  Footprint base{{1, 2, 3}, 0, 100};
  Footprint middle_of_1_2{{1, 2}, 40, 60};
  Footprint all_of_3{{3}, 0, 100};
  Region left = Subtract(base, {&middle_of_1_2, &all_of_3});
  EXPECT_THAT(
      left, ::testing::UnorderedElementsAre(Footprint{{1, 2}, 0, 40}, Footprint{{1, 2}, 60, 100}));
  EXPECT_TRUE(Subtract(base, {&base}).empty());
  EXPECT_THAT(Subtract(base, {}), ::testing::ElementsAre(base));
}

}  // namespace
}  // namespace cairn
