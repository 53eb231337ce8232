// Hand-made test certificates; see test_certificates.h.
#include "crypto/test_certificates.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "crypto/identity_keys.h"

namespace cairn {
namespace testing_util {
namespace {

using crypto_internal::UniqueBio;
using crypto_internal::UniqueEvpPkey;
using crypto_internal::UniqueX509;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test certificate: %s failed\n", what);
    std::abort();
  }
}

void AddName(X509_NAME* name, const char* field, const std::string& value) {
  Check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
}

void AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

}  // namespace

UniqueEvpPkey Ed25519KeyOf(const Identity& identity) {
  const auto& seed = crypto_internal::IdentityKeys::Seed(identity);
  UniqueEvpPkey key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  Check(key != nullptr, "EVP_PKEY_new_raw_private_key");
  return key;
}

UniqueEvpPkey NewRsaKey() {
  UniqueEvpPkey key(EVP_RSA_gen(2048));
  Check(key != nullptr, "EVP_RSA_gen");
  return key;
}

UniqueEvpPkey NewP256Key() {
  UniqueEvpPkey key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

TestCertificateSpec CairnLikeSpec(const Identity& identity, EVP_PKEY* key) {
  TestCertificateSpec spec;
  spec.subject_key = key;
  spec.common_name = identity.fingerprint().ToString();
  spec.dns_names = {identity.fingerprint().HostName()};
  return spec;
}

std::string MakeTestCertificate(const TestCertificateSpec& spec) {
  EVP_PKEY* signing_key = spec.signing_key != nullptr ? spec.signing_key : spec.subject_key;
  UniqueX509 cert(X509_new());
  Check(cert != nullptr, "X509_new");
  Check(X509_set_version(cert.get(), spec.version1 ? X509_VERSION_1 : X509_VERSION_3) == 1,
        "X509_set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242) == 1, "serial");
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const int64_t not_before = spec.not_before != 0 ? spec.not_before / kMicrosPerSecond : now - 3600;
  const int64_t not_after = spec.not_after != 0 ? spec.not_after / kMicrosPerSecond : now + 86400;
  Check(ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before) != nullptr, "notBefore");
  Check(ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after) != nullptr, "notAfter");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (spec.organization.has_value()) AddName(subject, "O", *spec.organization);
  if (spec.extra_organizational_unit.has_value()) {
    AddName(subject, "OU", *spec.extra_organizational_unit);
  }
  AddName(subject, "CN", spec.common_name);
  if (!spec.issuer_certificate.empty()) {
    UniqueBio bio(BIO_new_mem_buf(spec.issuer_certificate.data(),
                                  static_cast<int>(spec.issuer_certificate.size())));
    UniqueX509 issuer(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    Check(issuer != nullptr, "PEM_read_bio_X509 (issuer)");
    Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get())) == 1,
          "X509_set_issuer_name");
  } else {
    Check(X509_set_issuer_name(cert.get(), subject) == 1, "X509_set_issuer_name");
  }
  Check(X509_set_pubkey(cert.get(), spec.subject_key) == 1, "X509_set_pubkey");

  if (!spec.version1) {
    if (spec.ca.has_value()) {
      AddExtension(cert.get(), NID_basic_constraints,
                   *spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
      AddExtension(
          cert.get(), NID_key_usage,
          *spec.ca ? "critical,digitalSignature,keyCertSign" : "critical,digitalSignature");
    }
    std::string san;
    for (const std::string& dns : spec.dns_names) {
      absl::StrAppend(&san, san.empty() ? "" : ",", "DNS:", dns);
    }
    if (!san.empty()) AddExtension(cert.get(), NID_subject_alt_name, san);
  }
  const EVP_MD* digest = EVP_PKEY_get_id(signing_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  Check(X509_sign(cert.get(), signing_key, digest) > 0, "X509_sign");

  UniqueBio bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace testing_util
}  // namespace cairn
