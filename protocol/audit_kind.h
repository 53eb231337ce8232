// The kinds of audit entries: the text the log stores and hashes ("query", "partner-add", ...)
// and the admin protocol's enum for it (admin.capnp AuditEntry.Kind). The daemon maps the
// stored text to the enum; cairnctl maps it back when it writes an export, which must carry
// exactly the stored text for an auditor to recompute the hash. Pure; thread-safe.
#ifndef CAIRN_PROTOCOL_AUDIT_KIND_H_
#define CAIRN_PROTOCOL_AUDIT_KIND_H_

#include "absl/strings/string_view.h"
#include "protocol/admin.capnp.h"

namespace cairn {

// kOther for a kind this build does not know (the entry then carries the text as otherKind).
proto::AuditEntry::Kind AuditKindOf(absl::string_view stored);
// The stored text of a known kind; "" for kOther.
absl::string_view AuditKindText(proto::AuditEntry::Kind kind);

}  // namespace cairn

#endif  // CAIRN_PROTOCOL_AUDIT_KIND_H_
