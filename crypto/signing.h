// Detached Ed25519 signatures (libsodium crypto_sign_detached / crypto_sign_verify_detached).
//
// Requests are signed by the requester and results by the answering daemon. The bytes signed
// are the caller's: a caller that signs more than one kind of message should put a kind tag
// (e.g. "cairn-result-v1") into those bytes so that one kind cannot be replayed as another.
//
// Verification rejects non-canonical signatures and small-order public keys (libsodium 1.0.18
// semantics), so a signature cannot be mauled into a second valid one.
//
// All functions are thread-safe.
#ifndef CAIRN_CRYPTO_SIGNING_H_
#define CAIRN_CRYPTO_SIGNING_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"

namespace cairn {

inline constexpr size_t kSignatureBytes = 64;

class Signature {
 public:
  // InvalidArgument unless `bytes` has exactly 64 bytes.
  static absl::StatusOr<Signature> FromBytes(absl::string_view bytes);

  const std::array<uint8_t, kSignatureBytes>& bytes() const { return bytes_; }
  absl::string_view AsStringView() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }
  friend bool operator==(const Signature& a, const Signature& b) { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const Signature& a, const Signature& b) { return !(a == b); }

 private:
  friend Signature Sign(const Identity& identity, absl::string_view message);
  Signature() = default;
  std::array<uint8_t, kSignatureBytes> bytes_{};
};

// Signs `message` with the identity's private key.
Signature Sign(const Identity& identity, absl::string_view message);

// OK if `signature` is `signer`'s signature over exactly `message`; Unauthenticated, naming the
// signer's fingerprint, otherwise.
absl::Status Verify(const PublicKey& signer, absl::string_view message, const Signature& signature);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_SIGNING_H_
