// Sealed boxes to Ed25519 identities; see sealing.h.
#include "crypto/sealing.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/identity_keys.h"
#include "crypto/secret.h"

namespace cairn {

static_assert(kSealOverheadBytes == crypto_box_SEALBYTES);

absl::StatusOr<std::string> Seal(const PublicKey& recipient, absl::string_view plaintext) {
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  unsigned char x25519_pk[crypto_scalarmult_curve25519_BYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x25519_pk, recipient.bytes().data()) != 0) {
    return absl::InternalError(absl::StrCat("cannot convert the Ed25519 key of ",
                                            recipient.fingerprint().ToString(), " to X25519"));
  }
  std::string ciphertext(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(ciphertext.data()),
                      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                      x25519_pk) != 0) {
    return absl::InternalError(
        absl::StrCat("crypto_box_seal to ", recipient.fingerprint().ToString(), " failed"));
  }
  return ciphertext;
}

absl::StatusOr<std::string> Open(const Identity& recipient, absl::string_view ciphertext) {
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  if (ciphertext.size() < crypto_box_SEALBYTES) {
    return absl::InvalidArgumentError(absl::StrCat("sealed box too short: ", ciphertext.size(),
                                                   " bytes, a sealed box has at least ",
                                                   crypto_box_SEALBYTES));
  }
  unsigned char x25519_pk[crypto_scalarmult_curve25519_BYTES];
  SecretArray<crypto_scalarmult_curve25519_SCALARBYTES> x25519_sk;
  if (crypto_sign_ed25519_pk_to_curve25519(x25519_pk, recipient.public_key().bytes().data()) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(
          x25519_sk.data(), crypto_internal::IdentityKeys::SecretKey(recipient).data()) != 0) {
    return absl::InternalError("cannot convert this identity's Ed25519 key to X25519");
  }
  std::string plaintext(ciphertext.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plaintext.data()),
                           reinterpret_cast<const unsigned char*>(ciphertext.data()),
                           ciphertext.size(), x25519_pk, x25519_sk.data()) != 0) {
    return absl::UnauthenticatedError(absl::StrCat("sealed box does not open with the key of ",
                                                   recipient.fingerprint().ToString(),
                                                   ": sealed to another recipient, or altered"));
  }
  return plaintext;
}

}  // namespace cairn
