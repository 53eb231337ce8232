#include "crypto/signing.h"

#include <string>

#include "absl/strings/escaping.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;

Identity Rfc8032Identity() {
  const std::string seed =
      absl::HexStringToBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  return Identity::FromSeed(
      SecretArray<kSeedBytes>::CopyFrom(reinterpret_cast<const uint8_t*>(seed.data())));
}

TEST(SigningTest, MatchesTheRfc8032TestVector) {
  EXPECT_EQ(
      absl::BytesToHexString(Sign(Rfc8032Identity(), "").AsStringView()),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(SigningTest, SignatureVerifiesWithTheSignersKey) {
  const Identity signer = FixedIdentity(1);
  EXPECT_THAT(Verify(signer.public_key(), "result bytes", Sign(signer, "result bytes")), IsOk());
}

TEST(SigningTest, SignatureDoesNotVerifyWithAnotherKey) {
  const Signature signature = Sign(FixedIdentity(1), "result bytes");
  EXPECT_THAT(Verify(FixedIdentity(2).public_key(), "result bytes", signature),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       HasSubstr(FixedIdentity(2).fingerprint().ToString())));
}

TEST(SigningTest, SignatureDoesNotVerifyForOtherBytes) {
  const Identity signer = FixedIdentity(1);
  const Signature signature = Sign(signer, "result bytes");
  EXPECT_THAT(Verify(signer.public_key(), "result byteS", signature),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not verify")));
  EXPECT_THAT(Verify(signer.public_key(), "result bytes ", signature),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("does not verify")));
}

TEST(SigningTest, EveryFlippedSignatureBitIsCaught) {
  const Identity signer = FixedIdentity(1);
  const std::string good(Sign(signer, "message").AsStringView());
  for (size_t bit = 0; bit < 8 * kSignatureBytes; ++bit) {
    std::string bad = good;
    bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_FALSE(Verify(signer.public_key(), "message", Signature::FromBytes(bad).value()).ok())
        << "bit " << bit;
  }
}

TEST(SigningTest, SignatureRoundTripsThroughBytes) {
  const Signature signature = Sign(FixedIdentity(1), "message");
  EXPECT_EQ(Signature::FromBytes(signature.AsStringView()).value(), signature);
  EXPECT_THAT(Signature::FromBytes(std::string(63, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 63")));
}

TEST(SigningTest, BinaryMessagesWithZeroBytesAreSignedWhole) {
  const Identity signer = FixedIdentity(1);
  const std::string message("a\0b", 3);
  const Signature signature = Sign(signer, message);
  EXPECT_THAT(Verify(signer.public_key(), message, signature), IsOk());
  EXPECT_FALSE(Verify(signer.public_key(), "a", signature).ok());
}

}  // namespace
}  // namespace cairn
