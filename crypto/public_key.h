// Public identity material that any layer may hold: an Ed25519 public key and its fingerprint.
//
// A fingerprint is what participants exchange out of band and pin. It is the first 20 bytes of
// SHA-256 over the raw 32-byte Ed25519 public key, written as lower-case RFC 4648 base32
// without padding (exactly 32 characters) after the prefix "ed25519:", e.g.
//   ed25519:k3l2m4n5o6p7q2r3s4t5u6v7w2x3y4z5
// The same 32 characters plus ".cairn" name the key as a TLS host (see HostName()).
//
// Value types; thread-compatible. Nothing here is secret.
#ifndef CAIRN_CRYPTO_PUBLIC_KEY_H_
#define CAIRN_CRYPTO_PUBLIC_KEY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

inline constexpr size_t kPublicKeyBytes = 32;
inline constexpr size_t kFingerprintBytes = 20;
inline constexpr size_t kFingerprintBase32Chars = 32;
inline constexpr absl::string_view kFingerprintPrefix = "ed25519:";
inline constexpr absl::string_view kHostNameSuffix = ".cairn";

class PublicKey;

class Fingerprint {
 public:
  static Fingerprint Of(const PublicKey& key);

  // Parses "ed25519:<32 base32 characters>". Upper and lower case and surrounding whitespace
  // are accepted. InvalidArgument, saying what is wrong, for anything else.
  static absl::StatusOr<Fingerprint> Parse(absl::string_view text);

  // "ed25519:<32 lower-case base32 characters>".
  std::string ToString() const;
  // The 32 lower-case base32 characters alone.
  std::string Base32() const;
  // "<32 base32 characters>.cairn": the DNS name in the key's certificate, which a TLS client
  // passes as the expected host name to pin this key.
  std::string HostName() const;

  const std::array<uint8_t, kFingerprintBytes>& bytes() const { return bytes_; }

  friend bool operator==(const Fingerprint& a, const Fingerprint& b) {
    return a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const Fingerprint& a, const Fingerprint& b) { return !(a == b); }
  // Byte-wise order of the 20 bytes (not the ASCII order of the base32 text, where digits sort
  // before letters). Federation uses it to decide which member of a pair adds a mask.
  friend bool operator<(const Fingerprint& a, const Fingerprint& b) { return a.bytes_ < b.bytes_; }
  template <typename H>
  friend H AbslHashValue(H h, const Fingerprint& f) {
    return H::combine(std::move(h), f.bytes_);
  }
  friend std::ostream& operator<<(std::ostream& os, const Fingerprint& f) {
    return os << f.ToString();
  }

 private:
  explicit Fingerprint(const std::array<uint8_t, kFingerprintBytes>& bytes) : bytes_(bytes) {}
  std::array<uint8_t, kFingerprintBytes> bytes_;
};

// An Ed25519 public key: 32 bytes encoding a point of the prime-order subgroup.
class PublicKey {
 public:
  // InvalidArgument unless `bytes` is exactly 32 bytes encoding a valid Ed25519 point that is
  // not of small order (such keys would let anyone forge signatures or force shared secrets).
  static absl::StatusOr<PublicKey> FromBytes(absl::string_view bytes);

  const std::array<uint8_t, kPublicKeyBytes>& bytes() const { return bytes_; }
  absl::string_view AsStringView() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }
  Fingerprint fingerprint() const { return Fingerprint::Of(*this); }

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const PublicKey& a, const PublicKey& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const PublicKey& k) {
    return H::combine(std::move(h), k.bytes_);
  }
  friend std::ostream& operator<<(std::ostream& os, const PublicKey& k) {
    return os << k.fingerprint();
  }

 private:
  explicit PublicKey(const std::array<uint8_t, kPublicKeyBytes>& bytes) : bytes_(bytes) {}
  std::array<uint8_t, kPublicKeyBytes> bytes_;
};

}  // namespace cairn

#endif  // CAIRN_CRYPTO_PUBLIC_KEY_H_
