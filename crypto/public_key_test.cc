#include "crypto/public_key.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// RFC 8032 section 7.1, test 1. Expected fingerprint computed independently:
//   base64.b32encode(sha256(pk).digest()[:20]).lower()
constexpr char kRfc8032PublicKeyHex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kRfc8032Fingerprint[] = "ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3kl";

PublicKey Rfc8032Key() {
  return PublicKey::FromBytes(absl::HexStringToBytes(kRfc8032PublicKeyHex)).value();
}

TEST(FingerprintTest, IsTruncatedSha256InLowerCaseBase32) {
  EXPECT_EQ(Fingerprint::Of(Rfc8032Key()).ToString(), kRfc8032Fingerprint);
  EXPECT_EQ(Rfc8032Key().fingerprint().Base32(), "eh7ddx5bksrgcytl7bkai36se4nxx3kl");
}

TEST(FingerprintTest, NamesItsKeyAsATlsHost) {
  EXPECT_EQ(Rfc8032Key().fingerprint().HostName(), "eh7ddx5bksrgcytl7bkai36se4nxx3kl.cairn");
}

TEST(FingerprintTest, AlwaysPrintsPrefixAnd32Base32Characters) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_THAT(testing_util::FixedIdentity(i * 7).fingerprint().ToString(),
                MatchesRegex("ed25519:[a-z2-7]{32}"));
  }
}

TEST(FingerprintTest, ParsesWhatItPrints) {
  const Fingerprint fp = Rfc8032Key().fingerprint();
  EXPECT_EQ(Fingerprint::Parse(fp.ToString()).value(), fp);
}

TEST(FingerprintTest, ParseAcceptsAnyCaseAndSurroundingWhitespace) {
  const Fingerprint fp = Rfc8032Key().fingerprint();
  EXPECT_EQ(Fingerprint::Parse("ED25519:EH7DDX5BKSRGCYTL7BKAI36SE4NXX3KL").value(), fp);
  EXPECT_EQ(Fingerprint::Parse(" \t ed25519:Eh7ddx5bksrgcytl7bkai36se4nxx3kl\n").value(), fp);
}

TEST(FingerprintTest, ParseRejectsAMissingOrForeignPrefix) {
  EXPECT_THAT(Fingerprint::Parse("eh7ddx5bksrgcytl7bkai36se4nxx3kl"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"ed25519:\"")));
  EXPECT_THAT(Fingerprint::Parse("ssh-ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3kl"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"ed25519:\"")));
  EXPECT_THAT(Fingerprint::Parse(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"ed25519:\"")));
}

TEST(FingerprintTest, ParseRejectsTheWrongLength) {
  EXPECT_THAT(Fingerprint::Parse("ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3k"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 31")));
  EXPECT_THAT(Fingerprint::Parse("ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3kla"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 33")));
  EXPECT_THAT(Fingerprint::Parse("ed25519:"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 0")));
}

TEST(FingerprintTest, ParseRejectsCharactersOutsideBase32) {
  // 0, 1, 8 and 9 are not in the RFC 4648 alphabet; nor is padding or inner whitespace.
  for (const char* bad :
       {"ed25519:0h7ddx5bksrgcytl7bkai36se4nxx3kl", "ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3k1",
        "ed25519:eh7ddx5bksrgcyt8l7bkai36se4nxx3k", "ed25519:eh7ddx5bksrgcyt",
        "ed25519:eh7ddx5bksrgcytl7bkai36se4nxx3k=", "ed25519:eh7ddx5bksrgcytl 7bkai36se4nxx3k"}) {
    EXPECT_THAT(Fingerprint::Parse(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fingerprint")))
        << bad;
  }
  EXPECT_THAT(Fingerprint::Parse("ed25519:0h7ddx5bksrgcytl7bkai36se4nxx3kl"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 9")));
}

TEST(FingerprintTest, ErrorMessagesEscapeAndShortenTheInput) {
  const std::string long_garbage(500, '\x01');
  const absl::Status status = Fingerprint::Parse(long_garbage).status();
  EXPECT_LT(status.message().size(), 400u);
  EXPECT_THAT(std::string(status.message()), HasSubstr("\\x01"));
}

TEST(FingerprintTest, OrdersByBytesAndHashesConsistently) {
  const Fingerprint a = testing_util::FixedIdentity(1).fingerprint();
  const Fingerprint b = testing_util::FixedIdentity(2).fingerprint();
  EXPECT_NE(a, b);
  EXPECT_TRUE((a < b) != (b < a));
  EXPECT_EQ(a < b, a.bytes() < b.bytes());
}

TEST(PublicKeyTest, RejectsTheWrongLength) {
  EXPECT_THAT(PublicKey::FromBytes(std::string(31, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 31")));
}

TEST(PublicKeyTest, RejectsSmallOrderPoints) {
  // The neutral element (y = 1): a "public key" every signature check could be cheated with.
  std::string identity_point(32, '\0');
  identity_point[0] = 1;
  EXPECT_THAT(PublicKey::FromBytes(identity_point),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a valid point")));
  EXPECT_THAT(PublicKey::FromBytes(std::string(32, '\0')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a valid point")));
}

TEST(PublicKeyTest, KeepsItsBytes) {
  EXPECT_EQ(absl::BytesToHexString(Rfc8032Key().AsStringView()), kRfc8032PublicKeyHex);
}

}  // namespace
}  // namespace cairn
