// How a federation member's audit entry names what it released, so that a kept federated
// result can be matched with every member's audit log.
//
// A member's "federated" audit entry for a release carries, as its result hash, the
// FederatedReleaseHash of the round and its final cohort; `cairnctl verify` prints the same
// hash for each member of a kept result. SHA-256 of
//   "cairn/federated-release/v1\n" <round digest, lower-case hex> "\n"
// followed by each final cohort member's fingerprint ("ed25519:..."), in cohort order, each
// followed by "\n". Pure; thread-safe. Here rather than in daemon/ because verifiers (cairnctl
// verify) compute it too.
#ifndef CAIRN_FEDERATION_RELEASE_HASH_H_
#define CAIRN_FEDERATION_RELEASE_HASH_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "crypto/public_key.h"

namespace cairn {

// 32 bytes.
std::string FederatedReleaseHash(absl::string_view round_digest_hex,
                                 const std::vector<Fingerprint>& final_cohort);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_RELEASE_HASH_H_
