// See release_hash.h.
#include "federation/release_hash.h"

#include "absl/strings/str_cat.h"
#include "crypto/hash.h"

namespace cairn {

std::string FederatedReleaseHash(absl::string_view round_digest_hex,
                                 const std::vector<Fingerprint>& final_cohort) {
  std::string text = absl::StrCat("cairn/federated-release/v1\n", round_digest_hex, "\n");
  for (const Fingerprint& f : final_cohort) absl::StrAppend(&text, f.ToString(), "\n");
  return Sha256(text);
}

}  // namespace cairn
