// Self-signed Ed25519 certificates; see certificate.h.
#include "crypto/certificate.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cstring>
#include <ctime>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/identity_keys.h"
#include "crypto/openssl_util.h"

namespace cairn {
namespace {

using crypto_internal::OpenSslError;
using crypto_internal::UniqueBasicConstraints;
using crypto_internal::UniqueBignum;
using crypto_internal::UniqueBio;
using crypto_internal::UniqueEvpPkey;
using crypto_internal::UniqueGeneralNames;
using crypto_internal::UniqueX509;
using crypto_internal::UniqueX509Extension;

constexpr absl::string_view kPemBegin = "-----BEGIN CERTIFICATE-----";
constexpr absl::string_view kPemEnd = "-----END CERTIFICATE-----";
constexpr int kSerialBytes = 16;
// ASN.1 times this code writes and reads: UTCTime covers 1950..2049, GeneralizedTime the rest
// up to 9999.
const Timestamp kMinCertificateTime = DaysFromCivil(1950, 1, 1) * kMicrosPerDay;

absl::Status Invalid(absl::string_view why) {
  crypto_internal::ClearOpenSslErrors();
  return absl::InvalidArgumentError(absl::StrCat("not a valid Cairn certificate: ", why));
}

absl::StatusOr<UniqueEvpPkey> PrivateKeyOf(const Identity& identity) {
  const SecretArray<kSeedBytes>& seed = crypto_internal::IdentityKeys::Seed(identity);
  UniqueEvpPkey pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot load the Ed25519 key into OpenSSL");
  }
  return pkey;
}

absl::Status CheckDisplayName(absl::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("certificate display name (O) is required");
  }
  if (name.size() > kMaxDisplayNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("certificate display name has ", name.size(),
                                                   " bytes; at most ", kMaxDisplayNameBytes));
  }
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError("certificate display name contains a control character");
    }
  }
  return absl::OkStatus();
}

absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  UniqueX509Extension ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        absl::StrCat("cannot add certificate extension ", OBJ_nid2sn(nid)));
  }
  return absl::OkStatus();
}

absl::Status SetTime(ASN1_TIME* field, Timestamp ts) {
  // Whole seconds, rounded down (X.509 has no fractions).
  const Timestamp floored =
      ts >= 0 ? ts / kMicrosPerSecond : -((-ts + kMicrosPerSecond - 1) / kMicrosPerSecond);
  if (ASN1_TIME_set(field, static_cast<time_t>(floored)) == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set certificate validity");
  }
  return absl::OkStatus();
}

absl::StatusOr<Timestamp> ReadTime(const ASN1_TIME* field, absl::string_view which) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (field == nullptr || ASN1_TIME_to_tm(field, &tm) != 1) {
    return Invalid(absl::StrCat("unreadable ", which, " time"));
  }
  const int64_t days = DaysFromCivil(tm.tm_year + 1900LL, static_cast<unsigned>(tm.tm_mon + 1),
                                     static_cast<unsigned>(tm.tm_mday));
  return days * kMicrosPerDay +
         (tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec) * kMicrosPerSecond;
}

absl::StatusOr<std::string> ToPem(X509* cert) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode certificate as PEM");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// The value of the only `nid` entry in `name`; InvalidArgument if there is none or several.
absl::StatusOr<std::string> OnlyEntry(X509_NAME* name, int nid, absl::string_view label) {
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return Invalid(absl::StrCat("subject has no ", label));
  if (X509_NAME_get_index_by_NID(name, nid, index) >= 0) {
    return Invalid(absl::StrCat("subject has more than one ", label));
  }
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return Invalid(absl::StrCat("subject ", label, " is not a readable string"));
  std::string value(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return value;
}

absl::StatusOr<PublicKey> Ed25519KeyOf(X509* cert) {
  EVP_PKEY* pkey = X509_get0_pubkey(cert);
  if (pkey == nullptr) return Invalid("unreadable public key");
  if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
    const char* type = OBJ_nid2sn(EVP_PKEY_get_id(pkey));
    return Invalid(absl::StrCat("key type is ", type != nullptr ? type : "unknown",
                                "; Cairn identities are Ed25519"));
  }
  unsigned char raw[kPublicKeyBytes];
  size_t raw_len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 || raw_len != sizeof(raw)) {
    return Invalid("unreadable Ed25519 public key");
  }
  absl::StatusOr<PublicKey> key =
      PublicKey::FromBytes(absl::string_view(reinterpret_cast<const char*>(raw), raw_len));
  if (!key.ok()) return Invalid(key.status().message());
  return *key;
}

