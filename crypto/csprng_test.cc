#include "crypto/csprng.h"

#include <array>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cairn {
namespace {

// Fraction of `draws` samples of `sample()` that fall below `cut`.
template <typename Sampler>
double FractionBelow(uint64_t cut, int draws, Sampler sample) {
  int below = 0;
  for (int i = 0; i < draws; ++i) below += sample() < cut ? 1 : 0;
  return static_cast<double>(below) / draws;
}

TEST(RandomBytesTest, FillsTheWholeBufferWithFreshBytes) {
  std::array<uint8_t, 64> a{}, b{};
  RandomBytes(absl::MakeSpan(a));
  RandomBytes(b.data(), b.size());
  EXPECT_NE(a, b);
  // A zero run of 16 bytes at either end would mean the fill stopped short (p = 2^-128).
  EXPECT_NE(std::vector<uint8_t>(a.end() - 16, a.end()), std::vector<uint8_t>(16, 0));
  EXPECT_NE(std::vector<uint8_t>(a.begin(), a.begin() + 16), std::vector<uint8_t>(16, 0));
}

TEST(RandomU64Test, EveryBitIsBalanced) {
  constexpr int kDraws = 20000;
  std::array<int, 64> ones{};
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t v = RandomU64();
    for (int bit = 0; bit < 64; ++bit) ones[bit] += (v >> bit) & 1;
  }
  // sd of a bit count is sqrt(n/4) ~ 71; 6 sd keeps false alarms below 1e-7 over 64 bits.
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_NEAR(ones[bit], kDraws / 2.0, 6 * 71) << "bit " << bit;
  }
}

TEST(RandomUniformTest, StaysBelowTheBound) {
  for (uint64_t bound :
       {uint64_t{1}, uint64_t{2}, uint64_t{7}, (uint64_t{1} << 63) + 1, ~uint64_t{0}}) {
    for (int i = 0; i < 200; ++i) ASSERT_LT(RandomUniform(bound), bound) << bound;
  }
  EXPECT_EQ(RandomUniform(1), 0u);
}

TEST(RandomUniformTest, HitsEveryValueOfASmallRange) {
  std::array<int, 5> seen{};
  for (int i = 0; i < 500; ++i) ++seen[RandomUniform(5)];
  for (int count : seen) EXPECT_GT(count, 50);  // expected 100, sd 9
}

// With bound b = 3 * 2^62, plain `r % b` maps twice as much of [0, 2^64) onto [0, 2^62) as
// onto the rest: values below 2^62 come up half the time instead of a third.
TEST(RandomUniformTest, HasNoModuloBias) {
  constexpr uint64_t kBound = 3 * (uint64_t{1} << 62);
  constexpr uint64_t kCut = uint64_t{1} << 62;
  constexpr int kDraws = 6000;  // sd of the fraction ~ 0.006
  EXPECT_NEAR(FractionBelow(kCut, kDraws, [] { return RandomUniform(kBound); }), 1.0 / 3, 0.03);
  // Negative control: the same check catches the biased mapping.
  EXPECT_GT(FractionBelow(kCut, kDraws, [] { return RandomU64() % kBound; }), 1.0 / 3 + 0.1);
}

TEST(CsprngSourceTest, IsAUniformRandomBitGeneratorAndASource) {
  CsprngSource source;
  RandomSource& abstract = source;
  EXPECT_NE(abstract.Next64(), abstract.Next64());  // equal with p = 2^-64
  std::uniform_int_distribution<int> die(1, 6);
  for (int i = 0; i < 100; ++i) {
    const int roll = die(source);
    ASSERT_GE(roll, 1);
    ASSERT_LE(roll, 6);
  }
}

TEST(CsprngTest, FirstUseFromManyThreadsAtOnceIsSafe) {
  EXPECT_TRUE(InitCrypto().ok());
  std::vector<std::thread> threads;
  std::vector<uint64_t> values(8);
  for (size_t t = 0; t < values.size(); ++t) {
    threads.emplace_back([&values, t] { values[t] = RandomU64() | RandomUniform(1000); });
  }
  for (auto& thread : threads) thread.join();
  std::sort(values.begin(), values.end());
  EXPECT_EQ(std::unique(values.begin(), values.end()), values.end());
}

}  // namespace
}  // namespace cairn
