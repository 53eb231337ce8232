// Public keys and fingerprints; see public_key.h.
#include "crypto/public_key.h"

#include <sodium.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/csprng.h"

namespace cairn {
namespace {

constexpr char kBase32Alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

// Value of a base32 digit (either case), or -1.
int Base32Value(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Quotes untrusted text for an error message: escaped and cut to a readable length.
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string shown = absl::CHexEscape(text.substr(0, kMaxShown));
  return absl::StrCat("\"", shown, text.size() > kMaxShown ? "...\"" : "\"");
}

}  // namespace

Fingerprint Fingerprint::Of(const PublicKey& key) {
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, key.bytes().data(), key.bytes().size());
  std::array<uint8_t, kFingerprintBytes> bytes;
  std::memcpy(bytes.data(), digest, bytes.size());
  return Fingerprint(bytes);
}

absl::StatusOr<Fingerprint> Fingerprint::Parse(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  if (!absl::StartsWithIgnoreCase(trimmed, kFingerprintPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a fingerprint: expected \"ed25519:\" followed by 32 base32 characters, "
                     "got ",
                     Quote(text)));
  }
  const absl::string_view digits = trimmed.substr(kFingerprintPrefix.size());
  if (digits.size() != kFingerprintBase32Chars) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a fingerprint: expected 32 base32 characters after \"ed25519:\", got ",
                     digits.size(), " in ", Quote(text)));
  }
  // 32 characters of 5 bits are exactly 160 bits: no padding, no spare bits to check.
  std::array<uint8_t, kFingerprintBytes> bytes{};
  for (size_t group = 0; group < kFingerprintBase32Chars / 8; ++group) {
    uint64_t bits = 0;
    for (size_t i = 0; i < 8; ++i) {
      const size_t pos = group * 8 + i;
      const int value = Base32Value(digits[pos]);
      if (value < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "not a fingerprint: character ", Quote(digits.substr(pos, 1)), " at position ",
            kFingerprintPrefix.size() + pos + 1, " is not base32 (a-z, 2-7) in ", Quote(text)));
      }
      bits = (bits << 5) | static_cast<uint64_t>(value);
    }
    for (size_t i = 0; i < 5; ++i)
      bytes[group * 5 + i] = static_cast<uint8_t>(bits >> (32 - 8 * i));
  }
  return Fingerprint(bytes);
}

std::string Fingerprint::Base32() const {
  std::string out;
  out.reserve(kFingerprintBase32Chars);
  for (size_t group = 0; group < kFingerprintBytes / 5; ++group) {
    uint64_t bits = 0;
    for (size_t i = 0; i < 5; ++i) bits = (bits << 8) | bytes_[group * 5 + i];
    for (int shift = 35; shift >= 0; shift -= 5)
      out.push_back(kBase32Alphabet[(bits >> shift) & 31]);
  }
  return out;
}

std::string Fingerprint::ToString() const { return absl::StrCat(kFingerprintPrefix, Base32()); }

std::string Fingerprint::HostName() const { return absl::StrCat(Base32(), kHostNameSuffix); }

absl::StatusOr<PublicKey> PublicKey::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kPublicKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key must be ", kPublicKeyBytes, " bytes, got ", bytes.size()));
  }
  CAIRN_RETURN_IF_ERROR(InitCrypto());
  std::array<uint8_t, kPublicKeyBytes> raw;
  std::memcpy(raw.data(), bytes.data(), raw.size());
  if (crypto_core_ed25519_is_valid_point(raw.data()) != 1) {
    return absl::InvalidArgumentError(
        "Ed25519 public key is not a valid point of the prime-order subgroup");
  }
  return PublicKey(raw);
}

}  // namespace cairn
