// Sealed boxes to Ed25519 identities; see sealing.h.
#include "crypto/sealing.h"

#include <sodium.h>

#include <array>
#include <string>

#include "absl/base/const_init.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"
#include "crypto/identity_keys.h"
#include "crypto/secret.h"

namespace cairn {

static_assert(kSealOverheadBytes == crypto_box_SEALBYTES);

namespace {

using X25519Key = std::array<unsigned char, crypto_scalarmult_curve25519_BYTES>;

// The X25519 form of an Ed25519 public key. The conversion costs about 43 us (a field
// inversion), and a daemon seals to the same few partners, and opens with its own key, over
// and over; the results are public values, kept for the life of the process (a bounded number).
absl::StatusOr<X25519Key> X25519Of(const PublicKey& key) {
  ABSL_CONST_INIT static absl::Mutex mu(absl::kConstInit);
  static auto* kept = new absl::flat_hash_map<std::string, X25519Key>();
  constexpr size_t kMaxKept = 4096;
  const std::string id(key.AsStringView());
  {
    absl::MutexLock lock(&mu);
    auto it = kept->find(id);
    if (it != kept->end()) return it->second;
  }
  X25519Key out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.bytes().data()) != 0) {
    return absl::InternalError(absl::StrCat("cannot convert the Ed25519 key of ",
                                            key.fingerprint().ToString(), " to X25519"));
  }
  absl::MutexLock lock(&mu);
  if (kept->size() >= kMaxKept) kept->clear();
  kept->emplace(id, out);
  return out;
}

}  // namespace

absl::StatusOr<std::string> Seal(const PublicKey& recipient, absl::string_view plaintext) {
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  CAIRN_ASSIGN_OR_RETURN(const X25519Key x25519_pk, X25519Of(recipient));
  std::string ciphertext(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(ciphertext.data()),
                      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                      x25519_pk.data()) != 0) {
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
  CAIRN_ASSIGN_OR_RETURN(const X25519Key x25519_pk, X25519Of(recipient.public_key()));
  SecretArray<crypto_scalarmult_curve25519_SCALARBYTES> x25519_sk;
  if (crypto_sign_ed25519_sk_to_curve25519(
          x25519_sk.data(), crypto_internal::IdentityKeys::SecretKey(recipient).data()) != 0) {
    return absl::InternalError("cannot convert this identity's Ed25519 key to X25519");
  }
  std::string plaintext(ciphertext.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plaintext.data()),
                           reinterpret_cast<const unsigned char*>(ciphertext.data()),
                           ciphertext.size(), x25519_pk.data(), x25519_sk.data()) != 0) {
    return absl::UnauthenticatedError(absl::StrCat("sealed box does not open with the key of ",
                                                   recipient.fingerprint().ToString(),
                                                   ": sealed to another recipient, or altered"));
  }
  return plaintext;
}

}  // namespace cairn
