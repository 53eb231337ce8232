#include "crypto/pairwise_mask.h"

#include <bitset>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crypto/csprng.h"
#include "crypto/ristretto.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr size_t kValues = 4096;

// Chi-square statistic of the 256-bin histogram of byte(v) over `values`.
template <typename ByteOf>
double ChiSquare(const std::vector<uint64_t>& values, ByteOf byte_of) {
  const double expected = static_cast<double>(values.size()) / 256;
  std::vector<double> bins(256, 0);
  for (size_t i = 0; i < values.size(); ++i) bins[byte_of(i)] += 1;
  double chi2 = 0;
  for (double observed : bins) chi2 += (observed - expected) * (observed - expected) / expected;
  return chi2;
}

// Problems that make `values` look unlike independent uniform draws from Z/2^64, or "" if
// none: per-bit balance (64 tests), chi-square over the top and the bottom byte, and over the
// top byte of successive differences (which are uniform too if the values are independent, and
// constant for a counter). Thresholds give false alarms around 1e-6 per check.
std::string UniformityProblems(const std::vector<uint64_t>& values) {
  std::string problems;
  const double n = static_cast<double>(values.size());
  for (int bit = 0; bit < 64; ++bit) {
    double ones = 0;
    for (uint64_t v : values) ones += static_cast<double>((v >> bit) & 1);
    const double z = (ones - n / 2) / std::sqrt(n / 4);
    if (std::abs(z) > 5.0) absl::StrAppend(&problems, "bit ", bit, " z=", z, "; ");
  }
  // Wilson-Hilferty: the chi-square(255) quantile at 1 - 1e-6 is about 377.
  constexpr double kChiSquareLimit = 377;
  const double top = ChiSquare(values, [&](size_t i) { return values[i] >> 56; });
  const double bottom = ChiSquare(values, [&](size_t i) { return values[i] & 0xff; });
  const double serial = ChiSquare(
      values, [&](size_t i) { return (values[(i + 1) % values.size()] - values[i]) >> 56; });
  if (top > kChiSquareLimit) absl::StrAppend(&problems, "top byte chi2=", top, "; ");
  if (bottom > kChiSquareLimit) absl::StrAppend(&problems, "bottom byte chi2=", bottom, "; ");
  if (serial > kChiSquareLimit) absl::StrAppend(&problems, "differences chi2=", serial, "; ");
  return problems;
}

// Mean Hamming distance between corresponding values (32 for unrelated uniform streams).
double MeanHammingDistance(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) total += std::bitset<64>(a[i] ^ b[i]).count();
  return total / static_cast<double>(a.size());
}

class PairwiseMaskTest : public ::testing::Test {
 protected:
  PairwiseMaskTest() {
    for (uint8_t i = 0; i < 7; ++i) members_.push_back(FixedIdentity(10 + 32 * i));
    for (const Identity& member : members_) cohort_.push_back(member.public_key());
  }

  std::vector<uint64_t> Stream(const Identity& a, const Identity& b, absl::string_view query_id,
                               const CohortHash& cohort) {
    return PairMaskStream(DerivePairKey(a, b.public_key()).value(), query_id, cohort, kValues)
        .value();
  }
  CohortHash Hash(const std::vector<PublicKey>& cohort) { return HashCohort(cohort).value(); }

  // Sum over the given members of their masks, each computed with that member's view of the
  // cohort and the query id.
  std::vector<uint64_t> SumOfMasks(const std::vector<std::vector<uint64_t>>& masks) {
    std::vector<uint64_t> sum(masks.front().size(), 0);
    for (const auto& mask : masks) {
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += mask[i];
    }
    return sum;
  }
  std::vector<uint64_t> MaskOf(size_t member, absl::string_view query_id = "q-1") {
    return CohortMask(members_[member], cohort_, query_id, kValues).value();
  }

  std::vector<Identity> members_;
  std::vector<PublicKey> cohort_;
};

TEST_F(PairwiseMaskTest, BothMembersOfAPairDeriveTheSameKey) {
  EXPECT_EQ(DerivePairKey(members_[0], cohort_[1]).value(),
            DerivePairKey(members_[1], cohort_[0]).value());
  EXPECT_NE(DerivePairKey(members_[0], cohort_[1]).value(),
            DerivePairKey(members_[0], cohort_[2]).value());
  EXPECT_NE(DerivePairKey(members_[0], cohort_[1]).value(),
            DerivePairKey(members_[2], cohort_[1]).value());
}

TEST_F(PairwiseMaskTest, NoKeyWithOneself) {
  EXPECT_THAT(DerivePairKey(members_[0], cohort_[0]),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("two different")));
}

