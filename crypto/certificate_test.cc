#include "crypto/certificate.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/time.h"
#include "crypto/openssl_util.h"
#include "crypto/test_certificates.h"
#include "crypto/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::cairn::testing_util::CairnLikeSpec;
using ::cairn::testing_util::FixedIdentity;
using ::cairn::testing_util::IsOk;
using ::cairn::testing_util::MakeTestCertificate;
using ::cairn::testing_util::StatusIs;
using ::cairn::testing_util::TestCertificateSpec;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const Timestamp kNow = ParseTimestamp("2026-03-01T12:00:00Z").value();

class CertificateTest : public ::testing::Test {
 protected:
  CertificateBuilder Builder() {
    CertificateBuilder builder(identity_);
    builder.SetDisplayName("Acme Steel").SetNow(kNow);
    return builder;
  }
  std::string BuildPem() { return Builder().Build().value(); }
  CertificateInfo BuildAndParse() { return ParseCertificate(BuildPem()).value(); }

  // The parsed OpenSSL object, for checking what ParseCertificate does not report.
  crypto_internal::UniqueX509 OpenSslParse(const std::string& pem) {
    crypto_internal::UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return crypto_internal::UniqueX509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  }

  // A certificate breaking one rule, made for identity_.
  std::string Spoiled(const std::function<void(TestCertificateSpec&)>& spoil) {
    TestCertificateSpec spec = CairnLikeSpec(identity_, key_.get());
    spoil(spec);
    return MakeTestCertificate(spec);
  }

  const Identity identity_ = FixedIdentity(1);
  const crypto_internal::UniqueEvpPkey key_ = testing_util::Ed25519KeyOf(identity_);
};

TEST_F(CertificateTest, NamesItsOwnKey) {
  const CertificateInfo info = BuildAndParse();
  EXPECT_EQ(info.public_key, identity_.public_key());
  EXPECT_EQ(info.fingerprint, identity_.fingerprint());
  EXPECT_EQ(info.common_name, identity_.fingerprint().ToString());
  EXPECT_EQ(info.dns_name, identity_.fingerprint().HostName());
  EXPECT_EQ(info.organization, "Acme Steel");
}

TEST_F(CertificateTest, IsValidFromAnHourAgoForTheGivenDays) {
  const CertificateInfo info = ParseCertificate(Builder().SetValidDays(30).Build().value()).value();
  EXPECT_EQ(info.not_before, kNow - kMicrosPerHour);
  EXPECT_EQ(info.not_after, kNow + 30 * kMicrosPerDay);
}

TEST_F(CertificateTest, DefaultsToAYearFromTheWallClock) {
  CertificateBuilder builder(identity_);
  const Timestamp before = absl::ToUnixMicros(absl::Now());
  const CertificateInfo info =
      ParseCertificate(builder.SetDisplayName("Acme").Build().value()).value();
  const Timestamp after = absl::ToUnixMicros(absl::Now());
  EXPECT_GE(info.not_after, before - kMicrosPerSecond + 365 * kMicrosPerDay);
  EXPECT_LE(info.not_after, after + 365 * kMicrosPerDay);
  EXPECT_EQ(info.not_after - info.not_before, 365 * kMicrosPerDay + kMicrosPerHour);
}

TEST_F(CertificateTest, ExplicitValidityWinsForExpiredOrFutureCertificates) {
  const Timestamp from = ParseTimestamp("2020-01-01T00:00:00Z").value();
  const Timestamp to = ParseTimestamp("2021-01-01T00:00:00Z").value();
  const CertificateInfo info =
      ParseCertificate(Builder().SetValidity(from, to).Build().value()).value();
  EXPECT_EQ(info.not_before, from);
  EXPECT_EQ(info.not_after, to);
  // Times past 2049 use GeneralizedTime; they must read back the same.
  const Timestamp far = ParseTimestamp("2070-06-01T00:00:00Z").value();
  EXPECT_EQ(ParseCertificate(Builder().SetValidity(kNow, far).Build().value())->not_after, far);
}

TEST_F(CertificateTest, IsAnEndEntityV3CertificateForTls) {
  const crypto_internal::UniqueX509 cert = OpenSslParse(BuildPem());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  const int bc = X509_get_ext_by_NID(cert.get(), NID_basic_constraints, -1);
  ASSERT_GE(bc, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), bc)), 1);
  const int ku = X509_get_ext_by_NID(cert.get(), NID_key_usage, -1);
  ASSERT_GE(ku, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), ku)), 1);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_check_host(cert.get(), identity_.fingerprint().HostName().c_str(), 0, 0, nullptr),
            1);
  EXPECT_EQ(
      X509_check_host(cert.get(), FixedIdentity(2).fingerprint().HostName().c_str(), 0, 0, nullptr),
      0);
}

TEST_F(CertificateTest, SerialNumbersDiffer) {
  const auto a = OpenSslParse(BuildPem());
  const auto b = OpenSslParse(BuildPem());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
}

TEST_F(CertificateTest, KeepsANonAsciiDisplayName) {
  EXPECT_EQ(ParseCertificate(Builder().SetDisplayName("Stahlwerk Müller GmbH").Build().value())
                ->organization,
            "Stahlwerk Müller GmbH");
}

