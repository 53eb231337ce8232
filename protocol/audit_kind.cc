// See audit_kind.h.
#include "protocol/audit_kind.h"

#include <utility>

namespace cairn {
namespace {

using Kind = proto::AuditEntry::Kind;

constexpr std::pair<Kind, absl::string_view> kKinds[] = {
    {Kind::QUERY, "query"},
    {Kind::FEDERATED, "federated"},
    {Kind::FEDERATED_COUNTS, "federated-counts"},
    {Kind::FEDERATED_REQUEST, "federated-request"},
    {Kind::CONSORTIUM_ADD, "consortium-add"},
    {Kind::POLICY_APPLY, "policy-apply"},
    {Kind::PARTNER_ADD, "partner-add"},
    {Kind::PARTNER_REVOKE, "partner-revoke"},
    {Kind::PARTNER_ALLOW, "partner-allow"},
    {Kind::KEY_ROTATION, "key-rotation"},
};

}  // namespace

Kind AuditKindOf(absl::string_view stored) {
  for (const auto& [kind, text] : kKinds) {
    if (text == stored) return kind;
  }
  return Kind::OTHER;
}

absl::string_view AuditKindText(Kind kind) {
  for (const auto& [k, text] : kKinds) {
    if (k == kind) return text;
  }
  return "";
}

}  // namespace cairn
