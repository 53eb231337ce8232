// libFuzzer target: ParseCertificate on untrusted PEM (partner certificates arrive in files
// and TLS handshakes). Whatever it accepts must satisfy the invariants the TLS layer relies on.
#include <cstddef>
#include <cstdint>

#include "crypto/certificate.h"
#include "tests/fuzz/fuzz_check.h"

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
