// The fixed-point encoding: exact quanta from doubles, exact decimal text, and limbs whose sums
// recombine into exact totals (or are recognised as garbage).
#include "federation/fixed_point.h"

#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

std::string Q(double v) { return FormatQuanta(ToQuanta(v).value()); }

// The limb sums of `values`, as the masked sum leaves them.
std::vector<uint64_t> LimbSums(const std::vector<Quanta>& values) {
  std::vector<uint64_t> sums(kLimbs, 0);
  for (Quanta q : values) {
    std::vector<uint64_t> limbs;
    AppendLimbs(q, &limbs);
    for (int k = 0; k < kLimbs; ++k) sums[k] += limbs[k];
  }
  return sums;
}

TEST(FixedPointTest, DoublesBecomeExactMillionths) {
  EXPECT_EQ(Q(0), "0");
  EXPECT_EQ(Q(1.5), "1.5");
  EXPECT_EQ(Q(-0.25), "-0.25");
  EXPECT_EQ(Q(0.1), "0.1");  // nearest double, then nearest millionth
  EXPECT_EQ(Q(1e-6), "0.000001");
  EXPECT_EQ(Q(4e-7), "0");  // below half a millionth
  EXPECT_EQ(Q(6e-7), "0.000001");
  EXPECT_EQ(Q(std::ldexp(1.0, -7)), "0.007813");  // 7812.5 millionths: ties away from zero
  EXPECT_EQ(Q(-std::ldexp(1.0, -7)), "-0.007813");
  EXPECT_EQ(Q(1e24), "999999999999999983222784");  // the double nearest 1e24, exactly
  EXPECT_EQ(Q(std::ldexp(1.0, 90)), "1237940039285380274899124224");
}

TEST(FixedPointTest, NonFiniteAndHugeFiguresAreRefused) {
  EXPECT_FALSE(ToQuanta(std::nan("")).ok());
  EXPECT_FALSE(ToQuanta(INFINITY).ok());
  EXPECT_FALSE(ToQuanta(1e29).ok());
  EXPECT_TRUE(ToQuanta(8e28).ok());
  EXPECT_TRUE(ToQuanta(-8e28).ok());
}

TEST(FixedPointTest, TextRoundTripsAndOnlyCanonicalTextParses) {
  for (const char* text : {"0", "-1", "3.000001", "-12.5", "123456789012345678901234567890.5"}) {
    absl::StatusOr<Quanta> q = ParseQuanta(text);
    ASSERT_TRUE(q.ok()) << text << ": " << q.status();
    EXPECT_EQ(FormatQuanta(*q), text);
  }
  for (const char* text : {"", "-", "-0", "01", "1.", "1.50", "1.0000001", "+1", "1e5", " 1"}) {
    EXPECT_FALSE(ParseQuanta(text).ok()) << text;
  }
}

TEST(FixedPointTest, LimbSumsRecombineIntoTheExactTotalWithNegativeAndHugeValues) {
  std::mt19937_64 rng(5);
  std::vector<Quanta> values;
  Quanta total = 0;
  for (int i = 0; i < 1000; ++i) {                                // the largest cohort
    Quanta q = (static_cast<Quanta>(rng() >> 12) << 64) | rng();  // up to 2^116
    if (rng() % 2) q = -q;
    values.push_back(q);
    total += q;
  }
  absl::StatusOr<Quanta> sum = FromLimbSums(LimbSums(values), values.size());
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(FormatQuanta(*sum), FormatQuanta(total));
  EXPECT_EQ(FormatQuanta(FromLimbSums(LimbSums({-5, 3}), 2).value()), "-0.000002");
}

TEST(FixedPointTest, LimbSumsNoHonestCohortCanProduceAreGarbage) {
  std::vector<uint64_t> sums = LimbSums({1, 2, 3});
  sums[2] = uint64_t{3} << 32;  // more than 3 limbs of at most 2^32 - 1
  EXPECT_EQ(FromLimbSums(sums, 3).status().code(), absl::StatusCode::kDataLoss);
  std::mt19937_64 rng(9);
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint64_t> random = {rng(), rng(), rng(), rng()};
    accepted += FromLimbSums(random, 100).ok();
  }
  EXPECT_EQ(accepted, 0);
}

}  // namespace
}  // namespace cairn
