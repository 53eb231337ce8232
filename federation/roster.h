// The consortium roster: the file the stewards of a consortium agree on, naming the consortium
// and its members with their key fingerprints and endpoints. Every member keeps its own copy
// and trusts only it: a cohort member missing from this member's roster makes it refuse the
// round (no Sybils), whatever the requester says.
//
//   version = 1
//   consortium = "steel-bench"          # [a-z0-9][a-z0-9_-]*, at most 64 bytes
//
//   [[member]]
//   name = "acme-steel"                 # partner name: policy grants name members by it
//   fingerprint = "ed25519:k3l2m4n5o6p7q2r3s4t5u6v7w2x3y4z5"
//   endpoint = "cairn.acme-steel.example:7443"   # host:port of its cairnd
//   certificate = """                   # optional: its certificate (PEM); its key must
//   -----BEGIN CERTIFICATE-----         # have the fingerprint above. The daemon needs it to
//   ...                                 # trust the member's TLS handshake.
//   -----END CERTIFICATE-----"""
//
// Names and fingerprints are unique; a roster has 2..kMaxCohortMembers members. Every key not
// listed here is an error. Errors name file, line, column, member and field, and all of them
// are reported at once; nothing is half-loaded.
//
// An immutable value after parsing; any number of threads may read one.
#ifndef CAIRN_FEDERATION_ROSTER_H_
#define CAIRN_FEDERATION_ROSTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/public_key.h"

namespace cairn {

// Bounds what a roster file can make the parser allocate.
inline constexpr size_t kMaxRosterFileBytes = 4 << 20;

struct RosterMember {
  std::string name;
  Fingerprint fingerprint;
  std::string endpoint{};
  std::optional<PublicKey> public_key{};  // from the certificate, when given
  std::string certificate_pem{};          // canonical PEM, or empty
};

class ConsortiumRoster {
 public:
  // A roster from values (tests, tools). InvalidArgument listing every problem, as the parser.
  static absl::StatusOr<ConsortiumRoster> Make(std::string consortium,
                                               std::vector<RosterMember> members);

  const std::string& consortium() const { return consortium_; }
  const std::vector<RosterMember>& members() const { return members_; }  // sorted by name

  // nullptr if no member has that fingerprint (or name).
  const RosterMember* Find(const Fingerprint& fingerprint) const;
  const RosterMember* FindByName(absl::string_view name) const;
  bool Contains(const PublicKey& key) const { return Find(key.fingerprint()) != nullptr; }
  // The public keys the roster holds (members listed with a certificate or a key).
  std::vector<PublicKey> KnownPublicKeys() const;

 private:
  ConsortiumRoster() = default;
  std::string consortium_;
  std::vector<RosterMember> members_;
};

// The roster in `text`; `file_name` names it in messages. InvalidArgument listing every error
// ("roster.toml:7:15: member 'acme-steel' field 'fingerprint': ...").
absl::StatusOr<ConsortiumRoster> ParseRoster(absl::string_view file_name, absl::string_view text);

// Reads and parses the file at `path`. NotFound / PermissionDenied if it cannot be read,
// InvalidArgument if it is larger than kMaxRosterFileBytes, else as ParseRoster.
absl::StatusOr<ConsortiumRoster> LoadRoster(const std::string& path);

}  // namespace cairn

#endif  // CAIRN_FEDERATION_ROSTER_H_
