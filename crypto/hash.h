// SHA-256 (libsodium) and the hex form used wherever a hash is shown to people.
// Thread-safe.
#ifndef CAIRN_CRYPTO_HASH_H_
#define CAIRN_CRYPTO_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace cairn {

inline constexpr size_t kSha256Bytes = 32;

// The 32-byte digest of `data`, as a byte string.
std::string Sha256(absl::string_view data);
// Lower-case hex of arbitrary bytes.
std::string HexEncode(absl::string_view bytes);
// Inverse of HexEncode; false if `hex` is not an even number of hex digits.
bool HexDecode(absl::string_view hex, std::string* out);

}  // namespace cairn

#endif  // CAIRN_CRYPTO_HASH_H_