TEST_F(CertificateTest, BuilderRejectsBadDisplayNames) {
  EXPECT_THAT(Builder().SetDisplayName("").Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("required")));
  EXPECT_THAT(Builder().SetDisplayName(std::string(65, 'a')).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("65 bytes")));
  EXPECT_THAT(Builder().SetDisplayName("Acme\nSteel").Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control character")));
  EXPECT_THAT(Builder().SetDisplayName("Acme \xff").Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(Builder().SetDisplayName(std::string(64, 'a')).Build(), IsOk());
}

TEST_F(CertificateTest, BuilderRejectsBadValidity) {
  EXPECT_THAT(Builder().SetValidDays(0).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1..3650 days")));
  EXPECT_THAT(Builder().SetValidDays(3651).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1..3650 days")));
  EXPECT_THAT(Builder().SetValidity(kNow, kNow).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(Builder().SetValidity(kMinTimestamp, kNow).Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1950..9999")));
}

TEST_F(CertificateTest, ParseNormalisesThePem) {
  const std::string pem = BuildPem();
  const CertificateInfo info = ParseCertificate("\n  " + pem + "\n\n").value();
  EXPECT_EQ(info.pem, pem);
}

TEST_F(CertificateTest, ParseRejectsGarbage) {
  for (const std::string& garbage :
       {std::string(), std::string("hello"), std::string("-----BEGIN CERTIFICATE-----\n"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    EXPECT_THAT(ParseCertificate(garbage),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a valid Cairn")))
        << garbage;
  }
}

TEST_F(CertificateTest, ParseRejectsACorruptedBody) {
  std::string pem = BuildPem();
  const size_t middle = pem.size() / 2;
  pem[middle] = pem[middle] == 'A' ? 'B' : 'A';
  EXPECT_THAT(ParseCertificate(pem), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("not a valid Cairn certificate")));
}

TEST_F(CertificateTest, ParseRejectsMoreThanOneCertificate) {
  EXPECT_THAT(ParseCertificate(BuildPem() + BuildPem()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one")));
}

TEST_F(CertificateTest, ParseRejectsOversizedInput) {
  EXPECT_THAT(ParseCertificate(BuildPem() + std::string(20000, ' ')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("16384")));
}

TEST_F(CertificateTest, ParseAcceptsTheHandMadeEquivalent) {
  // Guards the negative tests below: each breaks exactly one rule of an acceptable certificate.
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec&) {})), IsOk());
}

TEST_F(CertificateTest, ParseRejectsKeysOtherThanEd25519) {
  const auto rsa = testing_util::NewRsaKey();
  const auto p256 = testing_util::NewP256Key();
  for (EVP_PKEY* key : {rsa.get(), p256.get()}) {
    TestCertificateSpec spec = CairnLikeSpec(identity_, key);
    EXPECT_THAT(ParseCertificate(MakeTestCertificate(spec)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Ed25519")));
  }
}

TEST_F(CertificateTest, ParseRejectsACommonNameThatIsNotItsOwnFingerprint) {
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) {
                spec.common_name = FixedIdentity(2).fingerprint().ToString();
              })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CN is not the fingerprint")));
  EXPECT_THAT(
      ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.common_name = "Acme Steel"; })),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CN is not the fingerprint")));
}

TEST_F(CertificateTest, ParseRejectsCaCertificates) {
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.ca = true; })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CA:TRUE")));
}

TEST_F(CertificateTest, ParseRejectsCertificatesWithoutBasicConstraints) {
  // OpenSSL treats a self-signed certificate without basicConstraints (v1 or v3) as a possible
  // CA, so "no constraints" is refused like CA:TRUE.
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.ca.reset(); })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("basicConstraints")));
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.version1 = true; })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("v3")));
}

TEST_F(CertificateTest, ParseRejectsAWrongOrAmbiguousSubjectAltName) {
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.dns_names.clear(); })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subjectAltName")));
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) {
                spec.dns_names = {FixedIdentity(2).fingerprint().HostName()};
              })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subjectAltName")));
  EXPECT_THAT(ParseCertificate(Spoiled([](TestCertificateSpec& spec) {
                spec.dns_names.push_back("partner.example.com");
              })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subjectAltName")));
}

TEST_F(CertificateTest, ParseRejectsCertificatesSignedByAnotherKey) {
  const crypto_internal::UniqueEvpPkey other = testing_util::Ed25519KeyOf(FixedIdentity(2));
  EXPECT_THAT(
      ParseCertificate(Spoiled([&](TestCertificateSpec& spec) { spec.signing_key = other.get(); })),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("own key")));
  EXPECT_THAT(ParseCertificate(Spoiled([&](TestCertificateSpec& spec) {
                spec.signing_key = other.get();
                spec.issuer_certificate =
                    CertificateBuilder(FixedIdentity(2)).SetDisplayName("Some CA").Build().value();
              })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not self-signed")));
}

TEST_F(CertificateTest, ParseRejectsASubjectOtherThanOAndCn) {
  EXPECT_THAT(
      ParseCertificate(Spoiled([](TestCertificateSpec& spec) { spec.organization.reset(); })),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly O and CN")));
  EXPECT_THAT(ParseCertificate(Spoiled(
                  [](TestCertificateSpec& spec) { spec.extra_organizational_unit = "Plant 7"; })),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly O and CN")));
}

TEST_F(CertificateTest, PrivateKeyPemIsPkcs8OfTheIdentityKey) {
  const SecretBytes pem = PrivateKeyPem(identity_).value();
  EXPECT_THAT(std::string(pem.view()), StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  crypto_internal::UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto_internal::UniqueEvpPkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(key.get(), key_.get()), 1);
}

}  // namespace
}  // namespace cairn
