// One entry of the audit log and one signed checkpoint, with their canonical byte encodings.
//
// The encodings are the contract with auditors: anyone holding an export can recompute every
// hash and check every signature in another language. Notation: u64(x) / i64(x) are 8 bytes,
// big-endian (i64 in two's complement); str(x) is the byte length of x as 4 bytes big-endian,
// then the bytes of x; || is concatenation; text is UTF-8.
//
//   entry_bytes = "cairn-audit-entry-v1"          (20 ASCII bytes, no length)
//                 || u64(seq) || i64(time_micros)
//                 || str(partner) || str(partner_fingerprint)
//                 || str(request_hash) || str(request_signature)
//                 || str(decision)                 ("allowed", "denied" or "failed")
//                 || str(reason) || str(grant)
//                 || u64(policy_version) || i64(epsilon_micros)
//                 || str(result_hash) || str(kind)      (AuditKindName)
//                 || str(prev_hash)                (32 bytes; 32 zero bytes for seq 1)
//   entry_hash  = SHA-256(entry_bytes)
//
//   checkpoint_bytes = "cairn-audit-checkpoint-v1"  (25 ASCII bytes, no length)
//                      || u64(seq) || str(head_hash) || i64(time_micros) || str(public_key)
//   signature        = the signer's signature over checkpoint_bytes (Ed25519 for cairnd)
//
// Every field has a fixed position and a length, so two different entries never share an
// encoding, and the domain tags keep an entry from being passed off as a checkpoint.
// Pure functions on values; thread-safe.
#ifndef CAIRN_STORAGE_AUDIT_ENTRY_H_
#define CAIRN_STORAGE_AUDIT_ENTRY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/time.h"

namespace cairn {

enum class AuditDecision { kAllowed, kDenied, kFailed };
absl::string_view AuditDecisionName(AuditDecision d);  // "allowed", "denied", "failed"
std::optional<AuditDecision> ParseAuditDecision(absl::string_view name);

// What an entry records. The encoding stores the name, so the order here is free to change;
// a name, once written to a log, must never change meaning.
enum class AuditKind {
  kQuery,             // "query": a partner's query, answered, refused or failed
  kFederated,         // "federated": this daemon's figures in another member's round, or
                      // its refusal or failure there
  kFederatedCounts,   // "federated-counts": its contributor commitments sent into a round
  kFederatedRequest,  // "federated-request": a round this daemon ran
  kPolicyApply,       // "policy-apply": a policy version applied
  kPartnerAdd,        // "partner-add": a partner registered
  kPartnerRevoke,     // "partner-revoke": a partner revoked
  kPartnerAllow,      // "partner-allow": a partner's metric allow-list changed (no policy yet)
  kConsortiumAdd,     // "consortium-add": a consortium roster imported
  kKeyRotation,       // "key-rotation": from here on, checkpoints are signed by a new identity
                      // key (its 32 bytes are the entry's result_hash)
};
absl::string_view AuditKindName(AuditKind kind);
std::optional<AuditKind> ParseAuditKind(absl::string_view name);

// Limits on what one entry may hold, so that a request cannot make the log grow without
// bound. Text over the limit is cut (see NormalizeAuditText); byte fields are hashes and
// signatures the daemon computes, so one over the limit is a bug and is refused.
inline constexpr size_t kMaxAuditTextBytes = 16 << 10;
inline constexpr size_t kMaxAuditBinaryBytes = 1 << 10;

struct AuditEntry {
  uint64_t seq = 0;  // 1, 2, ...; assigned by AuditLog::Prepare
  Timestamp time = 0;
  std::string partner;              // who asked ("" for the owner's own actions)
  std::string partner_fingerprint;  // text, as partners exchange it
  std::string request_hash;         // bytes
  std::string request_signature;    // bytes
  AuditDecision decision = AuditDecision::kDenied;
  std::string reason;
  std::string grant;  // "" if no grant applied
  uint64_t policy_version = 0;
  int64_t epsilon_micros = 0;  // spent by this request (millionths of epsilon)
  std::string result_hash;     // bytes; empty if nothing was released
  AuditKind kind = AuditKind::kQuery;
  std::string prev_hash;  // assigned by AuditLog::Prepare
  std::string hash;       // assigned by AuditLog::Prepare

  friend bool operator==(const AuditEntry& a, const AuditEntry& b);
};

// entry_bytes above (entry.hash is not part of it).
std::string EncodeAuditEntry(const AuditEntry& entry);
// SHA-256 of EncodeAuditEntry(entry).
std::string AuditEntryHash(const AuditEntry& entry);
// Parses entry_bytes into `entry` (hash left empty). InvalidArgument saying what is wrong if
// the bytes are not exactly one encoded entry.
absl::Status DecodeAuditEntry(absl::string_view bytes, AuditEntry* entry);

// Replaces every invalid UTF-8 sequence with U+FFFD and cuts text longer than `max_bytes` at a
// character boundary, ending it with "...". Text that is valid and short enough is unchanged.
std::string NormalizeAuditText(absl::string_view text, size_t max_bytes = kMaxAuditTextBytes);

struct AuditCheckpoint {
  uint64_t seq = 0;       // the last entry covered
  std::string head_hash;  // that entry's hash
  Timestamp time = 0;
  std::string public_key;  // the signer's, as the signer gave it
  std::string signature;   // over EncodeCheckpointForSigning()

  friend bool operator==(const AuditCheckpoint& a, const AuditCheckpoint& b);
};

// checkpoint_bytes above: what the signer signs.
std::string EncodeCheckpointForSigning(const AuditCheckpoint& checkpoint);

}  // namespace cairn

#endif  // CAIRN_STORAGE_AUDIT_ENTRY_H_
