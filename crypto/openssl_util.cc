// OpenSSL plumbing; see openssl_util.h.
#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace crypto_internal {

absl::Status OpenSslError(absl::StatusCode code, absl::string_view what) {
  std::string details;
  // Bounded: the queue is finite, and the cap keeps a pathological queue from bloating the
  // message.
  for (int i = 0; i < 8; ++i) {
    const unsigned long error = ERR_get_error();
    if (error == 0) break;
    char text[256];
    ERR_error_string_n(error, text, sizeof(text));
    absl::StrAppend(&details, details.empty() ? "" : "; ", text);
  }
  ERR_clear_error();
  if (details.empty()) return absl::Status(code, what);
  return absl::Status(code, absl::StrCat(what, ": ", details));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace crypto_internal
}  // namespace cairn
