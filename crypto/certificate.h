// Self-signed X.509 v3 certificates for Ed25519 identities, used only to carry the identity
// key through TLS: trust comes from pinning the key (the trust store holds exactly the
// partners' certificates), not from a CA.
//
// A Cairn certificate has
//   subject = issuer = O=<display name>, CN=ed25519:<fingerprint of its own key>
//   subjectAltName   = DNS:<fingerprint base32>.cairn   (the host name a TLS client pins)
//   basicConstraints = critical, CA:FALSE   (so no partner can issue certificates for others)
//   keyUsage         = critical, digitalSignature
//   extendedKeyUsage = serverAuth, clientAuth
//   validity         = [now - 1 h, now + N days]   (the hour absorbs clock skew)
//
// All functions are thread-safe; CertificateBuilder is thread-compatible.
#ifndef CAIRN_CRYPTO_CERTIFICATE_H_
#define CAIRN_CRYPTO_CERTIFICATE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"
#include "crypto/secret.h"

namespace cairn {

inline constexpr int kDefaultCertificateValidDays = 365;
inline constexpr int kMaxCertificateValidDays = 3650;
// X.520 upper bound for organizationName.
inline constexpr size_t kMaxDisplayNameBytes = 64;
// A Cairn certificate PEM is under 1 KiB; the cap bounds what an untrusted peer file costs.
inline constexpr size_t kMaxCertificatePemBytes = 16 * 1024;

// Builds and signs the certificate for one identity.
//
//   CAIRN_ASSIGN_OR_RETURN(std::string pem,
//                          CertificateBuilder(identity).SetDisplayName("Acme Steel").Build());
class CertificateBuilder {
 public:
  // `identity` must outlive the builder.
  explicit CertificateBuilder(const Identity& identity) : identity_(identity) {}

  // The participant's name, stored as O. Required: 1..64 bytes of UTF-8, no control characters.
  CertificateBuilder& SetDisplayName(absl::string_view name);
  // Validity [now - 1 h, now + days]; 1..3650, default 365.
  CertificateBuilder& SetValidDays(int days);
  // The clock reading to start from; default: the wall clock when Build() runs.
  CertificateBuilder& SetNow(Timestamp now);
  // Explicit validity (tests: expired or not yet valid); overrides SetNow/SetValidDays.
  CertificateBuilder& SetValidity(Timestamp not_before, Timestamp not_after);

  // The certificate as PEM. InvalidArgument naming the bad parameter (display name, days,
  // validity); Internal if OpenSSL fails.
  absl::StatusOr<std::string> Build() const;

 private:
  const Identity& identity_;
  std::string display_name_;
  int valid_days_ = kDefaultCertificateValidDays;
  std::optional<Timestamp> now_;
  std::optional<Timestamp> not_before_;
  std::optional<Timestamp> not_after_;
};

// What a Cairn certificate says, after ParseCertificate checked it.
struct CertificateInfo {
  PublicKey public_key;
  Fingerprint fingerprint;   // of public_key
  std::string common_name;   // == fingerprint.ToString()
  std::string organization;  // the display name
  std::string dns_name;      // == fingerprint.HostName()
  Timestamp not_before;      // whole seconds
  Timestamp not_after;
  std::string pem;  // the certificate re-encoded as one canonical PEM block
};

// Parses and checks one PEM certificate from an untrusted source. Does not look at the clock:
// the caller (or the TLS handshake) judges not_before/not_after. InvalidArgument, saying which
// rule failed, if the text is not exactly one PEM certificate of at most 16 KiB, is not X.509
// v3, has a key that is not Ed25519, is not validly self-signed, has a CN that is not the
// fingerprint of its own key, lacks basicConstraints or says CA:TRUE, has a subjectAltName
// other than exactly DNS:<fingerprint>.cairn, or a keyUsage without digitalSignature.
absl::StatusOr<CertificateInfo> ParseCertificate(absl::string_view pem);

// The identity's private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), the form
// kj::TlsPrivateKey reads. Internal if OpenSSL fails.
absl::StatusOr<SecretBytes> PrivateKeyPem(const Identity& identity);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_CERTIFICATE_H_
