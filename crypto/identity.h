// A participant's Ed25519 identity: the private key that signs requests and results, opens
// sealed results and authenticates TLS, and the public key and fingerprint others pin.
//
// The private part is a 32-byte seed (libsodium's Ed25519 seed; the 64-byte signing key is
// derived from it). It lives in SecretArray members, is wiped when the Identity dies, and is
// never printed: there is no accessor outside crypto/ (crypto_internal::IdentityKeys, visible
// only to this package) and gtest prints only the fingerprint.
//
// On disk the seed is a small text file, created with mode 0600:
//   cairn-identity-v1
//   ed25519-seed <64 lower-case hex digits>
//   fingerprint ed25519:<32 base32 characters>
// The fingerprint line lets Load detect a corrupted or mismatched file.
//
// Identity is move-only and thread-compatible: const methods may run concurrently.
#ifndef CAIRN_CRYPTO_IDENTITY_H_
#define CAIRN_CRYPTO_IDENTITY_H_

#include <cstddef>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/public_key.h"
#include "crypto/secret.h"

namespace cairn {

inline constexpr size_t kSeedBytes = 32;
inline constexpr size_t kSecretKeyBytes = 64;  // libsodium's seed || public key form

namespace crypto_internal {
class IdentityKeys;
}  // namespace crypto_internal

class Identity {
 public:
  // A fresh identity from the CSPRNG.
  static Identity Generate();
  // The identity whose seed is `seed` (deterministic: tests use fixed seeds).
  static Identity FromSeed(const SecretArray<kSeedBytes>& seed);

  // Reads an identity file written by Save.
  //   NotFound            the file does not exist;
  //   FailedPrecondition  it is not a regular file, or group or others have any access to it
  //                       (the message says which mode it has and how to fix it);
  //   InvalidArgument     it is not in the format above (the message names the line, never
  //                       its contents), or its fingerprint line does not match its seed;
  //   Internal            the read itself failed (errno text included).
  static absl::StatusOr<Identity> Load(const std::string& path);

  enum class Overwrite { kRefuse, kReplace };
  // Writes the seed to `path` with mode 0600: to a temporary file in the same directory first,
  // fsync'ed, then renamed into place, so a crash leaves either no file or a complete one.
  //   AlreadyExists  `path` exists and `overwrite` is kRefuse;
  //   Internal       a system call failed (the message names it, the path and errno text).
  absl::Status Save(const std::string& path, Overwrite overwrite = Overwrite::kRefuse) const;

  const PublicKey& public_key() const { return public_key_; }
  Fingerprint fingerprint() const { return public_key_.fingerprint(); }

  Identity(Identity&&) noexcept = default;
  Identity& operator=(Identity&&) noexcept = default;
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  // For gtest: shows the fingerprint only.
  friend void PrintTo(const Identity& identity, std::ostream* os) {
    *os << "<identity " << identity.fingerprint() << ">";
  }

 private:
  friend class crypto_internal::IdentityKeys;

  Identity(SecretArray<kSeedBytes> seed, SecretArray<kSecretKeyBytes> secret_key,
           PublicKey public_key)
      : seed_(std::move(seed)), secret_key_(std::move(secret_key)), public_key_(public_key) {}

  SecretArray<kSeedBytes> seed_;
  SecretArray<kSecretKeyBytes> secret_key_;
  PublicKey public_key_;
};

}  // namespace cairn

#endif  // CAIRN_CRYPTO_IDENTITY_H_