TEST_F(PairwiseMaskTest, BothMembersOfAPairDeriveTheSameStream) {
  const CohortHash cohort = Hash(cohort_);
  EXPECT_EQ(Stream(members_[0], members_[1], "q-1", cohort),
            Stream(members_[1], members_[0], "q-1", cohort));
}

TEST_F(PairwiseMaskTest, MasksCancelOverTheWholeCohort) {
  std::vector<std::vector<uint64_t>> masks;
  for (size_t m = 0; m < members_.size(); ++m) masks.push_back(MaskOf(m));
  EXPECT_EQ(SumOfMasks(masks), std::vector<uint64_t>(kValues, 0));
  // Negative control: without one member the masks do not cancel anywhere.
  masks.pop_back();
  const std::vector<uint64_t> partial = SumOfMasks(masks);
  EXPECT_EQ(std::count(partial.begin(), partial.end(), 0u), 0);
}

TEST_F(PairwiseMaskTest, CohortOrderDoesNotMatter) {
  std::vector<PublicKey> reversed(cohort_.rbegin(), cohort_.rend());
  EXPECT_EQ(Hash(reversed), Hash(cohort_));
  EXPECT_EQ(CohortMask(members_[3], reversed, "q-1", kValues).value(), MaskOf(3));
}

TEST_F(PairwiseMaskTest, AMemberWithAnotherQueryIdLeavesGarbageNotZero) {
  std::vector<std::vector<uint64_t>> masks;
  for (size_t m = 0; m < members_.size(); ++m) masks.push_back(MaskOf(m, m == 4 ? "q-2" : "q-1"));
  const std::vector<uint64_t> sum = SumOfMasks(masks);
  EXPECT_EQ(std::count(sum.begin(), sum.end(), 0u), 0);
  EXPECT_THAT(UniformityProblems(sum), IsEmpty());
}

TEST_F(PairwiseMaskTest, AMemberWithAnotherCohortLeavesGarbageNotZero) {
  std::vector<std::vector<uint64_t>> masks;
  std::vector<PublicKey> smaller(cohort_.begin(), cohort_.end() - 1);  // without member 6
  for (size_t m = 0; m + 1 < members_.size(); ++m) {
    masks.push_back(CohortMask(members_[m], m == 0 ? smaller : cohort_, "q-1", kValues).value());
  }
  masks.push_back(MaskOf(6));
  const std::vector<uint64_t> sum = SumOfMasks(masks);
  EXPECT_EQ(std::count(sum.begin(), sum.end(), 0u), 0);
}

TEST_F(PairwiseMaskTest, AnotherQueryIdGivesAnUnrelatedStream) {
  const CohortHash cohort = Hash(cohort_);
  const auto a = Stream(members_[0], members_[1], "q-1", cohort);
  const auto b = Stream(members_[0], members_[1], "q-2", cohort);
  // Mean of 4096 binomial(64, 1/2) distances: 32 with sd 0.0625.
  EXPECT_NEAR(MeanHammingDistance(a, b), 32.0, 0.5);
  EXPECT_NEAR(MeanHammingDistance(a, Stream(members_[0], members_[1], "q-1 ", cohort)), 32.0, 0.5);
}

TEST_F(PairwiseMaskTest, AnotherCohortGivesAnUnrelatedStream) {
  std::vector<PublicKey> other(cohort_.begin(), cohort_.end() - 1);
  const auto a = Stream(members_[0], members_[1], "q-1", Hash(cohort_));
  const auto b = Stream(members_[0], members_[1], "q-1", Hash(other));
  EXPECT_NEAR(MeanHammingDistance(a, b), 32.0, 0.5);
}

TEST_F(PairwiseMaskTest, StreamsAndMasksLookUniform) {
  EXPECT_THAT(UniformityProblems(Stream(members_[0], members_[1], "q-1", Hash(cohort_))),
              IsEmpty());
  for (size_t m = 0; m < members_.size(); ++m) {
    EXPECT_THAT(UniformityProblems(MaskOf(m)), IsEmpty()) << "member " << m;
  }
}

