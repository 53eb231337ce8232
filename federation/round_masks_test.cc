// Per-round masks: the same as crypto's CohortMask, cancelling over the cohort, and different
// for every phase, transcript and cohort.
#include "federation/round_masks.h"

#include <vector>

#include "federation/testing.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using federation_testing::FixedIdentity;

class RoundMasksTest : public ::testing::Test {
 protected:
  RoundMasksTest() {
    for (int i = 1; i <= 4; ++i) members_.push_back(FixedIdentity(static_cast<uint8_t>(i)));
    for (const Identity& m : members_) cohort_.push_back(m.public_key());
  }
  std::vector<uint64_t> MaskOf(int i, const std::string& stream, size_t n = 16) {
    return RoundMasks::Derive(members_[i], cohort_).value().Mask(stream, n).value();
  }

  std::vector<Identity> members_;
  std::vector<PublicKey> cohort_;
  const RoundDigest round_ = DigestProposal("a proposal");
};

TEST_F(RoundMasksTest, AMemberMaskIsCryptosCohortMask) {
  const std::string stream = StreamId(round_, Phase::kCounts);
  EXPECT_EQ(MaskOf(2, stream), CohortMask(members_[2], cohort_, stream, 16).value());
}

TEST_F(RoundMasksTest, TheCohortsMasksCancel) {
  const std::string stream = StreamId(round_, Phase::kValues, "transcript");
  std::vector<uint64_t> sum(16, 0);
  for (int i = 0; i < 4; ++i) {
    std::vector<uint64_t> m = MaskOf(i, stream);
    for (size_t k = 0; k < sum.size(); ++k) sum[k] += m[k];
  }
  EXPECT_EQ(sum, std::vector<uint64_t>(16, 0));
}

TEST_F(RoundMasksTest, AMemberScalarMaskIsCryptosAndTheCohortsCancel) {
  const std::string stream = StreamId(round_, Phase::kCounts);
  Scalar sum{};
  for (int i = 0; i < 4; ++i) {
    const SecretBytes z =
        RoundMasks::Derive(members_[i], cohort_).value().ScalarMask(stream, 3).value();
    EXPECT_EQ(z, CohortScalarMask(members_[i], cohort_, stream, 3).value());
    AddScalars(sum.data(), z.data() + 2 * kScalarBytes, sum.data());
  }
  EXPECT_EQ(sum, Scalar{});
}

TEST_F(RoundMasksTest, StreamsDifferByPhaseTranscriptAndRound) {
  const std::string counts = StreamId(round_, Phase::kCounts);
  EXPECT_NE(counts, StreamId(round_, Phase::kValues));
  EXPECT_NE(StreamId(round_, Phase::kValues, "a"), StreamId(round_, Phase::kValues, "b"));
  EXPECT_NE(counts, StreamId(DigestProposal("another proposal"), Phase::kCounts));
  EXPECT_NE(MaskOf(0, counts), MaskOf(0, StreamId(round_, Phase::kValues)));
}

TEST_F(RoundMasksTest, OnlyACohortMemberHasMasks) {
  Identity outsider = FixedIdentity(99);
  EXPECT_EQ(RoundMasks::Derive(outsider, cohort_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RoundMasksTest, KeptPairKeysGiveTheSameMasksAsFreshOnes) {
  const std::string stream = StreamId(round_, Phase::kCounts);
  PairKeys keys(members_[1]);
  keys.Warm(cohort_);
  EXPECT_EQ(keys.size(), 3u);  // not with itself
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(RoundMasks::Derive(members_[1], cohort_, &keys).value().Mask(stream, 16).value(),
              MaskOf(1, stream));
  }
  EXPECT_EQ(keys.size(), 3u);
  // A peer first seen in a round is derived then, and kept.
  std::vector<PublicKey> larger = cohort_;
  larger.push_back(FixedIdentity(5).public_key());
  EXPECT_EQ(RoundMasks::Derive(members_[1], larger, &keys).value().Mask(stream, 4).value(),
            CohortMask(members_[1], larger, stream, 4).value());
  EXPECT_EQ(keys.size(), 4u);
}

}  // namespace
}  // namespace cairn
