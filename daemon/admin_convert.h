// The admin door's conversions: the daemon's values (grants, policy versions and changes,
// audit entries and verification, budgets, policy explanations, consortia) into the structs
// of protocol/admin.capnp that cairnctl reads. Field for field; nothing is rendered as text
// here, that is cairnctl's job. Pure functions; thread-compatible (each fills its builder).
#ifndef CAIRN_DAEMON_ADMIN_CONVERT_H_
#define CAIRN_DAEMON_ADMIN_CONVERT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "daemon/federation_service.h"
#include "daemon/release/stewardship.h"
#include "policy/policy.h"
#include "protocol/admin.capnp.h"
#include "storage/audit_entry.h"
#include "storage/audit_log.h"
#include "storage/policy_store.h"

namespace cairn {

// A view of `bytes` as Cap'n Proto Data; valid while `bytes` is.
capnp::Data::Reader DataOf(absl::string_view bytes);

void FillGrant(const Grant& grant, proto::Grant::Builder out);
// Version, time, file, who and hash; `changes` are filled separately (FillPolicyChanges).
void FillPolicyVersion(const PolicyVersion& version, proto::PolicyVersionInfo::Builder out);
void FillPolicyChanges(const PolicyChange& change, proto::PolicyChanges::Builder out);
void FillPolicyCheck(const PolicyExplanation& explanation, proto::PolicyCheck::Builder out);
void FillBudget(const BudgetView& budget, proto::BudgetInfo::Builder out);

// A kind the protocol does not know is sent as `other` with the stored text in otherKind.
void FillAuditEntry(const AuditEntry& entry, proto::AuditEntry::Builder out);
// `result` is what AuditWriter::Verify returned with `report`.
void FillAuditVerifyReport(const absl::Status& result, const AuditVerifyReport& report,
                           proto::AuditVerifyReport::Builder out);

void FillConsortium(const ConsortiumView& consortium, proto::ConsortiumInfo::Builder out);

}  // namespace cairn

#endif  // CAIRN_DAEMON_ADMIN_CONVERT_H_