TEST_F(PairwiseMaskTest, UniformityCheckCatchesBrokenMasks) {
  // Negative controls: the statistical check above must be able to fail.
  std::vector<uint64_t> top_bit_clear = MaskOf(0);
  for (uint64_t& v : top_bit_clear) v >>= 1;
  EXPECT_THAT(UniformityProblems(top_bit_clear), HasSubstr("bit 63"));

  std::vector<uint64_t> triangular_low_byte = MaskOf(1);
  for (uint64_t& v : triangular_low_byte) {
    v = (v & ~uint64_t{0xff}) | (((v >> 8) & 0x7f) + ((v >> 16) & 0x7f));  // sum of two bytes
  }
  EXPECT_THAT(UniformityProblems(triangular_low_byte), HasSubstr("bottom byte"));

  std::vector<uint64_t> counter(kValues);
  for (size_t i = 0; i < kValues; ++i) counter[i] = i * 0x9e3779b97f4a7c15ULL;
  EXPECT_THAT(UniformityProblems(counter), HasSubstr("differences"));
}

TEST_F(PairwiseMaskTest, MasksAreReproducible) {
  EXPECT_EQ(MaskOf(2), MaskOf(2));
  EXPECT_NE(MaskOf(2), MaskOf(3));
}

TEST_F(PairwiseMaskTest, RejectsBadCohorts) {
  EXPECT_THAT(HashCohort({cohort_[0]}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 1")));
  EXPECT_THAT(HashCohort({cohort_[0], cohort_[1], cohort_[0]}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than once")));
  std::vector<PublicKey> without_me(cohort_.begin() + 1, cohort_.end());
  EXPECT_THAT(CohortMask(members_[0], without_me, "q-1", 8),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a member")));
}

TEST_F(PairwiseMaskTest, RejectsBadRoundParameters) {
  EXPECT_THAT(CohortMask(members_[0], cohort_, "", 8),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query id")));
  EXPECT_THAT(CohortMask(members_[0], cohort_, std::string(257, 'q'), 8),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query id")));
  EXPECT_THAT(CohortMask(members_[0], cohort_, "q-1", kMaxMaskValues + 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mask values")));
  EXPECT_THAT(CohortMask(members_[0], cohort_, "q-1", 0), IsOk());
}

// Scalar masks (for bit commitments): they cancel mod l over the cohort, and only then.
class ScalarMaskTest : public PairwiseMaskTest {
 protected:
  static constexpr size_t kScalars = 64;

  SecretBytes ScalarMaskOf(size_t member, absl::string_view query_id = "q-1") {
    return CohortScalarMask(members_[member], cohort_, query_id, kScalars).value();
  }
  // How many of the kScalars positions sum to zero mod l over `masks`.
  static size_t ZeroSums(const std::vector<SecretBytes>& masks) {
    size_t zeros = 0;
    for (size_t i = 0; i < kScalars; ++i) {
      Scalar sum{};
      for (const SecretBytes& m : masks) {
        AddScalars(sum.data(), m.data() + i * kScalarBytes, sum.data());
      }
      zeros += sum == Scalar{} ? 1 : 0;
    }
    return zeros;
  }
};

TEST_F(ScalarMaskTest, ScalarMasksSumToZeroOverTheWholeCohort) {
  std::vector<SecretBytes> masks;
  for (size_t m = 0; m < members_.size(); ++m) masks.push_back(ScalarMaskOf(m));
  EXPECT_EQ(ZeroSums(masks), kScalars);
  // Negative controls: one member missing, or one with another round: no position cancels.
  std::vector<SecretBytes> without_one;
  for (size_t m = 1; m < members_.size(); ++m) without_one.push_back(ScalarMaskOf(m));
  EXPECT_EQ(ZeroSums(without_one), 0u);
  masks[3] = ScalarMaskOf(3, "q-2");
  EXPECT_EQ(ZeroSums(masks), 0u);
}

TEST_F(ScalarMaskTest, ScalarMasksAreCanonicalAndUnrelatedToTheWordMasks) {
  const SecretBytes mask = ScalarMaskOf(0);
  for (size_t i = 0; i < kScalars; ++i) {
    EXPECT_TRUE(IsCanonicalScalar(mask.data() + i * kScalarBytes)) << i;
  }
  const PairKey key = DerivePairKey(members_[0], cohort_[1]).value();
  const SecretBytes scalars = PairScalarStream(key, "q-1", Hash(cohort_), 4).value();
  const std::vector<uint64_t> words = PairMaskStream(key, "q-1", Hash(cohort_), 16).value();
  EXPECT_NE(std::memcmp(scalars.data(), words.data(), 8 * sizeof(uint64_t)), 0);
  EXPECT_EQ(
      PairScalarStream(DerivePairKey(members_[1], cohort_[0]).value(), "q-1", Hash(cohort_), 4)
          .value(),
      scalars);
  EXPECT_THAT(PairScalarStream(key, "q-1", Hash(cohort_), kMaxMaskScalars + 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mask scalars")));
}

}  // namespace
}  // namespace cairn
