// Ed25519 signatures; see signing.h.
#include "crypto/signing.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/identity_keys.h"

namespace cairn {

absl::StatusOr<Signature> Signature::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kSignatureBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 signature has ", kSignatureBytes, " bytes, got ", bytes.size()));
  }
  Signature signature;
  std::memcpy(signature.bytes_.data(), bytes.data(), kSignatureBytes);
  return signature;
}

Signature Sign(const Identity& identity, absl::string_view message) {
  Signature signature;
  // Cannot fail for a well-formed secret key, which an Identity always holds.
  crypto_sign_detached(signature.bytes_.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       crypto_internal::IdentityKeys::SecretKey(identity).data());
  return signature;
}

absl::Status Verify(const PublicKey& signer, absl::string_view message,
                    const Signature& signature) {
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  if (crypto_sign_verify_detached(signature.bytes().data(),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), signer.bytes().data()) != 0) {
    return absl::UnauthenticatedError(absl::StrCat("signature does not verify: not made by ",
                                                   signer.fingerprint().ToString(),
                                                   " over these bytes"));
  }
  return absl::OkStatus();
}

}  // namespace cairn
