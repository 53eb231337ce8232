// Signed requests and signed, sealed results: the envelopes partners exchange.
//
// A requester signs a QueryRequest (query, both keys, a fresh 24-byte nonce, its clock); the
// answering daemon signs an Attestation (query, result rows, its key and name, the requester,
// the request's hash, the time, how the figures were protected) and seals the SignedResult to
// the requester. Payloads are canonical Cap'n Proto encodings; signatures cover a domain tag
// plus the exact payload bytes, so a request can never pass for a result or vice versa.
// A SignedResult kept in a file is armoured text (ArmorSignedResult) that `cairnctl verify`
// checks offline. Stateless functions; thread-safe.
#ifndef CAIRN_PROTOCOL_SIGNED_ENVELOPE_H_
#define CAIRN_PROTOCOL_SIGNED_ENVELOPE_H_

#include <capnp/message.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/time.h"
#include "crypto/identity.h"
#include "crypto/public_key.h"
#include "model/query.h"

namespace cairn {

inline constexpr size_t kNonceBytes = 24;

// Limits for decoding a peer's envelope: 1 MiB and 32 levels of nesting. They bound the
// memory and time a hostile payload can cost.
capnp::ReaderOptions EnvelopeReaderOptions();

struct SignedBytes {
  std::string payload;    // canonical Cap'n Proto encoding
  std::string signature;  // 64 bytes
};

struct QueryRequestInfo {
  Query query;
  PublicKey requester;
  PublicKey target;
  std::string nonce;  // kNonceBytes
  Timestamp issued_at = 0;
  std::string hash;  // SHA-256 of the payload
};

// Builds and signs a request from `requester` to `target`, with a fresh nonce.
absl::StatusOr<SignedBytes> SignQueryRequest(const Identity& requester, const PublicKey& target,
                                             const Query& query, Timestamp now);
// Decodes a request and checks its signature by the key it names. InvalidArgument for a
// malformed payload (too big, too deep, bad fields), Unauthenticated for a bad signature.
// Freshness, nonce reuse and whether the requester is who the connection says are the
// caller's checks.
//
// `known`: keys the caller already holds and checked (its own, the connection's peer). A key
// in the message that equals one of them byte for byte is taken as it is; any other key gets
// PublicKey::FromBytes's full check (about 40 us each). A key that differs is still refused by
// the caller's checks: this saves work, it does not relax anything.
absl::StatusOr<QueryRequestInfo> OpenQueryRequest(const SignedBytes& request,
                                                  absl::Span<const PublicKey> known = {});

struct Protection {
  std::string grant;
  uint64_t policy_version = 0;
  uint64_t suppressed_groups = 0;
  std::string noise;  // "" for exact figures
  double epsilon_spent = 0;
  std::string audit_receipt;  // hash of the audit entry
};

struct AttestationInfo {
  Query query;
  QueryResult result;
  PublicKey attester;
  std::string attester_name;
  PublicKey requester;
  std::string request_hash;
  Timestamp answered_at = 0;
  Protection protection;
};

absl::StatusOr<SignedBytes> SignAttestation(const Identity& attester, const AttestationInfo& info);
// Decodes a result and checks its signature by the attester key it names; InvalidArgument /
// Unauthenticated as above. Whether that attester is the one expected is the caller's check.
// `known` as for OpenQueryRequest (the requester passes its own key and the partner's).
absl::StatusOr<AttestationInfo> VerifySignedResult(const SignedBytes& result,
                                                   absl::Span<const PublicKey> known = {});

// A SignedResult as one canonical message (what is sealed), and back.
std::string EncodeSignedResult(const SignedBytes& result);
absl::StatusOr<SignedBytes> DecodeSignedResult(absl::string_view bytes);

// The text form kept in files: a header line, base64 of EncodeSignedResult, a footer line.
std::string ArmorSignedResult(const SignedBytes& result);
absl::StatusOr<SignedBytes> DearmorSignedResult(absl::string_view text);

}  // namespace cairn

#endif  // CAIRN_PROTOCOL_SIGNED_ENVELOPE_H_