absl::Status CheckExtensions(X509* cert, const Fingerprint& fingerprint) {
  if ((X509_get_extension_flags(cert) & EXFLAG_INVALID) != 0) {
    return Invalid("an extension is malformed");
  }
  UniqueBasicConstraints constraints(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, nullptr, nullptr)));
  if (constraints == nullptr) return Invalid("no basicConstraints extension (CA:FALSE required)");
  if (constraints->ca) return Invalid("it is a CA certificate (CA:TRUE)");

  const uint32_t key_usage = X509_get_key_usage(cert);  // UINT32_MAX when absent
  if ((key_usage & KU_DIGITAL_SIGNATURE) == 0) {
    return Invalid("keyUsage does not allow digitalSignature");
  }

  UniqueGeneralNames names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  const std::string expected_dns = fingerprint.HostName();
  if (names == nullptr || sk_GENERAL_NAME_num(names.get()) != 1) {
    return Invalid(absl::StrCat("subjectAltName must be exactly DNS:", expected_dns));
  }
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), 0);
  if (name->type != GEN_DNS) {
    return Invalid(absl::StrCat("subjectAltName must be exactly DNS:", expected_dns));
  }
  const ASN1_IA5STRING* dns = name->d.dNSName;
  const absl::string_view dns_text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                   static_cast<size_t>(ASN1_STRING_length(dns)));
  if (dns_text != expected_dns) {
    return Invalid(absl::StrCat("subjectAltName DNS name does not name its own key (expected ",
                                expected_dns, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

CertificateBuilder& CertificateBuilder::SetDisplayName(absl::string_view name) {
  display_name_ = std::string(name);
  return *this;
}

CertificateBuilder& CertificateBuilder::SetValidDays(int days) {
  valid_days_ = days;
  return *this;
}

CertificateBuilder& CertificateBuilder::SetNow(Timestamp now) {
  now_ = now;
  return *this;
}

CertificateBuilder& CertificateBuilder::SetValidity(Timestamp not_before, Timestamp not_after) {
  not_before_ = not_before;
  not_after_ = not_after;
  return *this;
}

absl::StatusOr<std::string> CertificateBuilder::Build() const {
  CAIRN_RETURN_IF_ERROR(CheckDisplayName(display_name_));
  Timestamp not_before, not_after;
  if (not_before_.has_value()) {
    not_before = *not_before_;
    not_after = *not_after_;
  } else {
    if (valid_days_ < 1 || valid_days_ > kMaxCertificateValidDays) {
      return absl::InvalidArgumentError(absl::StrCat("certificate validity must be 1..",
                                                     kMaxCertificateValidDays, " days, got ",
                                                     valid_days_));
    }
    const Timestamp now = now_.has_value() ? *now_ : absl::ToUnixMicros(absl::Now());
    not_before = now - kMicrosPerHour;
    not_after = now + valid_days_ * kMicrosPerDay;
  }
  if (not_before < kMinCertificateTime || not_after >= kMaxTimestamp) {
    return absl::InvalidArgumentError("certificate validity must lie within 1950..9999");
  }
  if (not_before >= not_after) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate validity is empty: not_before ", FormatTimestamp(not_before),
                     " is not before not_after ", FormatTimestamp(not_after)));
  }

  CAIRN_ASSIGN_OR_RETURN(UniqueEvpPkey pkey, PrivateKeyOf(identity_));
  UniqueX509 cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot create certificate");
  }

  // A positive random serial: RFC 5280 asks for unique serials, and randomness needs no state.
  uint8_t serial_bytes[kSerialBytes];
  RandomBytes(serial_bytes, sizeof(serial_bytes));
  serial_bytes[0] = (serial_bytes[0] & 0x7f) | 0x01;
  UniqueBignum serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  if (serial == nullptr ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set certificate serial number");
  }

  CAIRN_RETURN_IF_ERROR(SetTime(X509_getm_notBefore(cert.get()), not_before));
  CAIRN_RETURN_IF_ERROR(SetTime(X509_getm_notAfter(cert.get()), not_after));

  const Fingerprint fingerprint = identity_.fingerprint();
  const std::string common_name = fingerprint.ToString();
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(display_name_.data()),
                                 static_cast<int>(display_name_.size()), -1, 0) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate display name is not valid UTF-8");
  }
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), pkey.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot set certificate subject");
  }

  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  const std::string san = absl::StrCat("DNS:", fingerprint.HostName());
  CAIRN_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, san.c_str()));

  // Ed25519 signs the message itself: no digest is named.
  if (X509_sign(cert.get(), pkey.get(), nullptr) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot sign certificate");
  }
  return ToPem(cert.get());
}

