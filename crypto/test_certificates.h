// Hand-made certificates for tests of what Cairn must refuse: wrong key types, lying CNs, CA
// certificates, certificates issued by one partner for another. Built with OpenSSL directly so
// that they can break every rule CertificateBuilder keeps.
//
// Thread-compatible; for tests only.
#ifndef CAIRN_CRYPTO_TEST_CERTIFICATES_H_
#define CAIRN_CRYPTO_TEST_CERTIFICATES_H_

#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "crypto/identity.h"
#include "crypto/openssl_util.h"

namespace cairn {
namespace testing_util {

// The identity's key as an OpenSSL key (private part included).
crypto_internal::UniqueEvpPkey Ed25519KeyOf(const Identity& identity);
// Fresh keys of other types.
crypto_internal::UniqueEvpPkey NewRsaKey();
crypto_internal::UniqueEvpPkey NewP256Key();

struct TestCertificateSpec {
  EVP_PKEY* subject_key = nullptr;  // its public part is certified
  EVP_PKEY* signing_key = nullptr;  // signs the certificate; null: subject_key (self-signed)
  std::string common_name;          // subject CN
  std::optional<std::string> organization = "Test Org";  // nullopt: no O
  std::optional<std::string> extra_organizational_unit;  // an OU the subject should not have
  std::string issuer_certificate;      // PEM; when set, the issuer name is its subject's
                                       // (default: issuer == subject)
  std::optional<bool> ca = false;      // nullopt: no basicConstraints at all
  std::vector<std::string> dns_names;  // subjectAltName DNS entries; empty: none
  bool version1 = false;               // X.509 v1: no extensions at all
  Timestamp not_before = 0;            // 0: now - 1 h
  Timestamp not_after = 0;             // 0: now + 1 day
};

// The certificate as PEM; aborts the test binary on OpenSSL failure.
std::string MakeTestCertificate(const TestCertificateSpec& spec);

// A spec that produces what CertificateBuilder would, for `identity`, ready to be spoiled.
TestCertificateSpec CairnLikeSpec(const Identity& identity, EVP_PKEY* key);

}  // namespace testing_util
}  // namespace cairn

#endif  // CAIRN_CRYPTO_TEST_CERTIFICATES_H_
