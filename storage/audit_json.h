// JSON Lines for `cairnctl audit export`: one JSON object per entry or checkpoint.
//
// An entry is written with its fields by name, in the order of its hash encoding
// (audit_entry.h), bytes as lowercase hex and times both as RFC 3339 and as the microseconds
// that are hashed:
//   {"seq":1,"time":"2026-03-01T12:00:00Z","time_micros":1772366400000000,"partner":"oem",
//    "partner_fingerprint":"...","request_hash":"ab..","request_signature":"..",
//    "decision":"allowed","reason":"..","grant":"..","policy_version":3,
//    "epsilon_micros":250000,"result_hash":"..","kind":"query","prev_hash":"..","hash":".."}
// A checkpoint:
//   {"checkpoint_seq":100,"head_hash":"..","time":"..","time_micros":..,"public_key":"..",
//    "signature":".."}
// Text the log stored is valid UTF-8 (AuditLog::Prepare normalises it), so an auditor can
// recompute every hash from an export; text that is not (a damaged database) is written with
// U+FFFD in place of bad bytes, and its hash will not recompute — as it should not.
// Pure functions; thread-safe (ExportAuditJsonLines as AuditLog's readers).
#ifndef CAIRN_STORAGE_AUDIT_JSON_H_
#define CAIRN_STORAGE_AUDIT_JSON_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "storage/audit_entry.h"
#include "storage/audit_log.h"

namespace cairn {

// One line of JSON, without the newline.
std::string AuditEntryToJson(const AuditEntry& entry);
std::string AuditCheckpointToJson(const AuditCheckpoint& checkpoint);

// Writes every entry from `from_seq` on, one per line. Errors as AuditLog::ForEach; Internal
// if the stream fails.
absl::Status ExportAuditJsonLines(const AuditLog& log, uint64_t from_seq, std::ostream& out);

}  // namespace cairn

#endif  // CAIRN_STORAGE_AUDIT_JSON_H_
