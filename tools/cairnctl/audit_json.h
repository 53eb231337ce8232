// Audit entries as `cairnctl audit export` writes them: JSON Lines, one object per entry. This
// is a contract with auditors: the field names and encodings below do not change.
//
// An entry is written with its fields by name, in the order of its hash encoding
// (storage/audit_entry.h), bytes as lowercase hex and times both as RFC 3339 and as the
// microseconds that are hashed:
//   {"seq":1,"time":"2026-03-01T12:00:00Z","time_micros":1772366400000000,"partner":"oem",
//    "partner_fingerprint":"...","request_hash":"ab..","request_signature":"..",
//    "decision":"allowed","reason":"..","grant":"..","policy_version":3,
//    "epsilon_micros":250000,"result_hash":"..","kind":"query","prev_hash":"..","hash":".."}
// Text the log stored is valid UTF-8 (AuditLog::Prepare normalises it), so an auditor can
// recompute every hash from an export; text that is not (a damaged database) is written with
// U+FFFD in place of bad bytes, and its hash will not recompute — as it should not.
// Pure functions; thread-safe.
#ifndef CAIRN_TOOLS_CAIRNCTL_AUDIT_JSON_H_
#define CAIRN_TOOLS_CAIRNCTL_AUDIT_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "tools/cairnctl/admin_client.h"
#include "tools/cairnctl/render.h"

namespace cairn {

absl::string_view AuditDecisionText(AuditVerdict decision);  // "allowed", "denied", "failed"

// The entry's fields as above, for every output format (audit show, tail --format json).
Record AuditEntryRecord(const AuditEntryView& entry);
// One line of JSON, without the newline.
std::string AuditEntryToJson(const AuditEntryView& entry);

}  // namespace cairn

#endif  // CAIRN_TOOLS_CAIRNCTL_AUDIT_JSON_H_
