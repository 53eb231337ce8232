#include "storage/audit_json.h"

#include <nlohmann/json.hpp>

#include "base/status_macros.h"
#include "base/time.h"
#include "storage/codec.h"

namespace cairn {
namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace

std::string AuditEntryToJson(const AuditEntry& e) {
  Json json;
  json["seq"] = e.seq;
  json["time"] = FormatTimestamp(e.time);
  json["time_micros"] = e.time;
  json["partner"] = e.partner;
  json["partner_fingerprint"] = e.partner_fingerprint;
  json["request_hash"] = HexEncode(e.request_hash);
  json["request_signature"] = HexEncode(e.request_signature);
  json["decision"] = std::string(AuditDecisionName(e.decision));
  json["reason"] = e.reason;
  json["grant"] = e.grant;
  json["policy_version"] = e.policy_version;
  json["epsilon_micros"] = e.epsilon_micros;
  json["result_hash"] = HexEncode(e.result_hash);
  json["kind"] = std::string(AuditKindName(e.kind));
  json["prev_hash"] = HexEncode(e.prev_hash);
  json["hash"] = HexEncode(e.hash);
  return Dump(json);
}

std::string AuditCheckpointToJson(const AuditCheckpoint& c) {
  Json json;
  json["checkpoint_seq"] = c.seq;
  json["head_hash"] = HexEncode(c.head_hash);
  json["time"] = FormatTimestamp(c.time);
  json["time_micros"] = c.time;
  json["public_key"] = HexEncode(c.public_key);
  json["signature"] = HexEncode(c.signature);
  return Dump(json);
}

absl::Status ExportAuditJsonLines(const AuditLog& log, uint64_t from_seq, std::ostream& out) {
  CAIRN_RETURN_IF_ERROR(log.ForEach(from_seq, [&](const AuditEntry& entry) {
    out << AuditEntryToJson(entry) << '\n';
    return static_cast<bool>(out);
  }));
  out.flush();
  if (!out) return absl::InternalError("audit export: writing the output failed");
  return absl::OkStatus();
}

}  // namespace cairn
