// Fuzz target: ParseCertificate on untrusted PEM. Whatever it accepts must satisfy the
// invariants the TLS layer relies on.
#include <string>
#include <vector>

#include "crypto/certificate.h"
#include "crypto/fuzz/fuzz_driver.h"
#include "crypto/identity.h"

namespace cairn {

std::vector<std::string> FuzzSeeds() {
  SecretArray<kSeedBytes> seed;
  seed.data()[0] = 7;
  const Identity identity = Identity::FromSeed(seed);
  const std::string pem = CertificateBuilder(identity).SetDisplayName("Fuzz AG").Build().value();
  return {pem, pem + pem, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"};
}

}  // namespace cairn

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cairn::FuzzCheck;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<cairn::CertificateInfo> info = cairn::ParseCertificate(input);
  if (!info.ok()) {
    FuzzCheck(info.status().code() == absl::StatusCode::kInvalidArgument, "only InvalidArgument");
    return 0;
  }
  FuzzCheck(info->fingerprint == info->public_key.fingerprint(), "fingerprint of own key");
  FuzzCheck(info->common_name == info->fingerprint.ToString(), "CN is the fingerprint");
  FuzzCheck(info->dns_name == info->fingerprint.HostName(), "SAN is the host name");
  // The canonical PEM parses to the same certificate.
  const absl::StatusOr<cairn::CertificateInfo> again = cairn::ParseCertificate(info->pem);
  FuzzCheck(again.ok() && again->pem == info->pem, "canonical PEM round-trips");
  return 0;
}
