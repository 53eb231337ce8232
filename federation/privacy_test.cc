// What the requester learns from one member's messages on its own: nothing. The masked value
// vector differs from the member's figures in every word and is uniform over Z/2^64, and its
// count commitments look uniform too (chi-square tests that broken maskings fail). And under a
// privacy grant every member adds the full noise of its grant, and pays for it from its budget
// when its count commitments leave, whether or not any figures follow.
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/bit_commitment.h"
#include "crypto/ristretto.h"
#include "federation/count_phase.h"
#include "federation/local_figures.h"
#include "federation/messages.h"
#include "federation/tally.h"
#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/chi_square.h"
#include "policy/discrete_laplace.h"
#include "policy/seeded_random.h"

namespace cairn {
namespace {

using federation_testing::ConsortiumOptions;
using federation_testing::Products;
using federation_testing::T;
using federation_testing::TestConsortium;
using federation_testing::TestRandom;
using ::testing::HasSubstr;

constexpr int kProducts = 100;
constexpr int kMonths = 10;  // 1,000 groups

RoundRequest ThousandGroups(std::vector<PublicKey> cohort) {
  RoundRequest r = federation_testing::QuarterByMonthAndProduct(kProducts, std::move(cohort), 3);
  r.query.to = T("2026-11");
  return r;
}

// Gives every member `records` energy records in each of the 1,000 groups.
void FillAllGroups(TestConsortium& consortium, int records) {
  for (int i = 0; i < consortium.size(); ++i) {
    for (int month = 1; month <= kMonths; ++month) {
      const Timestamp bucket = T(absl::StrCat("2026-", month < 10 ? "0" : "", month).c_str());
      for (const std::string& product : Products(kProducts)) {
        for (int r = 0; r < records; ++r) {
          consortium.member(i).data.Add("energy", bucket, {product}, 7 * i + r + 0.25);
        }
      }
    }
  }
}

// The p-value of "the bytes of `words` are uniform" (chi-square over 256 byte values).
double ByteUniformity(const std::vector<uint64_t>& words) {
  std::vector<double> counts(256, 0);
  for (uint64_t w : words) {
    for (int b = 0; b < 8; ++b) counts[(w >> (8 * b)) & 0xff] += 1;
  }
  const double expected = 8.0 * words.size() / 256;
  double chi2 = 0;
  for (double c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return ChiSquarePValue(chi2, 255);
}

// The bytes of points that can be anything: ristretto255 encodings always have the lowest bit
// of the first byte and the highest of the last clear, so bytes 1..30 of each.
std::vector<uint64_t> PointBytes(const std::vector<RistrettoPoint>& points) {
  std::vector<uint64_t> words;
  for (const RistrettoPoint& p : points) {
    for (size_t i = 1; i + 8 <= 31; i += 8) {
      uint64_t w = 0;
      for (int b = 0; b < 8; ++b) w |= uint64_t{p[i + b]} << (8 * b);
      words.push_back(w);
    }
  }
  return words;
}

// One 1,000-group round for all the masking tests (a round with proofs takes seconds).
class MaskingTest : public ::testing::Test {
 protected:
  struct Sent {
    std::vector<uint64_t> values, plain_values;
    std::vector<RistrettoPoint> commitments, plain_commitments;
  };

  static void SetUpTestSuite() {
    sent_ = new Sent;
    TestConsortium consortium({5, 3});
    FillAllGroups(consortium, 1);
    // Keep what member 2 sends in each phase.
    const PublicKey key = consortium.member(2).identity.public_key();
    consortium.transport().SetAfter(
        [key](FederationCall call, const PublicKey& k, std::string* reply) {
          if (k != key || call == FederationCall::kPropose) return;
          Contribution c = OpenContribution(DecodeSigned(*reply).value()).value();
          if (call == FederationCall::kAnnounce) {
            sent_->commitments = c.commitments;
          } else {
            sent_->values = c.words;
          }
        });
    absl::StatusOr<FederatedResult> result = consortium.Run(ThousandGroups(consortium.Cohort()));
    ASSERT_TRUE(result.ok()) << result.status();
    // Member 2's plain figures, as it computed them (exact grant: deterministic).
    const RoundRequest r = ThousandGroups(consortium.Cohort());
    const KeySpace keys = KeySpace::Make(r.query, r.group_values).value();
    federation_testing::TestRandom unused(0);
    const LocalFigures figures =
        ComputeLocalFigures(r.query, keys, federation_testing::BenchmarkGrant({5, 3}),
                            consortium.member(2).data.AsLocalQuery(), unused)
            .value();
    std::vector<size_t> all(keys.size());
    for (size_t g = 0; g < all.size(); ++g) all[g] = g;
    sent_->plain_values = ValueVector(figures, all);
    // Commitments without masks: b·H, the same point wherever the member contributes.
    for (uint8_t bit : figures.contributes) {
      sent_->plain_commitments.push_back(bit ? GeneratorH() : IdentityPoint());
    }
  }
  static void TearDownTestSuite() { delete sent_; }

  static Sent* sent_;
  const std::vector<uint64_t>& sent_values_ = sent_->values;
  const std::vector<uint64_t>& plain_values_ = sent_->plain_values;
  const std::vector<RistrettoPoint>& sent_commitments_ = sent_->commitments;
  const std::vector<RistrettoPoint>& plain_commitments_ = sent_->plain_commitments;
};

MaskingTest::Sent* MaskingTest::sent_ = nullptr;

TEST_F(MaskingTest, WhatAMemberSendsDiffersFromItsFiguresInEveryWord) {
  ASSERT_EQ(sent_values_.size(), plain_values_.size());
  ASSERT_EQ(sent_values_.size(), kCanaryWords + 1000 * kLimbs);
  ASSERT_EQ(sent_commitments_.size(), kCountCanaries + plain_commitments_.size());
  size_t equal = 0;
  for (size_t i = 0; i < sent_values_.size(); ++i) equal += sent_values_[i] == plain_values_[i];
  for (size_t g = 0; g < plain_commitments_.size(); ++g) {
    equal += sent_commitments_[kCountCanaries + g] == plain_commitments_[g];
  }
  EXPECT_EQ(equal, 0u);
}

TEST_F(MaskingTest, WhatAMemberSendsIsUniformOverTheRing) {
  EXPECT_GT(ByteUniformity(sent_values_), 1e-6);
  EXPECT_GT(ByteUniformity(PointBytes(sent_commitments_)), 1e-6);
}

TEST_F(MaskingTest, TheUniformityTestCatchesBrokenMasking) {
  // Negative controls: no mask at all, and a mask that covers only the low half of each word.
  EXPECT_LT(ByteUniformity(plain_values_), 1e-6);
  std::vector<uint64_t> half_masked = plain_values_;
  for (size_t i = 0; i < half_masked.size(); ++i) {
    half_masked[i] = plain_values_[i] + ((sent_values_[i] - plain_values_[i]) & 0xffffffffULL);
  }
  EXPECT_LT(ByteUniformity(half_masked), 1e-6);
  // Commitments without their masks are b·H: one point repeated.
  EXPECT_LT(ByteUniformity(PointBytes(plain_commitments_)), 1e-6);
}

// Under a privacy grant: discrete Laplace, scale 200 on each member's sum of each group.
class NoiseTest : public ::testing::Test {
 protected:
  static ConsortiumOptions Options() {
    PrivacySpec p;
    p.epsilon = 1;  // sum and count share it: 0.5 each
    p.budget = 1.5;
    p.period = Granularity::kMonth;
    p.clamps["energy"] = Clamp{0, 100, 1};  // sensitivity 100 quanta; scale 100 / 0.5
    p.clamps["co2e_scope1"] = Clamp{0, 100, 1};
    p.clamps["units_produced"] = Clamp{0, 100, 1};
    ConsortiumOptions o{5, 3, p};
    o.noise_seed = TestSeed(11);
    return o;
  }
  NoiseTest() : consortium_(Options()) { FillAllGroups(consortium_, 20); }

  // Whether the variance of `noise` is `expected` within 20% (about 4 standard errors).
  static bool VarianceMatches(const std::vector<double>& noise, double expected) {
    double mean = 0, var = 0;
    for (double z : noise) mean += z / noise.size();
    for (double z : noise) var += (z - mean) * (z - mean) / (noise.size() - 1);
    return std::fabs(var / expected - 1) < 0.2 &&
           std::fabs(mean) < 5 * std::sqrt(expected / noise.size());
  }

  TestConsortium consortium_;
};

// The variance of one discrete Laplace of scale t: 2p / (1 - p)^2, p = exp(-1/t).
double LaplaceVariance(double t) {
  const double p = std::exp(-1 / t);
  return 2 * p / ((1 - p) * (1 - p));
}

TEST_F(NoiseTest, EveryMemberAddsTheFullNoiseOfItsGrant) {
  absl::StatusOr<FederatedResult> result = consortium_.Run(ThousandGroups(consortium_.Cohort()));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows.size(), 1000u);
  // Exact total of each group: every member's 20 records, 7i + r + 0.25, clamped (no effect)
  // and quantised to whole units as the private release does.
  double exact = 0;
  for (int i = 0; i < 5; ++i) exact += std::round(20 * 7 * i + 190 + 5.0);
  std::vector<double> noise;
  for (const FederatedRow& row : result->rows) {
    ASSERT_TRUE(row.released);
    noise.push_back(QuantaToDouble(row.totals[0]) - exact);
  }
  const double five_members = 5 * LaplaceVariance(200);
  EXPECT_TRUE(VarianceMatches(noise, five_members));
  // The same check tells a total carrying only one member's worth of noise apart.
  TestRandom one_share(TestSeed(12));
  std::vector<double> too_little;
  for (int g = 0; g < 1000; ++g) {
    too_little.push_back(static_cast<double>(SampleDiscreteLaplace(one_share, {200, 1}).value()));
  }
  EXPECT_FALSE(VarianceMatches(too_little, five_members));
}

TEST_F(NoiseTest, AMemberPaysForItsFiguresFromItsBudgetAndStopsWhenItIsUsedUp) {
  ASSERT_TRUE(consortium_.Run(ThousandGroups(consortium_.Cohort())).ok());
  const Grant grant = federation_testing::BenchmarkGrant(Options());
  EXPECT_EQ(consortium_.member(0)
                .steward->gate()
                .budget()
                .State(federation_testing::kRequesterName, grant, consortium_.now())
                .spent_micros,
            1'000'000);
  RoundReport report;
  EXPECT_EQ(consortium_.Run(ThousandGroups(consortium_.Cohort()), &report).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_FALSE(report.refused.empty());
  EXPECT_THAT(report.refused[0].status.message(), HasSubstr("budget"));
}

// The count phase spends: each member's commitments say whether its noisy count reaches
// min_records, so a requester that stops every round after the counts (never asking for the
// figures) and repeats them to average that noise away pays for each one, and soon runs out.
class CountPhaseSpendingTest : public NoiseTest {
 protected:
  CountPhaseSpendingTest() {
    consortium_.transport().SetBefore([](FederationCall call, const PublicKey&) {
      return call == FederationCall::kValues ? absl::UnavailableError("the requester stops here")
                                             : absl::OkStatus();
    });
  }
  int64_t Spent(int member) {
    return consortium_.member(member)
        .steward->gate()
        .budget()
        .State(federation_testing::kRequesterName, federation_testing::BenchmarkGrant(Options()),
               consortium_.now())
        .spent_micros;
  }
  RoundRequest OneGroup() {
    return federation_testing::QuarterByMonthAndProduct(1, consortium_.Cohort(), 3);
  }
};

TEST_F(CountPhaseSpendingTest, ARequesterThatOnlyAsksForTheCountsStillPaysAndRunsOut) {
  EXPECT_EQ(consortium_.Run(OneGroup()).status().code(), absl::StatusCode::kUnavailable);
  for (int i = 0; i < consortium_.size(); ++i) EXPECT_EQ(Spent(i), 1'000'000) << "member " << i;
  RoundReport report;
  EXPECT_EQ(consortium_.Run(OneGroup(), &report).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(report.refused.size(), 5u);
  EXPECT_THAT(report.refused[0].status.message(), HasSubstr("budget"));
  for (int i = 0; i < consortium_.size(); ++i) EXPECT_EQ(Spent(i), 1'000'000) << "member " << i;
}

}  // namespace
}  // namespace cairn
