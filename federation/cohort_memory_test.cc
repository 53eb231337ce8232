// The cohort-differencing rule: which earlier rounds a new one is compared with, when a cohort
// differs too little, and that the memory survives export and import.
#include "federation/cohort_memory.h"

#include <vector>

#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;
using federation_testing::T;
using ::testing::HasSubstr;

class CohortMemoryTest : public ::testing::Test {
 protected:
  // Members 1..n as fingerprints, without those listed.
  static std::vector<Fingerprint> Members(int n, std::vector<int> without = {}) {
    std::vector<Fingerprint> out;
    for (int i = 1; i <= n; ++i) {
      if (std::find(without.begin(), without.end(), i) == without.end()) {
        out.push_back(FixedIdentity(static_cast<uint8_t>(i)).fingerprint());
      }
    }
    return out;
  }
  absl::Status Check(std::vector<std::string> metrics, const char* from, const char* to,
                     std::vector<Fingerprint> cohort, uint64_t min = 3) {
    return memory_.Check(metrics, T(from), T(to), cohort, min);
  }
  // The refusal's message, "" when allowed.
  std::string Refusal(std::vector<std::string> metrics, const char* from, const char* to,
                      std::vector<Fingerprint> cohort) {
    return std::string(Check(std::move(metrics), from, to, std::move(cohort)).message());
  }
  void Record(std::vector<std::string> metrics, const char* from, const char* to,
              std::vector<Fingerprint> cohort) {
    memory_.Record(metrics, T(from), T(to), cohort, T("2026-06-01"));
  }

  CohortMemory memory_;
};

TEST_F(CohortMemoryTest, ACohortDifferingInFewerThanTheMinimumIsRefused) {
  Record({"energy"}, "2026-01", "2026-04", Members(6));
  EXPECT_THAT(Refusal({"energy"}, "2026-01", "2026-04", Members(6, {6})),
              HasSubstr("differs in 1 member"));
  EXPECT_THAT(Refusal({"energy"}, "2026-01", "2026-04", Members(7)), HasSubstr("differs in 1"));
  EXPECT_THAT(Refusal({"energy"}, "2026-01", "2026-04", Members(6, {5, 6})),
              HasSubstr("differs in 2 members"));
  EXPECT_TRUE(Check({"energy"}, "2026-01", "2026-04", Members(6, {4, 5, 6})).ok());
  EXPECT_TRUE(Check({"energy"}, "2026-01", "2026-04", Members(6)).ok());  // the same cohort
  EXPECT_EQ(Check({"energy"}, "2026-01", "2026-04", Members(6, {6})).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(CohortMemoryTest, RoundsAreComparedWhenTheyReadAMetricInOverlappingPeriods) {
  Record({"energy", "units_produced"}, "2026-01", "2026-04", Members(6));
  EXPECT_FALSE(Check({"energy"}, "2026-03", "2026-05", Members(5)).ok());  // overlaps March
  EXPECT_FALSE(Check({"units_produced"}, "2026-01", "2026-02", Members(5)).ok());
  EXPECT_TRUE(Check({"energy"}, "2026-04", "2026-07", Members(5)).ok());  // after
  EXPECT_TRUE(Check({"co2e_scope1"}, "2026-01", "2026-04", Members(5)).ok());
}

TEST_F(CohortMemoryTest, AFullMemoryRefusesEveryNewRound) {
  CohortMemory small(2);
  small.Record({"energy"}, T("2026-01"), T("2026-02"), Members(4), 0);
  small.Record({"energy"}, T("2026-02"), T("2026-03"), Members(4), 0);
  EXPECT_EQ(small.Check({"water"}, T("2026-01"), T("2026-02"), Members(4), 3).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(CohortMemoryTest, TheMemorySurvivesExportAndImport) {
  Record({"energy"}, "2026-01", "2026-04", Members(6));
  Record({"energy"}, "2026-01", "2026-04", Members(6));  // not repeated
  absl::StatusOr<CohortMemory> back = CohortMemory::Import(memory_.Export());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->entries().size(), 1u);
  std::vector<Fingerprint> sorted = Members(6);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(back->entries()[0].members, sorted);
  memory_ = *std::move(back);
  EXPECT_FALSE(Check({"energy"}, "2026-01", "2026-04", Members(6, {1})).ok());
}

TEST_F(CohortMemoryTest, ImportRejectsWhatIsNotAnExportedMemory) {
  EXPECT_EQ(CohortMemory::Import("garbage").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CohortMemory::Import(std::string(16, '\xff')).status().code(),
            absl::StatusCode::kInvalidArgument);
  Record({"energy"}, "2026-01", "2026-02", Members(3));
  Record({"energy"}, "2026-02", "2026-03", Members(3));
  EXPECT_THAT(CohortMemory::Import(memory_.Export(), 1).status().message(),
              HasSubstr("2 entries, at most 1"));
}

}  // namespace
}  // namespace cairn
