// Statistical tests of the discrete Laplace sampler: its output must fit the mechanism's
// distribution (chi-square, p > kAcceptP), and deliberately broken mechanisms must be rejected
// by the very same test (p < kAcceptP). The seed is fixed and logged (CAIRN_TEST_SEED replays
// another one); with a fixed seed the outcome is deterministic.
#include "policy/discrete_laplace.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/chi_square.h"
#include "policy/seeded_random.h"

namespace cairn {
namespace {

// A correct sampler fails with probability 1e-6 per fit; the broken ones below are off by
// far more than this sample size can hide.
constexpr double kAcceptP = 1e-6;
constexpr int kSamples = 200'000;

class DiscreteLaplaceTest : public ::testing::Test {
 protected:
  using Sampler = std::function<int64_t(RandomSource&)>;

  std::vector<int64_t> Draw(const Sampler& sampler) {
    std::vector<int64_t> out;
    out.reserve(kSamples);
    for (int i = 0; i < kSamples; ++i) out.push_back(sampler(rng_));
    return out;
  }

  static Sampler Correct(LaplaceScale scale) {
    return [scale](RandomSource& rng) { return SampleDiscreteLaplace(rng, scale).value(); };
  }

  // The fit of `sampler` against the correct distribution of `scale`.
  ChiSquareFit Fit(const Sampler& sampler, LaplaceScale scale) {
    ChiSquareFit fit = FitIntegerSamples(
        Draw(sampler), [scale](int64_t z) { return DiscreteLaplacePmf(scale, z); });
    std::fprintf(stderr, "scale %llu/%llu: %s\n", static_cast<unsigned long long>(scale.num),
                 static_cast<unsigned long long>(scale.den), fit.ToString().c_str());
    return fit;
  }

  SeededRandomSource rng_{TestSeed(20260105)};
};

TEST_F(DiscreteLaplaceTest, MatchesTheDistributionAtSmallScale) {
  EXPECT_GT(Fit(Correct({1, 2}), {1, 2}).p_value, kAcceptP);  // t = 0.5: mostly 0, +-1
}

TEST_F(DiscreteLaplaceTest, MatchesTheDistributionAtRationalScale) {
  EXPECT_GT(Fit(Correct({25, 7}), {25, 7}).p_value, kAcceptP);  // t = 3.57...
}

TEST_F(DiscreteLaplaceTest, MatchesTheDistributionAtLargeScale) {
  EXPECT_GT(Fit(Correct({40, 1}), {40, 1}).p_value, kAcceptP);
}

TEST_F(DiscreteLaplaceTest, MatchesTheDistributionWithHugeNumerator) {
  // The largest numerator accepted: Bernoulli(u / (num * k)) then needs 128-bit bounds.
  LaplaceScale scale{kMaxScaleNumerator, kMaxScaleNumerator / 8};  // t = 8
  EXPECT_GT(Fit(Correct(scale), {8, 1}).p_value, kAcceptP);
}

TEST_F(DiscreteLaplaceTest, RejectsAMechanismWithTheWrongScale) {
  // Noise 10% wider than promised: epsilon would be 10% smaller than stated (harmless) - or,
  // the other way round, 10% narrower would break the privacy promise. Both must be caught.
  EXPECT_LT(Fit(Correct({11, 1}), {10, 1}).p_value, kAcceptP);
  EXPECT_LT(Fit(Correct({9, 1}), {10, 1}).p_value, kAcceptP);
}

TEST_F(DiscreteLaplaceTest, RejectsAMechanismWithAnOffByOneBias) {
  Sampler biased = [](RandomSource& rng) {
    return SampleDiscreteLaplace(rng, {10, 1}).value() + 1;
  };
  EXPECT_LT(Fit(biased, {10, 1}).p_value, kAcceptP);
}

TEST_F(DiscreteLaplaceTest, RejectsAMechanismThatCountsZeroTwice) {
  // The classic slip in symmetric geometric sampling: forgetting to reject (-, 0), which puts
  // twice the mass on zero.
  LaplaceScale scale{10, 1};
  Sampler no_zero_rejection = [scale](RandomSource& rng) -> int64_t {
    for (;;) {
      uint64_t u = SampleUniform(rng, scale.num).value();
      if (!SampleBernoulliExp(rng, u, scale.num).value()) continue;
      uint64_t v = 0;
      while (SampleBernoulliExp(rng, 1, 1).value()) ++v;
      int64_t y = static_cast<int64_t>((u + scale.num * v) / scale.den);
      return (rng.Next64() & 1) ? -y : y;
    }
  };
  EXPECT_LT(Fit(no_zero_rejection, scale).p_value, kAcceptP);
}

TEST_F(DiscreteLaplaceTest, BernoulliExpHasTheRightMean) {
  for (auto [num, den] : {std::pair<uint64_t, uint64_t>{0, 1}, {1, 2}, {1, 1}, {5, 2}, {7, 3}}) {
    constexpr int kDraws = 100'000;
    int ones = 0;
    for (int i = 0; i < kDraws; ++i) ones += SampleBernoulliExp(rng_, num, den).value() ? 1 : 0;
    double p = std::exp(-static_cast<double>(num) / den);
    double sd = std::sqrt(kDraws * p * (1 - p)) + 1e-9;
    EXPECT_LT(std::fabs(ones - kDraws * p) / sd, 5) << "gamma " << num << "/" << den;
  }
}

TEST_F(DiscreteLaplaceTest, UniformIsUniformForAnAwkwardRange) {
  std::vector<int64_t> draws;
  for (int i = 0; i < 70'000; ++i) draws.push_back(SampleUniform(rng_, 7).value());
  ChiSquareFit fit = FitIntegerSamples(
      draws, [](int64_t z) { return z >= 0 && z < 7 ? 1 / 7.0 : 0; }, 3);
  EXPECT_GT(fit.p_value, kAcceptP) << fit.ToString();
}

// A source stuck at one value: the sampler must report it instead of looping forever.
class StuckSource : public RandomSource {
 public:
  uint64_t Next64() override { return 0; }
};

TEST(DiscreteLaplaceBrokenSourceTest, ReportsAStuckSourceAsInternal) {
  StuckSource stuck;
  EXPECT_EQ(SampleDiscreteLaplace(stuck, {10, 1}).status().code(), absl::StatusCode::kInternal);
}

TEST(DiscreteLaplaceArgumentsTest, RejectsEmptyScales) {
  SeededRandomSource rng(1);
  EXPECT_EQ(SampleDiscreteLaplace(rng, {0, 1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleDiscreteLaplace(rng, {1, 0}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleUniform(rng, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChiSquareTest, PValuesMatchKnownQuantiles) {
  // Tabulated: chi2(df=1) 3.841 -> 0.05; chi2(df=10) 23.209 -> 0.01; chi2(df=50) 67.505 -> 0.05.
  EXPECT_NEAR(ChiSquarePValue(3.841, 1), 0.05, 1e-3);
  EXPECT_NEAR(ChiSquarePValue(23.209, 10), 0.01, 1e-4);
  EXPECT_NEAR(ChiSquarePValue(67.505, 50), 0.05, 1e-3);
}

}  // namespace
}  // namespace cairn
