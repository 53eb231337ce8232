#include "base/exact_sum.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace cairn {
namespace {

TEST(ExactSum, CancelsWhatFloatingPointLoses) {
  ExactSum s;
  s.Add(1e16);
  s.Add(1.0);
  s.Add(-1e16);
  EXPECT_EQ(s.ToDouble(), 1.0);  // naive double addition gives 0
}

TEST(ExactSum, OrderIndependentAndInvertible) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> dist(-1e9, 1e9);
  std::vector<double> v(10000);
  for (double& x : v) x = dist(rng) * std::pow(10.0, static_cast<int>(rng() % 20) - 10);
  ExactSum forward, backward;
  for (double x : v) forward.Add(x);
  for (auto it = v.rbegin(); it != v.rend(); ++it) backward.Add(*it);
  EXPECT_EQ(forward, backward);
  ExactSum s = forward;
  s.Subtract(v[17]);
  s.Add(v[17]);
  EXPECT_EQ(s, forward);
  for (double x : v) s.Subtract(x);
  EXPECT_TRUE(s.IsZero());
}

TEST(ExactSum, RelativeErrorBelowOneInATrillionAgainstLongDouble) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> dist(0, 1000);
  ExactSum s;
  long double reference = 0;
  for (int i = 0; i < 1000000; ++i) {
    double x = dist(rng);
    s.Add(x);
    reference += x;
  }
  EXPECT_LT(std::fabs((s.ToDouble() - reference) / reference), 1e-15);
}

TEST(ExactSum, MergeEqualsAddingAll) {
  ExactSum a, b, all;
  for (int i = 0; i < 100; ++i) {
    a.Add(i * 0.1);
    all.Add(i * 0.1);
    b.Add(-i * 3.7);
    all.Add(-i * 3.7);
  }
  a.Merge(b);
  EXPECT_EQ(a, all);
  a.Unmerge(b);
  b.Merge(a);
  EXPECT_EQ(b, all);
}

TEST(ExactSum, EncodeDecode) {
  ExactSum s;
  s.Add(-12345.678);
  std::string buf;
  s.EncodeTo(&buf);
  ExactSum t;
  ASSERT_TRUE(t.DecodeFrom(buf));
  EXPECT_EQ(s, t);
  EXPECT_FALSE(t.DecodeFrom(buf.substr(1)));
}

TEST(ExactSum, LargestValues) {
  ExactSum s;
  for (int i = 0; i < 1000; ++i) s.Add(ExactSum::kMaxAbsValue);
  EXPECT_EQ(s.ToDouble(), 1000 * ExactSum::kMaxAbsValue);
}

}  // namespace
}  // namespace cairn
