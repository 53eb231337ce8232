// Sealing results to the partner who asked: libsodium sealed boxes (anonymous sender,
// X25519 + XSalsa20-Poly1305) addressed to the X25519 key converted from the recipient's
// Ed25519 identity key, so a partner needs one key pair for everything.
//
// A sealed box hides the plaintext from everyone but the recipient and detects any change to
// the ciphertext; it does not say who sealed it. Results are therefore signed (signing.h) as
// well as sealed. Ciphertext is plaintext + kSealOverheadBytes bytes.
//
// All functions are thread-safe.
#ifndef CAIRN_CRYPTO_SEALING_H_
#define CAIRN_CRYPTO_SEALING_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"

namespace cairn {

inline constexpr size_t kSealOverheadBytes = 48;  // crypto_box_SEALBYTES

// Seals `plaintext` so that only `recipient`'s identity can open it. Internal only if libsodium
// fails (it does not for a valid PublicKey).
absl::StatusOr<std::string> Seal(const PublicKey& recipient, absl::string_view plaintext);

// Opens a box sealed to `recipient`. InvalidArgument if `ciphertext` is shorter than a sealed
// box can be; Unauthenticated if it was sealed to another key or altered.
absl::StatusOr<std::string> Open(const Identity& recipient, absl::string_view ciphertext);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_SEALING_H_