absl::StatusOr<CertificateInfo> ParseCertificate(absl::string_view pem) {
  if (pem.size() > kMaxCertificatePemBytes) {
    return Invalid(absl::StrCat(pem.size(), " bytes is more than a certificate PEM may have (",
                                kMaxCertificatePemBytes, ")"));
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(pem);
  if (!absl::StartsWith(trimmed, kPemBegin) || !absl::EndsWith(trimmed, kPemEnd)) {
    return Invalid(
        "expected one PEM block from \"-----BEGIN CERTIFICATE-----\" to "
        "\"-----END CERTIFICATE-----\"");
  }
  if (trimmed.find("-----BEGIN", 1) != absl::string_view::npos) {
    return Invalid("expected exactly one PEM block");
  }
  UniqueBio bio(BIO_new_mem_buf(trimmed.data(), static_cast<int>(trimmed.size())));
  UniqueX509 cert(bio == nullptr ? nullptr
                                 : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return Invalid("the PEM block does not decode to an X.509 certificate");
  if (X509_get_version(cert.get()) != X509_VERSION_3) return Invalid("not an X.509 v3 certificate");

  CAIRN_ASSIGN_OR_RETURN(PublicKey key, Ed25519KeyOf(cert.get()));
  const Fingerprint fingerprint = key.fingerprint();

  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_cmp(subject, X509_get_issuer_name(cert.get())) != 0) {
    return Invalid("not self-signed (issuer differs from subject)");
  }
  if (X509_verify(cert.get(), X509_get0_pubkey(cert.get())) != 1) {
    return Invalid("its signature is not made by its own key");
  }
  if (X509_NAME_entry_count(subject) != 2) return Invalid("subject must be exactly O and CN");
  CAIRN_ASSIGN_OR_RETURN(std::string common_name, OnlyEntry(subject, NID_commonName, "CN"));
  CAIRN_ASSIGN_OR_RETURN(std::string organization, OnlyEntry(subject, NID_organizationName, "O"));
  if (common_name != fingerprint.ToString()) {
    return Invalid(absl::StrCat("CN is not the fingerprint of the certificate's own key ",
                                fingerprint.ToString()));
  }
  CAIRN_RETURN_IF_ERROR(CheckExtensions(cert.get(), fingerprint));
  CAIRN_ASSIGN_OR_RETURN(Timestamp not_before,
                         ReadTime(X509_get0_notBefore(cert.get()), "notBefore"));
  CAIRN_ASSIGN_OR_RETURN(Timestamp not_after, ReadTime(X509_get0_notAfter(cert.get()), "notAfter"));
  CAIRN_ASSIGN_OR_RETURN(std::string canonical_pem, ToPem(cert.get()));

  return CertificateInfo{key,
                         fingerprint,
                         std::move(common_name),
                         std::move(organization),
                         fingerprint.HostName(),
                         not_before,
                         not_after,
                         std::move(canonical_pem)};
}

absl::StatusOr<SecretBytes> PrivateKeyPem(const Identity& identity) {
  CAIRN_ASSIGN_OR_RETURN(UniqueEvpPkey pkey, PrivateKeyOf(identity));
  // A secure-memory BIO wipes its buffer when freed.
  UniqueBio bio(BIO_new(BIO_s_secmem()));
  if (bio == nullptr || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0,
                                                      nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "cannot encode the private key as PKCS#8");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes::CopyFrom(absl::string_view(data, static_cast<size_t>(size)));
}

}  // namespace cairn
