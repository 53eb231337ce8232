#include "crypto/sealing.h"

#include <string>

#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;

class SealingTest : public ::testing::Test {
 protected:
  std::string SealToPartner(const std::string& plaintext) {
    return Seal(partner_.public_key(), plaintext).value();
  }
  const Identity partner_ = FixedIdentity(1);
  const Identity someone_else_ = FixedIdentity(2);
};

TEST_F(SealingTest, RecipientOpensWhatWasSealedToIt) {
  EXPECT_EQ(Open(partner_, SealToPartner("kg CO2e per unit: 1.84")).value(),
            "kg CO2e per unit: 1.84");
  EXPECT_EQ(Open(partner_, SealToPartner("")).value(), "");
}

TEST_F(SealingTest, CiphertextHasAFixedOverheadAndHidesThePlaintext) {
  const std::string plaintext(2048, 'A');
  const std::string sealed = SealToPartner(plaintext);
  EXPECT_EQ(sealed.size(), plaintext.size() + kSealOverheadBytes);
  EXPECT_EQ(sealed.find("AAAAAAAA"), std::string::npos);
}

TEST_F(SealingTest, SealingTwiceGivesDifferentCiphertexts) {
  EXPECT_NE(SealToPartner("same"), SealToPartner("same"));
}

TEST_F(SealingTest, AnotherIdentityCannotOpen) {
  EXPECT_THAT(Open(someone_else_, SealToPartner("secret figure")),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("another recipient")));
}

TEST_F(SealingTest, EveryTamperedByteIsDetected) {
  const std::string sealed = SealToPartner("a 40-byte result nobody may change ....");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string tampered = sealed;
    tampered[i] ^= 0x01;
    EXPECT_THAT(Open(partner_, tampered),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("altered")))
        << "byte " << i;
  }
}

TEST_F(SealingTest, TruncatedCiphertextIsRejected) {
  const std::string sealed = SealToPartner("result");
  EXPECT_FALSE(Open(partner_, sealed.substr(0, sealed.size() - 1)).ok());
  EXPECT_THAT(Open(partner_, sealed.substr(0, kSealOverheadBytes - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too short")));
  EXPECT_THAT(Open(partner_, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too short")));
}

}  // namespace
}  // namespace cairn
