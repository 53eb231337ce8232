// The participant's identity on disk: DIR/identity.key (Ed25519 seed, mode 0600) and
// DIR/identity.crt (its self-signed certificate, which partners pin by fingerprint).
//
// Created by `cairnctl init`, replaced by `cairnctl identity rotate`, loaded by cairnd.
// Thread-compatible.
#ifndef CAIRN_PARTICIPANT_PARTICIPANT_IDENTITY_H_
#define CAIRN_PARTICIPANT_PARTICIPANT_IDENTITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/certificate.h"
#include "crypto/identity.h"
#include "participant/data_dir.h"

namespace cairn {

struct ParticipantIdentity {
  Identity identity;
  std::string certificate_pem;
  CertificateInfo certificate;
};

// Generates a key and a certificate valid for `valid_days`, naming `display_name` (trimmed to
// what a certificate can hold). AlreadyExists unless `replace`; when replacing, the old files
// are kept as identity.key.old / identity.crt.old and the old public key is appended to
// identity.previous.
absl::Status CreateParticipantIdentity(const DataDir& dir, absl::string_view display_name,
                                       int valid_days, bool replace);

// The public keys this participant used before `cairnctl identity rotate` (from
// DIR/identity.previous), oldest first: audit checkpoints signed with them stay verifiable.
absl::StatusOr<std::vector<PublicKey>> LoadFormerKeys(const DataDir& dir);

// Loads and cross-checks both files: the certificate must be a valid Cairn certificate for
// the key. NotFound / FailedPrecondition / InvalidArgument with the path and what is wrong.
absl::StatusOr<ParticipantIdentity> LoadParticipantIdentity(const DataDir& dir);

}  // namespace cairn

#endif  // CAIRN_PARTICIPANT_PARTICIPANT_IDENTITY_H_
