// Access to an Identity's private key for the code in crypto/ that uses it (signing, opening
// sealed boxes, certificates, key agreement). Visible to the crypto package only: everything
// outside crypto/ works with an Identity through those operations and never sees the key.
//
// Stateless; thread-safe as far as the Identity is (const access only).
#ifndef CAIRN_CRYPTO_IDENTITY_KEYS_H_
#define CAIRN_CRYPTO_IDENTITY_KEYS_H_

#include "crypto/identity.h"
#include "crypto/secret.h"

namespace cairn {
namespace crypto_internal {

class IdentityKeys {
 public:
  static const SecretArray<kSeedBytes>& Seed(const Identity& identity) { return identity.seed_; }
  // libsodium's 64-byte Ed25519 secret key (seed || public key).
  static const SecretArray<kSecretKeyBytes>& SecretKey(const Identity& identity) {
    return identity.secret_key_;
  }
};

}  // namespace crypto_internal
}  // namespace cairn

#endif  // CAIRN_CRYPTO_IDENTITY_KEYS_H_
