#include "storage/audit_entry.h"

#include "absl/strings/str_cat.h"
#include "storage/codec.h"

namespace cairn {
namespace {

constexpr absl::string_view kEntryTag = "cairn-audit-entry-v1";
constexpr absl::string_view kCheckpointTag = "cairn-audit-checkpoint-v1";
constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr absl::string_view kEllipsis = "...";

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if it does not start with one.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const auto continuation = [&](size_t i) { return i < s.size() && (byte(i) & 0xC0) == 0x80; };
  uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (b0 == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (b0 == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (b0 == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

absl::string_view AuditDecisionName(AuditDecision d) {
  switch (d) {
    case AuditDecision::kAllowed:
      return "allowed";
    case AuditDecision::kDenied:
      return "denied";
    case AuditDecision::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<AuditDecision> ParseAuditDecision(absl::string_view name) {
  for (AuditDecision d :
       {AuditDecision::kAllowed, AuditDecision::kDenied, AuditDecision::kFailed}) {
    if (AuditDecisionName(d) == name) return d;
  }
  return std::nullopt;
}

absl::string_view AuditKindName(AuditKind kind) {
  switch (kind) {
    case AuditKind::kQuery:
      return "query";
    case AuditKind::kFederated:
      return "federated";
    case AuditKind::kFederatedCounts:
      return "federated-counts";
    case AuditKind::kFederatedRequest:
      return "federated-request";
    case AuditKind::kPolicyApply:
      return "policy-apply";
    case AuditKind::kPartnerAdd:
      return "partner-add";
    case AuditKind::kPartnerRevoke:
      return "partner-revoke";
    case AuditKind::kPartnerAllow:
      return "partner-allow";
    case AuditKind::kConsortiumAdd:
      return "consortium-add";
    case AuditKind::kKeyRotation:
      return "key-rotation";
  }
  return "query";
}

std::optional<AuditKind> ParseAuditKind(absl::string_view name) {
  for (AuditKind k : {AuditKind::kQuery, AuditKind::kFederated, AuditKind::kFederatedCounts,
                      AuditKind::kFederatedRequest,
                      AuditKind::kPolicyApply, AuditKind::kPartnerAdd, AuditKind::kPartnerRevoke,
                      AuditKind::kPartnerAllow, AuditKind::kConsortiumAdd,
                      AuditKind::kKeyRotation}) {
    if (AuditKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool operator==(const AuditEntry& a, const AuditEntry& b) {
  return a.seq == b.seq && a.time == b.time && a.partner == b.partner &&
         a.partner_fingerprint == b.partner_fingerprint && a.request_hash == b.request_hash &&
         a.request_signature == b.request_signature && a.decision == b.decision &&
         a.reason == b.reason && a.grant == b.grant && a.policy_version == b.policy_version &&
         a.epsilon_micros == b.epsilon_micros && a.result_hash == b.result_hash &&
         a.kind == b.kind && a.prev_hash == b.prev_hash && a.hash == b.hash;
}

bool operator==(const AuditCheckpoint& a, const AuditCheckpoint& b) {
  return a.seq == b.seq && a.head_hash == b.head_hash && a.time == b.time &&
         a.public_key == b.public_key && a.signature == b.signature;
}

std::string EncodeAuditEntry(const AuditEntry& e) {
  std::string out;
  ByteWriter w(&out);
  w.Raw(kEntryTag);
  w.U64(e.seq);
  w.I64(e.time);
  w.Field(e.partner);
  w.Field(e.partner_fingerprint);
  w.Field(e.request_hash);
  w.Field(e.request_signature);
  w.Field(AuditDecisionName(e.decision));
  w.Field(e.reason);
  w.Field(e.grant);
  w.U64(e.policy_version);
  w.I64(e.epsilon_micros);
  w.Field(e.result_hash);
  w.Field(AuditKindName(e.kind));
  w.Field(e.prev_hash);
  return out;
}

std::string AuditEntryHash(const AuditEntry& entry) { return Sha256(EncodeAuditEntry(entry)); }

absl::Status DecodeAuditEntry(absl::string_view bytes, AuditEntry* e) {
  ByteReader r(bytes);
  absl::string_view tag;
  if (!r.Raw(kEntryTag.size(), &tag) || tag != kEntryTag) {
    return absl::InvalidArgumentError("not an audit entry (missing the cairn-audit-entry-v1 tag)");
  }
  std::string decision, kind;
  *e = AuditEntry();
  bool ok = r.U64(&e->seq) && r.I64(&e->time) && r.Field(&e->partner) &&
            r.Field(&e->partner_fingerprint) && r.Field(&e->request_hash) &&
            r.Field(&e->request_signature) && r.Field(&decision) && r.Field(&e->reason) &&
            r.Field(&e->grant) && r.U64(&e->policy_version) && r.I64(&e->epsilon_micros) &&
            r.Field(&e->result_hash) && r.Field(&kind) && r.Field(&e->prev_hash);
  if (!ok) return absl::InvalidArgumentError("audit entry is truncated");
  if (!r.done()) {
    return absl::InvalidArgumentError(
        absl::StrCat("audit entry has ", r.rest().size(), " trailing bytes"));
  }
  std::optional<AuditDecision> d = ParseAuditDecision(decision);
  if (!d) return absl::InvalidArgumentError(absl::StrCat("unknown decision '", decision, "'"));
  e->decision = *d;
  std::optional<AuditKind> k = ParseAuditKind(kind);
  if (!k) return absl::InvalidArgumentError(absl::StrCat("unknown entry kind '", kind, "'"));
  e->kind = *k;
  return absl::OkStatus();
}

std::string NormalizeAuditText(absl::string_view text, size_t max_bytes) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      out.append(kReplacement.data(), kReplacement.size());
      i += 1;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  if (out.size() <= max_bytes) return out;
  // Cut at a character boundary (out is valid UTF-8 now) so that "..." fits.
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  while (cut > 0 && (static_cast<uint8_t>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  if (max_bytes >= kEllipsis.size()) out.append(kEllipsis.data(), kEllipsis.size());
  return out;
}

std::string EncodeCheckpointForSigning(const AuditCheckpoint& c) {
  std::string out;
  ByteWriter w(&out);
  w.Raw(kCheckpointTag);
  w.U64(c.seq);
  w.Field(c.head_hash);
  w.I64(c.time);
  w.Field(c.public_key);
  return out;
}

}  // namespace cairn
