// See audit_json.h.
#include "tools/cairnctl/audit_json.h"

#include "base/time.h"
#include "crypto/hash.h"

namespace cairn {

absl::string_view AuditDecisionText(AuditVerdict d) {
  switch (d) {
    case AuditVerdict::ALLOWED:
      return "allowed";
    case AuditVerdict::DENIED:
      return "denied";
    case AuditVerdict::FAILED:
      return "failed";
  }
  return "failed";
}

Record AuditEntryRecord(const AuditEntryView& e) {
  Record r;
  r.Add("seq", e.seq)
      .Add("time", FormatTimestamp(e.time))
      .Add("time_micros", e.time)
      .Add("partner", e.partner)
      .Add("partner_fingerprint", e.partner_fingerprint)
      .Add("request_hash", HexEncode(e.request_hash))
      .Add("request_signature", HexEncode(e.request_signature))
      .Add("decision", AuditDecisionText(e.decision))
      .Add("reason", e.reason)
      .Add("grant", e.grant)
      .Add("policy_version", e.policy_version)
      .Add("epsilon_micros", e.epsilon_micros)
      .Add("result_hash", HexEncode(e.result_hash))
      .Add("kind", e.kind_text)
      .Add("prev_hash", HexEncode(e.prev_hash))
      .Add("hash", HexEncode(e.hash));
  return r;
}

std::string AuditEntryToJson(const AuditEntryView& e) {
  return CompactJson(AuditEntryRecord(e).ToJson());
}

}  // namespace cairn
